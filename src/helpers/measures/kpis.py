"""Channel KPIs on ticket frames (DESIGN.md "KPI definitions"). Pure: frames in, frames out.

Every KPI is computed per ticket first (flags and durations in seconds, ``ticket_measures``)
and then pooled over any cut (``kpi_table``): a cut is any combination of ticket columns
(``centre_id``, ``channel_id``, ``service_id`` …) and the calendar keys ``month``, ``day``,
``weekday`` and ``hour`` taken from ``created_at``. Pooling per ticket means a centre's service
level judges each ticket against its own channel's threshold.

Definitions (config ``kpi``, printed on the Methods page with ``kpi.version``):

- completion rate = (completed + referred) ÷ (all transactions − no-shows);
- wait = started_at − created_at, for served tickets on channels with a queue; the mean (average
  speed of answer, ASA, pooled like the mean handle time), the median and P90 (linear
  interpolation between order statistics, numpy's default);
- service level = served tickets whose wait is within their channel kind's threshold ÷ served
  tickets (variant ``served_only``), or ÷ (served + abandons that are not short) (variant
  ``offered``); channels without a threshold (self-service) are left out: NaN;
- handle time = ended_at − started_at, the mean over served tickets (average handle time);
- abandonment = abandons that are not short ÷ offered, where offered = all transactions on a
  queued channel − no-shows − short abandons;
- no-shows = booked tickets with outcome no_show ÷ booked tickets;
- first-contact resolution = served tickets resolved at first contact ÷ served tickets whose
  resolution is recorded;
- digital take-up = completed on virtual channels (and, by default, assisted-digital ones) ÷
  all completed (UK Service Standard).

Where the tickets are many, a chapter passes the engine (``helpers.data.aggregates.tickets.Tickets``)
instead of rows to ``table``, ``monthly_trend``, ``volumes`` and ``completions``: it counts the
same flags in DuckDB, sums durations as integer microseconds and takes exact percentiles there,
and ``from_sums`` turns its answer into the very frame ``kpi_table`` gives (means once from the
integer sums, shares by ``derive``). The functions on rows stay the reference the engine is tested
against.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..base.periods import months_between, shift_month

SERVED_OUTCOMES = ("completed", "transferred", "referred")
CALENDAR_KEYS = ("month", "day", "weekday", "hour")

# Counts pooled per cut, then the KPIs derived from them (the column order of kpi_table).
COUNT_COLUMNS = ["transactions", "completed", "referred", "no_shows", "appointments", "appointment_no_shows",
                 "abandoned", "short_abandons", "offered", "served", "queued_served", "sl_met", "sl_base", "fcr_known",
                 "fcr_yes", "digital", "assisted_digital"]
KPI_COLUMNS = ["completion_rate", "wait_mean", "wait_p50", "wait_p90", "service_level", "handle_mean", "abandonment",
               "no_show_rate", "fcr", "virtual_share"]
# Which direction is better, for comparisons and alerts.
HIGHER_IS_BETTER = {"completion_rate": True, "service_level": True, "fcr": True, "virtual_share": True,
                    "wait_mean": False, "wait_p50": False, "wait_p90": False, "handle_mean": False,
                    "abandonment": False, "no_show_rate": False}
SHARE_KPIS = ("completion_rate", "service_level", "abandonment", "no_show_rate", "fcr", "virtual_share")
DURATION_KPIS = ("wait_mean", "wait_p50", "wait_p90", "handle_mean")
# The ticket columns every KPI above needs (``store.load(..., columns=TICKET_COLUMNS)``): the rows
# the engine's tables are checked against (the chapters themselves read the engine, ``table``).
TICKET_COLUMNS = ["centre_id", "channel_id", "service_id", "created_at", "booked", "called_at", "started_at",
                  "ended_at", "outcome", "resolved_first_contact", "assisted_digital"]


@dataclass(frozen=True)
class KpiSettings:
    """The KPI settings of one config version, resolved per channel.

    ``thresholds`` maps a channel id to its service-level threshold in seconds; a channel
    without one (self-service) has no queue and is left out of wait, service level and
    abandonment.
    """

    thresholds: dict[str, float]
    virtual_channels: tuple[str, ...]
    variant: str = "served_only"
    short_abandon_seconds: float = 0.0
    assisted_counts: bool = True
    version: str = ""
    queued_channels: tuple[str, ...] = field(default=())

    def __post_init__(self):
        if self.variant not in ("served_only", "offered"):
            raise ValueError(f"kpi.service_level.variant must be served_only or offered, not {self.variant!r}")
        if not self.queued_channels:
            object.__setattr__(self, "queued_channels", tuple(sorted(self.thresholds)))


def settings(cfg) -> KpiSettings:
    """``KpiSettings`` from a ``Config``: thresholds per channel from its kind (``kpi.service_level``)."""
    kpi = cfg.kpi
    by_kind = {str(k): float(v) for k, v in kpi["service_level"]["thresholds_seconds"].items()}
    thresholds = {str(c["id"]): by_kind[str(c["kind"])] for c in cfg.raw["channels"] if str(c["kind"]) in by_kind}
    return KpiSettings(
        thresholds=thresholds,
        virtual_channels=tuple(cfg.virtual_channels),
        variant=str(kpi["service_level"].get("variant", "served_only")),
        short_abandon_seconds=float(kpi.get("abandonment", {}).get("short_abandon_seconds", 0)),
        assisted_counts=bool(kpi["digital_take_up"]["assisted_digital_counts_as_digital"]),
        version=str(kpi.get("version", "")),
    )


def _is_digital(tickets: pd.DataFrame, virtual_channels, assisted_counts: bool) -> pd.Series:
    digital = tickets["channel_id"].isin(list(virtual_channels))
    if assisted_counts:
        digital = digital | tickets["assisted_digital"].fillna(False).astype(bool)
    return digital.astype(bool)


def _seconds(later: pd.Series, earlier: pd.Series) -> pd.Series:
    return (later - earlier).dt.total_seconds().astype(float)


def period_labels(timestamps: pd.Series, unit: str = "M") -> pd.Series:
    """``YYYY-MM`` (unit ``M``) or ``YYYY-MM-DD`` (unit ``D``) of each timestamp, as strings.

    Each distinct month or day is formatted once: strftime on every row is the slow part."""
    stamps = pd.to_datetime(timestamps).to_numpy(dtype="datetime64[us]")
    uniq, inverse = np.unique(stamps.astype(f"datetime64[{unit}]"), return_inverse=True)
    labels = np.array([str(u) for u in uniq], dtype=object)
    return pd.Series(labels[inverse.reshape(-1)], index=timestamps.index, dtype="str")


def with_calendar(tickets: pd.DataFrame, keys) -> pd.DataFrame:
    """``tickets`` with the calendar keys in ``keys`` added from ``created_at``:
    ``month`` (``YYYY-MM``), ``day`` (``YYYY-MM-DD``), ``weekday`` (ISO 1–7), ``hour`` (0–23)."""
    wanted = [k for k in keys if k in CALENDAR_KEYS and k not in tickets.columns]
    if not wanted:
        return tickets
    created = pd.to_datetime(tickets["created_at"])
    extra = {}
    for key, unit in (("month", "M"), ("day", "D")):
        if key in wanted:
            extra[key] = period_labels(tickets["created_at"], unit)
    if "weekday" in wanted:
        extra["weekday"] = created.dt.isocalendar().day.astype(int).to_numpy()
    if "hour" in wanted:
        extra["hour"] = created.dt.hour.astype(int)
    return tickets.assign(**extra)


MEASURE_PREFIX = "kpi_"
_MEASURES = [*COUNT_COLUMNS, "wait", "handle"]


def prepare(tickets: pd.DataFrame, st: KpiSettings, calendar=("month",)) -> pd.DataFrame:
    """``tickets`` with the calendar keys ``calendar`` and the per-ticket measures of
    ``ticket_measures`` (as ``kpi_*`` columns) computed once, so that many ``kpi_table`` calls
    on slices of one frame do not recompute them. The measures are used only under the same
    settings ``st``; any other settings recompute them."""
    frame = with_calendar(tickets, list(calendar))
    m = ticket_measures(frame, st)
    out = frame.assign(**{MEASURE_PREFIX + c: m[c].to_numpy() for c in _MEASURES})
    out.attrs["kpi_settings"] = st
    return out


def _measures(frame: pd.DataFrame, st: KpiSettings) -> pd.DataFrame:
    cols = [MEASURE_PREFIX + c for c in _MEASURES]
    if frame.attrs.get("kpi_settings") == st and all(c in frame.columns for c in cols):
        out = frame[cols].copy()
        out.columns = _MEASURES
        return out
    return ticket_measures(frame, st)


def abandon_seconds(tickets: pd.DataFrame) -> pd.Series:
    """How long each abandoned customer waited before leaving, in seconds (NaN otherwise).

    The ticket records the moment the customer left in ``ended_at`` (the demo generator's
    convention, see ``helpers.demo``); without it, the last moment seen (``called_at``) is used,
    and without either the abandon cannot be timed and is not treated as short.
    """
    left = tickets["ended_at"].fillna(tickets["called_at"]) if "called_at" in tickets else tickets["ended_at"]
    waited = _seconds(left, tickets["created_at"])
    return waited.where(tickets["outcome"].eq("abandoned"))


def ticket_measures(tickets: pd.DataFrame, st: KpiSettings) -> pd.DataFrame:
    """Per-ticket flags and durations behind every KPI (same index as ``tickets``).

    Columns: the counts of ``COUNT_COLUMNS`` as 0/1 integers, and ``wait`` and ``handle`` in
    seconds (NaN where the definition leaves the ticket out).
    """
    outcome = tickets["outcome"].astype(str)
    channel = tickets["channel_id"].astype(str)
    threshold = channel.map(st.thresholds).astype(float)
    queued = channel.isin(list(st.queued_channels))
    completed = outcome.eq("completed")
    referred = outcome.eq("referred")
    no_show = outcome.eq("no_show")
    abandoned = outcome.eq("abandoned")
    started = tickets["started_at"].notna()
    served = outcome.isin(list(SERVED_OUTCOMES)) & started
    booked = tickets["booked"].fillna(False).astype(bool)

    short = abandoned & queued & abandon_seconds(tickets).lt(st.short_abandon_seconds).fillna(False)
    long_abandon = abandoned & queued & ~short
    offered = queued & ~no_show & ~short
    wait = _seconds(tickets["started_at"], tickets["created_at"]).where(served & queued)
    handle = _seconds(tickets["ended_at"], tickets["started_at"]).where(served)
    has_threshold = threshold.notna()
    sl_met = served & has_threshold & wait.le(threshold).fillna(False)
    sl_base = served & has_threshold
    if st.variant == "offered":
        sl_base = sl_base | (long_abandon & has_threshold)
    fcr_flag = tickets["resolved_first_contact"]
    fcr_known = served & fcr_flag.notna()
    fcr_yes = fcr_known & fcr_flag.fillna(False).astype(bool)
    digital = completed & _is_digital(tickets, st.virtual_channels, st.assisted_counts)
    assisted = completed & tickets["assisted_digital"].fillna(False).astype(bool)

    flags = {
        "transactions": pd.Series(True, index=tickets.index),
        "completed": completed, "referred": referred, "no_shows": no_show, "appointments": booked,
        "appointment_no_shows": booked & no_show, "abandoned": long_abandon, "short_abandons": short,
        "offered": offered, "served": served, "queued_served": served & queued, "sl_met": sl_met,
        "sl_base": sl_base, "fcr_known": fcr_known, "fcr_yes": fcr_yes, "digital": digital,
        "assisted_digital": assisted,
    }
    out = pd.DataFrame({k: v.to_numpy(dtype=bool).astype(np.int64) for k, v in flags.items()}, index=tickets.index)
    out["wait"] = wait.to_numpy()
    out["handle"] = handle.to_numpy()
    return out


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    num = num.astype(float)
    den = den.astype(float)
    return (num / den.where(den > 0)).astype(float)


def derive(counts: pd.DataFrame) -> pd.DataFrame:
    """The KPI shares from pooled counts (``COUNT_COLUMNS``); NaN where a denominator is 0."""
    out = counts.copy()
    out["completion_rate"] = _ratio(out["completed"] + out["referred"], out["transactions"] - out["no_shows"])
    out["service_level"] = _ratio(out["sl_met"], out["sl_base"])
    out["abandonment"] = _ratio(out["abandoned"], out["offered"])
    out["no_show_rate"] = _ratio(out["appointment_no_shows"], out["appointments"])
    out["fcr"] = _ratio(out["fcr_yes"], out["fcr_known"])
    out["virtual_share"] = _ratio(out["digital"], out["completed"])
    return out


def kpi_table(tickets: pd.DataFrame, by: list[str], st: KpiSettings) -> pd.DataFrame:
    """Every channel KPI per cut ``by`` (any ticket columns and calendar keys), sorted by the cut.

    Returns ``by`` + ``COUNT_COLUMNS`` + ``KPI_COLUMNS``; with ``by=[]`` one row for everything.
    Durations are seconds. A cut with no traffic does not appear; with no tickets at all and
    ``by=[]`` the one row has zero counts and NaN KPIs.
    """
    by = list(by)
    frame = with_calendar(tickets, by)
    m = _measures(frame, st)
    if by:
        for key in by:
            m[key] = frame[key]
        grouped = m.groupby(by, observed=True, sort=True)
        counts = grouped[COUNT_COLUMNS].sum()
        durations = pd.DataFrame({
            "wait_mean": grouped["wait"].mean(),
            "wait_p50": grouped["wait"].quantile(0.5),
            "wait_p90": grouped["wait"].quantile(0.9),
            "handle_mean": grouped["handle"].mean(),
        })
        out = counts.join(durations).reset_index()
    else:
        counts = m[COUNT_COLUMNS].sum().to_frame().T
        counts["wait_mean"] = m["wait"].mean() if m["wait"].notna().any() else np.nan
        counts["wait_p50"] = m["wait"].quantile(0.5) if m["wait"].notna().any() else np.nan
        counts["wait_p90"] = m["wait"].quantile(0.9) if m["wait"].notna().any() else np.nan
        counts["handle_mean"] = m["handle"].mean() if m["handle"].notna().any() else np.nan
        out = counts.reset_index(drop=True)
    out = derive(out)
    out = out.astype({c: np.int64 for c in COUNT_COLUMNS})
    out = out.astype({c: float for c in KPI_COLUMNS})
    return out[[*by, *COUNT_COLUMNS, *KPI_COLUMNS]]


# --- the same tables from ticket rows or from the engine ---------------------------------------
# A chapter's ``tickets`` is either ticket rows (a frame, as ``store.load`` returns them: the pandas
# computation above, kept as the reference) or the engine (``helpers.data.aggregates.tickets.Tickets``:
# the same tables computed in DuckDB over the store). Both give the same frames.

def is_rows(tickets) -> bool:
    """Whether ``tickets`` are ticket rows (a frame) rather than the engine."""
    return isinstance(tickets, pd.DataFrame)


def select(tickets: pd.DataFrame, months=None, days=None, channels=None) -> pd.DataFrame:
    """The ticket rows created in ``months`` (``YYYY-MM``), on ``days`` (dates or ``YYYY-MM-DD``)
    and on ``channels``; None leaves a filter out, an empty list keeps no row."""
    keep = np.ones(len(tickets), dtype=bool)
    if months is not None:
        keep &= period_labels(tickets["created_at"], "M").isin([str(m) for m in months]).to_numpy()
    if days is not None:
        wanted = {f"{pd.Timestamp(getattr(d, 'start', d)):%Y-%m-%d}" for d in days}
        keep &= period_labels(tickets["created_at"], "D").isin(sorted(wanted)).to_numpy()
    if channels is not None:
        keep &= tickets["channel_id"].astype(str).isin([str(c) for c in channels]).to_numpy()
    return tickets if keep.all() else tickets[keep]


def _mean_us(total, n) -> float:
    """The mean in seconds of ``n`` durations summing to ``total`` microseconds, computed once from
    the integers (the float nearest to the exact mean); NaN when there is none."""
    return int(total) / (int(n) * 1_000_000) if int(n) else float("nan")


def from_sums(sums: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """``kpi_table``'s frame from the engine's integer counts and sums of a cut (``Tickets.kpi_sums``):
    the means once from the integer sums and counts, the percentiles from microseconds to seconds,
    the shares by ``derive``."""
    by = list(by)
    out = sums[[*by, *COUNT_COLUMNS]].copy()
    out["wait_mean"] = [_mean_us(s, n) for s, n in zip(sums["wait_sum_us"], sums["wait_n"], strict=True)]
    out["wait_p50"] = sums["wait_p50_us"].astype(float).to_numpy() / 1e6
    out["wait_p90"] = sums["wait_p90_us"].astype(float).to_numpy() / 1e6
    out["handle_mean"] = [_mean_us(s, n) for s, n in zip(sums["handle_sum_us"], sums["handle_n"], strict=True)]
    out = derive(out)
    out = out.astype({c: np.int64 for c in COUNT_COLUMNS})
    out = out.astype({c: float for c in KPI_COLUMNS})
    return out[[*by, *COUNT_COLUMNS, *KPI_COLUMNS]].reset_index(drop=True)


def table(tickets, by: list[str], st: KpiSettings, *, months=None, days=None, channels=None) -> pd.DataFrame:
    """``kpi_table`` of the tickets created in ``months``, on ``days``, on ``channels`` (``select``),
    from ticket rows or from the engine (its integer sums through ``from_sums``)."""
    if is_rows(tickets):
        return kpi_table(select(tickets, months, days, channels), by, st)
    return from_sums(tickets.kpi_sums(list(by), st, months=months, days=days, channels=channels), by)


ROUTE = ["channel_id", "assisted_digital"]


def completions(tickets, by=(), months=None) -> pd.DataFrame:
    """Completed transactions per cut ``by`` (ticket columns and calendar keys) and route: ``by``,
    the route keys not in it (``channel_id``, ``assisted_digital``: completed with staff help),
    ``completed``; sorted by them. From ticket rows or the engine (``Tickets.completions``). The
    take-up, centre mix and channel mix of ``chapters.adoption`` are sums of it."""
    by = list(by)
    if not is_rows(tickets):
        return tickets.completions(by, months=months)
    keys = [*by, *[k for k in ROUTE if k not in by]]
    frame = select(tickets, months)
    done = with_calendar(frame[frame["outcome"].eq("completed").to_numpy()], keys)
    parts = done[keys].assign(assisted_digital=done["assisted_digital"].fillna(False).astype(bool))
    out = parts.groupby(keys, sort=True, observed=True).size().rename("completed").reset_index()
    return out.astype({"completed": np.int64, "assisted_digital": bool})


def in_month(tickets: pd.DataFrame, month: str) -> pd.DataFrame:
    """The tickets created in ``month`` (``YYYY-MM``)."""
    created = pd.to_datetime(tickets["created_at"])
    start = pd.Timestamp(f"{month}-01")
    return tickets[((created >= start) & (created < start + pd.offsets.MonthBegin(1))).to_numpy()]


def volumes(tickets, by: list[str], months=None) -> pd.DataFrame:
    """Transactions (all tickets) and completed ones per cut ``by``, sorted by the cut; from ticket
    rows or the engine (``Tickets.volumes``), of the tickets created in ``months`` when given."""
    if not is_rows(tickets):
        return tickets.volumes(list(by), months=months)
    tickets = with_calendar(select(tickets, months), by)
    if tickets.empty:
        return pd.DataFrame(columns=[*by, "transactions", "completed"]).astype({"transactions": int, "completed": int})
    out = (
        tickets.assign(_completed=tickets["outcome"].eq("completed"))
        .groupby(by, observed=True, sort=True)
        .agg(transactions=("outcome", "size"), completed=("_completed", "sum"))
        .reset_index()
    )
    return out.astype({"transactions": int, "completed": int})


def digital_take_up(tickets: pd.DataFrame, virtual_channels: list[str], assisted_counts: bool = True) -> dict:
    """UK Service Standard digital take-up: completed on virtual channels ÷ all completed.

    Assisted-digital transactions count as digital when ``assisted_counts`` (the config default).
    Returns ``{"digital": int, "completed": int, "share": float}``; share is NaN with no completions.
    """
    done = tickets[tickets["outcome"].eq("completed")]
    digital = int(_is_digital(done, virtual_channels, assisted_counts).sum())
    completed = int(len(done))
    return {"digital": digital, "completed": completed, "share": digital / completed if completed else float("nan")}


# --- a month against its history (the channels chapter) ----------------------------------------

SUMMARY_METRICS = ["transactions", "completion_rate", "wait_mean", "wait_p50", "wait_p90", "service_level",
                   "handle_mean", "abandonment", "no_show_rate", "fcr", "virtual_share"]
TREND_METRICS = ["transactions", "service_level", "wait_p90", "abandonment", "handle_mean", "completion_rate"]
SHOWN_COLUMNS = ["transactions", "completion_rate", "wait_mean", "wait_p50", "wait_p90", "service_level",
                 "abandonment", "handle_mean", "no_show_rate", "fcr", "virtual_share"]
SUMMARY_COLUMNS = ["metric", "value", "previous", "last_year", "change_year", "mean_12m", "low_12m", "high_12m",
                   "target"]


def monthly_trend(tickets, st: KpiSettings, month: str, by: list[str] | tuple = (),
                  months: int = 12) -> pd.DataFrame:
    """``kpi_table`` per month (and cut ``by``) for ``month`` and the ``months`` months before it:
    the trend and the same month last year. Months without traffic are absent. From ticket rows
    or the engine (``table``)."""
    return table(tickets, ["month", *by], st, months=months_between(shift_month(month, -months), month))


def targets(kpi: dict) -> dict[str, float]:
    """The configured targets by KPI column (service level, abandonment maximum, take-up)."""
    out = {}
    if "target" in kpi.get("service_level", {}):
        out["service_level"] = float(kpi["service_level"]["target"])
    if "target_max" in kpi.get("abandonment", {}):
        out["abandonment"] = float(kpi["abandonment"]["target_max"])
    if "target" in kpi.get("digital_take_up", {}):
        out["virtual_share"] = float(kpi["digital_take_up"]["target"])
    return out


def summary(trend: pd.DataFrame, month: str, kpi: dict | None = None) -> pd.DataFrame:
    """One row per KPI of ``SUMMARY_METRICS`` from a ``monthly_trend`` frame without cuts: the
    month's value, the previous month, the same month last year, change_year (value − last
    year; relative for transactions), and the mean, lowest and highest of the 12 months before.
    ``target`` from config where one is set (NaN otherwise)."""
    by_month = trend.set_index("month")
    before = by_month[by_month.index < month]
    goals = targets(kpi or {})

    def at(m, metric):
        return float(by_month.loc[m, metric]) if m in by_month.index else float("nan")

    rows = []
    for metric in SUMMARY_METRICS:
        value, last_year = at(month, metric), at(shift_month(month, -12), metric)
        if metric == "transactions":
            change = value / last_year - 1 if last_year else float("nan")
        else:
            change = value - last_year
        hist = before[metric].astype(float)
        rows.append({"metric": metric, "value": value, "previous": at(shift_month(month, -1), metric),
                     "last_year": last_year, "change_year": change,
                     "mean_12m": float(hist.mean()) if hist.notna().any() else float("nan"),
                     "low_12m": float(hist.min()) if hist.notna().any() else float("nan"),
                     "high_12m": float(hist.max()) if hist.notna().any() else float("nan"),
                     "target": goals.get(metric, float("nan"))})
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
