"""Gold Book helpers: pure functions for each concern, plus the edges that read and write.

Modules, one concern each:
    paths, config, periods          where things live, the entity's settings, reporting periods
    contract, ingest, store         the raw-data contract, validation, the processed store (edges)
    kpis, adoption, satisfaction, impact, readiness, recognition   computation on frames
    plots, messages, publish        house style, the bilingual catalogue, showing and writing outputs
    runner, provenance, book, demo, cli                             the pipeline and its front door
"""

__version__ = "0.1.0"
