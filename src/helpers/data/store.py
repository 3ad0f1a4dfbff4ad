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

A month may also come as day drops (``by_days``): then its tickets, surveys and feedback are
stored per day, ``data/processed/YYYY-MM/days/YYYY-MM-DD/<table>.parquet`` with the day's own
``_ingest.json``, and its monthly tables (staff, self_assessment, feedback_updates) in the month
folder. Every read takes the union of the days as if the month had come as one file (same rows,
order and dtypes). A period that ends before such a month's last day reads only what had arrived
by its end: the day drops up to its last day and the roster; the month's self-assessment and
feedback closings count from the month's last day. So a published day never changes when later
days arrive.

A table the entity does not provide (``provided``: ``tables:`` in ``config/entity.yaml``) reads as
its typed empty frame, in ``load``, ``latest_updates`` and the DuckDB views alike, and is not among
a period's ``inputs``, whatever files an older ingest may have left.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq

from ..base.config import load_config, parse_period
from ..base.files import sha256_bytes
from ..base.paths import get_paths
from ..base.periods import Period, parse
from . import contract

MONTH_RE = re.compile(r"^\d{4}-\d{2}$")
DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
INGEST_RECORD = "_ingest.json"
DAYS_DIR = "days"       # under a month of day drops: one folder per day
ROSTER = "staff"        # the one monthly table a day reads: known for its whole month
REGISTRY_DIR = "initiatives"
CLOSED_STATUSES = ("resolved", "rejected")


def _period(period, root) -> Period:
    # a week label is read with the entity's first day of the week
    return parse_period(period, root)


def _check_table(table: str) -> contract.Table:
    if table not in contract.MONTH_TABLES:
        raise ValueError(f"unknown table {table!r}; the store holds {', '.join(contract.MONTH_TABLES)}")
    return contract.TABLES[table]


def provided_tables(root=None) -> tuple[str, ...]:
    """The month tables the entity under ``root`` provides (``contract.provided_tables`` of its
    config): tickets and staff always; surveys, feedback (with feedback_updates) and
    self_assessment when ``tables:`` declares them (all three without the key)."""
    return contract.provided_tables(load_config(root))


def provided(table: str, root=None) -> bool:
    """Whether the entity under ``root`` provides month table ``table`` (``provided_tables``).
    A chapter section that needs a table it does not provide says so instead of showing it."""
    _check_table(table)
    return table in provided_tables(root)


def _months_read(table: str, p: Period, root, since: str | None = None) -> list[str]:
    """The processed months ``table`` is read from for period ``p``: up to ``p``'s month (from
    ``since`` when given); none when the entity does not provide the table. The configuration is
    read only when there is a month to read, so an empty store needs none."""
    chosen = [m for m in months(root) if m <= p.month and (since is None or m >= since)]
    return chosen if chosen and provided(table, root) else []


def by_days(month: str, root=None) -> bool:
    """Whether processed ``month`` came as day drops (its ``_ingest.json`` says ``"drops": "days"``)."""
    return (ingest_record(month, root) or {}).get("drops") == "days"


def day_drops(month: str, root=None) -> list[str]:
    """The ingested day drops of ``month`` (``YYYY-MM-DD``), oldest first; none for a month of month files."""
    folder = get_paths(root).processed / month / DAYS_DIR
    if not folder.is_dir():
        return []
    return sorted(d.name for d in folder.iterdir()
                  if d.is_dir() and DAY_RE.match(d.name) and d.name[:7] == month and (d / INGEST_RECORD).is_file())


def day_record(day: str, root=None) -> dict | None:
    """The ``_ingest.json`` of an ingested day drop, or None."""
    path = get_paths(root).processed / day[:7] / DAYS_DIR / day / INGEST_RECORD
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def _whole_month(p: Period | None, month: str) -> bool:
    """Whether period ``p`` reaches the last day of ``month`` (None: no period, the whole month)."""
    return p is None or f"{p.last:%Y-%m-%d}" >= f"{(pd.Timestamp(month + '-01') + pd.offsets.MonthEnd(0)):%Y-%m-%d}"


def _days_read(month: str, p: Period | None, root) -> list[str]:
    """The day drops of a month of day drops that period ``p`` reads: those up to its last day."""
    last = None if _whole_month(p, month) else f"{p.last:%Y-%m-%d}"
    return [d for d in day_drops(month, root) if last is None or d <= last]


def _parts(table: str, month: str, p: Period | None, root) -> list[Path]:
    """The Parquet files of ``table`` in processed ``month`` that period ``p`` reads (None: all).

    A month of month files: its one file. A month of day drops: a day table's files of the days
    up to ``p``'s last day; the roster always; the other monthly tables only when ``p`` reaches
    the month's last day (they describe the whole month and arrive at its end)."""
    folder = get_paths(root).processed / month
    if not by_days(month, root):
        path = folder / f"{table}.parquet"
        return [path] if path.is_file() else []
    if table in contract.DAY_TABLES:
        files = [folder / DAYS_DIR / d / f"{table}.parquet" for d in _days_read(month, p, root)]
        return [f for f in files if f.is_file()]
    path = folder / f"{table}.parquet"
    return [path] if path.is_file() and (table == ROSTER or _whole_month(p, month)) else []


def stored_files(table: str, month: str, root=None) -> list[Path]:
    """The Parquet files holding processed ``month`` of ``table``: its month file, or the files
    of its day drops, oldest first (none when the month has no such rows stored)."""
    _check_table(table)
    return _parts(table, month, None, root)


def _read_parts(table: str, parts: list[Path], columns: list[str]) -> pd.DataFrame:
    """The union of ``parts`` as one typed frame in key order, as one month file would read."""
    spec = contract.TABLES[table]
    if not parts:
        return contract.empty_frame(table)[columns]
    if len(parts) == 1:
        frame = pq.read_table(parts[0], columns=columns).to_pandas()
    else:
        frames = [pq.read_table(f, columns=columns).to_pandas() for f in parts]
        frame = pd.concat(frames, ignore_index=True)
        keys = [k for k in spec.key if k in columns]
        if keys:  # each day is sorted by key; the month file is sorted by key over the month
            frame = frame.sort_values(keys, kind="stable").reset_index(drop=True)
    return frame.astype({c: spec.dtypes[c] for c in columns})


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
    """One processed month of ``table`` as stored (a month of day drops: the union of its days),
    WITHOUT the as-of filter: for ingest's cross-month checks, not for reports (use ``load``)."""
    spec = _check_table(table)
    cols = spec.names if columns is None else list(columns)
    return _read_parts(table, _parts(table, month, None, root), cols)


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
    get a ``month`` column. Sorted by (month,) key, stably; empty but typed when nothing, and
    always for a table the entity does not provide (``provided``)."""
    spec = _check_table(table)
    p = _period(period, root)
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
    frames = []
    for m in _months_read(table, p, root, since):
        frame = _read_parts(table, _parts(table, m, p, root), needed)
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
    p = _period(period, root)
    frames = []
    for m in _months_read("feedback_updates", p, root):
        frame = _read_parts("feedback_updates", _parts("feedback_updates", m, p, root),
                            contract.TABLES["feedback_updates"].names)
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
    p = _period(period, root)
    path = _registry_path(root)
    if not path.is_file():
        return contract.empty_frame("initiatives")
    frame = contract.typed_frame("initiatives", pq.read_table(path).to_pandas())
    frame = frame[(frame["start_on"] <= p.end).to_numpy()].copy()
    frame.loc[(frame["end_on"] > p.end).fillna(False).to_numpy(dtype=bool), "end_on"] = pd.NaT
    return frame.sort_values("initiative_id", kind="stable").reset_index(drop=True)


def _sha256_frame(frame: pd.DataFrame) -> str:
    text = frame.to_csv(index=False, lineterminator="\n", date_format="%Y-%m-%d")
    return sha256_bytes(text.encode("utf-8"))


def inputs(period, root=None) -> list[dict]:
    """The raw inputs ``period`` may read, for its manifest: every raw file of the processed
    months up to the period's month (``path`` relative to the root, ``sha256``, ``rows``; of a
    month of day drops, only the files the period reads: ``_parts``), then
    the initiatives registry counted as the rows in force (its ``sha256`` is of those rows, so
    adding a later initiative leaves a past period's manifest unchanged)."""
    p = _period(period, root)
    out = []
    chosen = [m for m in months(root) if m <= p.month]
    read = set(provided_tables(root)) if chosen else set()
    for m in chosen:
        record = ingest_record(m, root) or {}
        files = list(record.get("files", []))
        if record.get("drops") == "days":
            # only what the period reads: a later day or a month-end table leaves a day's manifest as it was
            files = [f for f in files if f["table"] == ROSTER or _whole_month(p, m)]
            files += [f for d in _days_read(m, p, root) for f in (day_record(d, root) or {}).get("files", [])]
        for f in files:
            if (f.get("table") or Path(f["path"]).stem) not in read:
                continue  # a table the entity does not provide is not read
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
    end = f"TIMESTAMP '{p.end:%Y-%m-%d %H:%M:%S.%f}'"
    cols = list(spec.names)
    selects = []
    for m in _months_read(table, p, root):
        month_col = f", '{m}' AS month" if spec.snapshot else ""
        for path in _parts(table, m, p, root):
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
                    f"FROM read_parquet({_quote(path)})"
                    for m in _months_read("feedback_updates", p, root)
                    for path in _parts("feedback_updates", m, p, root)]
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
    as ``load``/``initiatives`` do (a table the entity does not provide is an empty, typed view)."""
    p = _period(period, root)
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
