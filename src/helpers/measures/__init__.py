"""Measures layer: numbers on frames (KPIs, tests, impact models, themes, shrinkage), never words or charts."""
