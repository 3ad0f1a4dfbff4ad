"""Satisfaction measures on survey frames (DESIGN.md "CSAT, NPS, CES"). Pure."""

from __future__ import annotations

import math

import pandas as pd
from scipy.stats import norm


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion; (nan, nan) when n is 0."""
    if n == 0:
        return float("nan"), float("nan")
    z = norm.ppf(0.5 + confidence / 2)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def csat(surveys: pd.DataFrame, top_box=(4, 5), confidence: float = 0.95) -> dict:
    """CSAT = share of responses scoring in ``top_box`` (4–5), with its Wilson interval.

    Returns ``{"responses", "satisfied", "csat", "low", "high"}``; csat is NaN with no responses.
    """
    scores = surveys["csat"].dropna()
    n = int(len(scores))
    satisfied = int(scores.isin(list(top_box)).sum())
    low, high = wilson_interval(satisfied, n, confidence)
    return {
        "responses": n,
        "satisfied": satisfied,
        "csat": satisfied / n if n else float("nan"),
        "low": low,
        "high": high,
    }
