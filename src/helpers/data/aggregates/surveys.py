"""Survey and feedback aggregates in DuckDB: what the satisfaction and recognition chapters read
instead of every raw row.

Every function takes a connection from ``connect(period, root)``, whose views hold only what was
knowable at the period's end, and returns a small pandas frame. Those views are ``store.connect``'s
(the as-of rule, day drops, feedback closings, feedback closed later shown in progress), except
that ``tickets`` and ``surveys``, the large ones, come without the store's sort: every query here
has its own ORDER BY, and DuckDB would otherwise sort every row read before counting it. They are
the same rows: the stored files of the months up to the period's month (a day drop holds only its
own day's rows, a month file only its month's) whose timestamp is at or before the period's end.
The rules that make a result the same, to the byte, as the chapters' pandas path:

- counts and sums are integers (``count``, ``sum`` cast to BIGINT); no mean, rate or interval is
  computed here: the chapters compute them once from the integers with the same pure functions
  as the pandas path (``satisfaction.scores_from_counts``, ``feedback.rates_from_counts`` …);
- every table has an explicit ORDER BY; rows the methods read come in the store's order (key,
  then timestamp), as ``store.load`` gives them;
- a period's rows are those with a timestamp from its first instant to its end, as
  ``satisfaction.within``; surveys are linked to the tickets of a window starting at
  ``tickets_since`` (``satisfaction.history_since``), as the pandas path loads them. Ticket ids
  are unique across months (the contract's ``unique_across_months``), so a survey links to one
  ticket at most.

Where a method needs rows (the driver model, comments and their themes, the follow-up list,
resolution times, the recognition review), the functions here select only the rows and columns it
reads. The column lists of the chapters are passed in: this layer does not import the chapters.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from ...base.config import parse_period
from ...base.periods import Period
from .. import contract, store

CUT_COLUMNS = ("centre_id", "channel_id", "service_id", "booked")   # satisfaction.CUT_COLUMNS
KINDS = ("complaint", "suggestion", "compliment")                   # feedback.KINDS
THANK_YOU_SOURCE = "satisfaction_system"                             # feedback.THANK_YOU_SOURCE
CLOSED = ("resolved", "rejected")                                    # feedback.CLOSED
TICKET_CUTS = ("centre_id", "channel_id", "service_id")   # feedback cuts with their own transactions
SCORE_COUNTS = ["responses", "satisfied", "nps_responses", "promoters", "detractors", "ces_responses",
                "ces_sum", "ces_squares"]                  # satisfaction.COUNT_COLUMNS


UNSORTED = ("tickets", "surveys")   # the dated tables read without the store's sort
SQL_TYPES = {"str": "VARCHAR", "datetime64[us]": "TIMESTAMP", "boolean": "BOOLEAN", "Int64": "BIGINT"}


def connect(period, root=None) -> duckdb.DuckDBPyConnection:
    """``store.connect(period, root)`` with ``tickets`` and ``surveys`` as unsorted views of the same
    rows (module docstring)."""
    p = parse_period(period, root)
    con = store.connect(p, root)
    for table in UNSORTED:
        con.execute(f"CREATE OR REPLACE VIEW {table} AS {_unsorted(table, p, root)}")
    return con


def _unsorted(table: str, p: Period, root) -> str:
    spec = contract.TABLES[table]
    files = [f for m in store.months(root) if m <= p.month for f in store.stored_files(table, m, root)]
    if not files or not store.provided(table, root):
        typed = [f"CAST(NULL AS {SQL_TYPES[c.dtype]}) AS {c.name}" for c in spec.columns]
        return f"SELECT {', '.join(typed)} WHERE FALSE"
    paths = _text(f.resolve().as_posix() for f in files)
    return f"SELECT {', '.join(spec.names)} FROM read_parquet([{paths}]) WHERE {spec.dated_by} <= {_ts(p.end)}"


# --- SQL pieces -------------------------------------------------------------------------------------
def _ts(value) -> str:
    """A timestamp literal, to the microsecond."""
    return f"TIMESTAMP '{pd.Timestamp(value):%Y-%m-%d %H:%M:%S.%f}'"


def _month_start(month: str) -> str:
    return _ts(f"{month}-01")


def _ints(values) -> str:
    return ", ".join(str(int(v)) for v in values)


def _text(values) -> str:
    return ", ".join("'" + str(v).replace("'", "''") + "'" for v in values)


def _within(column: str, period: Period) -> str:
    """``column`` inside ``period``, from its first instant to its end (``satisfaction.within``)."""
    return f"{column} BETWEEN {_ts(period.start_ts)} AND {_ts(period.end)}"


def _frame(con: duckdb.DuckDBPyConnection, sql: str, table: str | None = None) -> pd.DataFrame:
    """The query's result; columns of contract ``table`` typed as ``store.load`` types them (through
    Arrow, as ``store`` reads Parquet: many times quicker than DuckDB's own frames for text)."""
    frame = con.sql(sql).to_arrow_table().to_pandas()
    if table is not None:
        dtypes = contract.TABLES[table].dtypes
        frame = frame.astype({c: dtypes[c] for c in frame.columns if c in dtypes})
    return frame


def _settings(kpi: dict) -> dict:
    return {"top_box": [int(v) for v in kpi["csat"]["top_box"]],
            "promoters": [int(v) for v in kpi["nps"]["promoters"]],
            "detractors": [int(v) for v in kpi["nps"]["detractors"]]}


def _linked(tickets_since: str, columns: str) -> str:
    """Surveys left-joined to their tickets created from ``tickets_since`` (``YYYY-MM``):
    ``satisfaction.link_tickets`` on the frames the pandas path loads."""
    return (f"surveys s LEFT JOIN (SELECT {columns} FROM tickets WHERE created_at >= {_month_start(tickets_since)}) t "
            f"ON s.ticket_id = t.ticket_id")


def _grouping(cuts: list[list[str]], extra: list[str]) -> tuple[str, str, str, str]:
    """For cuts grouped together: the GROUPING SETS, the cut label expression, the cut columns
    selected (NULL outside any cut) and the HAVING that drops a group with a null cut value."""
    used = [c for c in CUT_COLUMNS if any(c in by for by in cuts)]
    sets = ", ".join("(" + ", ".join([*extra, *by]) + ")" for by in cuts)
    whens = []
    for by in cuts:
        cond = " AND ".join([f"GROUPING({c}) = {0 if c in by else 1}" for c in used] or ["TRUE"])
        whens.append(f"WHEN {cond} THEN '{'+'.join(by)}'")
    label = f"CASE {' '.join(whens)} END"
    types = {"booked": "BOOLEAN"}
    selected = ", ".join(c if c in used else f"CAST(NULL AS {types.get(c, 'VARCHAR')}) AS {c}" for c in CUT_COLUMNS)
    having = " OR ".join(f"(GROUPING({c}) = 0 AND {c} IS NULL)" for c in used)
    return sets, label, selected, f"HAVING NOT ({having})" if having else ""


def _order() -> str:
    return ", ".join(f"{c} NULLS FIRST" for c in CUT_COLUMNS)


# --- satisfaction scores --------------------------------------------------------------------------
def score_counts(con: duckdb.DuckDBPyConnection, windows: dict[str, Period], cuts: list[list[str]], kpi: dict,
                 tickets_since: str) -> pd.DataFrame:
    """The whole numbers of the scores per window and cut (``satisfaction.score_counts`` of each
    window's linked responses): ``window`` (a name of ``windows``), ``cut`` (the cut's columns
    joined by ``+``), ``CUT_COLUMNS`` (null outside the cut) and ``SCORE_COUNTS``. A response with
    a null cut value is left out of that cut; a window without responses has no row."""
    s = _settings(kpi)
    values = ", ".join(f"('{name}', {_ts(p.start_ts)}, {_ts(p.end)})" for name, p in windows.items())
    first = min(p.start_ts for p in windows.values())
    last = max(p.end for p in windows.values())
    sets, label, selected, having = _grouping(cuts, ["w.name"])
    low, high = (int(v) for v in s["detractors"])
    sql = f"""
        WITH w(name, first_at, last_at) AS (VALUES {values}),
        linked AS (
            SELECT s.submitted_at, s.centre_id, s.channel_id, coalesce(s.service_id, t.service_id) AS service_id,
                   t.booked, s.csat, s.nps, s.ces
            FROM {_linked(tickets_since, "ticket_id, service_id, booked")}
            WHERE s.submitted_at BETWEEN {_ts(first)} AND {_ts(last)})
        SELECT w.name AS "window", {label} AS cut, {selected},
               count(csat) AS responses,
               count(*) FILTER (WHERE csat IN ({_ints(s["top_box"])})) AS satisfied,
               count(nps) AS nps_responses,
               count(*) FILTER (WHERE nps IN ({_ints(s["promoters"])})) AS promoters,
               count(*) FILTER (WHERE nps BETWEEN {low} AND {high}) AS detractors,
               count(ces) AS ces_responses,
               CAST(coalesce(sum(ces), 0) AS BIGINT) AS ces_sum,
               CAST(coalesce(sum(ces * ces), 0) AS BIGINT) AS ces_squares
        FROM linked JOIN w ON linked.submitted_at BETWEEN w.first_at AND w.last_at
        GROUP BY GROUPING SETS ({sets})
        {having}
        ORDER BY "window", cut, {_order()}"""
    return _frame(con, sql)


def completed_counts(con: duckdb.DuckDBPyConnection, period: Period, cuts: list[list[str]]) -> pd.DataFrame:
    """Completed transactions of ``period`` per cut (``satisfaction.completed_counts``): ``cut``,
    ``CUT_COLUMNS`` and ``completed``; the cut ``[]`` always has its row."""
    sets, label, selected, having = _grouping(cuts, [])
    sql = f"""
        SELECT {label} AS cut, {selected}, count(*) AS completed
        FROM tickets WHERE outcome = 'completed' AND {_within("created_at", period)}
        GROUP BY GROUPING SETS ({sets})
        {having}
        ORDER BY cut, {_order()}"""
    return _frame(con, sql)


def monthly_counts(con: duckdb.DuckDBPyConnection, kpi: dict) -> pd.DataFrame:
    """Every month's responses with a CSAT and those in the top box since the store's first month
    (``satisfaction.monthly_csat``): ``month, responses, satisfied``, in month order."""
    sql = f"""
        SELECT strftime(submitted_at, '%Y-%m') AS month, count(*) AS responses,
               count(*) FILTER (WHERE csat IN ({_ints(_settings(kpi)["top_box"])})) AS satisfied
        FROM surveys WHERE csat IS NOT NULL
        GROUP BY month ORDER BY month"""
    return _frame(con, sql)


def linked_responses(con: duckdb.DuckDBPyConnection, first_month: str, period: Period,
                     tickets_since: str) -> pd.DataFrame:
    """The responses from ``first_month`` to the period's end linked to their tickets, with what the
    driver model reads (``satisfaction.driver_data``): ``response_id, submitted_at, csat,
    channel_id, service_id`` (the ticket's when the response has none), ``booked``,
    ``resolved_first_contact``, ``wait_s`` and ``handle_s`` (seconds, from integer microseconds, as
    ``link_tickets`` computes them); in the store's order."""
    TICKET_FIELDS = "ticket_id, service_id, booked, resolved_first_contact, created_at, started_at, ended_at"
    sql = f"""
        SELECT s.response_id, s.submitted_at, s.csat, s.channel_id,
               coalesce(s.service_id, t.service_id) AS service_id, t.booked, t.resolved_first_contact,
               epoch_us(t.started_at) - epoch_us(t.created_at) AS wait_us,
               epoch_us(t.ended_at) - epoch_us(t.started_at) AS handle_us
        FROM {_linked(tickets_since, TICKET_FIELDS)}
        WHERE s.submitted_at BETWEEN {_month_start(first_month)} AND {_ts(period.end)}
        ORDER BY s.response_id, s.submitted_at"""
    frame = _frame(con, sql, "surveys")
    for name in ("wait", "handle"):
        frame[f"{name}_s"] = frame.pop(f"{name}_us").astype("float64") / 1e6
    return frame.astype({"booked": "boolean", "resolved_first_contact": "boolean"})


# --- comments, feedback ---------------------------------------------------------------------------
def comment_rows(con: duckdb.DuckDBPyConnection, period: Period) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The period's responses and feedback with a comment, with what ``themes.comments`` reads:
    (surveys ``response_id, centre_id, channel_id, submitted_at, csat, comment``; feedback
    ``feedback_id, kind, centre_id, channel_id, received_at, text``), in the store's order."""
    surveys = _frame(con, f"""
        SELECT response_id, centre_id, channel_id, submitted_at, csat, comment FROM surveys
        WHERE {_within("submitted_at", period)} AND comment IS NOT NULL
        ORDER BY response_id, submitted_at""", "surveys")
    feedback = _frame(con, f"""
        SELECT feedback_id, kind, centre_id, channel_id, received_at, text FROM feedback
        WHERE {_within("received_at", period)} AND text IS NOT NULL
        ORDER BY feedback_id, received_at""", "feedback")
    return surveys, feedback


def open_complaints(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every complaint still open at the period's end (``feedback.follow_up`` keeps those past the
    deadline): ``feedback_id, kind, received_at, centre_id, channel_id, category, status, text``."""
    return _frame(con, f"""
        SELECT feedback_id, kind, received_at, centre_id, channel_id, category, status, text FROM feedback
        WHERE kind = 'complaint' AND status NOT IN ({_text(CLOSED)})
        ORDER BY feedback_id, received_at""", "feedback")


def period_complaints(con: duckdb.DuckDBPyConnection, period: Period) -> pd.DataFrame:
    """The complaints received in ``period`` with their state at its end (``feedback.resolution``):
    ``feedback_id, kind, received_at, centre_id, status, resolved_at, substantiated``."""
    return _frame(con, f"""
        SELECT feedback_id, kind, received_at, centre_id, status, resolved_at, substantiated FROM feedback
        WHERE kind = 'complaint' AND {_within("received_at", period)}
        ORDER BY feedback_id, received_at""", "feedback")


def feedback_counts(con: duckdb.DuckDBPyConnection, period: Period, by: str | None = None) -> pd.DataFrame:
    """``feedback.rate_counts`` of ``period`` and its thank-you messages: per cut ``by``,
    ``transactions``, ``complaints``, ``suggestions``, ``compliments`` and ``thank_yous``.

    ``by`` in ``TICKET_CUTS`` (centre, channel, service): each cut's own transactions, and a cut
    with tickets but no feedback has its row; another column (category): the period's transactions
    on every row, rows only where there is feedback; None: one row for the period (none without
    feedback or tickets). Feedback with no value for ``by`` is left out."""
    key = by if by else "'all'"
    kinds = ", ".join(f"count(*) FILTER (WHERE kind = '{k}') AS {k}s" for k in KINDS)
    fb = f"""SELECT {key} AS key, {kinds},
                    count(*) FILTER (WHERE kind = 'compliment' AND source = '{THANK_YOU_SOURCE}') AS thank_yous
             FROM feedback WHERE {_within("received_at", period)} AND kind IN ({_text(KINDS)}) AND {key} IS NOT NULL
             GROUP BY key"""
    counted = ", ".join(f"coalesce(fb.{k}s, 0) AS {k}s" for k in KINDS)
    if by is None or by in TICKET_CUTS:
        tk = f"""SELECT {key} AS key, count(*) AS transactions FROM tickets
                 WHERE {_within("created_at", period)} AND {key} IS NOT NULL GROUP BY key"""
        sql = f"""WITH fb AS ({fb}), tk AS ({tk})
                  SELECT coalesce(fb.key, tk.key) AS key, coalesce(tk.transactions, 0) AS transactions, {counted},
                         coalesce(fb.thank_yous, 0) AS thank_yous
                  FROM fb FULL OUTER JOIN tk ON fb.key = tk.key ORDER BY key"""
    else:
        sql = f"""WITH fb AS ({fb})
                  SELECT fb.key, (SELECT count(*) FROM tickets WHERE {_within("created_at", period)}) AS transactions,
                         {counted}, fb.thank_yous
                  FROM fb ORDER BY key"""
    frame = _frame(con, sql)
    return frame.drop(columns="key") if by is None else frame.rename(columns={"key": by})


def thank_you_months(con: duckdb.DuckDBPyConnection, months: list[str]) -> pd.DataFrame:
    """Thank-you messages per month of ``months`` that had any (``feedback.thank_you_trend``):
    ``month, thank_yous``, in month order."""
    sql = f"""
        SELECT strftime(received_at, '%Y-%m') AS month, count(*) AS thank_yous FROM feedback
        WHERE kind = 'compliment' AND source = '{THANK_YOU_SOURCE}' AND received_at >= {_month_start(min(months))}
        GROUP BY month HAVING month IN ({_text(months)}) ORDER BY month"""
    return _frame(con, sql)


# --- recognition ----------------------------------------------------------------------------------
def team_counts(con: duckdb.DuckDBPyConnection, months: list[str], kpi: dict) -> pd.DataFrame:
    """``recognition.team_counts`` per centre × month of ``months``: ``centre_id, month,
    transactions, compliments, responses, satisfied``, by centre and month."""
    first = _month_start(min(months))
    inside = f"month IN ({_text(months)})"
    sql = f"""
        WITH tk AS (SELECT centre_id, strftime(created_at, '%Y-%m') AS month, count(*) AS n FROM tickets
                    WHERE created_at >= {first} AND centre_id IS NOT NULL GROUP BY ALL),
             fb AS (SELECT centre_id, strftime(received_at, '%Y-%m') AS month, count(*) AS n FROM feedback
                    WHERE received_at >= {first} AND kind = 'compliment' AND centre_id IS NOT NULL GROUP BY ALL),
             sv AS (SELECT centre_id, strftime(submitted_at, '%Y-%m') AS month, count(*) AS n,
                           count(*) FILTER (WHERE csat IN ({_ints(_settings(kpi)["top_box"])})) AS sat FROM surveys
                    WHERE submitted_at >= {first} AND csat IS NOT NULL AND centre_id IS NOT NULL GROUP BY ALL),
             cells AS (SELECT centre_id, month FROM tk UNION SELECT centre_id, month FROM fb
                       UNION SELECT centre_id, month FROM sv)
        SELECT c.centre_id, c.month, coalesce(tk.n, 0) AS transactions, coalesce(fb.n, 0) AS compliments,
               coalesce(sv.n, 0) AS responses, coalesce(sv.sat, 0) AS satisfied
        FROM cells c LEFT JOIN tk USING (centre_id, month) LEFT JOIN fb USING (centre_id, month)
             LEFT JOIN sv USING (centre_id, month)
        WHERE c.{inside}
        ORDER BY c.centre_id, c.month"""
    return _frame(con, sql)


def recognition_rows(con: duckdb.DuckDBPyConnection, since: dict[str, str], columns: dict[str, list[str]]
                     ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The rows the recognition review reads beyond its team counts (``recognition.rows_since``
    gives ``since``, ``recognition.*_COLUMNS`` the ``columns`` of each table), in the store's order:

    - tickets from ``since["tickets"]`` that name an employee or that a survey from
      ``since["surveys"]`` rates (credit, served and handled tickets);
    - surveys from ``since["surveys"]`` with a CSAT and a ticket or an employee (those that can be
      credited to someone);
    - feedback from ``since["feedback"]`` naming an employee.
    """
    surveys_from = _month_start(since["surveys"])
    rated = f"SELECT ticket_id FROM surveys WHERE submitted_at >= {surveys_from} AND ticket_id IS NOT NULL"
    tickets = _frame(con, f"""
        SELECT {', '.join(columns['tickets'])} FROM tickets
        WHERE created_at >= {_month_start(since['tickets'])} AND (employee_id IS NOT NULL OR ticket_id IN ({rated}))
        ORDER BY ticket_id, created_at""", "tickets")
    surveys = _frame(con, f"""
        SELECT {', '.join(columns['surveys'])} FROM surveys
        WHERE submitted_at >= {surveys_from} AND csat IS NOT NULL AND (ticket_id IS NOT NULL OR employee_id IS NOT NULL)
        ORDER BY response_id, submitted_at""", "surveys")
    feedback = _frame(con, f"""
        SELECT {', '.join(columns['feedback'])} FROM feedback
        WHERE received_at >= {_month_start(since['feedback'])} AND employee_id IS NOT NULL
        ORDER BY feedback_id, received_at""", "feedback")
    return tickets, surveys, feedback
