"""Reading one raw file: every cell as text, the header apart, the body indexed by the line a
spreadsheet shows (header = line 1). CSV (UTF-8, with or without BOM) through Arrow's reader
when the file is plain, else pandas', which says where it is not; .xlsx through openpyxl.
A file that cannot be read becomes a ``Problem`` naming the file (and the line when known).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from . import contract
from .ingest_report import Problem, file_problem


def read_csv_fast(source: Path | bytes) -> pd.DataFrame | None:
    """Every cell of a well-formed CSV file (a path, or the file's bytes) as text, with Arrow's
    reader (several times faster than pandas'); None when the file is not plain (bad UTF-8, a
    ragged line, a broken quote): then pandas reads it and says where. Both give the same cells
    for a file both can read."""
    try:
        with _text(source) as fh:
            width = len(next(csv.reader(fh)))
        if width < 2:
            return None
        table = pa_csv.read_csv(
            pa.BufferReader(source) if isinstance(source, bytes) else source,
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


def _text(source: Path | bytes):
    """``source`` open as UTF-8 text (a BOM skipped), for the csv module."""
    if isinstance(source, bytes):
        return io.TextIOWrapper(io.BytesIO(source), encoding="utf-8-sig", newline="")
    return open(source, encoding="utf-8-sig", newline="")


def read_csv(path: Path, rel: str, data: bytes | None = None) -> tuple[list[str] | None, pd.DataFrame | None,
                                                                      list[Problem]]:
    """The header, the cells as text (index = spreadsheet line) and the problems of reading.
    ``data``: the file's bytes, when the caller has read them already (ingest hashes the same
    bytes it parses), else the file at ``path`` is read.

    Arrow reads a plain file; anything else goes to pandas' Python engine, which is slower
    but, unlike pandas' C engine, leaves the fields a short line lacks as null instead of
    filling them with empty text: so a short line is refused with its line (``file.short``)
    and the rest of the file is still checked. A longer line stops the file (``file.ragged``).
    """
    frame = read_csv_fast(path if data is None else data)
    if frame is not None:
        return split_header(frame)
    try:
        frame = pd.read_csv(
            path if data is None else io.BytesIO(data), header=None, dtype=str, keep_default_na=False, na_filter=True,
            skip_blank_lines=False, encoding="utf-8-sig", engine="python",
        )
    except UnicodeDecodeError as exc:
        return None, None, [file_problem(rel, "file.unreadable", extra=f"not UTF-8 at byte {exc.start}; save it as CSV UTF-8")]
    except pd.errors.EmptyDataError:
        return None, None, [file_problem(rel, "file.empty")]
    except pd.errors.ParserError as exc:
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if m and m[1] == "0":  # the first line is blank: there is no header on line 1
            return None, None, [file_problem(rel, "file.empty", line=1, extra="line 1 is blank")]
        if m:
            return None, None, [file_problem(rel, "file.ragged", line=int(m[2]),
                                              extra=f"expected {m[1]} fields, saw {m[3]}")]
        message = str(exc).splitlines()[-1]
        if message == "unexpected end of data":
            message = "a quoted field is still open at the end of the file"
        return None, None, [file_problem(rel, "file.unreadable", extra=message)]
    header, body, _ = split_header(frame)
    # a null cell is a field the line lacks (an empty field reads as ""); a line that lacks
    # fields and holds nothing but blanks is a blank line, which is no row
    lacking = body.isna()
    blank = (body.fillna("").apply(lambda s: s.str.strip()) == "").all(axis=1)
    short = (lacking.any(axis=1) & ~blank).to_numpy()
    problems = [
        file_problem(rel, "file.short", line=int(line), extra=f"expected {len(header)} fields, saw {int(saw)}")
        for line, saw in zip(body.index[short], (~lacking).sum(axis=1)[short])
    ]
    return header, body[~short].fillna(""), problems


def split_header(frame: pd.DataFrame) -> tuple[list[str], pd.DataFrame, list[Problem]]:
    """The header row, and the rest indexed by spreadsheet line (header = line 1)."""
    header = [str(v) for v in frame.iloc[0].tolist()]
    body = frame.iloc[1:].copy()
    body.index = pd.RangeIndex(2, len(frame) + 1)
    body.columns = range(len(header))
    return header, body, []


def cell_text(value, as_date: bool):
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


def read_xlsx(path: Path, rel: str, table: str) -> tuple[list[str] | None, pd.DataFrame | None, list[Problem]]:
    # optional in practice: only .xlsx exports need it, and most months are CSV
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        return None, None, [file_problem(rel, "file.unreadable", extra=f"{type(exc).__name__}")]
    try:
        ws = wb[table] if table in wb.sheetnames else wb.worksheets[0]
        ws.reset_dimensions()
        rows = [tuple(r) for r in ws.iter_rows(min_row=1, values_only=True)]
    finally:
        wb.close()
    if not rows or not any(v is not None for v in rows[0]):
        return None, None, [file_problem(rel, "file.empty")]
    width = max(len(r) for r in rows)
    header_cells = list(rows[0]) + [None] * (width - len(rows[0]))
    header = ["" if v is None else str(v) for v in header_cells]
    spec = contract.TABLES[table]
    date_cols = {i for i, h in enumerate(header) if h.strip() in spec.names and spec.column(h.strip()).type == "date"}
    data = [
        [cell_text(v, i in date_cols) for i, v in enumerate(list(r) + [None] * (width - len(r)))]
        for r in rows[1:]
    ]
    body = pd.DataFrame(data, columns=range(width), dtype="str") if data else pd.DataFrame(columns=range(width), dtype="str")
    body.index = pd.RangeIndex(2, len(rows) + 1)
    return header, body, []
