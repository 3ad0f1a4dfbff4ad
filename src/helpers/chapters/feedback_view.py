"""What readers see of customer feedback: the figures of ``feedback`` as formatted frames,
catalogue sentences and the thank-you figure."""

from __future__ import annotations

import pandas as pd

from ..base import plots
from ..base.messages import fmt_num, fmt_pct, t
from ..measures.themes import safe_excerpt
from .feedback import KINDS, rates, resolution, thank_yous


def rates_display(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A ``rates`` frame for readers: rates per 1,000 with one decimal."""
    out = frame.copy()
    for k in KINDS:
        out[f"{k}s_per_1000"] = [fmt_num(v, lang, 1) for v in frame[f"{k}s_per_1000"]]
    return out


def resolution_display(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A ``resolution`` frame for readers: days with one decimal, shares as percentages."""
    out = frame.copy()
    for col in ("median_days", "p90_days"):
        out[col] = [fmt_num(v, lang, 1) for v in frame[col]]
    for col in ("within_sla_share", "substantiated_rate"):
        out[col] = [fmt_pct(v, lang) for v in frame[col]]
    return out


def follow_up_display(frame: pd.DataFrame, lang: str, rows: int | None = None) -> pd.DataFrame:
    """A ``follow_up`` frame for readers (its first ``rows``, the oldest, when given): status in
    words, the complaint's text as a safe excerpt."""
    out = (frame if rows is None else frame.head(rows)).copy()
    frame = out
    out["status"] = [t(f"feedback.status.{s}", lang) for s in frame["status"]]
    out["text"] = [safe_excerpt(x) if isinstance(x, str) else "" for x in frame["text"]]
    return out


def follow_up_lines(frame: pd.DataFrame, sla_days: float, lang: str, rows: int) -> list[str]:
    """How many complaints are open past the deadline and how many of them a table shows."""
    if frame.empty:
        return [t("feedback.say.no_follow_up", lang, sla=fmt_num(sla_days, lang))]
    out = [t("feedback.say.follow_up", lang, n=fmt_num(len(frame), lang), sla=fmt_num(sla_days, lang))]
    if len(frame) > rows:
        out.append(t("feedback.say.follow_up_shown", lang, shown=fmt_num(rows, lang)))
    return out


def feedback_lines(rates_total: pd.DataFrame, resolution_total: pd.DataFrame, follow: pd.DataFrame,
                   thanks: int, sla_days: float, lang: str) -> list[str]:
    """Catalogue sentences on the period's feedback: volumes and rates, thank-you messages,
    resolution against the SLA, substantiated complaints and the follow-up list."""
    r = rates_total.iloc[0]
    res = resolution_total.iloc[0]

    def rate(v):
        return fmt_num(v, lang, 1)

    out = [t("feedback.say.volumes", lang, complaints=fmt_num(r["complaints"], lang),
             complaint_rate=rate(r["complaints_per_1000"]), suggestions=fmt_num(r["suggestions"], lang),
             compliments=fmt_num(r["compliments"], lang), thanks=fmt_num(thanks, lang))]
    if res["closed"] > 0 or res["due"] > 0:
        out.append(t("feedback.say.resolution", lang, median=rate(res["median_days"]), p90=rate(res["p90_days"]),
                     share=fmt_pct(res["within_sla_share"], lang), sla=fmt_num(sla_days, lang),
                     substantiated=fmt_pct(res["substantiated_rate"], lang), decided=fmt_num(res["decided"], lang)))
    out.append(t("feedback.say.follow_up", lang, n=fmt_num(len(follow), lang), sla=fmt_num(sla_days, lang))
               if len(follow) else t("feedback.say.no_follow_up", lang, sla=fmt_num(sla_days, lang)))
    return out


def period_lines(period_feedback: pd.DataFrame, period_tickets: pd.DataFrame, follow: pd.DataFrame,
                 end: pd.Timestamp, sla_days: float, lang: str) -> list[str]:
    """``feedback_lines`` for one period from its feedback and tickets: the entity's rates
    (``rates``), resolution as of ``end`` (``resolution``), the follow-up list ``follow`` and the
    number of thank-you messages (``thank_yous``) received in the period."""
    return feedback_lines(rates(period_feedback, period_tickets), resolution(period_feedback, end, sla_days), follow,
                          len(thank_yous(period_feedback)), sla_days, lang)


def thank_you_figure(trend: pd.DataFrame, *, title: str, ylabel: str):
    """Thank-you messages per month as bars (house style)."""
    fig, ax = plots.figure(9, 3.2)
    x = list(range(len(trend)))
    ax.bar(x, trend["thank_yous"], color=plots.PALETTE[1])
    step = max(1, len(x) // 12)
    ax.set_xticks(x[::step], list(trend["month"])[::step], rotation=45, ha="right")
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    return fig
