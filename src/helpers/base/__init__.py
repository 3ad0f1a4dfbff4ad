"""Base layer: what every other layer uses (paths, config, periods, messages, plots, files). Imports nothing else of helpers."""
