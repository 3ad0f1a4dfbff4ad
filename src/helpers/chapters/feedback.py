"""Customer feedback and the closed loop (DESIGN.md "Feedback"). Pure: frames in, frames out.

Definitions:

- rate per 1,000 transactions = feedback items of a kind ÷ transactions (all tickets of the
  period in the same cut) × 1,000; by category the denominator is all the period's transactions;
- thank-you message = a compliment received through the ``satisfaction_system`` source; counted
  per centre or channel here, the staff it names are named only by the recognition chapter;
- resolution time = resolved_at − received_at in days, over complaints closed (resolved or
  rejected) as of the period's end; median and P90 (linear interpolation);
- % resolved within SLA = complaints closed within ``kpi.feedback.resolution_sla_days`` ÷
  complaints that are due (closed, or still open and older than the SLA): a complaint received
  yesterday is not counted as late before its time is up;
- substantiated complaint rate = complaints found valid ÷ complaints with a decision;
- follow-up list = complaints still open at the period's end and older than the SLA, oldest
  first. Owner = the department responsible for the complaint's category (config
  ``feedback_categories[].owner``); the centre and channel say where it happened, so the
  centre's supervisor and the owning department share the follow-up.

As of the period's end, a complaint closed later is still open: closure, resolution time and
substantiation are only read when ``resolved_at`` is on or before the end.

What readers see of these figures (formatted frames, sentences, the figure) is in ``feedback_view``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..measures.themes import safe_excerpt

KINDS = ("complaint", "suggestion", "compliment")
THANK_YOU_SOURCE = "satisfaction_system"
CLOSED = ("resolved", "rejected")
FOLLOW_UP_TEXT_CHARS = 2000   # the longest comment the data contract allows
DAY = pd.Timedelta(days=1)


def as_of(feedback: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """Feedback received by ``end`` with its state as it stood then.

    Items closed after ``end`` become ``in_progress`` with no ``resolved_at`` and no
    ``substantiated`` decision yet.
    """
    fb = feedback[feedback["received_at"] <= end].copy()
    later = fb["resolved_at"].notna() & (fb["resolved_at"] > end)
    fb.loc[later, "status"] = "in_progress"
    fb.loc[later, "resolved_at"] = pd.NaT
    fb["substantiated"] = fb["substantiated"].astype("boolean")
    fb.loc[later, "substantiated"] = pd.NA
    return fb


RATE_COUNTS = ["transactions", *[f"{k}s" for k in KINDS]]


def rate_counts(feedback: pd.DataFrame, tickets: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """The whole numbers of ``rates``: per cut ``by``, ``transactions`` and the complaints,
    suggestions and compliments (``RATE_COUNTS``), sorted by cut; ``by=None``: one row for the
    whole period (none without feedback or tickets). The engine computes the same table in SQL
    (``data.aggregates.surveys.feedback_counts``)."""
    if by is None:
        return rate_counts(feedback.assign(_all="all"), tickets.assign(_all="all"), "_all").drop(columns="_all")
    fb = feedback[feedback["kind"].isin(KINDS)].dropna(subset=[by])
    counts = (pd.crosstab(fb[by].astype(object), fb["kind"]) if len(fb)
              else pd.DataFrame(index=pd.Index([], name=by, dtype=object)))
    counts = counts.reindex(columns=list(KINDS), fill_value=0)
    counts.columns = [f"{k}s" for k in KINDS]
    if by in tickets.columns:
        known = tickets[by].dropna().astype(object)
        out = counts.join(known.groupby(known).size().rename("transactions"), how="outer")
    else:
        out = counts.assign(transactions=len(tickets))
    out.index.name = by
    out = out.fillna(0).astype(int).sort_index().reset_index()
    return out[[by, *RATE_COUNTS]]


def rates_from_counts(counts: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """``rates`` from its whole numbers (``rate_counts``, or the engine's table)."""
    keys = [by] if by else []
    out = counts.assign(**{k: counts[k].astype(object) for k in keys}) if keys else counts.copy()
    out = out.sort_values(keys, kind="mergesort").reset_index(drop=True) if keys else out.reset_index(drop=True)
    out[RATE_COUNTS] = out[RATE_COUNTS].astype(int)
    denom = out["transactions"].where(out["transactions"] > 0)
    for k in KINDS:
        out[f"{k}s_per_1000"] = (1000 * out[f"{k}s"] / denom).astype(float)
    return out[[*keys, *RATE_COUNTS, *[f"{k}s_per_1000" for k in KINDS]]]


def rates(feedback: pd.DataFrame, tickets: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Complaints, suggestions and compliments per 1,000 transactions in each cut ``by``.

    ``feedback`` and ``tickets`` are the period's. When ``by`` is a ticket column (centre,
    channel) each cut has its own denominator; otherwise (category) every row is per 1,000
    of all transactions; ``by=None`` gives one row for the whole period. Feedback with no value
    for ``by`` is left out of that cut. Columns: ``by``, transactions, complaints, suggestions,
    compliments and ``<kind>s_per_1000``; sorted by cut.
    """
    return rates_from_counts(rate_counts(feedback, tickets, by), by)


def complaints_per_1000(counts: pd.DataFrame) -> float:
    """The period's complaints per 1,000 transactions from its one-row ``rate_counts`` (``by=None``);
    NaN when it had no transaction."""
    if counts.empty or int(counts["transactions"].iloc[0]) == 0:
        return float("nan")
    return float(rates_from_counts(counts).iloc[0]["complaints_per_1000"])


def thank_yous(feedback: pd.DataFrame) -> pd.DataFrame:
    """Thank-you messages: compliments received through the satisfaction system."""
    return feedback[feedback["kind"].eq("compliment") & feedback["source"].eq(THANK_YOU_SOURCE)]


def thank_you_trend(feedback: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    """Thank-you messages per month for each ``YYYY-MM`` in ``months`` (zero when none)."""
    counts = thank_yous(feedback)["received_at"].dt.strftime("%Y-%m").value_counts()
    return thank_you_trend_from_counts(counts.rename_axis("month").rename("thank_yous").reset_index(), months)


def thank_you_trend_from_counts(counts: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    """``thank_you_trend`` from ``month, thank_yous`` counts (the engine's ``thank_you_months``)."""
    found = dict(zip(counts["month"], counts["thank_yous"], strict=True))
    return pd.DataFrame({"month": months, "thank_yous": [int(found.get(m, 0)) for m in months]})


def thank_you_by(feedback: pd.DataFrame, by: str, ids: list[str]) -> pd.DataFrame:
    """Thank-you messages per configured ``ids`` of ``by`` (e.g. centres), zero when none.

    Outside the recognition chapter thanks are counted, never listed by person: the data
    contract shows staff names only in recognition (issue 15, section 6)."""
    counts = thank_yous(feedback)[by].value_counts()
    return thank_you_by_counts(counts.rename_axis(by).rename("thank_yous").reset_index(), by, ids)


def thank_you_by_counts(counts: pd.DataFrame, by: str, ids: list[str]) -> pd.DataFrame:
    """``thank_you_by`` from ``by, thank_yous`` counts (e.g. the engine's ``feedback_counts``)."""
    found = dict(zip(counts[by], counts["thank_yous"], strict=True))
    return pd.DataFrame({by: ids, "thank_yous": [int(found.get(i, 0)) for i in ids]})


def _resolution_parts(complaints: pd.DataFrame, end: pd.Timestamp, sla_days: float) -> pd.DataFrame:
    closed = complaints["status"].isin(CLOSED) & complaints["resolved_at"].notna()
    days = (complaints["resolved_at"] - complaints["received_at"]) / DAY
    age = (end - complaints["received_at"]) / DAY
    return pd.DataFrame({
        "_closed": closed,
        "_days": days.where(closed).astype(float),
        "_within": closed & (days <= sla_days),
        "_due": closed | (age > sla_days),
        "_decided": complaints["substantiated"].notna(),
        "_valid": complaints["substantiated"].fillna(False).astype(bool),
    }, index=complaints.index)


def resolution(feedback: pd.DataFrame, end: pd.Timestamp, sla_days: float, by: str | None = None) -> pd.DataFrame:
    """Closed-loop figures for the complaints in ``feedback`` (already ``as_of(end)``).

    Columns: ``by`` (when given), complaints, closed, median_days, p90_days, due, within_sla,
    within_sla_share, decided, substantiated, substantiated_rate. Definitions: module docstring.
    """
    c = feedback[feedback["kind"].eq("complaint")]
    parts = _resolution_parts(c, end, sla_days)
    if by:
        parts[by] = c[by].astype(object)
        parts = parts.dropna(subset=[by])
        groups = parts.groupby(by, sort=True)
    else:
        groups = parts.groupby(lambda _: 0)
    out = groups.agg(complaints=("_closed", "size"), closed=("_closed", "sum"),
                     median_days=("_days", "median"), p90_days=("_days", lambda s: s.quantile(0.9)),
                     due=("_due", "sum"), within_sla=("_within", "sum"), decided=("_decided", "sum"),
                     substantiated=("_valid", "sum"))
    if not by and out.empty:
        out = pd.DataFrame([{"complaints": 0, "closed": 0, "median_days": np.nan, "p90_days": np.nan,
                             "due": 0, "within_sla": 0, "decided": 0, "substantiated": 0}])
    out = out.reset_index() if by else out.reset_index(drop=True)
    ints = ["complaints", "closed", "due", "within_sla", "decided", "substantiated"]
    out[ints] = out[ints].astype(int)
    out["within_sla_share"] = (out["within_sla"] / out["due"].where(out["due"] > 0)).astype(float)
    out["substantiated_rate"] = (out["substantiated"] / out["decided"].where(out["decided"] > 0)).astype(float)
    cols = ["complaints", "closed", "median_days", "p90_days", "due", "within_sla", "within_sla_share",
            "decided", "substantiated", "substantiated_rate"]
    return out[([by] if by else []) + cols]


def category_owners(categories: pd.DataFrame) -> dict[str, str]:
    """``{category: owning department}`` from config ``feedback_categories`` (``owner`` column)."""
    if "owner" not in categories.columns:
        return {}
    return {str(r.id): str(r.owner) for r in categories.itertuples(index=False) if pd.notna(r.owner)}


def follow_up(feedback: pd.DataFrame, end: pd.Timestamp, sla_days: float, owners: dict[str, str]) -> pd.DataFrame:
    """Open complaints older than the SLA at ``end`` (``feedback`` already ``as_of(end)``).

    Columns: ``feedback_id, received_on, age_days, centre_id, channel_id, category, owner,
    status, text``; oldest first, then by id. ``age_days`` is whole days since receipt.
    ``text`` is masked in the frame itself (``themes.safe_excerpt``: digit runs such as IDs and
    phone numbers, and e-mail addresses, become ``•••``; at most ``FOLLOW_UP_TEXT_CHARS``), so
    the published CSV holds no more of a customer's details than the page shows.
    """
    c = feedback[feedback["kind"].eq("complaint") & ~feedback["status"].isin(CLOSED)]
    age = (end - c["received_at"]) / DAY
    late = c[age > sla_days].assign(age_days=np.floor(age[age > sla_days]).astype(int))
    out = pd.DataFrame({
        "feedback_id": late["feedback_id"].astype(object),
        "received_on": late["received_at"].dt.strftime("%Y-%m-%d"),
        "age_days": late["age_days"],
        "centre_id": late["centre_id"].astype(object),
        "channel_id": late["channel_id"].astype(object),
        "category": late["category"].astype(object),
        "owner": [owners.get(str(v)) for v in late["category"]],
        "status": late["status"].astype(object),
        "text": [safe_excerpt(x, FOLLOW_UP_TEXT_CHARS) if isinstance(x, str) else "" for x in late["text"]],
    })
    return out.sort_values(["age_days", "feedback_id"], ascending=[False, True], kind="mergesort").reset_index(drop=True)
