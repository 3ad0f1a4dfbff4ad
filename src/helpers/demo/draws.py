"""Seeded randomness: one numpy Generator per (seed, month, stream), the unit of determinism, and
the lognormal draw the simulators share."""

from __future__ import annotations

import numpy as np

STREAMS = {"staff": 1, "tickets": 2, "surveys": 3, "comments": 4, "kiosk": 5, "feedback": 6,
           "self_assessment": 7, "names": 8, "closing": 9}


def rng(seed: int, month: str, stream: str) -> np.random.Generator:
    """The Generator for one (seed, month, stream): the unit of determinism."""
    return np.random.default_rng(np.random.SeedSequence([seed, int(month[:4]), int(month[5:7]), STREAMS[stream]]))


def lognormal(rng, median, sigma, size) -> np.ndarray:
    return np.exp(np.log(median) + sigma * rng.standard_normal(size))
