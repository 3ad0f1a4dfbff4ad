"""Snapshot: the contract's tables for a month or a day, read from PostgreSQL, written as raw files.

``take(period)`` reads every table the entity provides (``contract.provided_tables``) for a month
``YYYY-MM`` and writes ``data/raw/YYYY-MM/<table>.csv``; for a day ``YYYY-MM-DD`` it reads
tickets, surveys and feedback and writes ``data/raw/YYYY-MM/YYYY-MM-DD/<table>.csv`` (the roster,
the self-assessment and the feedback closings are monthly). Beside the files goes ``source.json``:
each query as run with its parameters, the row counts, the server's version and, under the
``volatile`` key, when the snapshot was taken. From then on everything is as for a file export:
``ingest`` validates the files and ``verify`` rebuilds from them, because an auditor cannot rerun
a live database and get the same bytes.

**Driver.** psycopg 3 (``psycopg[binary]``): the maintained PostgreSQL driver of the psycopg
project, with binary wheels (no compiler, no libpq to install). It binds parameters on the server
(the period's bounds never enter the SQL text; table and column names are quoted by
``psycopg.sql``), and it raises typed errors: ``OperationalError`` for a failed connection,
``UndefinedTable``, ``UndefinedColumn``, ``InsufficientPrivilege``, ``DataError`` and the rest by
SQLSTATE for a failed statement. A failed connection carries no SQLSTATE (libpq reports it as
text, so a wrong password is an ``OperationalError``, not ``InvalidPassword``): its cause is
read from libpq's message, and only our own sentence is shown.

**Secrets.** The connection string comes only from the environment variable named by
``--dsn-env`` (default ``GOLDBOOK_DSN``). It is handed to libpq and nothing else: no file,
record, log line or message holds it, nor the host, user or database it names. The driver's
messages can hold them, so every failure is reported in a sentence of this module's own.

**The mapping** (``config/snapshot.yaml``, ``mapping``): per contract table, the table or view to
read, the column that picks the period and a map of column names; by default every name is the
contract's, and the period column is the table's dated column (``contract.Table.dated_by``).

**The files** are written by ``rawcsv`` exactly as the demo writes its exports, with the values
converted from the database's types (``CONVERTIBLE``) to the contract's text, rows in a stated
order (``order`` in the mapping, by default the table's key; text compares by code point, ties
are broken by the remaining columns). A row breaking the contract is written as exported: ingest
reports it as for a file, and its "line" is its position in that order plus one (the header is
line 1). All or nothing: the files are written into a hidden temporary folder under
``data/raw/`` and moved in; an existing raw file is never overwritten.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pandas as pd
import psycopg
from psycopg import errors as pg_errors
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from ..base.config import Config, ConfigError, load_config
from ..base.files import canonical_json, sha256_file
from ..base.paths import Paths, get_paths
from ..base.periods import Period, kind_of, parse
from . import contract, rawcsv

DEFAULT_DSN_ENV = "GOLDBOOK_DSN"
MAPPING_NAME = "snapshot"              # config/snapshot.yaml
SOURCE_RECORD = "source.json"          # beside the files; ingest skips it
CONNECT_TIMEOUT_SECONDS = 10
APPLICATION_NAME = "goldbook snapshot"
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_MAPPING_KEYS = ("source", "period", "columns", "order")

# Database types (pg_type.typname; a domain counts as its base type, any enum as "enum") that
# each contract type is converted from. Text is accepted for every contract type and written
# as it is: whether it holds a valid value is ingest's question, as for a file.
_TEXT = frozenset({"text", "varchar", "bpchar", "name", "citext", "enum"})
_INTEGERS = frozenset({"int2", "int4", "int8"})
_TIMESTAMPS = frozenset({"timestamp", "timestamptz"})
CONVERTIBLE = {
    "id": _TEXT | _INTEGERS | {"uuid"},
    "str": _TEXT,
    "text": _TEXT,
    "enum": _TEXT,
    "list": _TEXT,
    "datetime": _TEXT | _TIMESTAMPS,
    "date": _TEXT | _TIMESTAMPS | {"date"},
    "bool": _TEXT | {"bool"},
    "int": _TEXT | _INTEGERS | {"numeric", "float4", "float8"},
}
PERIOD_TYPES = frozenset({"date"}) | _TIMESTAMPS   # compared with the period's bounds

_COLUMNS_SQL = (
    "SELECT a.attname,"
    " CASE WHEN t.typtype = 'e' THEN 'enum' WHEN t.typtype = 'd' THEN b.typname ELSE t.typname END,"
    " pg_catalog.format_type(a.atttypid, a.atttypmod)"
    " FROM pg_catalog.pg_attribute a"
    " JOIN pg_catalog.pg_type t ON t.oid = a.atttypid"
    " LEFT JOIN pg_catalog.pg_type b ON b.oid = t.typbasetype"
    " WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped"
)


class SnapshotError(Exception):
    """A problem the user can fix, in one line that names no secret."""


# --- the mapping ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Source:
    """Where one contract table comes from: ``relation`` (``(name,)`` or ``(schema, name)``),
    ``columns`` (contract column -> database column, in contract order), the database column
    ``period`` that picks the month or day (None: the whole relation) and the contract columns
    the rows are written in ``order`` of."""

    table: str
    relation: tuple[str, ...]
    columns: dict[str, str]
    period: str | None
    order: tuple[str, ...]

    @property
    def name(self) -> str:
        return ".".join(self.relation)


def _setting_error(where: str, text: str) -> ConfigError:
    return ConfigError(f"config/{MAPPING_NAME}.yaml, {where}: {text}")


def _name(value, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _setting_error(where, f"expected a name, got {value!r}")
    return value.strip()


def _source(table: str, entry, schema: str | None) -> Source:
    spec = contract.TABLES[table]
    where = f"tables.{table}"
    if entry is None:
        entry = {}
    if not isinstance(entry, dict):
        raise _setting_error(where, f"expected keys {', '.join(_MAPPING_KEYS)}, got {entry!r}")
    unknown = [str(k) for k in entry if k not in _MAPPING_KEYS]
    if unknown:
        raise _setting_error(where, f"unknown key {', '.join(unknown)}; the keys are {', '.join(_MAPPING_KEYS)}")
    parts = tuple(p.strip() for p in _name(entry.get("source", table), f"{where}.source").split("."))
    if len(parts) > 2 or not all(parts):
        raise _setting_error(f"{where}.source", f"{entry['source']!r}: write a table or view as name or schema.name")
    relation = parts if len(parts) == 2 or schema is None else (schema, *parts)
    renamed = entry.get("columns") or {}
    if not isinstance(renamed, dict):
        raise _setting_error(f"{where}.columns", "expected contract column: database column lines")
    foreign = [str(c) for c in renamed if c not in spec.names]
    if foreign:
        raise _setting_error(f"{where}.columns", f"{', '.join(foreign)} is not a column of {table} "
                                                 f"(its columns: {', '.join(spec.names)})")
    columns = {c: _name(renamed.get(c, c), f"{where}.columns.{c}") for c in spec.names}
    # the period column is a database column: by default the one the dated contract column maps to
    period = entry["period"] if "period" in entry else (columns[spec.dated_by] if spec.dated_by else None)
    if period is not None:
        period = _name(period, f"{where}.period")
    order = entry.get("order", list(spec.key))
    if isinstance(order, str) or not isinstance(order, (list, tuple)) or not order:
        raise _setting_error(f"{where}.order", f"expected a list of {table} columns, got {order!r}")
    foreign = [str(c) for c in order if c not in spec.names]
    if foreign:
        raise _setting_error(f"{where}.order", f"{', '.join(foreign)} is not a column of {table}")
    return Source(table, relation, columns, period, tuple(str(c) for c in order))


def mapping(config: Config) -> dict[str, Source]:
    """Every month table's ``Source``, from ``config/snapshot.yaml`` over the defaults (the
    contract's names, its dated column as the period column, its key as the order). Raises
    ConfigError naming the setting that is wrong."""
    raw = config.settings_file(MAPPING_NAME)
    unknown = [str(k) for k in raw if k not in ("schema", "tables")]
    if unknown:
        raise _setting_error("top level", f"unknown key {', '.join(unknown)}; the keys are schema and tables")
    schema = raw.get("schema")
    if schema is not None:
        schema = _name(schema, "schema")
    tables = raw.get("tables") or {}
    if not isinstance(tables, dict):
        raise _setting_error("tables", "expected one entry per contract table")
    foreign = [str(t) for t in tables if t not in contract.MONTH_TABLES]
    if foreign:
        raise _setting_error("tables", f"{', '.join(foreign)} is not a month table of the contract "
                                       f"({', '.join(contract.MONTH_TABLES)})")
    return {t: _source(t, tables.get(t), schema) for t in contract.MONTH_TABLES}


def tables_for(kind: str, config: Config) -> tuple[str, ...]:
    """The tables a snapshot of a ``month`` or a ``day`` writes: those the entity provides, and
    for a day only the day tables."""
    provided = contract.provided_tables(config)
    return provided if kind == "month" else tuple(t for t in provided if t in contract.DAY_TABLES)


# --- where the files go -----------------------------------------------------------------------
@dataclass(frozen=True)
class Plan:
    period: Period
    folder: Path                 # data/raw/YYYY-MM or data/raw/YYYY-MM/YYYY-MM-DD
    tables: tuple[str, ...]


def plan(label: str, config: Config, root=None) -> Plan:
    """What ``take(label)`` writes where. Raises SnapshotError for a week or a year."""
    kind = kind_of(label)
    if kind not in ("month", "day"):
        raise SnapshotError(f"{str(label).strip()} is a {kind}: a snapshot takes a month (YYYY-MM) "
                            "or a day (YYYY-MM-DD)")
    period = parse(label)
    paths = get_paths(root)
    folder = paths.month_raw(period.month)
    if kind == "day":
        folder = folder / period.label
    return Plan(period, folder, tables_for(kind, config))


def _table_files(folder: Path, table: str) -> list[Path]:
    return [folder / f"{table}{suffix}" for suffix in (".csv", ".xlsx")]


def conflicts(p: Plan) -> list[Path]:
    """Existing raw files the snapshot would replace or contradict: its own targets (either
    suffix) and ``source.json``; for a month, the same tables as day files of that month; for a
    day, the same tables as month files (a table of a month comes one way or the other)."""
    found = [f for t in p.tables for f in _table_files(p.folder, t)] + [p.folder / SOURCE_RECORD]
    month_folder = p.folder if p.period.kind == "month" else p.folder.parent
    day_tables = [t for t in p.tables if t in contract.DAY_TABLES]
    if p.period.kind == "month" and month_folder.is_dir():
        for day in sorted(month_folder.iterdir()):
            if day.is_dir() and day.name.startswith(f"{p.period.label}-"):
                found += [f for t in day_tables for f in _table_files(day, t)]
    elif p.period.kind == "day":
        found += [f for t in day_tables for f in _table_files(month_folder, t)]
    return [f for f in found if f.exists()]


def _refuse_conflicts(p: Plan, paths: Paths) -> None:
    existing = conflicts(p)
    if existing:
        names = ", ".join(paths.rel(f) for f in existing)
        verb = "exists" if len(existing) == 1 else "exist"
        raise SnapshotError(f"{names} already {verb}: raw files are never overwritten or edited, and a table "
                            f"comes either as a month file or as day files; nothing was written. Move "
                            f"{'it' if len(existing) == 1 else 'them'} away first to take this snapshot again")


# --- converting values ------------------------------------------------------------------------
@dataclass
class Column:
    """One selected column: contract name and type, database name and type (``kind`` as in
    ``CONVERTIBLE``, ``shown`` as the database writes it)."""

    name: str
    type: str
    db_name: str
    kind: str
    shown: str


def _number_text(value) -> str:
    """A whole number as its digits (``5.0`` is ``5``); anything else as the database holds it."""
    if isinstance(value, Decimal):
        if value.is_finite() and value == value.to_integral_value():
            return str(int(value))
        return str(value)
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    return str(value)


def _time_text(value: datetime, contract_type: str) -> str:
    """A timestamp as a contract datetime; for a contract date, its date when it is midnight
    (otherwise the whole timestamp, as exported: ingest says what is wrong with it)."""
    if contract_type == "date" and value.time() == time(0):
        return rawcsv.date_text(value.date())
    return rawcsv.datetime_text(value)


def column_text(values: list, column: Column) -> tuple[list[str], int]:
    """``values`` (as psycopg returns them) as the contract's text, and how many timestamps
    lost a fraction of a second (the contract writes times to the second). Null is ''."""
    kind, ctype = column.kind, column.type
    if kind in _TEXT or kind == "uuid":
        return ["" if v is None else str(v) for v in values], 0
    if kind == "bool":
        return ["" if v is None else rawcsv.bool_text(v) for v in values], 0
    if kind in _INTEGERS:
        return ["" if v is None else str(v) for v in values], 0
    if kind in ("numeric", "float4", "float8"):
        return ["" if v is None else _number_text(v) for v in values], 0
    if kind in _TIMESTAMPS:
        fractions = sum(1 for v in values if v is not None and v.microsecond)
        return ["" if v is None else _time_text(v, ctype) for v in values], fractions
    if kind == "date":
        return ["" if v is None else rawcsv.date_text(v) for v in values], 0
    raise AssertionError(f"no conversion from {kind} (CONVERTIBLE and column_text disagree)")


def _sort_key(texts: pd.Series, contract_type: str) -> pd.Series:
    if contract_type == "int":
        return pd.to_numeric(texts.mask(texts == ""), errors="coerce")
    return texts.mask(texts == "")


def export_frame(table: str, texts: dict[str, list[str]], order: tuple[str, ...]) -> pd.DataFrame:
    """The table's rows as text in its contract columns, sorted by ``order`` (each column as its
    contract type compares: text by code point, whole numbers by value; empty cells last), ties
    broken by the other columns in contract order, so the same rows always give the same file."""
    spec = contract.TABLES[table]
    frame = pd.DataFrame({c: pd.Series(texts[c], dtype=object) for c in spec.names}, columns=spec.names)
    by = list(order) + [c for c in spec.names if c not in order]
    keys = pd.DataFrame({i: _sort_key(frame[c], spec.column(c).type) for i, c in enumerate(by)})
    if len(frame):
        keys = keys.sort_values(list(keys.columns), kind="stable", na_position="last")
    return frame.loc[keys.index].reset_index(drop=True)


# --- the database -----------------------------------------------------------------------------
_CREDENTIALS = ("password authentication failed", "no password supplied", "authentication failed",
                "pg_hba.conf", "permission denied for database")
_UNREACHABLE = ("connection refused", "timeout expired", "timed out", "could not translate host name",
                "failed to resolve host", "name or service not known", "no route to host",
                "network is unreachable", "is the server running", "could not connect",
                "server closed the connection unexpectedly", "no such file or directory")


def _connection_problem(message: str, dsn_env: str) -> str:
    """Our sentence for a failed connection, from libpq's ``message`` (never shown: it can name
    the host, the user and the database)."""
    text = message.lower()
    if re.search(r'role "[^"]*" does not exist', text) or any(s in text for s in _CREDENTIALS):
        return (f"the PostgreSQL server refused the credentials in ${dsn_env} (user or password); "
                "they are not shown")
    if re.search(r'database "[^"]*" does not exist', text):
        return f"the database named in ${dsn_env} does not exist on the PostgreSQL server"
    if any(s in text for s in _UNREACHABLE):
        return (f"the PostgreSQL server in ${dsn_env} cannot be reached (refused, timed out or unknown "
                "host): is it running, and are the host and port right?")
    if "ssl" in text:
        return f"the encrypted (SSL) connection to the PostgreSQL server in ${dsn_env} failed"
    return (f"could not connect to the PostgreSQL server in ${dsn_env}; the driver's message is not "
            f"shown because it can hold connection details: try psql \"${dsn_env}\" to see it")


def connect(dsn_env: str = DEFAULT_DSN_ENV) -> psycopg.Connection:
    """A connection to the server whose connection string is in the environment variable
    ``dsn_env``. Raises SnapshotError (never naming the string or its parts) when it is unset,
    malformed, or the server cannot be reached or refuses the credentials."""
    if not _ENV_NAME.match(dsn_env or ""):
        raise SnapshotError("--dsn-env takes the NAME of an environment variable (letters, digits and _) "
                            "that holds the connection string, not the string itself; the value given is not shown")
    dsn = os.environ.get(dsn_env, "")
    if not dsn.strip():
        raise SnapshotError(f"the environment variable {dsn_env} is not set: put the PostgreSQL connection "
                            "string there (it is never read from a file)")
    try:
        params = conninfo_to_dict(dsn)
    except psycopg.Error:
        raise SnapshotError(f"the connection string in ${dsn_env} is not valid (libpq cannot parse it; "
                            "it is not shown)") from None
    params.setdefault("connect_timeout", CONNECT_TIMEOUT_SECONDS)
    params.setdefault("application_name", APPLICATION_NAME)
    try:
        return psycopg.connect(**params)
    except psycopg.Error as exc:
        problem = _connection_problem(str(exc), dsn_env)
    raise SnapshotError(problem)


def _statement_problem(exc: psycopg.Error, source: Source) -> str:
    """Our sentence for a statement that failed while reading ``source``."""
    where = f"{source.name} (mapped to {source.table} in config/{MAPPING_NAME}.yaml)"
    if isinstance(exc, pg_errors.InsufficientPrivilege):
        return f"the database user may not read {where}: permission denied"
    if isinstance(exc, pg_errors.UndefinedTable):
        return f"{where} does not exist in the database"
    if isinstance(exc, pg_errors.UndefinedColumn):
        return f"{where}: a mapped column does not exist"
    if isinstance(exc, pg_errors.QueryCanceled):
        return f"reading {where} was cancelled by the server (a statement timeout?)"
    if isinstance(exc, psycopg.DataError):
        return (f"{where}: a value cannot be read as its type (outside what Python holds, such as an "
                "infinite timestamp): map a view that leaves it out or converts it")
    if isinstance(exc, psycopg.OperationalError):
        return f"the connection to the PostgreSQL server was lost while reading {where}"
    return f"reading {where} failed: {type(exc).__name__} (SQLSTATE {exc.sqlstate or 'none'})"


def _relation_columns(conn: psycopg.Connection, source: Source) -> dict[str, tuple[str, str]] | None:
    """``{column: (kind, type as shown)}`` of the mapped relation, or None when it does not exist."""
    qualified = sql.Identifier(*source.relation).as_string(conn)
    found = conn.execute("SELECT pg_catalog.to_regclass(%s) IS NOT NULL", [qualified]).fetchone()
    if not found[0]:
        return None
    return {name: (kind, shown) for name, kind, shown in conn.execute(_COLUMNS_SQL, [qualified]).fetchall()}


def check_source(source: Source, found: dict[str, tuple[str, str]] | None) -> tuple[list[Column], list[str]]:
    """The selected columns of ``source`` given the relation's columns (``found``; None = no such
    relation), and every problem: a missing relation or column, a type that cannot be converted
    to the contract's, a period column that is not a date or a timestamp."""
    where = f"config/{MAPPING_NAME}.yaml maps {source.table} to {source.name}"
    if found is None:
        return [], [f"{source.name} does not exist in the database or this user cannot see it ({where})"]
    spec = contract.TABLES[source.table]
    columns, problems = [], []
    missing = [f"{db} (for {source.table}.{c})" for c, db in source.columns.items() if db not in found]
    if missing:
        problems.append(f"{source.name} has no column {', '.join(missing)} ({where})")
    for c, db in source.columns.items():
        if db not in found:
            continue
        kind, shown = found[db]
        ctype = spec.column(c).type
        if kind not in CONVERTIBLE[ctype]:
            problems.append(f"{source.name}.{db} is {shown}, which cannot be converted to {source.table}.{c} "
                            f"(a {ctype}: {contract.TYPES[ctype][1]})")
        columns.append(Column(c, ctype, db, kind, shown))
    if source.period is not None:
        if source.period not in found:
            problems.append(f"{source.name} has no column {source.period} (the period column of {source.table}; {where})")
        elif found[source.period][0] not in PERIOD_TYPES:
            problems.append(f"{source.name}.{source.period} is {found[source.period][1]}: the period column of "
                            f"{source.table} must be a date or a timestamp to pick the month or day")
    return columns, problems


def query(source: Source, columns: list[Column]) -> sql.Composed:
    """``SELECT`` of the mapped columns (named as the contract's), within the period when the
    source has a period column: ``start <= period < end``, the bounds bound by the server."""
    fields = []
    for col in columns:
        if col.db_name == col.name:
            fields.append(sql.Identifier(col.db_name))
        else:
            fields.append(sql.SQL("{} AS {}").format(sql.Identifier(col.db_name), sql.Identifier(col.name)))
    text = sql.SQL("SELECT {} FROM {}").format(sql.SQL(", ").join(fields), sql.Identifier(*source.relation))
    if source.period is not None:
        text += sql.SQL(" WHERE {0} >= %(start)s AND {0} < %(end)s").format(sql.Identifier(source.period))
    return text


def bounds(period: Period) -> dict[str, datetime]:
    """The period as a half-open interval of local times: its first midnight and the next one after it."""
    start = datetime.combine(period.start, time(0))
    return {"start": start, "end": datetime.combine(period.last + timedelta(days=1), time(0))}


@dataclass
class Read:
    """One table as read: its rows as contract text, the query as run, and counts."""

    table: str
    frame: pd.DataFrame
    query: str
    parameters: dict
    order: tuple[str, ...]
    fractions_dropped: int = 0
    source: str = ""


@dataclass
class Snapshot:
    """What ``read_tables`` got from the server."""

    reads: dict[str, Read]
    server_version: str
    timezone: str
    taken_at: str
    notes: list[str] = field(default_factory=list)


def read_tables(conn: psycopg.Connection, p: Plan, sources: dict[str, Source], timezone: str | None) -> Snapshot:
    """Read ``p.tables`` in one read-only, repeatable-read transaction (every table from the same
    state of the database), in the entity's ``timezone`` (a ``timestamptz`` is written as its
    local time there). Raises SnapshotError for anything the user must fix: every mapping problem
    of every table at once, in one line."""
    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    conn.read_only = True
    try:
        if timezone:
            conn.execute("SELECT pg_catalog.set_config('TimeZone', %s, true)", [timezone])
    except psycopg.Error:
        raise SnapshotError(f"the entity's timezone {timezone!r} (config/entity.yaml, entity.timezone) is "
                            "not known to the PostgreSQL server") from None
    tz = conn.execute("SELECT pg_catalog.current_setting('TimeZone')").fetchone()[0]
    taken_at = conn.execute(
        "SELECT pg_catalog.to_char(pg_catalog.now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')").fetchone()[0]
    version = conn.execute("SELECT pg_catalog.current_setting('server_version')").fetchone()[0]

    selected, problems = {}, []
    for t in p.tables:
        source = sources[t]
        try:
            found = _relation_columns(conn, source)
        except psycopg.Error as exc:
            raise SnapshotError(_statement_problem(exc, source)) from None
        columns, found_problems = check_source(source, found)
        selected[t] = columns
        problems += found_problems
    if problems:
        raise SnapshotError("; ".join(problems) + "; nothing was written")

    params = bounds(p.period)
    reads = {}
    for t in p.tables:
        source, columns = sources[t], selected[t]
        stmt = query(source, columns)
        args = params if source.period is not None else {}
        try:
            with conn.cursor() as cur:
                cur.execute(stmt, args)
                rows = cur.fetchall()
        except psycopg.Error as exc:
            raise SnapshotError(_statement_problem(exc, source)) from None
        values = list(zip(*rows)) if rows else [()] * len(columns)
        texts, fractions = {}, 0
        for col, vals in zip(columns, values):
            texts[col.name], dropped = column_text(list(vals), col)
            fractions += dropped
        reads[t] = Read(t, export_frame(t, texts, source.order), stmt.as_string(conn),
                        {k: rawcsv.datetime_text(v) for k, v in args.items()}, source.order, fractions, source.name)
    return Snapshot(reads, str(version), str(tz), str(taken_at))


# --- writing ----------------------------------------------------------------------------------
def source_record(p: Plan, snap: Snapshot, config: Config, paths: Paths) -> dict:
    """``source.json``: where the files came from. Never the connection string or its parts."""
    mapping_file = config.config_dir / f"{MAPPING_NAME}.yaml"
    tables = {}
    for t, r in snap.reads.items():
        tables[t] = {
            "file": None if _skipped(r) else f"{t}.csv",
            "source": r.source,
            "query": r.query,
            "parameters": r.parameters,
            "rows": len(r.frame),
            "order": list(r.order),
            "fractions_of_a_second_dropped": r.fractions_dropped,
        }
    return {
        "period": p.period.label,
        "database": "PostgreSQL",
        "server_version": snap.server_version,
        "driver": f"psycopg {psycopg.__version__}",
        "timezone": snap.timezone,
        "transaction": "one read-only repeatable-read transaction: every table from the same state of the database",
        "mapping": {"file": f"config/{MAPPING_NAME}.yaml",
                    "sha256": sha256_file(mapping_file) if mapping_file.is_file() else None},
        "order": "rows sorted by the table's order columns (text by code point), ties by its other columns; "
                 "ingest's line n is row n - 1 of the file in this order (the header is line 1)",
        "tables": tables,
        "volatile": {"snapshot_taken_at": snap.taken_at,
                     "note": "when the server's transaction began (UTC); it differs between two snapshots of the same rows"},
    }


def _skipped(r: Read) -> bool:
    """An optional table with no rows has no file, as a month without such rows has none."""
    return r.table in contract.OPTIONAL_TABLES and r.frame.empty


def _move_in(tmp: Path, folder: Path, names: list[str]) -> None:
    """Put the files ``names`` of ``tmp`` into ``folder``: the whole folder in one rename when
    ``folder`` does not exist yet, otherwise file by file by hard link (which never replaces a
    file), undoing the links already made if one fails."""
    if not folder.exists():
        folder.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(tmp, 0o755)
        os.rename(tmp, folder)
        return
    made = []
    try:
        for name in names:
            os.link(tmp / name, folder / name)
            made.append(folder / name)
    except BaseException:
        for f in made:
            f.unlink(missing_ok=True)
        raise


def write(p: Plan, snap: Snapshot, record: dict, paths: Paths) -> list[Path]:
    """Write the files and ``source.json`` into ``p.folder``, all or nothing; the paths written."""
    paths.raw.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".snapshot-{p.period.label}-", dir=paths.raw))
    try:
        names = []
        for t, r in snap.reads.items():
            if _skipped(r):
                continue
            rawcsv.write_csv(r.frame, tmp / f"{t}.csv", contract.TABLES[t].names)
            names.append(f"{t}.csv")
        (tmp / SOURCE_RECORD).write_bytes(canonical_json(record))
        names.append(SOURCE_RECORD)
        _refuse_conflicts(p, paths)   # again: someone may have written while we read
        _move_in(tmp, p.folder, names)
    except FileExistsError as exc:
        raise SnapshotError(f"{paths.rel(Path(exc.filename2 or exc.filename))} appeared while the snapshot "
                            "was being written: raw files are never overwritten; nothing was written") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return [p.folder / n for n in names]


@dataclass
class SnapshotResult:
    period: str
    folder: str                      # relative to the root
    files: list[str]                 # relative to the root
    rows: dict[str, int]
    server_version: str
    fractions_dropped: int

    def report(self) -> str:
        rows = ", ".join(f"{t} {n:,}" for t, n in self.rows.items())
        text = (f"snapshot {self.period}: {len(self.files) - 1} files and {SOURCE_RECORD} in {self.folder}/ "
                f"from PostgreSQL {self.server_version.split()[0]} ({rows} rows). Next: goldbook ingest "
                f"{self.period}")
        if self.fractions_dropped == 1:
            text += ". 1 timestamp had a fraction of a second, dropped: the contract writes times to the second"
        elif self.fractions_dropped:
            text += (f". {self.fractions_dropped:,} timestamps had fractions of a second, dropped: the contract "
                     "writes times to the second")
        return text


def take(label: str, *, dsn_env: str = DEFAULT_DSN_ENV, root=None) -> SnapshotResult:
    """Snapshot period ``label`` (a month or a day) from the PostgreSQL server in ``$dsn_env``
    into ``data/raw/``. Raises SnapshotError (one line, nothing written) for a user's problem,
    ConfigError for a bad mapping and PeriodError for a bad label."""
    paths = get_paths(root)
    config = load_config(paths.root)
    sources = mapping(config)
    p = plan(label, config, paths.root)
    _refuse_conflicts(p, paths)
    timezone = (config.raw.get("entity") or {}).get("timezone")
    with connect(dsn_env) as conn:
        snap = read_tables(conn, p, sources, timezone)
    record = source_record(p, snap, config, paths)
    written = write(p, snap, record, paths)
    return SnapshotResult(p.period.label, paths.rel(p.folder), [paths.rel(f) for f in written],
                          {t: len(r.frame) for t, r in snap.reads.items()}, snap.server_version,
                          sum(r.fractions_dropped for r in snap.reads.values()))

