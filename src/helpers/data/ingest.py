"""Ingest: read a month's raw files, validate them against the contract, write the processed store.

All or nothing. Every problem in the month (and in the initiatives registry) is collected
lazily and returned in ONE report: the count per file and rule first, then the first few
examples of each rule, each naming the file (relative to the root), the line as a spreadsheet
shows it (header = line 1), the column, the value and the rule in plain words. A rejected month
writes nothing to the store; the full list goes to ``reports/.ingest/<month>-problems.csv``.
An accepted month is written atomically (temporary folder, then rename) as typed, deterministic
Parquet plus ``_ingest.json`` (each raw file's path, sha256 and rows, and the timestamps moved
for clock skew, if any) and a copy of each raw file (``_originals/``, ``data.originals``).
Re-ingesting unchanged raw files is a no-op; a changed raw file replaces the month and the
report names the changed files (a correction) and where the version it replaces is kept
(``data/raw/.superseded/``). A correction is first checked against every later ingested month
(the corrections cascade): one that takes away a ticket a later survey names, or a message still
open that a later month closes, is refused with the later file and line, and writes nothing.

Only the tables the entity declares are read (``contract.provided_tables``); a small clock
inversion between ticket timestamps is settled before storing (``contract.settle_clock_skew``).

User errors are reported, never raised. Disk or programming errors do raise.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute  # noqa: F401 - pa.compute
import pyarrow.parquet as pq

from ..base.config import ConfigError, load_config
from ..base.files import (
    canonical_json,
    clean_leftovers,
    link_tree,
    remove_dir,
    replace_dir,
    sha256_bytes,
    sha256_file,
    write_atomic,
)
from ..base.paths import Paths, get_paths
from . import contract, originals, readers, store
from .ingest_report import (
    IngestResult,
    Problem,
    file_problem,
    problems_csv,
    problems_path,
)

SUFFIXES = (".csv", ".xlsx")
REGISTRY_STEM = "initiatives"
OPEN_STATUSES = ("open", "in_progress")
NATIONAL_ID_SHOWN = "(9 digits, not shown)"
CONFIG_FILE = "config/entity.yaml"


# --- reading ----------------------------------------------------------------------------------
@dataclass
class _Read:
    table: str
    path: Path
    rel: str
    sha256: str
    raw: pd.DataFrame | None = None     # normalised strings, index = spreadsheet line
    typed: pd.DataFrame | None = None
    problems: list[Problem] = field(default_factory=list)
    clock_skew: dict[str, int] = field(default_factory=dict)  # stamps moved per column
    copy: Future | None = None          # the gzip of the bytes read, for the originals (``_keep_originals``)


# Work that releases the GIL (gzip, sorting and Parquet encoding) runs on a second core while
# the rows are checked. Its jobs never wait for one another, so a full pool only delays them.
_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _background() -> ThreadPoolExecutor:
    global _POOL
    with _POOL_LOCK:  # a national refresh ingests several entities at once, in threads
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="ingest")
        return _POOL


def _read(table: str, path: Path, paths: Paths, keep: bool = False) -> _Read:
    """Read raw file ``path`` of ``table``: its sha256, its cells and the problems of reading
    them. The hash, the cells and (with ``keep``, for a file to be stored) the copy kept in the
    originals all come from one reading of the bytes; the copy is compressed in the background."""
    rel = paths.rel(path)
    data = path.read_bytes()
    out = _Read(table, path, rel, sha256_bytes(data))
    if keep:
        out.copy = _background().submit(originals.gzip_bytes, data)
    if path.suffix.lower() == ".xlsx":
        header, body, problems = readers.read_xlsx(path, rel, table)
    else:
        header, body, problems = readers.read_csv(path, rel, data)
    del data
    out.problems += problems  # short lines are left out of ``body``: refused once, not again per cell
    if header is None:
        return out
    spec = contract.TABLES[table]
    keep, seen = [], set()
    for i, name in enumerate(header):
        name = name.strip()
        if name == "" and (body[i].fillna("").str.strip() == "").all():
            continue  # a trailing empty column, as spreadsheets often save
        if name in seen:
            out.problems.append(file_problem(rel, "column.twice", line=1, column=name, value=name))
        elif name not in spec.names:
            out.problems.append(file_problem(rel, "column.unknown", line=1, column=name, value=name,
                                              extra=f"expected: {', '.join(spec.names)}"))
        else:
            keep.append((i, name))
        seen.add(name)
    for name in spec.names:
        if name not in seen:
            out.problems.append(file_problem(rel, "column.missing", line=1, column=name))
    raw = body[[i for i, _ in keep]].copy()
    raw.columns = [n for _, n in keep]
    raw = contract.normalise(table, raw)
    # a blank line is not a row, but it still counts for the line numbers after it
    out.raw = raw[raw.notna().any(axis=1).to_numpy()] if len(raw.columns) else raw.iloc[0:0]
    return out


def _read_all(files: dict[str, Path], paths: Paths) -> dict[str, _Read]:
    """``_read`` of each table's file, to be stored (``keep``), two files at once: Arrow parses
    and trims without the GIL."""
    pending = {t: _background().submit(_read, t, p, paths, True) for t, p in files.items()}
    return {t: job.result() for t, job in pending.items()}


# --- validating -------------------------------------------------------------------------------
def _problems(read: _Read, violations: pd.DataFrame, skew_seconds: int) -> list[Problem]:
    out = []
    if violations.empty:
        return out
    for (column, rule_id), group in violations.groupby(["column", "rule"], sort=False):
        rule = contract.RULES[rule_id]
        sentence = rule.text(skew_seconds)
        values = read.raw.loc[group["line"].to_numpy(), column].tolist()
        for line, value, detail in zip(group["line"].tolist(), values, group["detail"].tolist()):
            shown = "" if value is None or value != value else str(value)
            if rule.kind == "not_national_id":
                shown = NATIONAL_ID_SHOWN
            out.append(Problem(read.rel, int(line), column, shown, sentence, rule_id, detail))
    return out


def _validate(read: _Read, ctx: contract.Context) -> None:
    if read.raw is None:
        return
    read.typed, violations = contract.validate(read.table, read.raw, ctx)
    read.problems += _problems(read, violations, contract.clock_skew_seconds(ctx.config))


def _sort_key(problem: Problem, order: dict[tuple[str, str], int]):
    table = Path(problem.file).stem
    return (problem.file, problem.line or 0, order.get((table, problem.column), -1), problem.rule)


def _sorted(problems: list[Problem]) -> list[Problem]:
    order = {(t.name, c.name): i for t in contract.TABLES.values() for i, c in enumerate(t.columns)}
    return sorted(problems, key=lambda p: _sort_key(p, order))


# ids of processed months, by the sha256 of their Parquet file: ingest checks each month against
# all the others, and reading them all again for every month is quadratic
_IDS: dict[tuple[str, str], pa.Array] = {}
_IDS_KEPT = 600


def _month_ids(path: Path, column: str, open_only: bool = False) -> pa.Array:
    """The ``column`` values of one processed month (only feedback still open at its end when
    ``open_only``)."""
    data = path.read_bytes()  # hashed and parsed from the same bytes
    key = (sha256_bytes(data), column, open_only)
    if key not in _IDS:
        table = pq.read_table(pa.BufferReader(data), columns=[column] + (["status"] if open_only else []))
        ids = table.column(column)
        if open_only:
            ids = ids.filter(pa.compute.is_in(table.column("status"), value_set=pa.array(OPEN_STATUSES)))
        ids = ids.combine_chunks()
        if len(_IDS) >= _IDS_KEPT:
            _IDS.pop(next(iter(_IDS)))
        _IDS[key] = ids.cast(pa.large_string())
    return _IDS[key]


def _stored_ids(table: str, column: str, month: str, root, open_only: bool = False) -> pd.Series:
    """Month of every ``column`` value of ``table`` in the OTHER processed months (index: the id);
    with ``open_only``, only feedback still open at the end of its month. A month of day drops
    counts with all its days."""
    parts = [(m, f) for m in store.months(root) if m != month for f in store.stored_files(table, m, root)]
    return _labelled_ids(parts, column, open_only)


def _labelled_ids(parts: list[tuple[str, Path]], column: str, open_only: bool = False) -> pd.Series:
    """The label of every ``column`` value in the Parquet files ``parts`` ((label, path) pairs),
    indexed by the value; the first label wins for a value in several files."""
    if not parts:
        return pd.Series([], index=pd.Index([], dtype="str"), dtype="str")
    arrays = [_month_ids(f, column, open_only) for _, f in parts]
    names = [label for label, _ in parts]
    codes = pa.array(np.repeat(np.arange(len(parts), dtype=np.int32), [len(a) for a in arrays]))
    labels = pa.DictionaryArray.from_arrays(codes, pa.array(names, pa.large_string())).cast(pa.large_string())
    ids = pd.Index(pd.arrays.ArrowStringArray(pa.concat_arrays(arrays)), dtype="str")
    out = pd.Series(pd.arrays.ArrowStringArray(labels), index=ids, dtype="str")
    return out if ids.is_unique else out[~ids.duplicated(keep="first")]


def _stored_tickets(month: str, root) -> pd.Series:
    """Month of every ticket id in the OTHER processed months (index ticket_id)."""
    return _stored_ids("tickets", "ticket_id", month, root)


def _take_file(entry: Path, provided: tuple[str, ...], found: dict[str, Path], paths: Paths) -> list[Problem]:
    """Add table file ``entry`` to ``found``; or the problem: its table is not declared, or is
    already in ``found`` (a .csv and an .xlsx)."""
    stem = entry.stem
    if stem not in provided:
        return [file_problem(paths.rel(entry), "file.undeclared", value=entry.name, extra=f"{stem} is not declared")]
    if stem in found:
        return [file_problem(paths.rel(entry), "file.twice", extra=f"also {found[stem].name}")]
    found[stem] = entry
    return []


def _month_files(folder: Path, paths: Paths, provided: tuple[str, ...],
                 day_files: dict[str, list[Path]] | None = None) -> tuple[dict[str, Path], list[Problem]]:
    """The file of each ``provided`` table in the month folder, and the problems: a declared
    table's file missing, a table in two files, a file of a table the entity does not declare,
    a file that is no table. Day folders (``YYYY-MM-DD``) are read by ``_day_layout``; with
    ``day_files`` (a month of day drops: each day table's day files) a month file of a table
    that also has day files is refused (``file.both``), and only the roster must be there: the
    day tables come day by day and the self-assessment at the month's end."""
    found: dict[str, Path] = {}
    problems = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith((".", "~$")) or entry.name == "source.json":
            continue  # hidden files, Excel's lock files and a database snapshot's record (data.snapshot) are not data
        if entry.is_dir() and store.DAY_RE.match(entry.name):
            continue  # a day drop
        stem, suffix = entry.stem, entry.suffix.lower()
        if entry.is_file() and suffix in SUFFIXES and stem in contract.MONTH_TABLES:
            if day_files and day_files.get(stem):
                shown = [paths.rel(f) for f in day_files[stem]]
                problems.append(file_problem(paths.rel(entry), "file.both", value=entry.name, extra=(
                    f"also day files {', '.join(shown[:3])}" + (f" and {len(shown) - 3} more" if len(shown) > 3 else ""))))
            else:
                problems += _take_file(entry, provided, found, paths)
        else:
            problems.append(file_problem(paths.rel(entry), "file.unknown", value=entry.name))
    for table in provided:
        later = day_files is not None and table != store.ROSTER  # a month of day drops
        if table not in found and table not in contract.OPTIONAL_TABLES and not later:
            problems.append(file_problem(paths.rel(folder / f"{table}.csv"), "file.missing",
                                          extra=f"no {table}.csv or {table}.xlsx"))
    return found, problems


def _registry_file(paths: Paths) -> tuple[Path | None, list[Problem]]:
    candidates = [paths.raw / f"{REGISTRY_STEM}{s}" for s in SUFFIXES]
    present = [p for p in candidates if p.is_file()]
    if len(present) > 1:
        return None, [file_problem(paths.rel(present[1]), "file.twice", extra=f"also {present[0].name}")]
    return (present[0] if present else None), []


def _roster(read: _Read | None) -> pd.DataFrame | None:
    if read is None or read.typed is None or not {"employee_id", "role"} <= set(read.typed.columns):
        return None
    return read.typed[["employee_id", "role"]]


# --- writing ----------------------------------------------------------------------------------
def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Deterministic Parquet: fixed column order and dtypes, no index, no timestamps in metadata."""
    table = pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)
    pq.write_table(table, path, compression="zstd", use_dictionary=True, write_statistics=True)


def _write_tables(reads: list[_Read], folder: Path) -> None:
    """The processed Parquet file of each of ``reads`` in ``folder``, sorted and encoded two at
    a time (Arrow sorts and encodes without the GIL); returns when all are written, and raises
    what any of them raised."""
    def write(r: _Read) -> None:
        _write_parquet(_processed_frame(r), folder / f"{r.table}.parquet")

    for job in [_background().submit(write, r) for r in reads]:
        job.result()


def _processed_frame(read: _Read) -> pd.DataFrame:
    spec = contract.TABLES[read.table]
    frame = contract.typed_frame(read.table, read.typed)
    if _in_key_order(frame, spec.key):  # as exports usually are: the stable sort would change nothing
        return frame.reset_index(drop=True)
    return frame.sort_values(list(spec.key), kind="stable").reset_index(drop=True)


def _in_key_order(frame: pd.DataFrame, key: tuple[str, ...]) -> bool:
    """Whether the rows already are in the order of a one-column text ``key`` with no nulls
    (each value at most the next; Arrow compares the bytes, as the sort does)."""
    if len(key) != 1 or len(frame) < 2 or frame[key[0]].dtype != "str" or frame[key[0]].hasnans:
        return False
    ids = pa.array(frame[key[0]].array)
    ids = ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids
    return bool(pa.compute.all(pa.compute.less_equal(ids[:-1], ids[1:])).as_py())


def _file_entry(read: _Read, skew_seconds: int) -> dict:
    entry = {"table": read.table, "path": read.rel, "sha256": read.sha256, "rows": len(read.raw)}
    if read.clock_skew:  # only then: a month without skew keeps the record it always had
        entry["clock_skew"] = {"tolerance_seconds": skew_seconds, "moved": dict(read.clock_skew)}
    return entry


def _recorded_clock_skew(record: dict) -> tuple[dict[str, dict[str, int]], int | None]:
    """The stamps moved at the last ingest, per table and column, and the tolerance then."""
    moved, seconds = {}, None
    for f in record.get("files", []):
        if "clock_skew" in f:
            moved[f["table"]] = f["clock_skew"]["moved"]
            seconds = f["clock_skew"]["tolerance_seconds"]
    return moved, seconds


# --- originals: the raw file versions ingested ------------------------------------------------
def _keep_originals(reads: list[_Read], tmp: Path, target: Path) -> None:
    """Copies of the raw files of ``reads`` in the folder ``tmp`` being filled for ``target``
    (``originals.keep``: linked from ``target``'s copies when it holds them already). A new copy
    is the gzip ``_read`` made of the very bytes it hashed and parsed, when it made one."""
    for r in reads:
        name = originals.copy_name(r.path.name, r.sha256)
        if r.copy is None or (target / originals.ORIGINALS_DIR / name).is_file():
            originals.keep(r.path, r.sha256, tmp, target)
            continue
        copy = tmp / originals.ORIGINALS_DIR / name
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_bytes(r.copy.result())


def _gone(before: list[dict], now: list[dict]) -> list[tuple[str, str]]:
    """(path, sha256) of every file version recorded in ``before`` and not in ``now``: the
    versions a correction replaced or removed."""
    kept = {(f["path"], f["sha256"]) for f in now}
    return [(f["path"], f["sha256"]) for f in before if (f["path"], f["sha256"]) not in kept]


def _supersede(versions: list[tuple[str, str]], paths: Paths, superseded: list[dict], notes: list[str]) -> None:
    """Keep the ingested copy of each replaced version under data/raw/.superseded/
    (``originals.supersede``), or say that none was kept."""
    for rel, sha in versions:
        kept = originals.supersede(rel, sha, paths)
        if kept is not None:
            superseded.append(kept)
        else:
            notes.append(f"No copy of the previous version of {rel} (sha256 {sha[:12]}) was kept: "
                         f"it was ingested before ingest kept the originals.")


def _backfill(entries: list[tuple[str, str]], paths: Paths, notes: list[str]) -> None:
    """Keep the copies a store ingested before ingest kept originals lacks (``originals.backfill``)."""
    written = originals.backfill(entries, paths)
    if written:
        notes.append(f"Kept a copy of {len(written)} raw file(s) as ingested, which an earlier ingest had not kept "
                     f"(under {Path(written[0]).parent.as_posix()}/).")


def _recorded_files(record: dict | None) -> list[tuple[str, str]]:
    return [(f["path"], f["sha256"]) for f in (record or {}).get("files", [])]


# --- the corrections cascade ------------------------------------------------------------------
# A correction can take away what the rows of a later month name: a ticket its surveys answer
# (surveys.ticket_id.known_ticket), a message still open that its feedback_updates close
# (feedback_updates.feedback_id.earlier_feedback). Those two rules are checked again for every
# later month before anything is written. Ticket ids unique across months need no second look:
# the corrected month itself is checked against every other month.
CASCADE_RULES = ("surveys.ticket_id.known_ticket", "feedback_updates.feedback_id.earlier_feedback")
_NAMES = {"surveys": "ticket_id", "feedback_updates": "feedback_id"}


@dataclass
class _Correction:
    """What a correction of ``month`` (or of its day drop ``day``) takes away from the later
    months, and the ids it leaves: its tickets and its messages still open, after it."""

    month: str
    day: str | None
    tickets: pd.Index        # ticket ids of the month after the correction
    open_feedback: pd.Index  # messages of the month still open after the correction
    removed: pd.Index        # ticket ids gone
    lost: pd.Index           # open messages gone (removed, or now closed)
    day_tickets: pd.Index | None = None  # the corrected day drop's ticket ids after it

    @property
    def label(self) -> str:
        return self.day or self.month


def _index(values) -> pd.Index:
    return pd.Index(pd.Series(values, dtype="str").dropna().unique(), dtype="str")


def _typed_ids(read: _Read | None, column: str, open_only: bool = False) -> pd.Index:
    """The ``column`` values of a validated read (only messages still open with ``open_only``)."""
    if read is None or read.typed is None or column not in read.typed.columns:
        return _index([])
    frame = read.typed
    if open_only:
        frame = frame[frame["status"].isin(OPEN_STATUSES).fillna(False).to_numpy(dtype=bool)]
    return _index(frame[column])


def _parts_ids(parts: list[tuple[str, Path]], column: str, open_only: bool = False) -> pd.Index:
    return _index(_labelled_ids(parts, column, open_only).index)


def _correction(month: str, day: str | None, reads: dict[str, _Read], root, keep_days: bool) -> _Correction:
    """The correction of ``month`` (the day drop ``day`` of it, when given) that ``reads`` make,
    against what the store holds. ``keep_days``: a month of day drops whose stored days stay."""
    folder = get_paths(root).processed / month
    if day is not None:
        old = {t: [(day, folder / store.DAYS_DIR / day / f"{t}.parquet")] for t in ("tickets", "feedback")}
        old = {t: [p for p in parts if p[1].is_file()] for t, parts in old.items()}
        others = {t: _other_drops(month, day, t, root) for t in ("tickets", "feedback")}
    else:
        old = {t: [(month, f) for f in store.stored_files(t, month, root)] for t in ("tickets", "feedback")}
        others = {t: _other_drops(month, "", t, root) if keep_days else [] for t in ("tickets", "feedback")}
    if not old["tickets"] and not old["feedback"]:  # nothing stored yet: nothing to take away
        return _Correction(month, day, _index([]), _index([]), _index([]), _index([]))
    new_tickets = _typed_ids(reads.get("tickets"), "ticket_id")
    new_open = _typed_ids(reads.get("feedback"), "feedback_id", open_only=True)
    removed = _parts_ids(old["tickets"], "ticket_id").difference(new_tickets)
    lost = _parts_ids(old["feedback"], "feedback_id", open_only=True).difference(new_open)
    if day is None and keep_days:  # the day tables stay as stored: nothing of theirs goes
        removed = removed.difference(_parts_ids(others["tickets"], "ticket_id"))
        lost = lost.difference(_parts_ids(others["feedback"], "feedback_id", open_only=True))
    month_tickets = new_tickets.append(_parts_ids(others["tickets"], "ticket_id")) if others["tickets"] else new_tickets
    month_open = new_open.append(_parts_ids(others["feedback"], "feedback_id", open_only=True)) \
        if others["feedback"] else new_open
    return _Correction(month, day, month_tickets, month_open, removed, lost,
                       new_tickets if day is not None else None)


def _table_entry(record: dict | None, table: str) -> dict | None:
    return next((f for f in (record or {}).get("files", []) if f["table"] == table), None)


def _later_files(c: _Correction, root) -> list[tuple[str, str, Path, dict]]:
    """(label, table, stored Parquet file, its raw file's record entry) of every stored survey
    and closings file after the corrected month (after the corrected day, for a day drop: the
    month's later days too), oldest first."""
    paths = get_paths(root)
    out = []

    def drops(month: str, after: str = "") -> None:
        for d in store.day_drops(month, root):
            entry = _table_entry(store.day_record(d, root), "surveys")
            stored = paths.processed / month / store.DAYS_DIR / d / "surveys.parquet"
            if d > after and entry is not None and stored.is_file():
                out.append((d, "surveys", stored, entry))

    if c.day is not None:
        drops(c.month, c.day)
    for m in store.months(root):
        if m <= c.month:
            continue
        record = store.ingest_record(m, root)
        days = (record or {}).get("drops") == "days"
        for table in _NAMES:
            if table == "surveys" and days:
                drops(m)
                continue
            entry, stored = _table_entry(record, table), paths.processed / m / f"{table}.parquet"
            if entry is not None and stored.is_file():
                out.append((m, table, stored, entry))
    return out


def _earlier_ids(table: str, column: str, before: str, c: _Correction, replacement: pd.Index, root,
                 open_only: bool = False) -> pd.Series:
    """Month of every ``column`` value of ``table`` in the stored months before month ``before``,
    with the corrected month as it is after the correction (``replacement``)."""
    pieces = []
    for m in store.months(root):
        if m >= before:
            break
        if m == c.month:
            pieces.append(pd.Series(m, index=replacement, dtype="str"))
        else:
            pieces.append(_labelled_ids([(m, f) for f in store.stored_files(table, m, root)], column, open_only))
    if not pieces:
        return pd.Series([], index=pd.Index([], dtype="str"), dtype="str")
    out = pd.concat(pieces)
    return out[~out.index.duplicated(keep="first")]


def _own_tickets(label: str, c: _Correction, root) -> pd.Index:
    """The ticket ids a survey file of ``label`` may name in its own month: the month's tickets;
    of a day drop, those of the drops up to that day (the corrected day's as corrected)."""
    month = label[:7]
    folder = get_paths(root).processed / month
    if len(label) == 7:
        return _parts_ids([(month, f) for f in store.stored_files("tickets", month, root)], "ticket_id")
    parts = [(d, folder / store.DAYS_DIR / d / "tickets.parquet") for d in store.day_drops(month, root)
             if d <= label and d != c.day]
    own = _parts_ids([p for p in parts if p[1].is_file()], "ticket_id")
    return own.append(c.day_tickets) if c.day is not None and month == c.month and c.day <= label else own


def _recheck(label: str, table: str, entry: dict, c: _Correction, paths: Paths, root, config) -> list[Problem]:
    """The cross-month problems of the raw file ``entry`` of ``label`` read again against the
    correction ``c`` (the file is as it was ingested: its hash was checked)."""
    month = label[:7]
    read = _read(table, paths.root / entry["path"], paths)
    if table == "surveys":
        ctx = contract.Context(config, month, month_tickets=_own_tickets(label, c, root),
                               stored_tickets=_earlier_ids("tickets", "ticket_id", month, c, c.tickets, root))
        gone, why = c.removed, f"no longer a ticket of {c.label} after its correction"
    else:
        ctx = contract.Context(config, month, stored_feedback=_earlier_ids(
            "feedback", "feedback_id", month, c, c.open_feedback, root, open_only=True))
        gone, why = c.lost, f"no longer an open message of {c.label} after its correction"
    _validate(read, ctx)
    found = [p for p in read.problems if p.rule_id in CASCADE_RULES]
    return [replace(p, detail=why) if p.value in gone else p for p in found]


def _cascade(c: _Correction, paths: Paths, root, config) -> tuple[list[Problem], list[str]]:
    """The problems the correction ``c`` makes in the later months, each in the later file and
    line; and notes: what was checked, and the later raw files changed since their ingest (they
    are checked when their month is ingested again). Only a later file that names something the
    correction took away is read again, from raw; the others are looked up in the store."""
    if c.removed.empty and c.lost.empty:
        return [], []
    problems, notes, checked = [], [], set()
    for label, table, stored, entry in _later_files(c, root):
        gone = c.removed if table == "surveys" else c.lost
        if gone.empty:
            continue
        raw = paths.root / entry["path"]
        if not raw.is_file() or sha256_file(raw) != entry["sha256"]:
            notes.append(f"{entry['path']} changed since {label} was ingested: it is checked against the "
                         f"correction of {c.label} when {label[:7]} is ingested again.")
            continue
        checked.add(label[:7])
        named = _month_ids(stored, _NAMES[table])
        wanted = pa.array(gone.to_numpy(dtype=object), pa.large_string())
        if pa.compute.any(pa.compute.is_in(named, value_set=wanted)).as_py():
            problems += _recheck(label, table, entry, c, paths, root, config)
    if problems:
        later = sorted({Path(p.file).parent.as_posix() for p in problems})
        notes.append(f"The correction of {c.label} takes away tickets or open messages that later months name "
                     f"({', '.join(later)}): it is refused, and nothing was written. Correct those files too, "
                     f"then ingest again, oldest month first.")
    elif checked:
        notes.append(f"The correction of {c.label} takes away {len(c.removed):,} ticket(s) and "
                     f"{len(c.lost):,} open message(s): no later month names them "
                     f"({len(checked)} month(s) checked).")
    return problems, notes


# --- the public entry points -----------------------------------------------------------------
def _rejected(month: str, problems: list[Problem], notes=()) -> IngestResult:
    return IngestResult(month, False, "rejected", _sorted(problems), notes=list(notes))


def _config_problem(exc: ConfigError) -> Problem:
    return Problem(CONFIG_FILE, None, "", "", str(exc), "config")


def _unchanged_result(month: str, previous: dict, paths: Paths, reg_previous: dict | None) -> IngestResult:
    """A month whose raw files (and the registry) are as ingested: nothing is written but the
    copies of the originals an older store lacks (``_backfill``)."""
    moved, seconds = _recorded_clock_skew(previous)
    notes: list[str] = []
    registry = [(reg_previous["path"], reg_previous["sha256"])] if reg_previous else []
    _backfill(_recorded_files(previous) + registry, paths, notes)
    return IngestResult(month, True, "unchanged", rows={f["table"]: f["rows"] for f in previous["files"]},
                        notes=notes, clock_skew=moved, clock_skew_seconds=seconds)


def _unchanged(previous: dict, files: dict[str, Path], reg_path: Path | None, paths: Paths) -> bool:
    """Whether the month's raw files and the registry hash as recorded at the last ingest."""
    recorded = {f["path"]: f["sha256"] for f in previous.get("files", [])}
    if recorded != {paths.rel(p): sha256_file(p) for p in files.values()}:
        return False
    record = paths.processed / store.REGISTRY_DIR / store.INGEST_RECORD
    if reg_path is None or not record.is_file():
        return reg_path is None and not record.is_file()
    reg = json.loads(record.read_text(encoding="utf-8"))
    return reg.get("path") == paths.rel(reg_path) and reg.get("sha256") == sha256_file(reg_path)


def _is_month(label: str) -> bool:
    return bool(store.MONTH_RE.match(label)) and 1 <= int(label[5:7]) <= 12


def _is_day(label: str) -> bool:
    if not store.DAY_RE.match(label):
        return False
    try:
        date.fromisoformat(label)
    except ValueError:
        return False
    return True


# --- day drops --------------------------------------------------------------------------------
def _day_layout(folder: Path, month: str, paths: Paths,
                provided: tuple[str, ...]) -> tuple[dict[str, dict[str, Path]], list[Problem]]:
    """The day drops of a month folder (day → table → file), oldest first, and the problems: a
    day folder not named after a real day of the folder's month, a file in it that is not a
    day table's, a table twice, a table the entity does not declare."""
    drops: dict[str, dict[str, Path]] = {}
    problems = []
    for sub in sorted(folder.iterdir()):
        if not (sub.is_dir() and store.DAY_RE.match(sub.name)):
            continue
        rel = paths.rel(sub)
        if not _is_day(sub.name) or sub.name[:7] != month:
            why = "not a real day" if not _is_day(sub.name) else f"a day of {sub.name[:7]}, not of {month}"
            problems.append(file_problem(rel, "folder.day", value=sub.name, extra=why))
            continue
        found: dict[str, Path] = {}
        for entry in sorted(sub.iterdir()):
            if entry.name.startswith((".", "~$")) or entry.name == "source.json":
                continue  # as in a month folder: a database snapshot's record is not data
            stem, suffix = entry.stem, entry.suffix.lower()
            if not (entry.is_file() and suffix in SUFFIXES and stem in contract.DAY_TABLES):
                problems.append(file_problem(paths.rel(entry), "folder.day", value=entry.name,
                                              extra="a day drop holds only tickets, surveys and feedback"))
            else:
                problems += _take_file(entry, provided, found, paths)
        drops[sub.name] = found
    return drops, problems


def _drop_unchanged(record: dict | None, files: dict[str, Path], roster: dict | None, paths: Paths) -> bool:
    """Whether a day drop's raw files and the roster it was checked against hash as recorded."""
    if record is None or record.get("roster") != roster:
        return False
    return {f["path"]: f["sha256"] for f in record.get("files", [])} == {paths.rel(p): sha256_file(p)
                                                                         for p in files.values()}


def _roster_entry(month: str, root) -> dict | None:
    record = store.ingest_record(month, root) or {}
    return next(({"path": f["path"], "sha256": f["sha256"]} for f in record.get("files", [])
                 if f["table"] == store.ROSTER), None)


def _ingest_drops(month: str, drops: dict[str, dict[str, Path]], files: dict[str, Path], paths: Paths, root,
                  config, skew_seconds: int, upto: str | None) -> IngestResult:
    """A month of day drops: its month files first (``_ingest_files``, the roster among them),
    then each day drop up to ``upto`` (all when None) that is new or changed, oldest first,
    each checked against everything stored before it and stored on its own. Without ``upto``
    a stored day whose drop is gone from data/raw/ is removed. Stops at the first rejected drop
    (the drops before it stay stored) and returns its result; else one result for the month."""
    provided = contract.provided_tables(config)
    monthly = _ingest_files(month, files, [], paths, root, config, provided, skew_seconds, by_days=True)
    if not monthly.ok:
        return monthly
    roster = _roster_entry(month, root)
    notes = list(monthly.notes)
    written, changed = list(monthly.written), list(monthly.changed)
    superseded = list(monthly.superseded)
    statuses = [monthly.status]
    clock_skew: dict[str, dict[str, int]] = {}
    if upto is None:
        for day in store.day_drops(month, root):
            if day not in drops:
                _supersede(_recorded_files(store.day_record(day, root)), paths, superseded, notes)
                remove_dir(paths.processed / month / store.DAYS_DIR / day)
                notes.append(f"Day drop {day} is gone from {paths.rel(paths.month_raw(month))}/: removed its stored copy.")
                statuses.append("corrected")
    done = []
    for day in [d for d in drops if upto is None or d <= upto]:
        previous = store.day_record(day, root)
        if _drop_unchanged(previous, drops[day], roster, paths):
            _backfill(_recorded_files(previous), paths, notes)
            continue
        result = _ingest_drop(day, drops[day], previous, roster, paths, root, config, skew_seconds)
        if not result.ok:
            if done:
                result.notes.append(f"The day drops before it were stored: {', '.join(done)}.")
            result.superseded = superseded + result.superseded
            return result
        done.append(day)
        statuses.append(result.status)
        written += result.written
        changed += result.changed
        superseded += result.superseded
        notes += result.notes
        for table, moved in result.clock_skew.items():
            for column, n in moved.items():
                clock_skew.setdefault(table, {}).setdefault(column, 0)
                clock_skew[table][column] += n
    status = "corrected" if "corrected" in statuses else "written" if "written" in statuses else "unchanged"
    rows = {f["table"]: f["rows"] for f in (store.ingest_record(month, root) or {}).get("files", [])}
    days = [d for d in store.day_drops(month, root) if upto is None or d <= upto]
    for day in days:
        for f in (store.day_record(day, root) or {}).get("files", []):
            rows[f["table"]] = rows.get(f["table"], 0) + f["rows"]
    rows = {t: rows[t] for t in contract.MONTH_TABLES if t in rows}
    if days:
        notes.insert(0, f"Day drops stored: {days[0]} … {days[-1]} ({len(days)})"
                        + (f"; ingested now: {', '.join(done)}." if done else "; none new."))
    if "self_assessment" in provided and "self_assessment" not in files:
        notes.append("No self_assessment file yet: it comes with the month's end, as a month file.")
    return IngestResult(upto or month, True, status, [], written, changed, rows, notes, clock_skew,
                        skew_seconds if clock_skew else monthly.clock_skew_seconds, superseded=superseded)


def _other_drops(month: str, day: str, table: str, root) -> list[tuple[str, Path]]:
    """(day, file) of ``table`` for every OTHER stored day drop of ``month``."""
    folder = get_paths(root).processed / month / store.DAYS_DIR
    return [(d, folder / d / f"{table}.parquet") for d in store.day_drops(month, root)
            if d != day and (folder / d / f"{table}.parquet").is_file()]


def _ingest_drop(day: str, files: dict[str, Path], previous: dict | None, roster: dict | None, paths: Paths, root,
                 config, skew_seconds: int) -> IngestResult:
    """Validate one day drop against the contract, the month's roster and every stored drop
    (ticket ids unique across all months and days, surveys' tickets in this or an earlier day
    or month, ids unique across the month's days, rows dated inside the day), then store it."""
    month = day[:7]
    reads = _read_all({t: files[t] for t in contract.DAY_TABLES if t in files}, paths)
    staff = store.read_month(store.ROSTER, month, root=root, columns=["employee_id", "role"])
    stored = pd.concat([_stored_tickets(month, root),
                        _labelled_ids(_other_drops(month, day, "tickets", root), "ticket_id")])
    stored = stored[~stored.index.duplicated(keep="first")]
    earlier = stored.index[(stored.str.len() == 10) & (stored < day)]  # this month's earlier days
    ctx = contract.Context(config, month, roster=staff, stored_tickets=stored, month_tickets=earlier)
    tickets = reads.get("tickets")
    if tickets is not None:
        _validate(tickets, ctx)
        if tickets.typed is not None and "ticket_id" in tickets.typed.columns:
            ctx = contract.Context(config, month, roster=staff, stored_tickets=stored,
                                   month_tickets=pd.Index(tickets.typed["ticket_id"].dropna()).append(earlier))
    problems: list[Problem] = []
    for table in ("surveys", "feedback"):
        if table in reads:
            _validate(reads[table], ctx)
    for r in reads.values():
        problems += r.problems + _outside_day(r, day) + _repeated_in_month(r, month, day, root)
    if problems:
        return _rejected(day, problems)
    # before anything is written: do the later days and months still hold?
    problems, notes = _cascade(_correction(month, day, reads, root, True), paths, root, config)
    if problems:
        return _rejected(day, problems, notes)

    ordered = [reads[t] for t in contract.DAY_TABLES if t in reads]
    for r in ordered:
        r.typed, r.clock_skew = contract.settle_clock_skew(r.table, r.typed, skew_seconds)
    target = paths.processed / month / store.DAYS_DIR / day
    record = {"day": day, "contract_version": contract.CONTRACT_VERSION, "roster": roster,
              "files": [_file_entry(r, skew_seconds) for r in ordered]}
    superseded: list[dict] = []

    def fill(tmp: Path) -> None:
        _write_tables(ordered, tmp)
        write_atomic(tmp / store.INGEST_RECORD, canonical_json(record))
        _keep_originals(ordered, tmp, target)
        _supersede(_gone((previous or {}).get("files", []), record["files"]), paths, superseded, notes)

    replace_dir(target, fill)
    prev_hashes = {f["path"]: f["sha256"] for f in (previous or {}).get("files", [])}
    now_hashes = {r.rel: r.sha256 for r in ordered}
    changed = sorted(p for p in set(prev_hashes) | set(now_hashes)
                     if prev_hashes.get(p) != now_hashes.get(p)) if previous is not None else []
    return IngestResult(day, True, "corrected" if previous is not None else "written", [], [paths.rel(target)],
                        changed, {r.table: len(r.raw) for r in ordered}, notes,
                        {r.table: r.clock_skew for r in ordered if r.clock_skew}, skew_seconds, superseded=superseded)


def _outside_day(read: _Read, day: str) -> list[Problem]:
    """Rows of a day drop dated inside the folder's month but on another day (a row outside the
    month is already refused by the month rule)."""
    column = contract.TABLES[read.table].dated_by
    if read.typed is None or column not in read.typed.columns:
        return []
    stamps = read.typed[column]
    dates = stamps.dt.strftime("%Y-%m-%d")
    wrong = (stamps.notna() & (dates.str[:7] == day[:7]) & (dates != day)).fillna(False).to_numpy(dtype=bool)
    return [Problem(read.rel, int(line), column, str(read.raw.loc[line, column]), contract.file_rule("row.in_day"),
                    "row.in_day", f"folder {day}") for line in read.typed.index[wrong]]


def _repeated_in_month(read: _Read, month: str, day: str, root) -> list[Problem]:
    """Rows whose key (a survey's response_id, a message's feedback_id) is already in another
    stored day drop of the month: the month's days together must read as one month file.
    Ticket ids are checked by the contract against every stored ticket."""
    if read.table == "tickets" or read.typed is None:
        return []
    key = contract.TABLES[read.table].key[0]
    if key not in read.typed.columns:
        return []
    seen = _labelled_ids(_other_drops(month, day, read.table, root), key)
    ids = read.typed[key]
    hit = ids.isin(seen.index).fillna(False).to_numpy(dtype=bool)
    return [Problem(read.rel, int(line), key, str(value), contract.file_rule("row.day_unique"), "row.day_unique",
                    f"already in {seen[value]}") for line, value in zip(read.typed.index[hit], ids[hit])]


def clean_store(root=None) -> list[str]:
    """Finish or undo what a killed ingest left in the processed store (``base.files.clean_leftovers``
    of ``data/processed/`` and of each month's ``days/``): one sentence per thing done."""
    paths = get_paths(root)
    folders = [paths.processed]
    if paths.processed.is_dir():
        folders += [p / store.DAYS_DIR for p in sorted(paths.processed.iterdir())
                    if p.is_dir() and store.MONTH_RE.match(p.name) and (p / store.DAYS_DIR).is_dir()]
    # the sentences name paths from the folder's parent: from the root here
    return [s.replace(f"{f.name}/", f"{paths.rel(f)}/") for f in folders for s in clean_leftovers(f)]


def _cleaned_first(result: IngestResult, cleaned: list[str]) -> IngestResult:
    result.notes[:0] = [s[:1].upper() + s[1:] + "." for s in cleaned]
    return result


def ingest_month(month: str, root=None) -> IngestResult:
    """Validate ``data/raw/<month>/`` (and the initiatives registry) and, if every rule holds,
    write ``data/processed/<month>/``. Returns an IngestResult; never raises for bad data.

    A rejected month writes nothing to the store; the full list of its problems goes to
    ``reports/.ingest/<month>-problems.csv`` (``problems_path``), which an accepted ingest of
    the month removes. What a killed ingest left in the store is cleaned up first (``clean_store``;
    the result's notes say what)."""
    cleaned = clean_store(root)
    return _cleaned_first(_month_result(month, root), cleaned)


def _month_result(month: str, root) -> IngestResult:
    """``ingest_month`` without the clean-up (``ingest_all`` cleans once for every month)."""
    paths = get_paths(root)
    return _listed(_ingest_month(str(month).strip(), paths, root), paths, root)


def ingest_day(day: str, root=None) -> IngestResult:
    """Validate day drop ``data/raw/<YYYY-MM>/<day>/`` against the contract and everything
    ingested before it and, if every rule holds, store it in ``data/processed/<YYYY-MM>/days/<day>/``
    (``_ingest_drops``): first the month's monthly files (the roster must be there), then every
    earlier day drop of the month not yet ingested, in order, then the day. Returns the day's
    IngestResult (a rejected earlier drop's, if one is); never raises for bad data. Cleans up
    what a killed ingest left first, as ``ingest_month`` does."""
    paths = get_paths(root)
    day = str(day).strip()
    if not _is_day(day):
        return _rejected(day, [file_problem(paths.rel(paths.raw / day[:7] / day), "folder.day", value=day)])
    folder = paths.month_raw(day[:7]) / day
    if not folder.is_dir():
        return _rejected(day, [file_problem(paths.rel(folder), "folder.day", value=day,
                                             extra=f"no folder {paths.rel(folder)}")])
    cleaned = clean_store(root)
    return _cleaned_first(_listed(_ingest_month(day[:7], paths, root, upto=day), paths, root), cleaned)


def _listed(result: IngestResult, paths: Paths, root) -> IngestResult:
    """``result`` with its full list of problems written to ``problems_path`` when rejected (and
    a stale list removed when accepted)."""
    if not (_is_month(result.month) or _is_day(result.month)):
        return result
    listing = problems_path(result.month, root)
    if result.ok:
        listing.unlink(missing_ok=True)  # the month's problems are fixed: the list is stale
    elif paths.month_raw(result.month[:7]).is_dir():
        write_atomic(listing, problems_csv(result.problems))
        result.problems_file = paths.rel(listing)
    return result


def _ingest_month(month: str, paths: Paths, root, upto: str | None = None) -> IngestResult:
    folder = paths.month_raw(month)
    rel_folder = paths.rel(folder)
    if not _is_month(month):
        return _rejected(month, [file_problem(rel_folder, "folder.month", value=month)])
    if not folder.is_dir():
        return _rejected(month, [file_problem(rel_folder, "folder.month", value=month,
                                               extra=f"no folder {rel_folder}")])
    try:
        config = load_config(root)
        provided = contract.provided_tables(config)
        skew_seconds = contract.clock_skew_seconds(config)
    except ConfigError as exc:
        return _rejected(month, [_config_problem(exc)])

    drops, drop_problems = _day_layout(folder, month, paths, provided)
    if drops or drop_problems or upto is not None:
        day_files = {t: [f for d in drops.values() for name, f in d.items() if name == t] for t in contract.DAY_TABLES}
        files, problems = _month_files(folder, paths, provided, day_files)
        problems += drop_problems
        if problems:
            return _rejected(month, problems)
        return _ingest_drops(month, drops, files, paths, root, config, skew_seconds, upto)
    files, problems = _month_files(folder, paths, provided)
    return _ingest_files(month, files, problems, paths, root, config, provided, skew_seconds)


def _ingest_files(month: str, files: dict[str, Path], problems: list[Problem], paths: Paths, root, config,
                  provided: tuple[str, ...], skew_seconds: int, by_days: bool = False) -> IngestResult:
    """Validate and store the month files ``files`` of ``month`` (and the initiatives registry):
    the whole month, or with ``by_days`` the monthly tables of a month of day drops, whose
    stored days are kept as they are."""
    reg_path, reg_problems = _registry_file(paths)
    problems += reg_problems
    previous = recorded = store.ingest_record(month, root)
    if previous is not None and (previous.get("drops") == "days") != by_days:
        previous = dict(previous, files=[])  # the month changed between month files and day drops
    reg_record_path = paths.processed / store.REGISTRY_DIR / store.INGEST_RECORD
    reg_previous = json.loads(reg_record_path.read_text(encoding="utf-8")) if reg_record_path.is_file() else None
    if not problems and previous is not None and _unchanged(previous, files, reg_path, paths):
        # hashes first: an unchanged month is not parsed again (a rerun must take seconds)
        return _unchanged_result(month, previous, paths, reg_previous)
    reads = _read_all(files, paths)
    reg_read = _read(REGISTRY_STEM, reg_path, paths, keep=True) if reg_path is not None else None

    prev_hashes = {f["path"]: f["sha256"] for f in (previous or {}).get("files", [])}
    now_hashes = {r.rel: r.sha256 for r in reads.values()}
    month_unchanged = previous is not None and prev_hashes == now_hashes and not problems
    reg_unchanged = (
        (reg_read is None and reg_previous is None)
        or (reg_read is not None and reg_previous is not None
            and reg_previous.get("path") == reg_read.rel and reg_previous.get("sha256") == reg_read.sha256)
    )
    if month_unchanged and reg_unchanged:
        return _unchanged_result(month, previous, paths, reg_previous)

    notes = []
    if not month_unchanged:
        # validation order matters: the roster feeds tickets and self_assessment, tickets feed surveys
        staff = reads.get("staff")
        if staff is not None:
            _validate(staff, contract.Context(config, month))
        tickets = reads.get("tickets")
        stored = _stored_tickets(month, root)
        ctx = contract.Context(config, month, roster=_roster(staff), stored_tickets=stored)
        if tickets is not None:
            _validate(tickets, ctx)
            if tickets.typed is not None and "ticket_id" in tickets.typed.columns:
                ctx = contract.Context(config, month, roster=_roster(staff), stored_tickets=stored,
                                       month_tickets=pd.Index(tickets.typed["ticket_id"].dropna()))
        if "surveys" in reads:
            _validate(reads["surveys"], ctx)
        if "feedback" in reads:
            _validate(reads["feedback"], ctx)
        if "feedback_updates" in reads:
            _validate(reads["feedback_updates"], contract.Context(
                config, month, stored_feedback=_stored_ids("feedback", "feedback_id", month, root, open_only=True)))
        assessment = reads.get("self_assessment")
        if assessment is not None:
            criteria = None
            if assessment.raw is not None and len(assessment.raw):  # no rows: no catalogue needed
                try:
                    criteria = contract.criteria_ids(config, month)
                except ConfigError as exc:
                    problems.append(Problem(CONFIG_FILE, None, "criteria", month,
                                            contract.file_rule("config.catalogue"), "config.catalogue", str(exc)))
            _validate(assessment, contract.Context(config, month, roster=_roster(staff), criteria=criteria))
        for r in reads.values():
            problems += r.problems
    if reg_read is not None:
        _validate(reg_read, contract.Context(config))
        problems += reg_read.problems
    if problems:
        return _rejected(month, problems, notes)
    target = paths.processed / month
    keep_days = by_days and (target / store.DAYS_DIR).is_dir()  # the stored days stay as they are
    if not month_unchanged:  # before anything is written: do the later months still hold?
        problems, cascade_notes = _cascade(_correction(month, None, reads, root, keep_days), paths, root, config)
        notes += cascade_notes
        if problems:
            return _rejected(month, problems, notes)

    written: list[str] = []
    superseded: list[dict] = []
    status = "unchanged"
    changed: list[str] = []
    clock_skew, clock_skew_seconds = _recorded_clock_skew(previous or {})
    if not month_unchanged:
        status = "corrected" if previous is not None else "written"
        changed = sorted(
            {p for p in set(prev_hashes) | set(now_hashes) if prev_hashes.get(p) != now_hashes.get(p)}
        ) if previous is not None else []
        ordered = [reads[t] for t in contract.MONTH_TABLES if t in reads]
        for r in ordered:  # every row is valid: settle the small clock inversions before storing
            r.typed, r.clock_skew = contract.settle_clock_skew(r.table, r.typed, skew_seconds)
        clock_skew = {r.table: r.clock_skew for r in ordered if r.clock_skew}
        clock_skew_seconds = skew_seconds if clock_skew else None

        record = {"month": month, "contract_version": contract.CONTRACT_VERSION,
                  "files": [_file_entry(r, skew_seconds) for r in ordered]}
        if by_days:
            record["drops"] = "days"
        gone = _gone((recorded or {}).get("files", []), record["files"])
        if recorded is not None and recorded.get("drops") == "days" and not by_days:  # its day drops go too
            gone += [v for d in store.day_drops(month, root) for v in _recorded_files(store.day_record(d, root))]

        def fill(tmp: Path) -> None:
            _write_tables(ordered, tmp)
            write_atomic(tmp / store.INGEST_RECORD, canonical_json(record))
            if keep_days:
                link_tree(target / store.DAYS_DIR, tmp / store.DAYS_DIR)
            _keep_originals(ordered, tmp, target)
            _supersede(gone, paths, superseded, notes)  # before the swap removes the old copies

        replace_dir(target, fill)
        written.append(paths.rel(target))
    elif previous is not None:
        _backfill(_recorded_files(previous), paths, notes)
    if not reg_unchanged:
        target = paths.processed / store.REGISTRY_DIR
        reg_gone = _gone([reg_previous] if reg_previous else [], [_file_entry(reg_read, skew_seconds)] if reg_read else [])
        if reg_read is None:
            _supersede(reg_gone, paths, superseded, notes)
            remove_dir(target)
            notes.append("The initiatives registry is gone from data/raw/: removed its processed copy.")
        else:
            def fill_registry(tmp: Path) -> None:
                _write_parquet(_processed_frame(reg_read), tmp / "initiatives.parquet")
                write_atomic(tmp / store.INGEST_RECORD,
                             canonical_json({"contract_version": contract.CONTRACT_VERSION,
                                             **_file_entry(reg_read, skew_seconds)}))
                _keep_originals([reg_read], tmp, target)
                _supersede(reg_gone, paths, superseded, notes)

            replace_dir(target, fill_registry)
            written.append(paths.rel(target))
            notes.append(f"Initiatives registry {reg_read.rel} ingested ({len(reg_read.raw)} rows).")
    elif reg_read is None:
        notes.append("No initiatives registry (data/raw/initiatives.csv): no initiative is in force.")
    else:
        _backfill([(reg_previous["path"], reg_previous["sha256"])], paths, notes)
    rows = {t: len(reads[t].raw) for t in contract.MONTH_TABLES if t in reads} if not month_unchanged else \
        {f["table"]: f["rows"] for f in previous["files"]}
    return IngestResult(month, True, status, [], written, changed, rows, notes, clock_skew, clock_skew_seconds,
                        superseded=superseded)


def raw_months(root=None) -> list[str]:
    """The month folders under ``data/raw/`` (named ``YYYY-MM``), oldest first."""
    raw = get_paths(root).raw
    if not raw.is_dir():
        return []
    return sorted(p.name for p in raw.iterdir() if p.is_dir() and store.MONTH_RE.match(p.name))


def ingest_all(root=None) -> list[IngestResult]:
    """``ingest_month`` for every raw month folder, oldest first (uniqueness across months and
    survey-to-ticket links depend on the months before). What a killed ingest left in the store
    is cleaned up first; the first result's notes say what."""
    cleaned = clean_store(root)
    results = [_month_result(m, root) for m in raw_months(root)]
    if results:
        _cleaned_first(results[0], cleaned)
    return results
