"""The annual review's numbers: each area of the year, month by month, against the same months of
the year before. Pure: frames from the store in, frames out (the words and charts are
``annual_view``'s; the readiness part is ``readiness``'s).

Every figure is the one the monthly chapters compute, reused rather than recomputed: the channel
KPIs of ``measures.kpis``, digital take-up of ``adoption``, CSAT/NPS/CES with their intervals of
``satisfaction``, complaint and thank-you counts of ``feedback``, the initiative estimates of
``initiatives`` and the recognition awards of ``recognition``.

**Which months.** A year may be only partly processed: ``scope`` names the year's months in the
store (``months``) and, of those, the ones whose month a year earlier is in the store too
(``compared``). A year-on-year change is computed on the ``compared`` months only, so a year
with January and February in is compared with January and February of the year before, and a
year with no previous year has no change (NaN, which the view says in words).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..base.periods import parse, shift_month
from ..measures import kpis
from ..measures.kpis import KpiSettings
from . import adoption, feedback, initiatives, recognition, satisfaction

LAST_YEAR = "_last_year"


@dataclass(frozen=True)
class Scope:
    """The months an annual review reads (``YYYY-MM``, in order)."""
    year: str
    months: tuple[str, ...]          # the year's months in the store
    compared: tuple[str, ...]        # of those, the ones whose month a year before is in the store

    @property
    def last_year(self) -> str:
        return str(int(self.year) - 1)

    @property
    def last(self) -> str:
        """The latest month in (December when none is): the month the initiatives are assessed as of."""
        return self.months[-1] if self.months else f"{self.year}-12"

    @property
    def previous(self) -> tuple[str, ...]:
        """The months a year before ``compared``."""
        return tuple(shift_month(m, -12) for m in self.compared)


def scope(period, stored_months) -> Scope:
    """The ``Scope`` of a year ``period`` given the months in the store (``store.months``)."""
    year = f"{period.start.year}"
    stored = set(stored_months)
    months = tuple(m for m in period.months if m in stored)
    compared = tuple(m for m in months if shift_month(m, -12) in stored)
    return Scope(year, months, compared)


def history_since(period) -> str:
    """The first month the review loads for its year-on-year areas: January of the year before."""
    return f"{period.start.year - 1}-01"


def _month_col(frame: pd.DataFrame, column: str) -> pd.Series:
    return kpis.period_labels(frame[column], "M") if len(frame) else pd.Series([], index=frame.index, dtype="str")


def _within(frame: pd.DataFrame, months) -> pd.DataFrame:
    return frame[frame["month"].isin(list(months)).to_numpy()]


def _slim(frame: pd.DataFrame, columns, months) -> pd.DataFrame:
    """``columns`` (and ``month``) of the rows in ``months``: the columns first, so that a wide frame
    is not copied whole for a few of its columns."""
    keep = [c for c in dict.fromkeys([*columns, "month"]) if c in frame.columns]
    return _within(frame[keep], months)


def _by_month(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    return {m: part for m, part in frame.groupby("month", sort=True)}


def pair(monthly: pd.DataFrame, sc: Scope, columns: list[str]) -> pd.DataFrame:
    """One row per month of ``sc.months``: ``columns`` of ``monthly`` (keyed by ``month``) and, for each,
    ``<column>_last_year``: its value a year earlier, NaN when that month is not ``compared``."""
    by_month = monthly.set_index("month")
    rows = []
    for m in sc.months:
        row = {"month": m}
        for c in columns:
            row[c] = by_month.at[m, c] if m in by_month.index else np.nan
            before = shift_month(m, -12)
            row[c + LAST_YEAR] = by_month.at[before, c] if m in sc.compared and before in by_month.index else np.nan
        rows.append(row)
    out = pd.DataFrame(rows, columns=["month", *[x for c in columns for x in (c, c + LAST_YEAR)]])
    return out.astype({c: float for c in out.columns if c != "month"})


def _change(now: float, before: float, relative: bool) -> float:
    if not (before == before) or not (now == now):     # NaN
        return float("nan")
    if relative:
        return now / before - 1 if before else float("nan")
    return now - before


def relative_change(now: float, before: float) -> float:
    """``now ÷ before − 1``; NaN when either is missing or ``before`` is 0."""
    return _change(now, before, True)


# --- volumes --------------------------------------------------------------------------------------

VOLUME_COLUMNS = ["transactions", "completed"]


def monthly_kpis(tickets: pd.DataFrame, st: KpiSettings, by: list[str] | tuple = ()) -> pd.DataFrame:
    """``kpis.kpi_table`` per month (and ``by``) of every ticket given (prepared by ``kpis.prepare``)."""
    return kpis.kpi_table(tickets, ["month", *by], st)


def volumes(monthly: pd.DataFrame, sc: Scope) -> pd.DataFrame:
    """Transactions and completed transactions per month of the year and a year before."""
    return pair(monthly, sc, VOLUME_COLUMNS)


def volumes_by(monthly_by: pd.DataFrame, sc: Scope, key: str) -> pd.DataFrame:
    """Transactions and completed per ``key`` (e.g. ``channel_id``) over the year's months, the same
    over the ``compared`` months and a year before them, and ``change_year`` (relative, compared months)."""
    this = _within(monthly_by, sc.months).groupby(key)[VOLUME_COLUMNS].sum()
    same = _within(monthly_by, sc.compared).groupby(key)[VOLUME_COLUMNS].sum()
    before = _within(monthly_by, sc.previous).groupby(key)[VOLUME_COLUMNS].sum()
    keys = sorted(set(this.index) | set(before.index))
    out = pd.DataFrame({key: keys})
    out["transactions"] = this["transactions"].reindex(keys, fill_value=0).to_numpy()
    out["completed"] = this["completed"].reindex(keys, fill_value=0).to_numpy()
    now = same["transactions"].reindex(keys, fill_value=0).astype(float)
    then = before["transactions"].reindex(keys).astype(float) if sc.compared else pd.Series(np.nan, index=keys)
    out["transactions_compared"] = now.to_numpy()      # the months that have a twin a year before
    out["transactions" + LAST_YEAR] = then.to_numpy()
    out["change_year"] = [_change(a, b, True) for a, b in zip(now, then, strict=True)]
    return out.astype({"transactions": np.int64, "completed": np.int64})


def totals(monthly: pd.DataFrame, sc: Scope, counts: list[str]) -> dict:
    """Sums of ``counts`` over the year's months, and over the compared months and a year before them
    (``<count>_compared`` and ``<count>_last_year``, NaN with nothing compared)."""
    out = {}
    for c in counts:
        out[c] = float(_within(monthly, sc.months)[c].sum())
        out[c + "_compared"] = float(_within(monthly, sc.compared)[c].sum()) if sc.compared else float("nan")
        out[c + LAST_YEAR] = float(_within(monthly, sc.previous)[c].sum()) if sc.compared else float("nan")
    return out


def ratio_summary(monthly: pd.DataFrame, sc: Scope, num: str, den: str, scale: float = 1.0) -> dict:
    """A pooled ratio ``scale × Σnum ÷ Σden`` for the year (``value``), for the compared months
    (``compared``) and a year before them (``last_year``), and ``change`` = compared − last_year."""
    s = totals(monthly, sc, [num, den])

    def ratio(n, d):
        return scale * n / d if d == d and d > 0 else float("nan")

    out = {"value": ratio(s[num], s[den]), "compared": ratio(s[num + "_compared"], s[den + "_compared"]),
           "last_year": ratio(s[num + LAST_YEAR], s[den + LAST_YEAR])}
    out["change"] = _change(out["compared"], out["last_year"], False)
    return out


# --- digital take-up ------------------------------------------------------------------------------

def take_up_series(tickets: pd.DataFrame, st: KpiSettings) -> pd.DataFrame:
    """Digital take-up per month of every ticket given (``adoption.take_up`` by ``month``)."""
    return adoption.take_up(tickets, st, ["month"])


def take_up(series: pd.DataFrame, sc: Scope, target: float) -> pd.DataFrame:
    """Digital take-up per month (``series``: ``take_up_series``), a year
    before, the change in points and the target; with the counts behind each share."""
    out = pair(series, sc, ["virtual_share", "completed", "digital"])
    out["change_year"] = out["virtual_share"] - out["virtual_share" + LAST_YEAR]
    out["target"] = float(target)
    return out[["month", "virtual_share", "virtual_share" + LAST_YEAR, "change_year", "target", "completed", "digital"]]


# --- satisfaction ------------------------------------------------------------------------------------

SCORES = ("csat", "nps", "ces")


def with_month(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """``frame`` with ``month`` (``YYYY-MM``) from its ``column`` timestamp."""
    return frame.assign(month=_month_col(frame, column).to_numpy())


def satisfaction_monthly(surveys: pd.DataFrame, tickets: pd.DataFrame, sc: Scope, kpi: dict) -> pd.DataFrame:
    """CSAT, NPS and CES per month with their intervals (``satisfaction.scores_by``), each with its
    value a year before. ``surveys``/``tickets`` carry ``month`` (``with_month``)."""
    months = [*sc.months, *sc.previous]
    scores = satisfaction.scores_by(_slim(surveys, ["csat", "nps", "ces"], months),
                                    _slim(tickets, ["outcome"], months), ["month"], kpi)
    out = pair(scores, sc, ["responses", *SCORES])
    bands = scores.set_index("month")
    for s in SCORES:
        for side in ("low", "high"):
            out[f"{s}_{side}"] = [float(bands.at[m, f"{s}_{side}"]) if m in bands.index else np.nan
                                  for m in out["month"]]
    cols = ["month", "responses"]
    for s in SCORES:
        cols += [s, f"{s}_low", f"{s}_high", s + LAST_YEAR]
    return out[cols]


def satisfaction_year(surveys: pd.DataFrame, tickets: pd.DataFrame, sc: Scope, kpi: dict) -> pd.DataFrame:
    """The year's CSAT, NPS and CES pooled (``satisfaction.scores_by`` with no cut), one row each for
    ``year`` (the year's months), ``compared`` and ``last_year`` (the months a year before those)."""
    rows = []
    surveys = _slim(surveys, ["csat", "nps", "ces"], [*sc.months, *sc.previous])
    tickets = _slim(tickets, ["outcome"], [*sc.months, *sc.previous])
    for which, months in (("year", sc.months), ("compared", sc.compared), ("last_year", sc.previous)):
        row = satisfaction.scores_by(_within(surveys, months), _within(tickets, months), [], kpi)
        rows.append(row.assign(which=which))
    return pd.concat(rows, ignore_index=True)[["which", *satisfaction.SCORE_COLUMNS]]


# --- service level and waits ----------------------------------------------------------------------------

def service_monthly(monthly: pd.DataFrame, sc: Scope, target: float) -> pd.DataFrame:
    """Service level per month, a year before, and the target."""
    out = pair(monthly, sc, ["service_level"])
    out["target"] = float(target)
    return out


def service_by_channel(tickets: pd.DataFrame, st: KpiSettings, sc: Scope) -> pd.DataFrame:
    """Per queued channel, pooled over the year's months: service level and mean wait (ASA, seconds),
    the same a year before, and the channel's threshold (seconds). The year before is shown only when
    every month of the year has its twin there (like with like); else it is empty."""
    year = kpis.kpi_table(_within(tickets, sc.months), ["channel_id"], st).set_index("channel_id")
    whole = bool(sc.compared) and tuple(sc.compared) == tuple(sc.months)
    before = kpis.kpi_table(_within(tickets, sc.previous if whole else ()), ["channel_id"], st).set_index("channel_id")
    channels = sorted(st.thresholds)
    out = pd.DataFrame({"channel_id": channels})
    for c in ("service_level", "wait_mean"):
        out[c] = year[c].reindex(channels).to_numpy(dtype=float)
        out[c + LAST_YEAR] = before[c].reindex(channels).to_numpy(dtype=float)
    out["threshold"] = [float(st.thresholds[c]) for c in channels]
    return out[out["service_level"].notna().to_numpy() | out["wait_mean"].notna().to_numpy()].reset_index(drop=True)


def waits_monthly(monthly_by_channel: pd.DataFrame, sc: Scope, channels: list[str]) -> pd.DataFrame:
    """Mean wait (seconds) per month of ``channels``, and a year before: ``channel_id, month, wait_mean,
    wait_mean_last_year``."""
    frames = []
    for c in channels:
        one = monthly_by_channel[monthly_by_channel["channel_id"].eq(c).to_numpy()]
        frames.append(pair(one, sc, ["wait_mean"]).assign(channel_id=c))
    if not frames:
        return pd.DataFrame(columns=["channel_id", "month", "wait_mean", "wait_mean" + LAST_YEAR])
    return pd.concat(frames, ignore_index=True)[["channel_id", "month", "wait_mean", "wait_mean" + LAST_YEAR]]


# --- complaints and thank-you messages ----------------------------------------------------------------

def feedback_counts(feedback_frame: pd.DataFrame, monthly: pd.DataFrame) -> pd.DataFrame:
    """Transactions (``monthly``: ``monthly_kpis``), complaints and thank-you messages
    (``feedback.thank_yous``) per month. ``feedback_frame`` carries ``month`` (of ``received_at``)."""
    complaints = feedback_frame[feedback_frame["kind"].eq("complaint").to_numpy()]["month"].value_counts()
    thanks = feedback.thank_yous(feedback_frame)["month"].value_counts()
    counts = monthly[["month", "transactions"]].copy()
    counts["complaints"] = counts["month"].map(complaints).fillna(0).astype(np.int64)
    counts["thank_yous"] = counts["month"].map(thanks).fillna(0).astype(np.int64)
    return counts.reset_index(drop=True)


def feedback_monthly(counts: pd.DataFrame, sc: Scope) -> pd.DataFrame:
    """Complaints and thank-you messages per month and per 1,000 transactions, each rate with its
    value a year before (``counts``: ``feedback_counts``)."""
    per = 1000 / counts["transactions"].where(counts["transactions"] > 0)
    rated = counts.assign(complaints_per_1000=counts["complaints"] * per,
                          thank_yous_per_1000=counts["thank_yous"] * per)
    out = pair(rated, sc, ["complaints", "complaints_per_1000", "thank_yous", "thank_yous_per_1000"])
    return out.drop(columns=["complaints" + LAST_YEAR, "thank_yous" + LAST_YEAR])


# --- initiatives -------------------------------------------------------------------------------------------

RECAP_COLUMNS = ["initiative_id", "outcome", "expected", "measure", "effect", "effect_low", "effect_high", "finding",
                 "months_after"]


def in_force(init: initiatives.Initiative, period) -> bool:
    """Whether an initiative ran at some point in ``period`` (started by its end, not ended before its start)."""
    return init.start_on <= period.end and (init.end_on is None or init.end_on >= period.start_ts)


def initiatives_recap(a: initiatives.Assessment, period) -> pd.DataFrame:
    """The initiatives chapter's estimates (``initiatives.effects_table``) of the initiatives in force
    during the year, each with its effect and 95% interval (``RECAP_COLUMNS``)."""
    table = initiatives.effects_table(a)
    keep = [any(in_force(m, period) for m in e.group.members) for e in a.estimates]
    return table[np.asarray(keep, dtype=bool)][RECAP_COLUMNS].reset_index(drop=True)


# --- recognition -------------------------------------------------------------------------------------------

AWARD_COLUMNS = ["month", "centre_id", "award", "place", "employee_id", "name_en", "name_ar"]
HIGHLIGHT_COLUMNS = ["centre_id", "employee_id", "name_en", "name_ar", "months_recognised", *recognition.AWARDS]


def awards(tickets: pd.DataFrame, surveys: pd.DataFrame, feedback_frame: pd.DataFrame, staff: pd.DataFrame,
           sc: Scope, kpi: dict) -> pd.DataFrame:
    """Each month's recognition (``recognition.who_to_thank``, as the recognition chapter gives it)
    for the year's months, against the month before as the chapter does: ``AWARD_COLUMNS``. Frames
    carry ``month`` (``with_month``); a month without tickets has no recognition."""
    st = recognition.settings(kpi)
    needed = [shift_month(sc.months[0], -2), shift_month(sc.months[0], -1), *sc.months] if sc.months else []
    parts = [_by_month(_slim(f, cols, needed)) for f, cols in ((tickets, recognition.TICKET_COLUMNS),
                                                                 (surveys, recognition.SURVEY_COLUMNS),
                                                                 (feedback_frame, recognition.FEEDBACK_COLUMNS))]
    empty = [_slim(f, cols, []) for f, cols in ((tickets, recognition.TICKET_COLUMNS),
                                                (surveys, recognition.SURVEY_COLUMNS),
                                                (feedback_frame, recognition.FEEDBACK_COLUMNS))]
    measures = {}

    def month_of(k, m):
        return parts[k].get(m, empty[k])

    def measured(m):
        if m not in measures:
            mine = [month_of(k, m) for k in range(3)]
            rated = pd.concat([month_of(0, shift_month(m, -1)), mine[0]])
            measures[m] = (None if mine[0].empty else
                           recognition.employee_measures(*mine, staff, parse(m).last, st, month=m, rated=rated))
        return measures[m]

    frames = []
    for m in sc.months:
        current = measured(m)
        if current is None:
            continue
        before = measured(shift_month(m, -1))
        frames.append(recognition.who_to_thank(current, before, st).assign(month=m))
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in AWARD_COLUMNS})
    return pd.concat(frames, ignore_index=True)[AWARD_COLUMNS]


def highlights(awarded: pd.DataFrame, places: int = 3) -> pd.DataFrame:
    """Per centre, the staff recognised in the most months of the year (``places`` places, ties
    share a place and all are kept), with how many months each award came: ``HIGHLIGHT_COLUMNS``,
    by centre, then most months, then employee_id."""
    if awarded.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in HIGHLIGHT_COLUMNS})
    g = awarded.groupby(["centre_id", "employee_id"], sort=True)
    out = g.agg(name_en=("name_en", "last"), name_ar=("name_ar", "last"),
                months_recognised=("month", "nunique")).reset_index()
    for award in recognition.AWARDS:
        n = awarded[awarded["award"].eq(award).to_numpy()].groupby(["centre_id", "employee_id"])["month"].nunique()
        out[award] = [int(n.get((c, e), 0)) for c, e in zip(out["centre_id"], out["employee_id"], strict=True)]
    out["_place"] = out.groupby("centre_id")["months_recognised"].rank(method="min", ascending=False)
    out = out[out["_place"] <= places]
    out = out.sort_values(["centre_id", "months_recognised", "employee_id"], ascending=[True, False, True],
                          kind="mergesort")
    return out[HIGHLIGHT_COLUMNS].astype({c: np.int64 for c in ["months_recognised", *recognition.AWARDS]}) \
        .reset_index(drop=True)


def awards_by_month(awarded: pd.DataFrame, sc: Scope, centres: list[str]) -> pd.DataFrame:
    """Staff recognised (distinct, any award) per month and centre: ``month, centre_id, staff``."""
    counts = awarded.groupby(["month", "centre_id"])["employee_id"].nunique() if len(awarded) else pd.Series(dtype=int)
    rows = [{"month": m, "centre_id": c, "staff": int(counts.get((m, c), 0))} for m in sc.months for c in centres]
    return pd.DataFrame(rows, columns=["month", "centre_id", "staff"]).astype({"staff": np.int64})


# --- each area in one object (what the notebook's sections take) -------------------------------------------

# Columns the review loads: every chapter's it reuses, no customer reference and no comment text.
TICKET_COLUMNS = sorted(set(kpis.TICKET_COLUMNS) | set(recognition.TICKET_COLUMNS) | set(initiatives.TICKET_COLUMNS))
SURVEY_COLUMNS = sorted(set(recognition.SURVEY_COLUMNS) | set(initiatives.SURVEY_COLUMNS) | {"nps", "ces"})
FEEDBACK_COLUMNS = sorted(set(recognition.FEEDBACK_COLUMNS))


@dataclass
class Volumes:
    monthly: pd.DataFrame       # ``volumes``
    by_channel: pd.DataFrame    # ``volumes_by`` channel
    sums: dict                  # ``totals`` of transactions and completed


def volumes_area(monthly: pd.DataFrame, monthly_by_channel: pd.DataFrame, sc: Scope) -> Volumes:
    return Volumes(volumes(monthly, sc), volumes_by(monthly_by_channel, sc, "channel_id"),
                   totals(monthly, sc, VOLUME_COLUMNS))


@dataclass
class TakeUp:
    monthly: pd.DataFrame       # ``take_up``
    summary: dict               # ``ratio_summary`` of digital ÷ completed
    target: float
    target_year: int


def take_up_area(tickets: pd.DataFrame, st: KpiSettings, sc: Scope, kpi: dict) -> TakeUp:
    series = take_up_series(_slim(tickets, ["outcome", "channel_id", "assisted_digital", "created_at"],
                                  [*sc.months, *sc.previous]), st)
    goal = kpi["digital_take_up"]
    return TakeUp(take_up(series, sc, float(goal["target"])), ratio_summary(series, sc, "digital", "completed"),
                  float(goal["target"]), int(goal["target_year"]))


@dataclass
class Satisfaction:
    monthly: pd.DataFrame       # ``satisfaction_monthly``
    year: pd.DataFrame          # ``satisfaction_year``
    csat_target: float | None


def satisfaction_area(surveys: pd.DataFrame, tickets: pd.DataFrame, sc: Scope, kpi: dict) -> Satisfaction:
    target = kpi["csat"].get("target")
    return Satisfaction(satisfaction_monthly(surveys, tickets, sc, kpi), satisfaction_year(surveys, tickets, sc, kpi),
                        None if target is None else float(target))


@dataclass
class Service:
    monthly: pd.DataFrame       # ``service_monthly``
    channels: pd.DataFrame      # ``service_by_channel``
    waits: pd.DataFrame         # ``waits_monthly`` of those channels
    summary: dict               # ``ratio_summary`` of sl_met ÷ sl_base
    target: float


def service_area(tickets: pd.DataFrame, monthly: pd.DataFrame, monthly_by_channel: pd.DataFrame, st: KpiSettings,
                 sc: Scope, kpi: dict) -> Service:
    target = float(kpi["service_level"]["target"])
    channels = service_by_channel(tickets, st, sc)
    return Service(service_monthly(monthly, sc, target), channels,
                   waits_monthly(monthly_by_channel, sc, list(channels["channel_id"])),
                   ratio_summary(monthly, sc, "sl_met", "sl_base"), target)


@dataclass
class Feedback:
    monthly: pd.DataFrame       # ``feedback_monthly``
    complaints: dict            # ``ratio_summary`` per 1,000 transactions
    thanks: dict
    sums: dict                  # ``totals`` of complaints and thank-you messages


def feedback_area(feedback_frame: pd.DataFrame, monthly: pd.DataFrame, sc: Scope) -> Feedback:
    counts = feedback_counts(feedback_frame, monthly)
    return Feedback(feedback_monthly(counts, sc), ratio_summary(counts, sc, "complaints", "transactions", 1000),
                    ratio_summary(counts, sc, "thank_yous", "transactions", 1000),
                    totals(counts, sc, ["complaints", "thank_yous"]))


@dataclass
class Recognition:
    awards: pd.DataFrame        # ``awards``
    highlights: pd.DataFrame    # ``highlights``
    by_month: pd.DataFrame      # ``awards_by_month``


def recognition_area(tickets: pd.DataFrame, surveys: pd.DataFrame, feedback_frame: pd.DataFrame, staff: pd.DataFrame,
                     sc: Scope, kpi: dict, centres: list[str]) -> Recognition:
    awarded = awards(tickets, surveys, feedback_frame, staff, sc, kpi)
    places = recognition.settings(kpi).places
    return Recognition(awarded, highlights(awarded, places), awards_by_month(awarded, sc, centres))
