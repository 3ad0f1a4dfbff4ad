"""Gold Book helpers: the package behind the notebooks and the ``goldbook`` command.

The data flows

    data/raw ─ingest─▶ data/processed ─▶ notebook ─▶ chapter functions ─▶ tables, figures ─▶ book
                                                                                  ▲
                                             verify: rebuild from raw, compare ───┘

through nine layers, listed lowest first. A module imports only from its own layer and the
layers listed before it, never a later one; ``tests/test_layers.py`` reads the imports and holds
the rule, with no cycles.

base/      what everything uses
    paths          every path, derived from one root
    config         the entity's settings (config/entity.yaml)
    periods        day, week, month and year periods and their arithmetic
    messages       the bilingual catalogue, number formats, Markdown escaping
    plots          the house style of every chart
    files          atomic writes, folder swaps, sha256, canonical JSON
data/      the edge where raw exports come in
    contract       the raw-data contract as data, and its checks
    readers        read one raw file (CSV or .xlsx) as text, lines as a spreadsheet numbers them
    ingest_report  the problems found, the ingest report and the full list as CSV
    ingest         validate a month's (or a day's) exports and write the processed store
    originals      the raw file versions ingested, and those a correction superseded (data/raw/.superseded)
    store          read the processed store as of a period (pandas and DuckDB)
    rawcsv         the one raw-CSV writer: values and files as an export writes them (demo, snapshot)
    snapshot       read a month's or a day's tables from PostgreSQL into raw files
    aggregates     small tables computed in DuckDB over the store as of a period: tickets, surveys
measures/  numbers on frames, no words
    kpis           waits, service level, take-up, completion (the design's KPI definitions)
    significance   two-proportion and NPS tests, multiple-testing correction
    impact         interrupted time series, controlled ITS, difference in differences
    themes         comment language, keyword themes, excerpts
    shrinkage      empirical-Bayes shrinkage (normal and beta-binomial)
chapters/  one module per chapter's numbers, and its ``*_view`` with the words and charts
    headline, headline_view              the overview's headline figures
    landing, landing_view                the landing page's headline sentence, tiles and sparklines
    adoption, adoption_view              channels and digital take-up
    kpis_view                            KPI tables and trend charts for the overview, channels, daily
    satisfaction, satisfaction_view      CSAT, NPS, CES, drivers, changes; the weekly sections
    feedback, feedback_view              complaints, compliments, resolution, follow-up
    themes_view                          the comment themes table
    initiatives, initiatives_view        what each initiative changed
    readiness, readiness_view            self-assessment against the criteria; the annual review's readiness
    annual, annual_view                  the annual review: each area of the year against the year before
    recognition, recognition_view        whom to thank, team morale, training needs
    daily, daily_view                    the daily channel report
    summary, summary_view                each monthly chapter's executive summary for leadership
    sections                             the section shapes a chapter hands to the report
report/    the edge where a notebook shows and writes
    publish        Report: headings, sentences, tables (CSV) and figures (SVG) of one notebook
    restricted     per-employee summaries outside the book
    scratch        an analyst's copy of a chapter for one period in scratch/, and JupyterLab on it (goldbook open)
pipeline/  running periods and proving them
    jobs           what a run is made of: Job, Group, Outcome, RunResult, RunError
    runner         plan a period's notebooks, skip what is current, publish all or nothing
    kernel         execute a group of notebooks in one kernel with papermill
    cluster        run the groups on a Dask distributed cluster instead (run/verify --scheduler)
    manifest       fingerprint, output hashes and the manifest of a period
    ledger         reports/ledger.jsonl: one chained line per publication, the editions of a period
    verify         rebuild a period from raw in a clean folder and compare
book/      the Jupyter Book
    toc            the executed reports and the table of contents
    pages          the generated pages (landing, months, methods, data dictionary, audit)
    landing        the landing page of each language and the month pages' tiles, from the overview's tables
    build          write the sources, build with Sphinx, check, swap the labels
    check          the published HTML's safety scan
    chrome         the theme's labels in Arabic
    sphinx_ext     the Sphinx extension (right-to-left pages, correction notices)
    audit          the build manifest of the built pages, and checking a period's pages against it
    pdf            print a month's page and chapters from the built book into one A4 PDF (goldbook pdf)
    serve          serve the built book to colleagues on the network (goldbook serve, make serve)
demo/      deterministic synthetic raw data and its ground truth
    generate       the demo, month by month; one module per simulated table:
                   staff, tickets, surveys, feedback, self_assessment, initiatives, truth,
                   and what they share: case, working_days, draws, tables
national/  a national workspace of many entities and its comparison book (from published tables only)
    workspace      the workspace's paths and national.yaml
    demo           the national demo: many entities made with the model case's generator, reshaped
    refresh        ingest and run every entity, as its own data root
    sources        each entity's published tables, located and checked through its manifest
    compare        the comparison's numbers: intervals, shrinkage, ranks, take-up, readiness, improvement
    tables         a national month's or year's tables from the entities' months
    compare_view   the comparison in words and charts
    publish        a national period's tables, figures and manifest
    book           the national book's pages, built with the entity book's machinery
    verify         rebuild a national period from its listed entity tables and compare
cli        ``goldbook``: one subcommand per stage (demo-data, snapshot, ingest, run, build, pdf, verify, status),
           and the analyst's open and serve; national (a national workspace: refresh, build, verify)
"""

__version__ = "0.1.0"
