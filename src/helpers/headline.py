"""Headline figures of a month against the month before: the overview chapter and landing page."""

from __future__ import annotations

import pandas as pd

from . import kpis, satisfaction


def headline(tickets: pd.DataFrame, surveys: pd.DataFrame, prev_tickets: pd.DataFrame,
             prev_surveys: pd.DataFrame, kpi: dict, virtual_channels: list[str],
             ly_tickets: pd.DataFrame | None = None, ly_surveys: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per headline measure of a month, against the month before and the same month last year.

    Measures: transactions (count), virtual share (UK Service Standard digital take-up, share of
    completed), CSAT (share scoring 4–5, Wilson interval in ``low``/``high``). Columns:
    ``metric, value, previous, change, last_year, change_last_year, target, low, high, p_value,
    significant``; ``change`` = value − previous. ``p_value`` tests the change against the previous
    month (two-proportion test on the shares' counts; none for the transaction count, whose every
    change is "significant" at these volumes and so says nothing) and ``significant`` compares it
    with ``kpi.significance.alpha``. Missing comparisons are NaN.
    """
    from .significance import two_proportion_test

    assisted = bool(kpi["digital_take_up"]["assisted_digital_counts_as_digital"])
    top_box = tuple(kpi["csat"]["top_box"])
    conf = float(kpi["csat"]["confidence"])
    alpha = float(kpi.get("significance", {}).get("alpha", 0.05))
    empty_t, empty_s = tickets.iloc[:0], surveys.iloc[:0]
    ly_tickets = empty_t if ly_tickets is None else ly_tickets
    ly_surveys = empty_s if ly_surveys is None else ly_surveys

    def take_up(frame):
        r = kpis.digital_take_up(frame, virtual_channels, assisted)
        return r["share"], r["digital"], r["completed"]

    def score(frame):
        r = satisfaction.csat(frame, top_box, conf)
        return r["csat"], r["satisfied"], r["responses"], r["low"], r["high"]

    nan = float("nan")
    rows = []
    count = lambda frame: float(len(frame)) if len(frame) else nan  # noqa: E731 - no rows: no month
    rows.append(("transactions", count(tickets), count(prev_tickets), count(ly_tickets), nan, nan, nan, nan))
    for metric, fn, target in (
        ("virtual_share", take_up, kpi["digital_take_up"].get("target")),
        ("csat", score, kpi["csat"].get("target")),
    ):
        cur, prev, ly = fn(tickets if metric == "virtual_share" else surveys), \
            fn(prev_tickets if metric == "virtual_share" else prev_surveys), \
            fn(ly_tickets if metric == "virtual_share" else ly_surveys)
        p, _ = two_proportion_test(cur[1], cur[2], prev[1], prev[2])
        low, high = (cur[3], cur[4]) if metric == "csat" else (nan, nan)
        rows.append((metric, cur[0], prev[0], ly[0], float(target) if target is not None else nan, low, high, p))
    out = pd.DataFrame(rows, columns=["metric", "value", "previous", "last_year", "target", "low", "high", "p_value"])
    out["change"] = out["value"] - out["previous"]
    out["change_last_year"] = out["value"] - out["last_year"]
    out["significant"] = pd.array([None if pd.isna(p) else bool(p < alpha) for p in out["p_value"]], dtype="boolean")
    return out[["metric", "value", "previous", "change", "last_year", "change_last_year", "target",
                "low", "high", "p_value", "significant"]]


def narrative(frame: pd.DataFrame, lang: str) -> list[str]:
    """Catalogue sentences describing the headline frame, in ``lang``."""
    from .messages import fmt_num, fmt_pct, fmt_pp, t

    row = frame.set_index("metric")
    out = []
    tx = row.loc["transactions"]
    out.append(t("overview.say.transactions", lang, value=fmt_num(tx["value"], lang),
                 previous=fmt_num(tx["previous"], lang),
                 change=f"{(tx['value'] / tx['previous'] - 1) * 100:+.1f}%" if tx["previous"] else "–"))
    vs = row.loc["virtual_share"]
    out.append(t("overview.say.virtual_share", lang, value=fmt_pct(vs["value"], lang),
                 previous=fmt_pct(vs["previous"], lang), change=fmt_pp(vs["change"], lang)))
    cs = row.loc["csat"]
    out.append(t("overview.say.csat", lang, value=fmt_pct(cs["value"], lang), low=fmt_pct(cs["low"], lang),
                 high=fmt_pct(cs["high"], lang), previous=fmt_pct(cs["previous"], lang),
                 change=fmt_pp(cs["change"], lang)))
    for metric in ("virtual_share", "csat"):
        r = row.loc[metric]
        if pd.notna(r["significant"]):
            verdict = "common.significant" if r["significant"] else "common.not_significant"
            out.append(t("overview.say.verdict", lang, metric=t(f"metric.{metric}", lang), verdict=t(verdict, lang)))
        if pd.notna(r["last_year"]):
            out.append(t("overview.say.last_year", lang, metric=t(f"metric.{metric}", lang),
                         value=fmt_pct(r["last_year"], lang), change=fmt_pp(r["change_last_year"], lang)))
    return out


def headline_display(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The headline frame with each figure formatted for readers (metric names from the catalogue)."""
    from .messages import fmt_num, fmt_pct, fmt_pp, t

    shares = {"virtual_share", "csat"}
    rows = []
    for r in frame.itertuples(index=False):
        share = r.metric in shares
        fmt = (lambda v: fmt_pct(v, lang)) if share else (lambda v: fmt_num(v, lang))
        rows.append({
            "metric": t(f"metric.{r.metric}", lang),
            "value": fmt(r.value),
            "previous": fmt(r.previous),
            "change": fmt_pp(r.change, lang) if share else fmt_num(r.change, lang),
            "interval": f"{fmt_pct(r.low, lang)} – {fmt_pct(r.high, lang)}" if pd.notna(r.low) else "",
            "last_year": fmt(r.last_year),
            "target": fmt(r.target),
            "significant": "" if pd.isna(r.significant) else
            t("common.significant" if r.significant else "common.not_significant", lang),
        })
    return pd.DataFrame(rows)
