"""Aggregates computed in DuckDB over the Parquet store (issue 16): small tables the chapters read
instead of raw rows, each as of a period (the store's as-of rule). One module per source:
``tickets`` (channel KPIs, volumes, completions, a day's load) and ``surveys`` (surveys, feedback)."""
