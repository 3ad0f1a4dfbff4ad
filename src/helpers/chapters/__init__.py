"""Chapters layer: each chapter's numbers (``X``) and its words and charts (``X_view``). Imports base, data, measures."""
