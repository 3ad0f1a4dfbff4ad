"""Empirical Bayes shrinkage: normal–normal toward 0 with the between-unit variance by moments,
and the beta-binomial prior strength by maximum marginal likelihood.

Generic statistics on arrays (no frames, no staff): the recognition chapter's fair per-employee
measures are built on these.
"""

from __future__ import annotations

import math

import numpy as np

# numpy and the standard library only: scipy.special would add seconds to importing this module
_lgamma = np.frompyfunc(math.lgamma, 1, 1)


def _betaln(a, b) -> np.ndarray:
    """log B(a, b) = lgamma(a) + lgamma(b) − lgamma(a + b), elementwise."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return (_lgamma(a) + _lgamma(b) - _lgamma(a + b)).astype(float)


def _golden_minimum(f, lo: float, hi: float, tol: float = 1e-7) -> float:
    """The minimiser of a unimodal ``f`` on [lo, hi] by golden-section search (deterministic)."""
    g = (math.sqrt(5) - 1) / 2
    a, b = lo, hi
    c, d = b - g * (b - a), a + g * (b - a)
    fc, fd = f(c), f(d)
    while b - a > tol:
        if fc <= fd:
            b, d, fd = d, c, fc
            c = b - g * (b - a)
            fc = f(c)
        else:
            a, c, fc = c, d, fd
            d = a + g * (b - a)
            fd = f(d)
    return (a + b) / 2


def normal_shrinkage(estimate, variance) -> tuple[np.ndarray, np.ndarray, float]:
    """Normal–normal empirical Bayes toward 0 with the between-unit variance by moments.

    ``estimate`` d_j (mean 0 under the prior) with known sampling ``variance`` v_j. τ² =
    max(0, (Σ w_j d_j² − J) / Σ w_j), w_j = 1/v_j (E[Q] = J + τ²Σw when the mean is known).
    Returns (posterior means d_j·τ²/(τ² + v_j), posterior variances τ²v_j/(τ² + v_j), τ²).
    Units with a missing or non-positive variance are left out of τ² and get NaN.
    """
    d = np.asarray(estimate, dtype=float)
    v = np.asarray(variance, dtype=float)
    ok = np.isfinite(d) & np.isfinite(v) & (v > 0)
    if not ok.any():
        nan = np.full(d.shape, np.nan)
        return nan, nan, float("nan")
    w = 1.0 / v[ok]
    q = float(np.sum(w * d[ok] ** 2))
    tau2 = max(0.0, (q - ok.sum()) / float(np.sum(w)))
    with np.errstate(invalid="ignore", divide="ignore"):
        post = np.where(ok, d * tau2 / (tau2 + v), np.nan)
        post_var = np.where(ok, tau2 * v / (tau2 + v), np.nan)
    return post, post_var, tau2


def beta_binomial_strength(successes, trials, means, bounds=(0.5, 1e6)) -> float:
    """Prior strength M of a beta-binomial with known means μ_j: the marginal-likelihood maximum.

    Each unit j has ``successes`` s_j of ``trials`` n_j and prior Beta(μ_j M, (1 − μ_j) M).
    Maximises Σ log B(s_j + μ_j M, n_j − s_j + (1 − μ_j) M) − log B(μ_j M, (1 − μ_j) M) over
    log M within ``bounds`` (a large M is complete pooling). Units with n_j = 0 carry no
    information and are ignored; returns the upper bound when nothing is left.
    """
    s = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    mu = np.clip(np.asarray(means, dtype=float), 1e-6, 1 - 1e-6)
    ok = n > 0
    if not ok.any():
        return float(bounds[1])
    s, n, mu = s[ok], n[ok], mu[ok]

    def negloglik(log_m: float) -> float:
        m = math.exp(log_m)
        a, b = mu * m, (1 - mu) * m
        return -float(np.sum(_betaln(s + a, n - s + b) - _betaln(a, b)))

    lo, hi = math.log(bounds[0]), math.log(bounds[1])
    best = _golden_minimum(negloglik, lo, hi)
    # the likelihood is flat toward complete pooling; prefer the bound when it is as good
    if negloglik(hi) <= negloglik(best) + 1e-9:
        best = hi
    return float(math.exp(best))
