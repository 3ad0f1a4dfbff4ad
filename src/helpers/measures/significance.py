"""Whether a change in satisfaction is real: tests of change and a multiple-comparison correction.

- CSAT (a proportion): two-sided two-proportion z-test with the pooled standard error; Fisher's
  exact test instead when any expected cell of the 2×2 table is below 5, where the normal
  approximation is poor.
- NPS (a difference of two multinomial proportions): two-sided z-test on the difference of the
  two scores, each with its multinomial standard error; only with at least ``MIN_NPS_RESPONSES``
  responses on both sides (below that the normal approximation is poor and no exact test is
  standard), otherwise the row is reported as not tested.
- Every test of one report forms one family, corrected together with the method and alpha of
  config ``kpi.significance`` (Benjamini–Hochberg by default, via statsmodels ``multipletests``),
  so that leadership is not alarmed by the noise of many cuts.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.stats import fisher_exact, norm

MIN_NPS_RESPONSES = 30
CHANGE_COLUMNS = ["metric", "comparison", "value", "baseline", "change", "responses", "baseline_responses",
                  "test", "p_value"]


def two_proportion_test(x1: int, n1: int, x2: int, n2: int) -> tuple[float, str]:
    """Two-sided p-value that proportions x1/n1 and x2/n2 differ, and the test used.

    Pooled z-test; Fisher's exact test when an expected count is below 5. ``(nan, "too_few")``
    when either side has no observation.
    """
    if n1 == 0 or n2 == 0:
        return float("nan"), "too_few"
    pooled = (x1 + x2) / (n1 + n2)
    expected = [n1 * pooled, n1 * (1 - pooled), n2 * pooled, n2 * (1 - pooled)]
    if min(expected) < 5:
        if pooled in (0.0, 1.0):
            return 1.0, "fisher"
        _, p = fisher_exact([[x1, n1 - x1], [x2, n2 - x2]], alternative="two-sided")
        return float(p), "fisher"
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    z = (x1 / n1 - x2 / n2) / se
    return float(2 * norm.sf(abs(z))), "z"


def nps_difference_test(pro1: int, det1: int, n1: int, pro2: int, det2: int, n2: int) -> tuple[float, str]:
    """Two-sided p-value that two NPS differ (z on the difference, multinomial standard errors)."""
    if min(n1, n2) < MIN_NPS_RESPONSES:
        return float("nan"), "too_few"
    s1 = (pro1 - det1) / n1
    s2 = (pro2 - det2) / n2
    se1, se2 = _nps_se(pro1, det1, n1), _nps_se(pro2, det2, n2)
    se = math.hypot(se1, se2)
    if se == 0:
        return (1.0 if s1 == s2 else 0.0), "z"
    z = (s1 - s2) / se
    return float(2 * norm.sf(abs(z))), "z"


def _nps_se(pro: int, det: int, n: int) -> float:
    pp, pd_ = pro / n, det / n
    return math.sqrt(max(pp + pd_ - (pp - pd_) ** 2, 0.0) / n)


def changes(current: pd.DataFrame, baseline: pd.DataFrame, by: list[str], comparison: str,
            metrics: tuple[str, ...] = ("csat", "nps")) -> pd.DataFrame:
    """One row per cut and metric: the current score against ``baseline`` with its test.

    ``current`` and ``baseline`` are ``satisfaction.scores_by`` frames on the same cut ``by``.
    ``comparison`` names the baseline (``previous``, ``last_year``). Cuts absent from either side
    are not tested. Columns: ``by`` + ``CHANGE_COLUMNS``; ``change`` is current − baseline
    (a share for CSAT, NPS points for NPS).
    """
    merged = current.merge(baseline, on=by, how="inner", suffixes=("", "_b")) if by else \
        current.assign(_k=0).merge(baseline.assign(_k=0), on="_k", suffixes=("", "_b")).drop(columns="_k")
    rows = []
    for r in merged.to_dict("records"):
        key = {c: r[c] for c in by}
        if "csat" in metrics and r["responses"] > 0 and r["responses_b"] > 0:
            p, test = two_proportion_test(r["satisfied"], r["responses"], r["satisfied_b"], r["responses_b"])
            rows.append({**key, "metric": "csat", "comparison": comparison, "value": r["csat"],
                         "baseline": r["csat_b"], "change": r["csat"] - r["csat_b"],
                         "responses": r["responses"], "baseline_responses": r["responses_b"],
                         "test": test, "p_value": p})
        if "nps" in metrics and r["nps_responses"] > 0 and r["nps_responses_b"] > 0:
            p, test = nps_difference_test(r["promoters"], r["detractors"], r["nps_responses"],
                                          r["promoters_b"], r["detractors_b"], r["nps_responses_b"])
            rows.append({**key, "metric": "nps", "comparison": comparison, "value": r["nps"],
                         "baseline": r["nps_b"], "change": r["nps"] - r["nps_b"],
                         "responses": r["nps_responses"], "baseline_responses": r["nps_responses_b"],
                         "test": test, "p_value": p})
    out = pd.DataFrame(rows, columns=[*by, *CHANGE_COLUMNS])
    return out.astype({"responses": int, "baseline_responses": int, "p_value": float, "value": float,
                       "baseline": float, "change": float})


def adjust(p_values, alpha: float = 0.05, method: str = "fdr_bh") -> tuple[np.ndarray, np.ndarray]:
    """Corrected p-values and rejections for one family (statsmodels ``multipletests``).

    NaN p-values (tests not run) stay NaN and are never rejected; they do not count in the family.
    """
    # heavy (statsmodels, about a second): the daily and overview notebooks never adjust, so they skip it
    from statsmodels.stats.multitest import multipletests

    p = np.asarray(p_values, dtype=float)
    adjusted = np.full(p.shape, np.nan)
    reject = np.zeros(p.shape, dtype=bool)
    ok = ~np.isnan(p)
    if ok.any():
        rej, padj, _, _ = multipletests(p[ok], alpha=alpha, method=method)
        adjusted[ok], reject[ok] = padj, rej
    return adjusted, reject


def flag(tests: pd.DataFrame, significance: dict) -> pd.DataFrame:
    """``tests`` (every row one family) with ``p_adjusted``, ``significant`` and ``drop`` added.

    ``significance`` is config ``kpi.significance`` (``alpha``, ``correction``). A drop is a
    significant change below zero. Rows keep their order.
    """
    alpha = float(significance.get("alpha", 0.05))
    method = str(significance.get("correction", "fdr_bh"))
    adjusted, reject = adjust(tests["p_value"], alpha, method)
    out = tests.copy()
    out["p_adjusted"] = adjusted
    out["significant"] = reject
    out["drop"] = reject & (out["change"].to_numpy(float) < 0)
    return out


def drops(flagged: pd.DataFrame) -> pd.DataFrame:
    """The significant drops of a flagged family, the largest fall first within each metric."""
    d = flagged[flagged["drop"]]
    return d.sort_values(["metric", "change"], kind="mergesort").reset_index(drop=True)
