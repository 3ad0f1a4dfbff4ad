"""Ticket aggregates computed in DuckDB over the Parquet store, as of a period (issue 16).

The channels, overview, daily and weekly chapters ask a handful of questions of the tickets:
the KPI counts, sums and percentiles of a cut (centre × channel × service × month, day, weekday
or hour), the volumes, the completed transactions by route, the days with data, the hour-by-hour
load of a day. ``Tickets`` answers them in SQL over the period's Parquet files, so that pandas
only ever sees the small answers: at 100× the demo's volume (3 M tickets a month) a chapter no
longer holds two years of rows in memory.

**As of the period.** ``Tickets(period, root, since)`` reads the files of ``store.stored_files``
(a month file, or the day drops of a month of day drops) of the months from ``since`` up to the
period's month, and keeps the tickets created at or before the period's end: the store's as-of
rule for a dated table (``store.load``). A day drop holds only its own day's tickets and a month
only its own month's, so a period ending mid-month sees exactly the drops up to its last day.
The view carries no sort (``store.connect``'s views sort every row by key, which an aggregate does
not need and which would cost a sort of two years of tickets per answer): every answer has its
own ``ORDER BY``.

**How.** The counts and duration sums of any cut of month × centre × channel × service come from
one scan per KPI settings: the tickets grouped into cells by those keys and by what decides their
flags (outcome, started, booked, first-contact resolution, assisted, the channel's queue and
threshold, a short abandon, a wait within the threshold), kept in a temporary table; a cut sums
its cells. Its percentiles come from a scan of the waits alone. A cut by day, weekday or hour, or
a filter on days, scans the tickets for its own answer. Every answer is kept for the life of the
object, so a chapter asking twice pays once.

**Reproducible numbers** (issue 16 "Same numbers, same bytes"):

- counts are integers; durations are integer microseconds (``epoch_us`` differences), their sums
  integers (``kpi_sums``' ``*_sum_us``), so that a mean is computed once from the integer sum and
  count (``measures.kpis.from_sums``);
- percentiles are exact: ``quantile_cont`` (linear interpolation between order statistics, the
  same as numpy's and pandas' default) over the integer microseconds, converted to seconds once;
  never an approximate quantile;
- a comparison with a threshold in seconds is made on the seconds as pandas computes them
  (microseconds ÷ 10⁶ as a double), so a ticket is in or out exactly as in ``measures.kpis``;
- every answer is sorted by its cut.

The KPI definitions are those of ``measures.kpis.ticket_measures`` (DESIGN.md "KPI
definitions"); ``measures.kpis`` turns the counts and sums into the KPI table (the shares with
``kpis.derive``), and tests hold every answer equal to the pandas computation on the rows.
``st``, where asked for, is the KPI settings (``measures.kpis.KpiSettings``: thresholds per
channel, queued and virtual channels, variant, short-abandon seconds, assisted digital counting).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from ...base.config import parse_period
from ...base.periods import Period
from .. import contract, store

TABLE = "tickets"
SPEC = contract.TABLES[TABLE]
# the calendar keys of ``measures.kpis`` from created_at: cheap in the scan, written out once grouped
CALENDAR = {
    "month": "date_trunc('month', created_at)",
    "day": "CAST(created_at AS DATE)",
    "weekday": "CAST(isodow(created_at) AS BIGINT)",
    "hour": "CAST(hour(created_at) AS BIGINT)",
}
CALENDAR_OUT = {"month": "strftime(month, '%Y-%m')", "day": "strftime(day, '%Y-%m-%d')"}
CALENDAR_DTYPES = {"month": "str", "day": "str", "weekday": "int64", "hour": "int64"}
SERVED_OUTCOMES = ("completed", "transferred", "referred")
ROUTE = ("channel_id", "assisted_digital")     # a completion's route: its channel, and assisted digitally or not
CUBE_KEYS = ("month", "centre_id", "channel_id", "service_id")   # the cuts the cells of ``Tickets._cube`` serve
MONTH_RE = re.compile(r"^\d{4}-\d{2}$")
# The counts of ``measures.kpis.COUNT_COLUMNS``, in its order: the flag (``_cell_flags_sql``) each counts.
# The engine's own columns start with ``_``, so that no cut (a ticket column) can clash with them.
COUNTS = {
    "transactions": "TRUE",
    "completed": "_completed",
    "referred": "_referred",
    "no_shows": "_no_show",
    "appointments": "_booked",
    "appointment_no_shows": "_booked AND _no_show",
    "abandoned": "_long_abandon",
    "short_abandons": "_short_abandon",
    "offered": "_offered",
    "served": "_served",
    "queued_served": "_served AND _queued",
    "sl_met": "_sl_met",
    "sl_base": "_sl_base",
    "fcr_known": "_fcr_known",
    "fcr_yes": "_fcr_known AND coalesce(_rfc, FALSE)",
    "digital": "_digital",
    "assisted_digital": "_completed AND _assisted",
}
SQL_TYPES = {"str": "VARCHAR", "datetime64[us]": "TIMESTAMP", "boolean": "BOOLEAN", "Int64": "BIGINT"}
DURATIONS = ["wait_n", "wait_sum_us", "wait_p50_us", "wait_p90_us", "handle_n", "handle_sum_us"]


# --- SQL pieces -----------------------------------------------------------------------------------

def _text(value) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _double(value: float) -> str:
    """A float as a DuckDB DOUBLE, exactly (the shortest text that reads back as the same float)."""
    return f"CAST({_text(repr(float(value)))} AS DOUBLE)"


def _stamp(value) -> str:
    return f"TIMESTAMP '{pd.Timestamp(value):%Y-%m-%d %H:%M:%S.%f}'"


def _in(column: str, values: Iterable) -> str:
    values = sorted({str(v) for v in values})
    return f"{column} IN ({', '.join(_text(v) for v in values)})" if values else "FALSE"


def _seconds(us: str) -> str:
    """Microseconds as pandas' ``total_seconds``: the double nearest to us ÷ 10⁶."""
    return f"(CAST({us} AS DOUBLE) / CAST(1000000 AS DOUBLE))"


def _month_start(month: str) -> pd.Timestamp:
    if not MONTH_RE.match(str(month)):
        raise ValueError(f"a month is YYYY-MM, not {month!r}")
    return pd.Timestamp(f"{month}-01")


def _ranges(starts_ends: list[tuple[pd.Timestamp, pd.Timestamp]]) -> str:
    """created_at in any of the half-open ranges (on the stored column, so Parquet statistics prune)."""
    if not starts_ends:
        return "FALSE"
    return "(" + " OR ".join(f"(t.created_at >= {_stamp(a)} AND t.created_at < {_stamp(b)})"
                             for a, b in sorted(set(starts_ends))) + ")"


def _where(months=None, days=None, channels=None) -> str:
    """The filter of the tickets (``t``) created in ``months`` (``YYYY-MM``), on ``days`` (dates or
    ``YYYY-MM-DD``) and on ``channels`` (ids); None leaves a filter out, an empty list keeps nothing."""
    parts = []
    if months is not None:
        parts.append(_ranges([(_month_start(m), _month_start(m) + pd.offsets.MonthBegin(1)) for m in months]))
    if days is not None:
        stamps = [pd.Timestamp(getattr(d, "start", d)).normalize() for d in days]
        parts.append(_ranges([(d, d + pd.Timedelta(days=1)) for d in stamps]))
    if channels is not None:
        parts.append(_in("t.channel_id", channels))
    return " AND ".join(parts) if parts else "TRUE"


def _key_sql(key: str) -> str:
    """A cut's value in the scan (a calendar key in a cheap form, ``_key_out`` writes it out)."""
    if key in CALENDAR:
        return f"{CALENDAR[key]} AS {key}"
    if key in SPEC.names:
        return f"t.{key} AS {key}"
    raise ValueError(f"unknown cut {key!r}: a cut is a ticket column or one of {', '.join(CALENDAR)}")


def _key_out(key: str) -> str:
    """A cut as it is answered, from its scanned value: a month ``YYYY-MM``, a day ``YYYY-MM-DD``."""
    return f"{CALENDAR_OUT[key]} AS {key}" if key in CALENDAR_OUT else key


def _grouped(keys: list[str], inner: str, aggregates: str) -> str:
    """``aggregates`` per ``keys`` over ``inner``, the keys written out, sorted by them."""
    if not keys:
        return f"SELECT {aggregates} FROM ({inner})"
    names = ", ".join(keys)
    return (f"SELECT {', '.join(_key_out(k) for k in keys)}, * EXCLUDE ({names}) FROM "
            f"(SELECT {names}, {aggregates} FROM ({inner}) GROUP BY {names}) ORDER BY {names}")


def _keys_not_null(by: list[str]) -> str:
    # pandas leaves a row whose cut value is missing out of the grouping (dropna): so does the engine
    return " AND ".join([f"t.{k} IS NOT NULL" for k in by if k not in CALENDAR] or ["TRUE"])


def _key_dtypes(by: list[str]) -> dict[str, str]:
    return {k: CALENDAR_DTYPES.get(k) or SPEC.dtypes[k] for k in by}


def _channels_sql(st) -> str:
    """The channel settings as a small table: channel_id, threshold (seconds; NULL: none), queued, virtual."""
    ids = sorted({*map(str, st.thresholds), *map(str, st.queued_channels), *map(str, st.virtual_channels)})
    if not ids:
        return ("SELECT CAST(NULL AS VARCHAR) AS channel_id, CAST(NULL AS DOUBLE) AS threshold, "
                "FALSE AS queued, FALSE AS virtual WHERE FALSE")
    queued, virtual = set(map(str, st.queued_channels)), set(map(str, st.virtual_channels))
    thresholds = {str(c): v for c, v in st.thresholds.items()}
    rows = ", ".join(f"({_text(c)}, {_double(thresholds[c]) if c in thresholds else 'CAST(NULL AS DOUBLE)'}, "
                     f"{str(c in queued).upper()}, {str(c in virtual).upper()})" for c in ids)
    return f"SELECT * FROM (VALUES {rows}) AS s(channel_id, threshold, queued, virtual)"


def _scan_sql(by: list[str], st, where: str) -> str:
    """Per ticket (of ``where``): the cut, what decides its flags, and its durations in microseconds."""
    waited = "epoch_us(coalesce(t.ended_at, t.called_at)) - epoch_us(t.created_at)"
    keys = "".join(f"{_key_sql(k)}, " for k in by)
    return f"""
        SELECT {keys}t.outcome AS _outcome, t.started_at IS NOT NULL AS _started,
               coalesce(t.booked, FALSE) AS _booked, t.resolved_first_contact AS _rfc,
               coalesce(t.assisted_digital, FALSE) AS _assisted,
               coalesce(c.queued, FALSE) AS _queued, coalesce(c.virtual, FALSE) AS _virtual,
               c.threshold IS NOT NULL AS _has_threshold,
               t.outcome = 'abandoned' AND coalesce({_seconds(waited)} < {_double(st.short_abandon_seconds)}, FALSE)
                   AS _quick,
               coalesce({_seconds('epoch_us(t.started_at) - epoch_us(t.created_at)')} <= c.threshold, FALSE)
                   AS _within,
               epoch_us(t.started_at) - epoch_us(t.created_at) AS _wait_us,
               epoch_us(t.ended_at) - epoch_us(t.started_at) AS _handle_us
        FROM tickets t LEFT JOIN ({_channels_sql(st)}) c ON t.channel_id = c.channel_id
        WHERE {where} AND {_keys_not_null(by)}"""


CATEGORIES = "_outcome, _started, _booked, _rfc, _assisted, _queued, _virtual, _has_threshold, _quick, _within"


def _served(prefix: str = "_") -> str:
    return f"({_in(prefix + 'outcome', SERVED_OUTCOMES)} AND {prefix}started)"


def _cell_flags_sql(st, cells: str = "cells") -> str:
    """The flags of ``measures.kpis.ticket_measures``, on the cells of ``CATEGORIES`` (``_n`` tickets
    each) of the relation ``cells``."""
    sl_base = "_served AND _has_threshold" + (" OR (_long_abandon AND _has_threshold)" if st.variant == "offered"
                                               else "")
    return f"""
        SELECT *, {sl_base} AS _sl_base,
               _served AND _has_threshold AND _queued AND _within AS _sl_met,
               _served AND _rfc IS NOT NULL AS _fcr_known,
               _completed AND (_virtual OR {"_assisted" if st.assisted_counts else "FALSE"}) AS _digital
        FROM (
            SELECT *, _abandoned AND _queued AND NOT _short_abandon AS _long_abandon,
                   _queued AND NOT _no_show AND NOT _short_abandon AS _offered
            FROM (
                SELECT *, _outcome = 'completed' AS _completed, _outcome = 'referred' AS _referred,
                       _outcome = 'no_show' AS _no_show, _outcome = 'abandoned' AS _abandoned,
                       {_served()} AS _served, _outcome = 'abandoned' AND _queued AND _quick AS _short_abandon
                FROM {cells}))"""


# --- the engine ---------------------------------------------------------------------------------

class Tickets:
    """The tickets knowable at the end of ``period`` (a Period or a label), from month ``since``
    (``YYYY-MM``; None: every stored month), answering in DuckDB.

    Each answer is a small pandas frame, sorted by its cut, computed once and kept (a copy is
    returned). The filters ``months``, ``days`` and ``channels`` keep the tickets created in those
    months, on those days, on those channels (None: no filter; an empty list: no ticket)."""

    def __init__(self, period, root=None, since: str | None = None):
        self.period: Period = parse_period(period, root)
        if since is not None:
            _month_start(since)
        self.since = since
        self.files: list[Path] = [f for m in store.months(root)
                                  if m <= self.period.month and (since is None or m >= since)
                                  for f in store.stored_files(TABLE, m, root)]
        self._con = duckdb.connect(":memory:")
        self._con.execute(f"CREATE VIEW tickets AS {self._relation()}")
        self._answers: dict = {}

    def _relation(self) -> str:
        if not self.files:
            typed = [f"CAST(NULL AS {SQL_TYPES[c.dtype]}) AS {c.name}" for c in SPEC.columns]
            return f"SELECT {', '.join(typed)} WHERE FALSE"
        files = ", ".join(_text(f.resolve().as_posix()) for f in self.files)
        return (f"SELECT {', '.join(SPEC.names)} FROM read_parquet([{files}]) "
                f"WHERE created_at <= {_stamp(self.period.end)}")

    def close(self) -> None:
        self._con.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _query(self, sql: str) -> pd.DataFrame:
        return self._con.execute(sql).df()

    def _kept(self, key, compute) -> pd.DataFrame:
        if key not in self._answers:
            self._answers[key] = compute()
        found = self._answers[key]
        return found.copy() if isinstance(found, pd.DataFrame) else found

    @staticmethod
    def _filters(months, days, channels) -> tuple:
        def norm(values, fn):
            return None if values is None else tuple(sorted({fn(v) for v in values}))
        return (norm(months, str), norm(days, lambda d: f"{pd.Timestamp(getattr(d, 'start', d)):%Y-%m-%d}"),
                norm(channels, str))

    # --- the KPI counts, sums and percentiles ---------------------------------------------------

    def kpi_sums(self, by, st, *, months=None, days=None, channels=None) -> pd.DataFrame:
        """Per cut ``by``: the counts of ``measures.kpis.COUNT_COLUMNS`` and the durations as
        integers: ``wait_n`` (served tickets on a queued channel), ``wait_sum_us``,
        ``wait_p50_us`` and ``wait_p90_us`` (exact, linear interpolation; NaN without a wait),
        ``handle_n`` (served tickets with an end), ``handle_sum_us``. With ``by=[]`` one row,
        zero counts when there is no ticket. Cuts without a ticket are absent."""
        by = list(by)
        for k in by:
            _key_sql(k)
        key = ("kpi", tuple(by), repr(st), self._filters(months, days, channels))
        if days is None and set(by) <= set(CUBE_KEYS):
            return self._kept(key, lambda: self._kpi_sums_from_cube(by, st, months, channels))
        return self._kept(key, lambda: self._kpi_sums(by, st, _where(months, days, channels)))

    def _cube(self, st) -> str:
        """The temporary table of the cells of ``CUBE_KEYS`` × ``CATEGORIES`` under settings ``st``,
        made by one scan of the tickets the first time it is needed: the number of tickets of each
        cell and the integer counts and sums of their waits and handle times. Every count and sum
        of a cut of those keys is a sum over its cells."""
        key = ("cube", repr(st))
        if key not in self._answers:
            name = f"cube_{sum(1 for k in self._answers if k[0] == 'cube')}"
            self._con.execute(f"""
                CREATE TEMP TABLE {name} AS
                SELECT {', '.join(CUBE_KEYS)}, {CATEGORIES}, count(*) AS _n,
                       count(_wait_us) AS _wait_n, CAST(coalesce(sum(_wait_us), 0) AS HUGEINT) AS _wait_sum,
                       count(_handle_us) AS _handle_n, CAST(coalesce(sum(_handle_us), 0) AS HUGEINT) AS _handle_sum
                FROM ({_scan_sql(list(CUBE_KEYS), st, 'TRUE')})
                GROUP BY ALL""")
            self._answers[key] = name
        return self._answers[key]

    def _kpi_sums_from_cube(self, by: list[str], st, months, channels) -> pd.DataFrame:
        """``kpi_sums`` of a cut of ``CUBE_KEYS``: the counts and sums from the cells (``_cube``), the
        percentiles from a scan of the waits alone."""
        keep = ["TRUE"]
        if months is not None:
            keep.append("month IN (" + ", ".join(_stamp(_month_start(m)) for m in sorted(set(months))) + ")"
                        if months else "FALSE")
        if channels is not None:
            keep.append(_in("channel_id", channels))
        cells = f"(SELECT * FROM {self._cube(st)} WHERE {' AND '.join(keep)})"
        counts = ", ".join(f"CAST(coalesce(sum(_n) FILTER (WHERE {flag}), 0) AS BIGINT) AS {name}"
                           for name, flag in COUNTS.items())
        sums = ", ".join(f"CAST(coalesce(sum({col}) FILTER (WHERE {flag}), 0) AS BIGINT) AS {name}"
                         for name, col, flag in (("wait_n", "_wait_n", "_served AND _queued"),
                                                 ("wait_sum_us", "_wait_sum", "_served AND _queued"),
                                                 ("handle_n", "_handle_n", "_served"),
                                                 ("handle_sum_us", "_handle_sum", "_served")))
        names = "".join(f"{k}, " for k in by)
        group = f"GROUP BY {', '.join(by)}" if by else ""
        quantiles = (f"SELECT {names}quantile_cont(_wait_us, [0.5, 0.9]) AS _wait_q "
                     f"FROM ({_scan_sql(by, st, _where(months, None, channels))}) "
                     f"WHERE {_served()} AND _queued {group}")
        on = f"USING ({', '.join(by)})" if by else "ON TRUE"
        sql = f"""
            SELECT {names}* EXCLUDE ({', '.join([*by, '_wait_q'])}),
                   _wait_q[1] AS wait_p50_us, _wait_q[2] AS wait_p90_us
            FROM (SELECT {names}{counts}, {sums} FROM ({_cell_flags_sql(st, cells)}) {group}) counted
            LEFT JOIN ({quantiles}) timed {on}"""
        return self._answer(by, sql)

    def _kpi_sums(self, by: list[str], st, where: str) -> pd.DataFrame:
        names = "".join(f"{k}, " for k in by)
        # the counts: the tickets grouped by what decides their flags (a few cells per cut), then flagged
        counts = ", ".join(f"CAST(coalesce(sum(_n) FILTER (WHERE {flag}), 0) AS BIGINT) AS {name}"
                           for name, flag in COUNTS.items())
        # the durations: over the tickets themselves
        durations = ("count(_w) AS wait_n, CAST(coalesce(sum(_w), 0) AS BIGINT) AS wait_sum_us, "
                     "quantile_cont(_w, [0.5, 0.9]) AS _wait_q, "
                     "count(_h) AS handle_n, CAST(coalesce(sum(_h), 0) AS BIGINT) AS handle_sum_us")
        group = f"GROUP BY {', '.join(by)}" if by else ""
        sql = f"""
            WITH scanned AS ({_scan_sql(by, st, where)}),
            cells AS (SELECT {names}{CATEGORIES}, count(*) AS _n FROM scanned GROUP BY ALL),
            counted AS (SELECT {names}{counts} FROM ({_cell_flags_sql(st)}) {group}),
            timed AS (SELECT {names}{durations} FROM (
                SELECT {names}CASE WHEN {_served()} AND _queued THEN _wait_us END AS _w,
                       CASE WHEN {_served()} THEN _handle_us END AS _h FROM scanned) {group})
            SELECT {names}* EXCLUDE ({', '.join([*by, '_wait_q'])}),
                   _wait_q[1] AS wait_p50_us, _wait_q[2] AS wait_p90_us
            FROM counted JOIN timed {f"USING ({', '.join(by)})" if by else "ON TRUE"}"""
        return self._answer(by, sql)

    def _answer(self, by: list[str], sql: str) -> pd.DataFrame:
        """``kpi_sums``' frame from ``sql`` (a row per cut): the cut written out, typed, sorted."""
        if by:
            keys = ", ".join(by)
            sql = f"SELECT {', '.join(_key_out(k) for k in by)}, * EXCLUDE ({keys}) FROM ({sql}) ORDER BY {keys}"
        out = self._query(sql)
        types = {**_key_dtypes(by), **{c: "int64" for c in [*COUNTS, "wait_n", "wait_sum_us", "handle_n",
                                                            "handle_sum_us"]},
                 "wait_p50_us": "float64", "wait_p90_us": "float64"}
        return out.astype(types)[[*by, *COUNTS, *DURATIONS]].reset_index(drop=True)

    # --- volumes and completions ------------------------------------------------------------------

    def volumes(self, by, *, months=None) -> pd.DataFrame:
        """Transactions (every ticket) and completed ones per cut ``by`` (``measures.kpis.volumes``)."""
        by = list(by)
        if not by:
            raise ValueError("volumes needs a cut")

        def compute():
            inner = (f"SELECT {', '.join(_key_sql(k) for k in by)}, t.outcome AS outcome FROM tickets t "
                     f"WHERE {_where(months)} AND {_keys_not_null(by)}")
            out = self._query(_grouped(by, inner, "count(*) AS transactions, "
                                                  "count(*) FILTER (WHERE outcome = 'completed') AS completed"))
            return out.astype({**_key_dtypes(by), "transactions": "int64", "completed": "int64"})

        return self._kept(("volumes", tuple(by), self._filters(months, None, None)), compute)

    def completions(self, by=(), *, months=None) -> pd.DataFrame:
        """Completed transactions per cut ``by`` and route (``channel_id``, ``assisted_digital``):
        ``by`` + the route keys not in it + ``completed``, sorted by them
        (``measures.kpis.completions``)."""
        by = list(by)
        keys = [*by, *[k for k in ROUTE if k not in by]]

        def compute():
            cols = ", ".join("coalesce(t.assisted_digital, FALSE) AS assisted_digital" if k == "assisted_digital"
                             else _key_sql(k) for k in keys)
            inner = (f"SELECT {cols} FROM tickets t "
                     f"WHERE t.outcome = 'completed' AND {_where(months)} AND {_keys_not_null(by)}")
            out = self._query(_grouped(keys, inner, "count(*) AS completed"))
            return out.astype({**_key_dtypes(keys), "assisted_digital": bool, "completed": "int64"})

        return self._kept(("completions", tuple(by), self._filters(months, None, None)), compute)

    # --- the calendar ---------------------------------------------------------------------------

    def first_month(self) -> str | None:
        """The month (``YYYY-MM``) of the earliest ticket, or None without one."""
        def compute():
            return self._con.execute("SELECT strftime(min(created_at), '%Y-%m') FROM tickets").fetchone()[0]
        return self._kept(("first_month",), compute)

    def days_with_data(self) -> list[date]:
        """The dates that have at least one ticket, sorted (``chapters.daily.days_with_data``)."""
        def compute():
            rows = self._con.execute("SELECT DISTINCT CAST(created_at AS DATE) AS d FROM tickets ORDER BY d").fetchall()
            return [r[0] for r in rows]
        return list(self._kept(("days",), compute))

    def day_counts(self, day, queued_channels) -> dict[str, int]:
        """The tickets created on ``day``: ``transactions``, ``self_service`` (on a channel not in
        ``queued_channels``) and ``centres`` (how many centres had one)."""
        def compute():
            row = self._con.execute(f"""
                SELECT count(*), count(*) FILTER (WHERE NOT {_in('t.channel_id', queued_channels)}),
                       count(DISTINCT t.centre_id)
                FROM tickets t WHERE {_where(days=[day])}""").fetchone()
            return {"transactions": int(row[0]), "self_service": int(row[1]), "centres": int(row[2])}
        key = ("day_counts", self._filters(None, [day], None)[1], tuple(sorted(map(str, queued_channels))))
        return dict(self._kept(key, compute))

    def hourly(self, day, by) -> pd.DataFrame:
        """Per cut ``by`` and hour of ``day`` with an arrival: ``arrivals`` (tickets created) and
        ``handle_sum_us`` (the handle time, ended − started, of those with both; integers).
        Sorted by cut, hour."""
        by = list(by)

        def compute():
            inner = (f"SELECT {', '.join(_key_sql(k) for k in [*by, 'hour'])}, "
                     f"epoch_us(t.ended_at) - epoch_us(t.started_at) AS handle_us FROM tickets t "
                     f"WHERE {_where(days=[day])} AND {_keys_not_null(by)}")
            out = self._query(_grouped([*by, "hour"], inner, "count(*) AS arrivals, "
                                       "CAST(coalesce(sum(handle_us), 0) AS BIGINT) AS handle_sum_us"))
            return out.astype({**_key_dtypes([*by, "hour"]), "arrivals": "int64", "handle_sum_us": "int64"})

        return self._kept(("hourly", tuple(by), self._filters(None, [day], None)[1]), compute)

    # --- rows, where a method needs them ----------------------------------------------------------

    def rows(self, columns, *, ticket_ids=None, within: Period | None = None) -> pd.DataFrame:
        """The ticket rows (``columns``, typed as ``store.load`` types them, in its order: by
        ticket_id, created_at) whose id is among ``ticket_ids`` or that were created within the
        period ``within`` (start to end): what the satisfaction reports link their responses
        to, without the other tickets of the months read."""
        columns = list(columns)
        unknown = [c for c in columns if c not in SPEC.names]
        if unknown:
            raise ValueError(f"tickets has no column(s) {', '.join(unknown)}")
        ids = pd.DataFrame({"ticket_id": pd.Series(sorted({str(i) for i in (ticket_ids if ticket_ids is not None
                                                                             else []) if pd.notna(i)}),
                                                   dtype=object)})
        conds = ["t.ticket_id IN (SELECT ticket_id FROM wanted_ids)"]
        if within is not None:
            conds.append(f"(t.created_at >= {_stamp(within.start_ts)} AND t.created_at <= {_stamp(within.end)})")
        self._con.register("wanted_ids", ids)
        try:
            out = self._query(f"SELECT {', '.join(f't.{c}' for c in columns)} FROM tickets t "
                              f"WHERE {' OR '.join(conds)} ORDER BY t.ticket_id, t.created_at")
        finally:
            self._con.unregister("wanted_ids")
        return out.astype({c: SPEC.dtypes[c] for c in columns}).reset_index(drop=True)

