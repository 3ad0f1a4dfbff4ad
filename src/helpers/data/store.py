"""The processed store, read-only. The as-of rule lives here.

``data/processed/YYYY-MM/<table>.parquet`` holds each ingested month (typed, sorted by key);
``data/processed/initiatives/initiatives.parquet`` holds the registry. Only ``ingest`` writes
them. Every read for a period P goes through ``load``/``initiatives``/``connect``, which return
only what was knowable at ``P.end``:

- rows from months up to P's month, and only those whose timestamp (tickets ``created_at``,
  surveys ``submitted_at``, feedback ``received_at``, self_assessment ``assessed_on``) is at or
  before ``P.end``; the staff roster counts as known for its whole month;
- a feedback item closed in a later month's ``feedback_updates`` takes its latest closing known at
  ``P.end`` (``resolved_at`` ≤ ``P.end``);
- a feedback item closed after ``P.end`` shows as still in progress at ``P.end``
  (``resolved_at`` and ``substantiated`` empty, status ``in_progress``);
- initiatives in force: ``start_on`` on or before ``P.end``; an ``end_on`` after ``P.end`` is
  not yet known and shows as empty.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq

from ..base.paths import get_paths
from ..base.periods import Period, parse
from . import contract

MONTH_RE = re.compile(r"^\d{4}-\d{2}$")
INGEST_RECORD = "_ingest.json"
REGISTRY_DIR = "initiatives"
CLOSED_STATUSES = ("resolved", "rejected")


def _period(period) -> Period:
    return period if isinstance(period, Period) else parse(str(period))


def _check_table(table: str) -> contract.Table:
    if table not in contract.MONTH_TABLES:
        raise ValueError(f"unknown table {table!r}; the store holds {', '.join(contract.MONTH_TABLES)}")
    return contract.TABLES[table]


def months(root=None) -> list[str]:
    """The processed months available (``YYYY-MM``), oldest first."""
    processed = get_paths(root).processed
    if not processed.is_dir():
        return []
    return sorted(
        p.name for p in processed.iterdir()
        if p.is_dir() and MONTH_RE.match(p.name) and (p / INGEST_RECORD).is_file()
    )


def ingest_record(month: str, root=None) -> dict | None:
    """The ``_ingest.json`` of a processed month, or None if the month is not in the store."""
    path = get_paths(root).processed / month / INGEST_RECORD
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def read_month(table: str, month: str, *, root=None, columns: list[str] | None = None) -> pd.DataFrame:
    """One processed month of ``table`` as stored, WITHOUT the as-of filter: for ingest's
    cross-month checks, not for reports (use ``load``)."""
    spec = _check_table(table)
    path = get_paths(root).processed / month / f"{table}.parquet"
    cols = spec.names if columns is None else list(columns)
    if not path.is_file():
        return contract.empty_frame(table)[cols]
    frame = pq.read_table(path, columns=cols).to_pandas()
    return frame.astype({c: spec.dtypes[c] for c in cols})


def _empty(table: str, columns: list[str]) -> pd.DataFrame:
    frame = contract.empty_frame(table)
    if contract.TABLES[table].snapshot:
        frame["month"] = pd.Series(dtype="str")
    return frame[columns]


def _sort_columns(spec: contract.Table) -> list[str]:
    """The order of rows: (month,) key, then the date (an id may recur in another month)."""
    dated = [spec.dated_by] if spec.dated_by and spec.dated_by not in spec.key else []
    return (["month"] if spec.snapshot else []) + list(spec.key) + dated


def load(table: str, period, *, root=None, since: str | None = None, columns: list[str] | None = None) -> pd.DataFrame:
    """Rows of ``table`` knowable at the end of ``period`` (a Period or a label), as typed frames.

    As-of rule: months up to the period's month, rows whose timestamp is ≤ ``period.end``
    (staff: the whole month); feedback takes its closings from ``feedback_updates`` up to
    ``period.end``, and feedback closed after ``period.end`` shows as in progress.
    ``since`` (``YYYY-MM``) drops earlier months. Snapshot tables (staff, self_assessment)
    get a ``month`` column. Sorted by (month,) key, stably; empty but typed when nothing."""
    spec = _check_table(table)
    p = _period(period)
    if since is not None and parse(since).kind != "month":
        raise ValueError(f"since must be a month YYYY-MM, not {since!r}")
    all_cols = spec.names + (["month"] if spec.snapshot else [])
    wanted = all_cols if columns is None else list(columns)
    unknown = [c for c in wanted if c not in all_cols]
    if unknown:
        raise ValueError(f"{table} has no column(s) {', '.join(unknown)}")
    # the key sorts, the timestamp filters, resolved_at decides the feedback as-of masking
    extra = set(spec.key) | {spec.dated_by} | ({"resolved_at"} if table == "feedback" else set())
    needed = [c for c in spec.names if c in wanted or c in extra]
    chosen = [m for m in months(root) if m <= p.month and (since is None or m >= since)]
    frames = []
    for m in chosen:
        frame = read_month(table, m, root=root, columns=needed)
        if spec.snapshot:
            frame["month"] = pd.Series([m] * len(frame), dtype="str", index=frame.index)
        frames.append(frame)
    if not frames:
        return _empty(table, wanted)
    out = pd.concat(frames, ignore_index=True)
    if spec.dated_by:
        out = out[(out[spec.dated_by] <= p.end).to_numpy()]
    if table == "feedback":
        out = _feedback_as_of(_with_updates(out, latest_updates(p, root)), p.end)
    out = out.sort_values(_sort_columns(spec), kind="stable").reset_index(drop=True)
    return out[wanted]


UPDATED = ("status", "resolved_at", "substantiated")


def latest_updates(period, root=None) -> pd.DataFrame:
    """The latest closing of each message in ``feedback_updates`` known at the end of ``period``
    (``resolved_at`` ≤ its end), indexed by feedback_id, with the ``month`` of its folder; a
    later month's row wins a tie."""
    p = _period(period)
    frames = []
    for m in months(root):
        if m > p.month:
            break
        frame = read_month("feedback_updates", m, root=root)
        frame["month"] = pd.Series([m] * len(frame), dtype="str", index=frame.index)
        frames.append(frame)
    if not frames:
        out = _empty("feedback_updates", ["feedback_id", *UPDATED])
        out["month"] = pd.Series(dtype="str")
        return out.set_index("feedback_id")
    out = pd.concat(frames, ignore_index=True)
    out = out[(out["resolved_at"] <= p.end).to_numpy()]
    out = out.sort_values(["resolved_at", "month", "feedback_id"], kind="stable")
    return out.drop_duplicates("feedback_id", keep="last").set_index("feedback_id")[[*UPDATED, "month"]]


def _with_updates(frame: pd.DataFrame, updates: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (feedback) with each message's latest closing from ``updates`` in place: a
    closing applies to the message received before its folder's month (not to a later message
    that happens to reuse the id)."""
    if updates.empty or "feedback_id" not in frame.columns:
        return frame
    known = frame["feedback_id"].isin(updates.index).to_numpy()
    if not known.any():
        return frame
    month_start = pd.to_datetime(updates["month"] + "-01").astype("datetime64[us]")
    before = frame["received_at"] < month_start.reindex(frame["feedback_id"]).to_numpy()
    hit = known & before.fillna(False).to_numpy(dtype=bool)
    if not hit.any():
        return frame
    frame = frame.copy()
    ids = frame.loc[hit, "feedback_id"].to_numpy()
    for col in UPDATED:
        if col in frame.columns:
            frame.loc[hit, col] = updates.loc[ids, col].to_numpy()
    return frame


def _feedback_as_of(frame: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    if "resolved_at" not in frame.columns:
        return frame
    later = (frame["resolved_at"] > end).fillna(False).to_numpy(dtype=bool)
    if not later.any():
        return frame
    frame = frame.copy()
    frame.loc[later, "resolved_at"] = pd.NaT
    if "status" in frame.columns:
        frame.loc[later & frame["status"].isin(CLOSED_STATUSES).to_numpy(), "status"] = "in_progress"
    if "substantiated" in frame.columns:
        frame.loc[later, "substantiated"] = pd.NA
    return frame


def _registry_path(root=None) -> Path:
    return get_paths(root).processed / REGISTRY_DIR / "initiatives.parquet"


def initiatives(period, root=None) -> pd.DataFrame:
    """The initiatives in force at the end of ``period``: ``start_on`` ≤ ``period.end``, with an
    ``end_on`` after ``period.end`` shown empty (not yet known). Sorted by initiative_id, so a
    later initiative never changes a past period."""
    p = _period(period)
    path = _registry_path(root)
    if not path.is_file():
        return contract.empty_frame("initiatives")
    frame = contract.typed_frame("initiatives", pq.read_table(path).to_pandas())
    frame = frame[(frame["start_on"] <= p.end).to_numpy()].copy()
    frame.loc[(frame["end_on"] > p.end).fillna(False).to_numpy(dtype=bool), "end_on"] = pd.NaT
    return frame.sort_values("initiative_id", kind="stable").reset_index(drop=True)


def _sha256_frame(frame: pd.DataFrame) -> str:
    text = frame.to_csv(index=False, lineterminator="\n", date_format="%Y-%m-%d")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def inputs(period, root=None) -> list[dict]:
    """The raw inputs ``period`` may read, for its manifest: every raw file of the processed
    months up to the period's month (``path`` relative to the root, ``sha256``, ``rows``), then
    the initiatives registry counted as the rows in force (its ``sha256`` is of those rows, so
    adding a later initiative leaves a past period's manifest unchanged)."""
    p = _period(period)
    out = []
    for m in months(root):
        if m > p.month:
            break
        record = ingest_record(m, root) or {}
        for f in record.get("files", []):
            out.append({"path": f["path"], "sha256": f["sha256"], "rows": f["rows"]})
    reg_record = get_paths(root).processed / REGISTRY_DIR / INGEST_RECORD
    if reg_record.is_file():
        info = json.loads(reg_record.read_text(encoding="utf-8"))
        in_force = initiatives(p, root)
        out.append({
            "path": info["path"],
            "sha256": _sha256_frame(in_force),
            "rows": len(in_force),
            "scope": f"rows in force at {p.end:%Y-%m-%d %H:%M:%S}",
        })
    return out


# --- DuckDB -----------------------------------------------------------------------------------
_SQL_TYPES = {"str": "VARCHAR", "datetime64[us]": "TIMESTAMP", "boolean": "BOOLEAN", "Int64": "BIGINT"}


def _quote(path: Path) -> str:
    return "'" + path.as_posix().replace("'", "''") + "'"


def _view_sql(table: str, p: Period, root) -> str:
    spec = contract.TABLES[table]
    processed = get_paths(root).processed
    end = f"TIMESTAMP '{p.end:%Y-%m-%d %H:%M:%S.%f}'"
    cols = list(spec.names)
    selects = []
    for m in months(root):
        path = processed / m / f"{table}.parquet"
        if m > p.month or not path.is_file():
            continue
        month_col = f", '{m}' AS month" if spec.snapshot else ""
        selects.append(f"SELECT {', '.join(cols)}{month_col} FROM read_parquet({_quote(path)})")
    if not selects:
        typed = [f"CAST(NULL AS {_SQL_TYPES[c.dtype]}) AS {c.name}" for c in spec.columns]
        if spec.snapshot:
            typed.append("CAST(NULL AS VARCHAR) AS month")
        return f"SELECT {', '.join(typed)} WHERE FALSE"
    body = " UNION ALL ".join(selects)
    where = f" WHERE {spec.dated_by} <= {end}" if spec.dated_by else ""
    order = ", ".join(_sort_columns(spec))
    if table == "feedback":
        # each message's latest closing from feedback_updates known at the end, as ``load`` does
        closings = [f"SELECT feedback_id, status, resolved_at, substantiated, '{m}' AS month "
                    f"FROM read_parquet({_quote(processed / m / 'feedback_updates.parquet')})"
                    for m in months(root) if m <= p.month and (processed / m / "feedback_updates.parquet").is_file()]
        merged = body
        if closings:
            latest = (f"SELECT * FROM ({' UNION ALL '.join(closings)}) WHERE resolved_at <= {end} "
                      f"QUALIFY row_number() OVER (PARTITION BY feedback_id "
                      f"ORDER BY resolved_at DESC, month DESC) = 1")
            pick = {c: f"CASE WHEN u.feedback_id IS NULL THEN f.{c} ELSE u.{c} END AS {c}"
                    for c in ("status", "resolved_at", "substantiated")}
            merged = (f"SELECT {', '.join(pick.get(c, f'f.{c}') for c in cols)} FROM ({body}) f "
                      f"LEFT JOIN ({latest}) u ON f.feedback_id = u.feedback_id "
                      f"AND f.received_at < CAST(u.month || '-01' AS TIMESTAMP)")
        later = f"resolved_at > {end}"
        projected = []
        for c in cols:
            if c == "resolved_at":
                projected.append(f"CASE WHEN {later} THEN NULL ELSE resolved_at END AS resolved_at")
            elif c == "status":
                projected.append(f"CASE WHEN {later} AND status IN ('resolved', 'rejected') THEN 'in_progress' ELSE status END AS status")
            elif c == "substantiated":
                projected.append(f"CASE WHEN {later} THEN NULL ELSE substantiated END AS substantiated")
            else:
                projected.append(c)
        return f"SELECT {', '.join(projected)} FROM ({merged}){where} ORDER BY {order}"
    return f"SELECT * FROM ({body}){where} ORDER BY {order}"


def connect(period, root=None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with one view per table (tickets, surveys, feedback, staff,
    self_assessment, initiatives) over the Parquet files, filtered as-of ``period`` exactly
    as ``load``/``initiatives`` do."""
    p = _period(period)
    con = duckdb.connect(":memory:")
    for table in contract.MONTH_TABLES:
        con.execute(f"CREATE VIEW {table} AS {_view_sql(table, p, root)}")
    spec = contract.TABLES["initiatives"]
    path = _registry_path(root)
    end = f"TIMESTAMP '{p.end:%Y-%m-%d %H:%M:%S.%f}'"
    if path.is_file():
        cols = [f"CASE WHEN end_on > {end} THEN NULL ELSE end_on END AS end_on" if c == "end_on" else c for c in spec.names]
        sql = (f"SELECT {', '.join(cols)} FROM read_parquet({_quote(path)}) "
               f"WHERE start_on <= {end} ORDER BY initiative_id")
    else:
        typed = [f"CAST(NULL AS {_SQL_TYPES[c.dtype]}) AS {c.name}" for c in spec.columns]
        sql = f"SELECT {', '.join(typed)} WHERE FALSE"
    con.execute(f"CREATE VIEW initiatives AS {sql}")
    return con
