"""Headline figures of a month against the month before: the overview chapter and landing page."""

from __future__ import annotations

import pandas as pd

from ..measures import kpis
from ..measures.significance import two_proportion_test
from . import satisfaction

COLUMNS = ["metric", "value", "previous", "change", "last_year", "change_last_year", "target", "low", "high",
           "p_value", "significant", "p_value_last_year", "significant_last_year"]


def headline(tickets: pd.DataFrame, surveys: pd.DataFrame, prev_tickets: pd.DataFrame,
             prev_surveys: pd.DataFrame, kpi: dict, virtual_channels: list[str],
             ly_tickets: pd.DataFrame | None = None, ly_surveys: pd.DataFrame | None = None,
             csat: bool = True) -> pd.DataFrame:
    """One row per headline measure of a month, against the month before and the same month last year.

    Measures: transactions (count), virtual share (UK Service Standard digital take-up, share of
    completed), CSAT (share scoring 4–5, Wilson interval in ``low``/``high``). Columns:
    ``COLUMNS``; ``change`` = value − previous, ``change_last_year`` = value − last_year.
    ``p_value`` tests the change against the previous month and ``p_value_last_year`` against the
    same month last year: each a single, uncorrected two-proportion test on the shares' counts
    (``significance.two_proportion_test``: pooled z, Fisher's exact test for small counts). The
    transaction count has none: at these volumes every change of a count is "significant" and so
    says nothing. ``significant*`` compares the p-value with ``kpi.significance.alpha``. Missing
    comparisons are NaN (and NA for ``significant*``). ``csat=False`` (an entity that provides no
    surveys) leaves the CSAT row out rather than showing a satisfaction that was never measured.
    """
    assisted = bool(kpi["digital_take_up"]["assisted_digital_counts_as_digital"])

    def totals_of(frame):
        return {"transactions": int(len(frame)), **kpis.digital_take_up(frame, virtual_channels, assisted)}

    ly = totals_of(tickets.iloc[:0] if ly_tickets is None else ly_tickets)
    return of_totals(totals_of(tickets), surveys, totals_of(prev_tickets), prev_surveys, kpi, ly, ly_surveys, csat)


def totals(tickets, st: kpis.KpiSettings, month: str) -> dict:
    """The ticket figures of the headline for ``month``: ``transactions``, ``digital`` and
    ``completed`` (``kpis.digital_take_up``'s), from ticket rows or the engine (``kpis.table``)."""
    row = kpis.table(tickets, [], st, months=[month]).iloc[0]
    return {"transactions": int(row["transactions"]), "digital": int(row["digital"]),
            "completed": int(row["completed"])}


def of_totals(now: dict, surveys: pd.DataFrame, prev: dict, prev_surveys: pd.DataFrame, kpi: dict,
              ly: dict | None = None, ly_surveys: pd.DataFrame | None = None, csat: bool = True) -> pd.DataFrame:
    """``headline`` from the ticket figures of the month, the month before and the same month last
    year (``totals``: transactions, digital, completed; None: no month) and the survey rows."""
    top_box = tuple(kpi["csat"]["top_box"])
    conf = float(kpi["csat"]["confidence"])
    alpha = float(kpi.get("significance", {}).get("alpha", 0.05))
    ly = {"transactions": 0, "digital": 0, "completed": 0} if ly is None else ly
    ly_surveys = surveys.iloc[:0] if ly_surveys is None else ly_surveys

    def take_up(figures):
        completed = figures["completed"]
        share = figures["digital"] / completed if completed else float("nan")
        return share, figures["digital"], completed

    def score(frame):
        r = satisfaction.csat(frame, top_box, conf)
        return r["csat"], r["satisfied"], r["responses"], r["low"], r["high"]

    nan = float("nan")
    rows = []
    count = lambda figures: float(figures["transactions"]) if figures["transactions"] else nan  # noqa: E731 - no month
    rows.append(("transactions", count(now), count(prev), count(ly), nan, nan, nan, nan, nan))
    for metric, fn, target, this, before, year_ago in (
        ("virtual_share", take_up, kpi["digital_take_up"].get("target"), now, prev, ly),
        ("csat", score, kpi["csat"].get("target"), surveys, prev_surveys, ly_surveys),
    ):
        if metric == "csat" and not csat:
            continue
        cur, was, last = fn(this), fn(before), fn(year_ago)
        p, _ = two_proportion_test(cur[1], cur[2], was[1], was[2])
        p_ly, _ = two_proportion_test(cur[1], cur[2], last[1], last[2])
        low, high = (cur[3], cur[4]) if metric == "csat" else (nan, nan)
        rows.append((metric, cur[0], was[0], last[0], float(target) if target is not None else nan, low, high,
                     p, p_ly))
    out = pd.DataFrame(rows, columns=["metric", "value", "previous", "last_year", "target", "low", "high",
                                      "p_value", "p_value_last_year"])
    out["change"] = out["value"] - out["previous"]
    out["change_last_year"] = out["value"] - out["last_year"]
    for p_col, flag in (("p_value", "significant"), ("p_value_last_year", "significant_last_year")):
        out[flag] = pd.array([None if pd.isna(p) else bool(p < alpha) for p in out[p_col]], dtype="boolean")
    return out[COLUMNS]
