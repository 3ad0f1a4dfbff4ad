"""Satisfaction measures on survey frames (DESIGN.md "CSAT, NPS, CES"). Pure.

Scores (config ``kpi.csat`` / ``kpi.nps``):

- CSAT = share of responses scoring 4–5, Wilson 95% interval;
- NPS = % scoring 9–10 − % scoring 0–6, on the usual −100…+100 scale, with a normal interval
  whose standard error comes from the multinomial (promoter, passive, detractor) model:
  ``Var(p̂P − p̂D) = (pP + pD − (pP − pD)²) / n``. Closed form, so it is deterministic and
  cheap across dozens of cuts; a bootstrap would add seeds and seconds for the same answer
  at the sample sizes a centre-month gives;
- CES = mean score (1–7), Student-t interval;
- response rate = responses ÷ completed transactions.

Cuts are any columns of the surveys joined to their tickets (``link_tickets``): centre,
channel, service, booked vs walk-in. Changes and their tests live in ``significance``; the
trend and driver model are here because they are about satisfaction. What readers see of them
(formatted frames, sentences, figures, the weekly per-centre sections) is in ``satisfaction_view``.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd
from scipy.stats import norm
from scipy.stats import t as student_t

from ..base.periods import months_back
from ..measures import significance

SCORE_COLUMNS = [
    "responses", "satisfied", "csat", "csat_low", "csat_high",
    "nps_responses", "promoters", "detractors", "nps", "nps_low", "nps_high",
    "ces_responses", "ces", "ces_sd", "ces_low", "ces_high",
    "completed", "response_rate",
]


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


def nps_interval(promoters, detractors, n, confidence: float = 0.95):
    """NPS (−100…100) and its normal interval from the multinomial standard error.

    Works on scalars or arrays; NaN where n is 0. The interval is clipped to [−100, 100].
    """
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        pp = np.asarray(promoters, dtype=float) / n
        pd_ = np.asarray(detractors, dtype=float) / n
        diff = pp - pd_
        se = np.sqrt(np.clip(pp + pd_ - diff * diff, 0, None) / n)
    z = norm.ppf(0.5 + confidence / 2)
    score = 100 * diff
    return score, np.clip(score - 100 * z * se, -100, 100), np.clip(score + 100 * z * se, -100, 100)


def nps(surveys: pd.DataFrame, promoters=(9, 10), detractors=(0, 6), confidence: float = 0.95) -> dict:
    """NPS = % promoters (9–10) − % detractors (0–6), −100…100, with its multinomial interval.

    ``detractors`` is an inclusive range (low, high). Returns ``{"responses", "promoters",
    "detractors", "nps", "low", "high"}``; NaN figures with no responses.
    """
    scores = surveys["nps"].dropna().astype(float)
    n = int(len(scores))
    pro = int(scores.isin([float(v) for v in promoters]).sum())
    det = int(scores.between(detractors[0], detractors[1]).sum())
    score, low, high = nps_interval(pro, det, n, confidence) if n else (np.nan, np.nan, np.nan)
    return {"responses": n, "promoters": pro, "detractors": det,
            "nps": float(score), "low": float(low), "high": float(high)}


def ces_interval(mean, sd, n, confidence: float = 0.95):
    """Student-t interval of a mean; NaN where n < 2. Scalars or arrays."""
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        df = np.where(n >= 2, n - 1, np.nan)
        half = student_t.ppf(0.5 + confidence / 2, df) * np.asarray(sd, dtype=float) / np.sqrt(n)
    mean = np.asarray(mean, dtype=float)
    return mean - half, mean + half


def ces(surveys: pd.DataFrame, confidence: float = 0.95) -> dict:
    """CES = mean effort score (1–7, 7 = very easy) with a Student-t interval.

    Returns ``{"responses", "ces", "low", "high"}``; NaN interval with fewer than 2 responses.
    """
    scores = surveys["ces"].dropna().astype(float)
    n = int(len(scores))
    mean = float(scores.mean()) if n else float("nan")
    sd = float(scores.std(ddof=1)) if n >= 2 else float("nan")
    low, high = ces_interval(mean, sd, n, confidence)
    return {"responses": n, "ces": mean, "low": float(low), "high": float(high)}


def response_rate(responses: int, completed: int) -> float:
    """Response rate = responses ÷ completed transactions; NaN with no completed transaction."""
    return responses / completed if completed else float("nan")


# --- surveys joined to their tickets ---------------------------------------------------------

def link_tickets(surveys: pd.DataFrame, tickets: pd.DataFrame) -> pd.DataFrame:
    """Surveys with the fields of the ticket each one rates.

    Adds ``booked`` (nullable bool), ``wait_s`` (started − created), ``handle_s`` (ended −
    started), ``resolved_first_contact`` and fills a missing ``service_id`` from the ticket.
    ``tickets`` must reach back far enough (a survey may rate a ticket of the month before);
    surveys whose ticket is absent keep nulls.
    """
    cols = ["ticket_id", "booked", "created_at", "started_at", "ended_at", "resolved_first_contact", "service_id"]
    t = tickets[[c for c in cols if c in tickets.columns]].drop_duplicates("ticket_id")
    t = t.assign(
        wait_s=(t["started_at"] - t["created_at"]).dt.total_seconds(),
        handle_s=(t["ended_at"] - t["started_at"]).dt.total_seconds(),
    ).drop(columns=["created_at", "started_at", "ended_at"]).rename(columns={"service_id": "_ticket_service"})
    drop = [c for c in ["booked", "wait_s", "handle_s", "resolved_first_contact"] if c in surveys.columns]
    out = surveys.drop(columns=drop).merge(t, on="ticket_id", how="left", validate="many_to_one")
    if "service_id" in out.columns:
        out["service_id"] = out["service_id"].fillna(out["_ticket_service"])
    else:
        out["service_id"] = out["_ticket_service"]
    out["booked"] = out["booked"].astype("boolean")
    out["resolved_first_contact"] = out["resolved_first_contact"].astype("boolean")
    return out.drop(columns=["_ticket_service"])


def within(frame: pd.DataFrame, column: str, period) -> pd.DataFrame:
    """Rows whose ``column`` timestamp falls inside ``period`` (start ≤ t ≤ end)."""
    ts = frame[column]
    return frame[(ts >= period.start_ts) & (ts <= period.end)]


# --- scores by cut -------------------------------------------------------------------------

def _settings(kpi: dict) -> dict:
    return {
        "top_box": [int(v) for v in kpi["csat"]["top_box"]],
        "confidence": float(kpi["csat"].get("confidence", 0.95)),
        "promoters": [int(v) for v in kpi["nps"]["promoters"]],
        "detractors": [int(v) for v in kpi["nps"]["detractors"]],
    }


COUNT_COLUMNS = ["responses", "satisfied", "nps_responses", "promoters", "detractors", "ces_responses",
                 "ces_sum", "ces_squares"]


def score_counts(surveys: pd.DataFrame, by: list[str], kpi: dict) -> pd.DataFrame:
    """The whole numbers each score of ``scores_by`` is made of, per cut ``by`` (``[]``: one row,
    none without responses): ``by`` + ``COUNT_COLUMNS``, sorted by the cut. ``ces_sum`` and
    ``ces_squares`` are the sums of the CES scores and of their squares, so the mean and standard
    deviation are computed once, exactly, from integers (``scores_from_counts``). A response with
    a null cut value is left out of that cut only. The engine computes the same table in SQL
    (``data.aggregates.surveys.score_counts``)."""
    s = _settings(kpi)
    by = list(by)
    sv = surveys.dropna(subset=by) if by else surveys
    csat_v = sv["csat"].astype("Float64")
    nps_v = sv["nps"].astype("Float64")
    ces_v = sv["ces"].astype("Float64")
    ces_i = ces_v.fillna(0).astype("int64")
    parts = pd.DataFrame({
        "_r": csat_v.notna().astype(int),
        "_sat": csat_v.isin(s["top_box"]).fillna(False).astype(int),
        "_nr": nps_v.notna().astype(int),
        "_pro": nps_v.isin(s["promoters"]).fillna(False).astype(int),
        "_det": nps_v.between(*s["detractors"]).fillna(False).astype(int),
        "_cr": ces_v.notna().astype(int),
        "_ces": ces_i,
        "_ces2": ces_i * ces_i,
    }, index=sv.index)
    for col in by:
        parts[col] = sv[col].astype(object)
    key = by if by else (lambda _: 0)
    g = parts.groupby(key, sort=True, dropna=True)
    agg = g.agg(responses=("_r", "sum"), satisfied=("_sat", "sum"), nps_responses=("_nr", "sum"),
                promoters=("_pro", "sum"), detractors=("_det", "sum"), ces_responses=("_cr", "sum"),
                ces_sum=("_ces", "sum"), ces_squares=("_ces2", "sum"))
    return (agg.reset_index() if by else agg.reset_index(drop=True))[by + COUNT_COLUMNS]


def completed_counts(tickets: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Completed transactions per cut ``by`` of ``tickets`` (the period's): ``by`` + ``completed``,
    sorted by the cut; ``[]`` gives one row, zero without tickets. Tickets with a null cut value,
    or a cut ``tickets`` has no column for, count in no cut."""
    by = list(by)
    done = tickets[tickets["outcome"].eq("completed")]
    if not by:
        return pd.DataFrame({"completed": [len(done)]})
    if not all(c in done.columns for c in by):
        return pd.DataFrame({**{c: pd.Series(dtype=object) for c in by}, "completed": pd.Series(dtype=int)})
    done = done.dropna(subset=by)
    comp = done.assign(**{c: done[c].astype(object) for c in by}).groupby(by, sort=True).size()
    return comp.rename("completed").reset_index()


def scores_from_counts(counts: pd.DataFrame, completed: pd.DataFrame | None, by: list[str], kpi: dict) -> pd.DataFrame:
    """``scores_by`` from its whole numbers: ``counts`` per cut (``score_counts``, or the engine's
    table) and ``completed`` per cut (``completed_counts``; None: no tickets, as for a baseline).

    Columns ``by`` + ``SCORE_COLUMNS``; a cut with completed tickets but no response has NaN
    scores; rows sorted by the cut. CES mean = sum ÷ n and standard deviation
    √((n·Σx² − (Σx)²) ÷ (n(n − 1))), each from integers with one rounding."""
    s = _settings(kpi)
    by = list(by)
    if completed is None:
        completed = completed_counts(pd.DataFrame({"outcome": pd.Series(dtype=object)}), by)
    if by:
        agg = counts.assign(**{c: counts[c].astype(object) for c in by}).set_index(by)[COUNT_COLUMNS]
        comp = completed.assign(**{c: completed[c].astype(object) for c in by}).set_index(by)["completed"]
    else:
        agg = counts[COUNT_COLUMNS].reset_index(drop=True)
        comp = completed["completed"].reset_index(drop=True) if len(completed) else pd.Series([0], name="completed")
    out = agg.join(comp, how="outer")
    counted = [*COUNT_COLUMNS, "completed"]
    out[counted] = out[counted].fillna(0).astype(int)
    out = out.reset_index() if by else out.reset_index(drop=True)
    if by:
        out = out.sort_values(by, kind="mergesort").reset_index(drop=True)
    out["ces"], out["ces_sd"] = _mean_and_sd(out["ces_responses"], out["ces_sum"], out["ces_squares"])
    return _add_intervals(out, s["confidence"])[by + SCORE_COLUMNS]


def _mean_and_sd(n: pd.Series, total: pd.Series, squares: pd.Series) -> tuple[list[float], list[float]]:
    """Mean (n ≥ 1) and sample standard deviation (n ≥ 2) from integer counts and sums, exactly:
    Python integers, one correctly rounded division each (NaN where undefined)."""
    means, sds = [], []
    for k, t, q in zip(n.tolist(), total.tolist(), squares.tolist(), strict=True):
        means.append(t / k if k > 0 else math.nan)
        sds.append(math.sqrt(Fraction(k * q - t * t, k * (k - 1))) if k > 1 else math.nan)
    return means, sds


def scores_by(surveys: pd.DataFrame, tickets: pd.DataFrame, by: list[str], kpi: dict) -> pd.DataFrame:
    """CSAT, NPS, CES and response rate per cut ``by`` (``[]`` = the whole period in one row).

    ``surveys`` are the period's responses (joined with ``link_tickets`` when ``by`` holds
    ``booked``); ``tickets`` the period's tickets (for completed transactions). Columns:
    ``by`` + ``SCORE_COLUMNS``; cuts with tickets but no response have NaN scores. Rows are
    sorted by the cut. A response with a null cut value is left out of that cut only.
    """
    return scores_from_counts(score_counts(surveys, by, kpi), completed_counts(tickets, by), by, kpi)


def _add_intervals(out: pd.DataFrame, confidence: float) -> pd.DataFrame:
    n = out["responses"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["csat"] = out["satisfied"] / out["responses"].where(out["responses"] > 0)
    z = norm.ppf(0.5 + confidence / 2)
    p = out["csat"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        denom = 1 + z * z / n
        centre = (p + z * z / (2 * n)) / denom
        half = z / denom * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    out["csat_low"] = np.clip(centre - half, 0, 1)
    out["csat_high"] = np.clip(centre + half, 0, 1)
    score, low, high = nps_interval(out["promoters"], out["detractors"], out["nps_responses"], confidence)
    out["nps"], out["nps_low"], out["nps_high"] = score, low, high
    low, high = ces_interval(out["ces"], out["ces_sd"], out["ces_responses"], confidence)
    out["ces_low"], out["ces_high"] = low, high
    with np.errstate(invalid="ignore", divide="ignore"):
        out["response_rate"] = out["responses"] / out["completed"].where(out["completed"] > 0)
    for col in ["csat", "csat_low", "csat_high", "nps", "nps_low", "nps_high", "ces", "ces_sd",
                "ces_low", "ces_high", "response_rate"]:
        out[col] = out[col].astype(float)
    return out


def lowest(scores: pd.DataFrame, by: str, n: int = 3, min_responses: int = 10) -> pd.DataFrame:
    """The ``n`` cuts with the lowest CSAT among those with at least ``min_responses``.

    Ties are broken by the cut's id so the order is stable. Columns: ``by``, responses, csat,
    csat_low, csat_high.
    """
    ok = scores[(scores["responses"] >= min_responses) & scores["csat"].notna()]
    ok = ok.sort_values(["csat", by], kind="mergesort").head(n)
    return ok[[by, "responses", "csat", "csat_low", "csat_high"]].reset_index(drop=True)


# --- monthly series and seasonal decomposition -----------------------------------------------

def monthly_csat(surveys: pd.DataFrame, top_box=(4, 5), confidence: float = 0.95) -> pd.DataFrame:
    """CSAT per calendar month of ``submitted_at``: ``month, responses, csat, csat_low, csat_high``."""
    sv = surveys.dropna(subset=["csat"])
    month = sv["submitted_at"].dt.strftime("%Y-%m")
    frame = pd.DataFrame({"month": month, "_sat": sv["csat"].isin(list(top_box)).astype(int)})
    g = frame.groupby("month", sort=True)["_sat"].agg(["size", "sum"]).reset_index()
    return monthly_csat_from_counts(g.rename(columns={"size": "responses", "sum": "satisfied"}), confidence)


def monthly_csat_from_counts(counts: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """``monthly_csat`` from its whole numbers: ``month, responses, satisfied`` per month with a
    response (the engine's ``data.aggregates.surveys.monthly_counts``), in month order."""
    rows = []
    for r in counts.sort_values("month", kind="mergesort").itertuples(index=False):
        n, sat = int(r.responses), int(r.satisfied)
        low, high = wilson_interval(sat, n, confidence)
        rows.append({"month": r.month, "responses": n, "csat": sat / n, "csat_low": low, "csat_high": high})
    return pd.DataFrame(rows, columns=["month", "responses", "csat", "csat_low", "csat_high"])


def seasonal_trend(series: pd.DataFrame, period: int = 12, min_cycles: int = 2) -> tuple[pd.DataFrame, str]:
    """STL decomposition (statsmodels, robust) of monthly CSAT into trend, seasonal and residual.

    Needs ``min_cycles`` full years of consecutive months; with fewer, returns the observed
    series with NaN components and status ``"too_short"``. Returns ``(frame, status)`` where
    status is ``"ok"`` or ``"too_short"``; columns ``month, csat, trend, seasonal, resid``.
    """
    # heavy (statsmodels' time-series code, about a second): imported only when a trend is fitted
    from statsmodels.tsa.seasonal import STL

    frame = series[["month", "csat"]].sort_values("month").reset_index(drop=True)
    if len(frame):
        full = pd.period_range(frame["month"].iloc[0], frame["month"].iloc[-1], freq="M").strftime("%Y-%m")
        frame = pd.DataFrame({"month": list(full)}).merge(frame, on="month", how="left")
    out = frame.assign(trend=np.nan, seasonal=np.nan, resid=np.nan)
    if len(frame) < period * min_cycles or frame["csat"].isna().any():
        return out, "too_short"
    res = STL(frame["csat"].to_numpy(float), period=period, robust=True).fit()
    out["trend"], out["seasonal"], out["resid"] = res.trend, res.seasonal, res.resid
    return out, "ok"


# --- driver analysis -------------------------------------------------------------------------

DRIVER_TERMS = ("wait", "handle", "booked", "fcr", "channel", "service")


def driver_data(linked: pd.DataFrame, top_box=(4, 5)) -> pd.DataFrame:
    """One row per linked response: ``satisfied`` (0/1), ``wait10`` and ``handle10`` (minutes ÷ 10),
    ``booked`` and ``fcr`` (0/1), ``channel_id``, ``service_id``. Rows missing any driver are dropped
    (self-service tickets have no queue, so no wait: they are outside the model)."""
    d = pd.DataFrame({
        "satisfied": linked["csat"].isin(list(top_box)).astype(int),
        "wait10": linked["wait_s"] / 600.0,
        "handle10": linked["handle_s"] / 600.0,
        "booked": linked["booked"].astype("Float64"),
        "fcr": linked["resolved_first_contact"].astype("Float64"),
        "channel_id": linked["channel_id"].astype(object),
        "service_id": linked["service_id"].astype(object),
    })
    d = d[linked["csat"].notna().to_numpy()].dropna()
    return d.astype({"wait10": float, "handle10": float, "booked": float, "fcr": float}).reset_index(drop=True)


def fit_drivers(data: pd.DataFrame, channel_order: list[str], service_order: list[str],
                min_rows: int = 200, min_level_rows: int = 30, confidence: float = 0.95) -> tuple[pd.DataFrame, str]:
    """Logistic regression of top-box CSAT on the drivers; odds ratios with Wald intervals.

    ``satisfied ~ wait10 + handle10 + booked + fcr + C(channel) + C(service)``, with the first
    configured channel and service present as fixed reference levels. Channel or service levels
    with fewer than ``min_level_rows`` responses are dropped (too few to estimate), as are
    drivers that do not vary. Returns ``(effects, status)``: status ``"ok"``, ``"too_few"``
    (fewer than ``min_rows`` rows) or ``"not_fitted"`` (no convergence or separation); effects
    has ``driver, driver_level, driver_reference, odds_ratio, odds_low, odds_high, p_value,
    model_rows`` (empty unless ok).
    """
    # the model class alone: statsmodels.api would import every submodule (seconds per notebook)
    from statsmodels.discrete.discrete_model import Logit

    columns = ["driver", "driver_level", "driver_reference", "odds_ratio", "odds_low", "odds_high", "p_value",
               "model_rows"]
    empty = pd.DataFrame(columns=columns)
    d = data.copy()
    for col in ("channel_id", "service_id"):
        counts = d[col].value_counts()
        d = d[d[col].isin(counts[counts >= min_level_rows].index)]
    if len(d) < min_rows or d["satisfied"].nunique() < 2:
        return empty, "too_few"
    design = pd.DataFrame({"const": 1.0}, index=d.index)
    names: list[tuple[str, str, str]] = [("const", "", "")]
    for term, col in (("wait", "wait10"), ("handle", "handle10"), ("booked", "booked"), ("fcr", "fcr")):
        if d[col].nunique() > 1:
            design[term] = d[col]
            names.append((term, "", ""))
    for term, col, order in (("channel", "channel_id", channel_order), ("service", "service_id", service_order)):
        present = [v for v in order if v in set(d[col])] + sorted(set(d[col]) - set(order))
        if len(present) < 2:
            continue
        ref = present[0]
        for level in present[1:]:
            design[f"{term}:{level}"] = (d[col] == level).astype(float)
            names.append((term, level, ref))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            res = Logit(d["satisfied"].astype(float), design).fit(disp=0, maxiter=100)
    except Exception:  # perfect separation, singular design, non-convergence warnings
        return empty, "not_fitted"
    if not res.mle_retvals.get("converged", False):
        return empty, "not_fitted"
    params, bse = res.params.to_numpy(), res.bse.to_numpy()
    if not (np.all(np.isfinite(bse)) and np.all(bse < 10)):
        return empty, "not_fitted"
    z = norm.ppf(0.5 + confidence / 2)
    rows = []
    for i, (term, level, ref) in enumerate(names):
        if term == "const":
            continue
        rows.append({"driver": term, "driver_level": level, "driver_reference": ref,
                     "odds_ratio": math.exp(params[i]), "odds_low": math.exp(params[i] - z * bse[i]),
                     "odds_high": math.exp(params[i] + z * bse[i]), "p_value": float(res.pvalues.iloc[i]),
                     "model_rows": int(len(d))})
    return pd.DataFrame(rows, columns=columns), "ok"


# --- changes across the cuts of one report -----------------------------------------------------

CUT_COLUMNS = ["centre_id", "channel_id", "service_id", "booked"]
COMPARISONS = ("previous", "last_year")


def baselines(period) -> dict:
    """The periods a report compares with: ``{"previous": …, "last_year": …}``."""
    return {"previous": period.previous(), "last_year": period.same_period_last_year()}


def change_family(linked: pd.DataFrame, tickets: pd.DataFrame, period, cuts: list[list[str]], kpi: dict,
                  metrics: tuple[str, ...] = ("csat", "nps")) -> pd.DataFrame:
    """Every change tested in one report, as one family corrected together.

    ``linked`` are surveys (``link_tickets``) reaching back to the same period last year;
    ``tickets`` the period's tickets. For each cut in ``cuts`` (e.g. ``[["centre_id"],
    ["channel_id"]]``), each metric and each comparison in ``COMPARISONS``, the period is tested
    against its baseline (``significance.changes``); then the whole family gets the correction
    of config ``kpi.significance`` (``significance.flag``). Columns: ``cut`` (the cut's columns
    joined by ``+``), ``CUT_COLUMNS``, ``significance.CHANGE_COLUMNS``, ``p_adjusted``,
    ``significant``, ``drop``. ``change_family_of`` does the same from counts.
    """
    responses = {name: within(linked, "submitted_at", p) for name, p in windows(period).items()}
    no_tickets = tickets.iloc[:0]

    def scores(window, by):
        return scores_by(responses[window], tickets if window == "current" else no_tickets, by, kpi)

    return _family(scores, cuts, kpi, metrics)


def change_family_of(counts: ScoreCounts, cuts: list[list[str]], kpi: dict,
                     metrics: tuple[str, ...] = ("csat", "nps")) -> pd.DataFrame:
    """``change_family`` from a report's score counts (``ScoreCounts``, each window of ``windows``)."""
    return _family(lambda window, by: counts.scores(by, kpi, window), cuts, kpi, metrics)


def _family(scores, cuts: list[list[str]], kpi: dict, metrics: tuple[str, ...]) -> pd.DataFrame:
    """The change family from ``scores(window, by)``: the ``scores_by`` frame of a window
    (``"current"`` or a name in ``COMPARISONS``) on cut ``by``."""
    parts = []
    for by in cuts:
        cur = scores("current", by)
        for comparison in COMPARISONS:
            base = scores(comparison, by)
            part = significance.changes(cur, base, by, comparison, metrics)
            if len(part):
                parts.append(part.assign(cut="+".join(by)))
    columns = ["cut", *CUT_COLUMNS, *significance.CHANGE_COLUMNS]
    family = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    for col in CUT_COLUMNS:
        if col not in family.columns:
            family[col] = pd.NA
        family[col] = family[col].astype(object)
    family = family[columns].astype({"responses": int, "baseline_responses": int, "p_value": float,
                                     "value": float, "baseline": float, "change": float})
    return significance.flag(family, kpi.get("significance", {}))


def windows(period) -> dict:
    """The periods one report scores: ``{"current": period, "previous": …, "last_year": …}``."""
    return {"current": period, **baselines(period)}


@dataclass(frozen=True)
class ScoreCounts:
    """A report's score counts, computed by the engine (``data.aggregates.surveys``) or by
    ``score_counts``/``completed_counts``: ``surveys`` has a row per window (``windows``) and cut
    with ``window``, ``cut`` (the cut's columns joined by ``+``), ``CUT_COLUMNS`` (empty outside
    the cut) and ``COUNT_COLUMNS``; ``completed`` a row per cut of the current period's tickets
    with ``cut``, ``CUT_COLUMNS`` and ``completed``."""

    surveys: pd.DataFrame
    completed: pd.DataFrame

    def scores(self, by: list[str], kpi: dict, window: str = "current") -> pd.DataFrame:
        """``scores_by`` of ``window`` on cut ``by``; a baseline window has no tickets."""
        by = list(by)
        cut = "+".join(by)
        sv = self.surveys[self.surveys["window"].eq(window).to_numpy() & self.surveys["cut"].eq(cut).to_numpy()]
        done = None
        if window == "current":
            done = self.completed[self.completed["cut"].eq(cut).to_numpy()][by + ["completed"]]
        return scores_from_counts(sv[by + COUNT_COLUMNS], done, by, kpi)


def driver_window(period, months: int = 6):
    """The months the driver model is fitted on: the ``months`` calendar months ending with the
    period's month (a week uses the month holding its last day). Returns ``(first, last)`` ``YYYY-MM``."""
    last = pd.Period(period.month, freq="M")
    return str(last - (months - 1)), str(last)


# The ticket columns the satisfaction reports read: cuts, outcome, booking and the driver fields.
TICKET_COLUMNS = ["ticket_id", "centre_id", "channel_id", "service_id", "outcome", "booked", "created_at",
                  "started_at", "ended_at", "resolved_first_contact"]
MONTHLY_CUTS = [[], ["centre_id"], ["channel_id"], ["service_id"], ["booked"]]
WEEKLY_CUTS = [[], ["centre_id"], ["centre_id", "channel_id"], ["centre_id", "service_id"]]
DRIVER_MONTHS = 6


def history_since(period) -> dict[str, str]:
    """First months a report loads: ``surveys`` from the same period last year (or the driver
    window, if earlier); ``tickets`` a month before that, since a response may rate a ticket of
    the month before. ``YYYY-MM`` strings."""
    first = min(period.same_period_last_year().months[0], driver_window(period, DRIVER_MONTHS)[0])
    before = str(pd.Period(first, freq="M") - 1)
    return {"surveys": first, "tickets": before}


@dataclass(frozen=True)
class Drivers:
    """A fitted (or not) driver model: ``effects``, ``status``, ``rows`` and its window of months."""

    effects: pd.DataFrame
    status: str
    rows: int
    first: str
    last: str


def drivers(linked: pd.DataFrame, period, channel_order: list[str], service_order: list[str], kpi: dict,
            months: int = DRIVER_MONTHS) -> Drivers:
    """The driver model (``fit_drivers``) on responses submitted in the ``months`` months ending with
    the period (``driver_window``), linked to their tickets."""
    first, last = driver_window(period, months)
    start = pd.Timestamp(f"{first}-01")
    window = linked[(linked["submitted_at"] >= start) & (linked["submitted_at"] <= period.end)]
    data = driver_data(window, tuple(kpi["csat"]["top_box"]))
    effects, status = fit_drivers(data, channel_order, service_order)
    rows = int(effects["model_rows"].iloc[0]) if len(effects) else int(len(data))
    return Drivers(effects, status, rows, first, last)


def last_months(period, n: int = 12) -> list[str]:
    """The ``n`` calendar months ending with the period's month, oldest first (``YYYY-MM``)."""
    return months_back(period.month, n)
