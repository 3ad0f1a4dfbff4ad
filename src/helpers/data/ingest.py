"""Ingest: read a month's raw files, validate them against the contract, write the processed store.

All or nothing. Every problem in the month (and in the initiatives registry) is collected
lazily and returned in ONE report, sorted by file then line, each naming the file (relative to
the root), the line as a spreadsheet shows it (header = line 1), the column, the value and the
rule in plain words. A rejected month writes nothing. An accepted month is written atomically
(temporary folder, then rename) as typed, deterministic Parquet plus ``_ingest.json`` (each raw
file's path, sha256 and rows). Re-ingesting unchanged raw files is a no-op; a changed raw file
replaces the month and the report names the changed files (a correction).

User errors are reported, never raised. Disk or programming errors do raise.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute  # noqa: F401 - pa.compute
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from ..base.config import ConfigError, load_config
from ..base.files import canonical_json, replace_dir, sha256_file, write_atomic
from ..base.paths import Paths, get_paths
from . import contract, store

SUFFIXES = (".csv", ".xlsx")
REPORT_LIMIT_PER_FILE = 50
REGISTRY_STEM = "initiatives"
OPEN_STATUSES = ("open", "in_progress")
NATIONAL_ID_SHOWN = "(9 digits, not shown)"


@dataclass(frozen=True)
class Problem:
    """One broken rule: where (file relative to the root, spreadsheet line, column), what (value)
    and why (rule, in plain words). ``line`` is None for a problem with the whole file."""

    file: str
    line: int | None
    column: str
    value: str
    rule: str

    def text(self) -> str:
        where = f"line {self.line}" if self.line is not None else "file"
        parts = [where]
        if self.column:
            parts.append(f"column {self.column}")
        if self.value != "":
            parts.append(f'value "{_shorten(self.value)}"')
        elif self.column and self.line not in (None, 1):
            parts.append("value (empty)")
        return ", ".join(parts) + f": {self.rule}"


@dataclass
class IngestResult:
    """What ``ingest_month`` did. ``status``: written (first time), corrected (replaced after a
    raw file changed), unchanged (no-op) or rejected (nothing written)."""

    month: str
    ok: bool
    status: str
    problems: list[Problem] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def report(self, limit_per_file: int = REPORT_LIMIT_PER_FILE) -> str:
        """The report a person reads: a headline, then problems grouped by file (the first
        ``limit_per_file`` of each, with a count of the rest), or what was written."""
        if not self.ok:
            files = sorted({p.file for p in self.problems})
            lines = [
                f"{self.month}: REJECTED, {len(self.problems)} problem{'s' if len(self.problems) != 1 else ''} "
                f"in {len(files)} file{'s' if len(files) != 1 else ''}; nothing was written."
            ]
            for f in files:
                mine = [p for p in self.problems if p.file == f]
                lines.append(f"{f}: {len(mine)} problem{'s' if len(mine) != 1 else ''}")
                lines += [f"  {p.text()}" for p in mine[:limit_per_file]]
                if len(mine) > limit_per_file:
                    lines.append(f"  ... and {len(mine) - limit_per_file} more in this file")
            lines += self.notes
            return "\n".join(lines)
        if self.status == "unchanged":
            head = f"{self.month}: unchanged, the raw files are identical to the last ingest"
            head += "." if self.written else "; nothing to do."
        else:
            counts = ", ".join(f"{t} {n:,}" for t, n in self.rows.items())
            head = f"{self.month}: {self.status}, {counts} rows."
        lines = [head]
        if self.changed:
            lines.append("Correction: these raw files differ from the last ingest:")
            lines += [f"  {c}" for c in self.changed]
        lines += self.notes
        if self.written:
            lines.append("Wrote " + ", ".join(self.written))
        return "\n".join(lines)


def _shorten(value: str, width: int = 80) -> str:
    value = value.replace("\n", " ")
    return value if len(value) <= width else value[: width - 1] + "…"


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


def _file_problem(rel: str, rule_id: str, *, line=None, column="", value="", extra="") -> Problem:
    text = contract.file_rule(rule_id)
    return Problem(rel, line, column, value, text + (f" ({extra})" if extra else ""))


def _read_csv_fast(path: Path) -> pd.DataFrame | None:
    """Every cell of a well-formed CSV file as text, with Arrow's reader (several times faster
    than pandas'); None when the file is not plain (bad UTF-8, a ragged line, a broken quote):
    then pandas reads it and says where. Both give the same cells for a file both can read."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            width = len(next(csv.reader(fh)))
        if width < 2:
            return None
        table = pa_csv.read_csv(
            path,
            read_options=pa_csv.ReadOptions(autogenerate_column_names=True, use_threads=False),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False),
            convert_options=pa_csv.ConvertOptions(
                column_types={f"f{i}": pa.string() for i in range(width)},
                strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError, StopIteration, csv.Error):
        return None
    if table.num_columns != width or any("\ufeff" in str(v) for v in table.slice(0, 1).to_pylist()[0].values()):
        return None  # a second byte-order mark: pandas reads it as the cell it is
    return pd.DataFrame({i: pd.Series(pd.arrays.ArrowStringArray(table.column(i)), dtype="str")
                         for i in range(width)})


def _read_csv(path: Path, rel: str) -> tuple[list[str] | None, pd.DataFrame | None, list[Problem]]:
    frame = _read_csv_fast(path)
    if frame is not None:
        return _split_header(frame)
    try:
        frame = pd.read_csv(
            path, header=None, dtype=str, keep_default_na=False, na_filter=False,
            skip_blank_lines=False, encoding="utf-8-sig",
        )
    except UnicodeDecodeError as exc:
        return None, None, [_file_problem(rel, "file.unreadable", extra=f"not UTF-8 at byte {exc.start}; save it as CSV UTF-8")]
    except pd.errors.EmptyDataError:
        return None, None, [_file_problem(rel, "file.empty")]
    except pd.errors.ParserError as exc:
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if m:
            return None, None, [_file_problem(rel, "file.ragged", line=int(m[2]),
                                              extra=f"expected {m[1]} fields, saw {m[3]}")]
        return None, None, [_file_problem(rel, "file.unreadable", extra=str(exc).splitlines()[-1])]
    return _split_header(frame)


def _split_header(frame: pd.DataFrame) -> tuple[list[str], pd.DataFrame, list[Problem]]:
    """The header row, and the rest indexed by spreadsheet line (header = line 1)."""
    header = [str(v) for v in frame.iloc[0].tolist()]
    body = frame.iloc[1:].copy()
    body.index = pd.RangeIndex(2, len(frame) + 1)
    body.columns = range(len(header))
    return header, body, []


def _cell_text(value, as_date: bool):
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if as_date and value.time() == time(0):
            return f"{value:%Y-%m-%d}"
        return f"{value:%Y-%m-%d %H:%M:%S}"
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, time):
        return f"{value:%H:%M:%S}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(path: Path, rel: str, table: str) -> tuple[list[str] | None, pd.DataFrame | None, list[Problem]]:
    # optional in practice: only .xlsx exports need it, and most months are CSV
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        return None, None, [_file_problem(rel, "file.unreadable", extra=f"{type(exc).__name__}")]
    try:
        ws = wb[table] if table in wb.sheetnames else wb.worksheets[0]
        ws.reset_dimensions()
        rows = [tuple(r) for r in ws.iter_rows(min_row=1, values_only=True)]
    finally:
        wb.close()
    if not rows or not any(v is not None for v in rows[0]):
        return None, None, [_file_problem(rel, "file.empty")]
    width = max(len(r) for r in rows)
    header_cells = list(rows[0]) + [None] * (width - len(rows[0]))
    header = ["" if v is None else str(v) for v in header_cells]
    spec = contract.TABLES[table]
    date_cols = {i for i, h in enumerate(header) if h.strip() in spec.names and spec.column(h.strip()).type == "date"}
    data = [
        [_cell_text(v, i in date_cols) for i, v in enumerate(list(r) + [None] * (width - len(r)))]
        for r in rows[1:]
    ]
    body = pd.DataFrame(data, columns=range(width), dtype="str") if data else pd.DataFrame(columns=range(width), dtype="str")
    body.index = pd.RangeIndex(2, len(rows) + 1)
    return header, body, []


def _read(table: str, path: Path, paths: Paths) -> _Read:
    rel = paths.rel(path)
    out = _Read(table, path, rel, sha256_file(path))
    if path.suffix.lower() == ".xlsx":
        header, body, problems = _read_xlsx(path, rel, table)
    else:
        header, body, problems = _read_csv(path, rel)
    out.problems += problems
    if header is None:
        return out
    spec = contract.TABLES[table]
    keep, seen = [], set()
    for i, name in enumerate(header):
        name = name.strip()
        if name == "" and (body[i].fillna("").str.strip() == "").all():
            continue  # a trailing empty column, as spreadsheets often save
        if name in seen:
            out.problems.append(_file_problem(rel, "column.twice", line=1, column=name, value=name))
        elif name not in spec.names:
            out.problems.append(_file_problem(rel, "column.unknown", line=1, column=name, value=name,
                                              extra=f"expected: {', '.join(spec.names)}"))
        else:
            keep.append((i, name))
        seen.add(name)
    for name in spec.names:
        if name not in seen:
            out.problems.append(_file_problem(rel, "column.missing", line=1, column=name))
    raw = body[[i for i, _ in keep]].copy()
    raw.columns = [n for _, n in keep]
    raw = contract.normalise(table, raw)
    # a blank line is not a row, but it still counts for the line numbers after it
    out.raw = raw[raw.notna().any(axis=1).to_numpy()] if len(raw.columns) else raw.iloc[0:0]
    return out


# --- validating -------------------------------------------------------------------------------
def _problems(read: _Read, violations: pd.DataFrame) -> list[Problem]:
    out = []
    if violations.empty:
        return out
    for (column, rule_id), group in violations.groupby(["column", "rule"], sort=False):
        rule = contract.RULES[rule_id]
        values = read.raw.loc[group["line"].to_numpy(), column].tolist()
        for line, value, detail in zip(group["line"].tolist(), values, group["detail"].tolist()):
            shown = "" if value is None or value != value else str(value)
            if rule.kind == "not_national_id":
                shown = NATIONAL_ID_SHOWN
            text = rule.sentence + (f" {detail[0].upper()}{detail[1:]}." if detail else "")
            out.append(Problem(read.rel, int(line), column, shown, text))
    return out


def _validate(read: _Read, ctx: contract.Context) -> None:
    if read.raw is None:
        return
    read.typed, violations = contract.validate(read.table, read.raw, ctx)
    read.problems += _problems(read, violations)


def _sort_key(problem: Problem, order: dict[tuple[str, str], int]):
    table = Path(problem.file).stem
    return (problem.file, problem.line or 0, order.get((table, problem.column), -1))


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
    key = (hashlib.sha256(data).hexdigest(), column, open_only)
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
    with ``open_only``, only feedback still open at the end of its month."""
    processed = get_paths(root).processed
    others = [m for m in store.months(root) if m != month and (processed / m / f"{table}.parquet").is_file()]
    if not others:
        return pd.Series([], index=pd.Index([], dtype="str"), dtype="str")
    arrays = [_month_ids(processed / m / f"{table}.parquet", column, open_only) for m in others]
    codes = pa.array(np.repeat(np.arange(len(others), dtype=np.int32), [len(a) for a in arrays]))
    labels = pa.DictionaryArray.from_arrays(codes, pa.array(others, pa.large_string())).cast(pa.large_string())
    ids = pd.Index(pd.arrays.ArrowStringArray(pa.concat_arrays(arrays)), dtype="str")
    out = pd.Series(pd.arrays.ArrowStringArray(labels), index=ids, dtype="str")
    return out if ids.is_unique else out[~ids.duplicated(keep="first")]


def _stored_tickets(month: str, root) -> pd.Series:
    """Month of every ticket id in the OTHER processed months (index ticket_id)."""
    return _stored_ids("tickets", "ticket_id", month, root)


def _month_files(folder: Path, paths: Paths) -> tuple[dict[str, Path], list[Problem]]:
    found: dict[str, Path] = {}
    problems = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith((".", "~$")):
            continue  # hidden files and Excel's lock files are not data
        stem, suffix = entry.stem, entry.suffix.lower()
        if entry.is_file() and suffix in SUFFIXES and stem in contract.MONTH_TABLES:
            if stem in found:
                problems.append(_file_problem(paths.rel(entry), "file.twice", extra=f"also {found[stem].name}"))
            else:
                found[stem] = entry
        else:
            problems.append(_file_problem(paths.rel(entry), "file.unknown", value=entry.name))
    for table in contract.MONTH_TABLES:
        if table not in found and table not in contract.OPTIONAL_TABLES:
            problems.append(_file_problem(paths.rel(folder / f"{table}.csv"), "file.missing",
                                          extra=f"no {table}.csv or {table}.xlsx"))
    return found, problems


def _registry_file(paths: Paths) -> tuple[Path | None, list[Problem]]:
    candidates = [paths.raw / f"{REGISTRY_STEM}{s}" for s in SUFFIXES]
    present = [p for p in candidates if p.is_file()]
    if len(present) > 1:
        return None, [_file_problem(paths.rel(present[1]), "file.twice", extra=f"also {present[0].name}")]
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


def _processed_frame(read: _Read) -> pd.DataFrame:
    spec = contract.TABLES[read.table]
    frame = contract.typed_frame(read.table, read.typed)
    return frame.sort_values(list(spec.key), kind="stable").reset_index(drop=True)


def _file_entry(read: _Read) -> dict:
    return {"table": read.table, "path": read.rel, "sha256": read.sha256, "rows": len(read.raw)}


# --- the public entry points -----------------------------------------------------------------
def _rejected(month: str, problems: list[Problem], notes=()) -> IngestResult:
    return IngestResult(month, False, "rejected", _sorted(problems), notes=list(notes))


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


def ingest_month(month: str, root=None) -> IngestResult:
    """Validate ``data/raw/<month>/`` (and the initiatives registry) and, if every rule holds,
    write ``data/processed/<month>/``. Returns an IngestResult; never raises for bad data."""
    paths = get_paths(root)
    month = str(month).strip()
    folder = paths.month_raw(month)
    rel_folder = paths.rel(folder)
    if not store.MONTH_RE.match(month) or not 1 <= int(month[5:7]) <= 12:
        return _rejected(month, [_file_problem(rel_folder, "folder.month", value=month)])
    if not folder.is_dir():
        return _rejected(month, [_file_problem(rel_folder, "folder.month", value=month,
                                               extra=f"no folder {rel_folder}")])
    try:
        config = load_config(root)
    except ConfigError as exc:
        return _rejected(month, [Problem("config/entity.yaml", None, "", "", str(exc))])

    files, problems = _month_files(folder, paths)
    reg_path, reg_problems = _registry_file(paths)
    problems += reg_problems
    previous = store.ingest_record(month, root)
    if not problems and previous is not None and _unchanged(previous, files, reg_path, paths):
        # hashes first: an unchanged month is not parsed again (a rerun must take seconds)
        return IngestResult(month, True, "unchanged", rows={f["table"]: f["rows"] for f in previous["files"]})
    reads = {t: _read(t, p, paths) for t, p in files.items()}
    reg_read = _read(REGISTRY_STEM, reg_path, paths) if reg_path is not None else None

    prev_hashes = {f["path"]: f["sha256"] for f in (previous or {}).get("files", [])}
    now_hashes = {r.rel: r.sha256 for r in reads.values()}
    month_unchanged = previous is not None and prev_hashes == now_hashes and not problems
    reg_record_path = paths.processed / store.REGISTRY_DIR / store.INGEST_RECORD
    reg_previous = json.loads(reg_record_path.read_text(encoding="utf-8")) if reg_record_path.is_file() else None
    reg_unchanged = (
        (reg_read is None and reg_previous is None)
        or (reg_read is not None and reg_previous is not None
            and reg_previous.get("path") == reg_read.rel and reg_previous.get("sha256") == reg_read.sha256)
    )
    if month_unchanged and reg_unchanged:
        return IngestResult(month, True, "unchanged", rows={f["table"]: f["rows"] for f in previous["files"]})

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
        if "self_assessment" in reads:
            try:
                criteria = contract.criteria_ids(config, month)
            except ConfigError as exc:
                criteria = None
                problems.append(Problem("config/entity.yaml", None, "criteria", month,
                                        f"{contract.FILE_RULES['config.catalogue']} ({exc})"))
            _validate(reads["self_assessment"], contract.Context(config, month, roster=_roster(staff), criteria=criteria))
        for r in reads.values():
            problems += r.problems
    if reg_read is not None:
        _validate(reg_read, contract.Context(config))
        problems += reg_read.problems
    if problems:
        return _rejected(month, problems, notes)

    written: list[str] = []
    status = "unchanged"
    changed: list[str] = []
    if not month_unchanged:
        status = "corrected" if previous is not None else "written"
        changed = sorted(
            {p for p in set(prev_hashes) | set(now_hashes) if prev_hashes.get(p) != now_hashes.get(p)}
        ) if previous is not None else []
        target = paths.processed / month
        ordered = [reads[t] for t in contract.MONTH_TABLES if t in reads]

        def fill(tmp: Path) -> None:
            for r in ordered:
                _write_parquet(_processed_frame(r), tmp / f"{r.table}.parquet")
            write_atomic(tmp / store.INGEST_RECORD,
                         canonical_json({"month": month, "contract_version": contract.CONTRACT_VERSION,
                                         "files": [_file_entry(r) for r in ordered]}))

        replace_dir(target, fill)
        written.append(paths.rel(target))
    if not reg_unchanged:
        target = paths.processed / store.REGISTRY_DIR
        if reg_read is None:
            shutil.rmtree(target)
            notes.append("The initiatives registry is gone from data/raw/: removed its processed copy.")
        else:
            def fill_registry(tmp: Path) -> None:
                _write_parquet(_processed_frame(reg_read), tmp / "initiatives.parquet")
                write_atomic(tmp / store.INGEST_RECORD,
                             canonical_json({"contract_version": contract.CONTRACT_VERSION, **_file_entry(reg_read)}))

            replace_dir(target, fill_registry)
            written.append(paths.rel(target))
            notes.append(f"Initiatives registry {reg_read.rel} ingested ({len(reg_read.raw)} rows).")
    elif reg_read is None:
        notes.append("No initiatives registry (data/raw/initiatives.csv): no initiative is in force.")
    rows = {t: len(reads[t].raw) for t in contract.MONTH_TABLES if t in reads} if not month_unchanged else \
        {f["table"]: f["rows"] for f in previous["files"]}
    return IngestResult(month, True, status, [], written, changed, rows, notes)


def raw_months(root=None) -> list[str]:
    """The month folders under ``data/raw/`` (named ``YYYY-MM``), oldest first."""
    raw = get_paths(root).raw
    if not raw.is_dir():
        return []
    return sorted(p.name for p in raw.iterdir() if p.is_dir() and store.MONTH_RE.match(p.name))


def ingest_all(root=None) -> list[IngestResult]:
    """``ingest_month`` for every raw month folder, oldest first (uniqueness across months and
    survey-to-ticket links depend on the months before)."""
    return [ingest_month(m, root) for m in raw_months(root)]
