"""Headline figures of a month against the month before: the overview chapter and landing page."""

from __future__ import annotations

import pandas as pd

from . import kpis, satisfaction


def headline(tickets: pd.DataFrame, surveys: pd.DataFrame, prev_tickets: pd.DataFrame,
             prev_surveys: pd.DataFrame, kpi: dict, virtual_channels: list[str]) -> pd.DataFrame:
    """One row per headline measure: ``metric, value, previous, change, low, high``.

    Measures: transactions (count), digital take-up (share of completed), CSAT (share 4–5,
    Wilson interval in ``low``/``high`` for the current month). ``change`` = value − previous.
    """
    assisted = bool(kpi["digital_take_up"]["assisted_digital_counts_as_digital"])
    top_box = tuple(kpi["csat"]["top_box"])
    conf = float(kpi["csat"]["confidence"])
    cur_dtu = kpis.digital_take_up(tickets, virtual_channels, assisted)
    prev_dtu = kpis.digital_take_up(prev_tickets, virtual_channels, assisted)
    cur_csat = satisfaction.csat(surveys, top_box, conf)
    prev_csat = satisfaction.csat(prev_surveys, top_box, conf)
    rows = [
        ("transactions", float(len(tickets)), float(len(prev_tickets)), float("nan"), float("nan")),
        ("virtual_share", cur_dtu["share"], prev_dtu["share"], float("nan"), float("nan")),
        ("csat", cur_csat["csat"], prev_csat["csat"], cur_csat["low"], cur_csat["high"]),
    ]
    out = pd.DataFrame(rows, columns=["metric", "value", "previous", "low", "high"])
    out["change"] = out["value"] - out["previous"]
    return out[["metric", "value", "previous", "change", "low", "high"]]


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
        })
    return pd.DataFrame(rows)
