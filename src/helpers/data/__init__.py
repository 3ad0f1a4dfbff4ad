"""Data layer: the raw-data contract, ingest and the processed store; the edge where exports come in. Imports only base."""
