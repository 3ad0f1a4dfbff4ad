"""demo: deterministic synthetic raw data for the model case and the ground truth behind it.

``generate`` runs the simulators month by month and writes the files; one module per table
(``staff``, ``tickets``, ``surveys``, ``feedback``, ``self_assessment``), the initiatives and their
injected effects (``initiatives``), the ground truth (``truth``), and what they share: the model
case's ids (``case``), months, working days and the run context (``working_days``), seeded randomness (``draws``)
and the tables' columns and CSV text (``tables``).
"""
