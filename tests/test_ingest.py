"""Ingest: one report of every problem, nothing written on failure, atomic deterministic writes."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from helpers.base import config as config_module
from helpers.base.paths import CODE_ROOT
from helpers.data import contract, ingest, ingest_report, readers, store

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"


def make_root(base: Path, months=("2024-01", "2024-02"), registry=True) -> Path:
    """A repository root under ``base``: a copy of config/ (with the fixture criteria catalogue)
    and the fixture months in data/raw/."""
    root = base / "repo"
    shutil.copytree(CODE_ROOT / "config", root / "config")
    entity = root / "config" / "entity.yaml"
    raw = yaml.safe_load(entity.read_text(encoding="utf-8"))
    raw["criteria"] = [{"guideline": "fixture", "file": "criteria/fixture.csv", "effective_from": "2023-01"}]
    entity.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (root / "config" / "criteria").mkdir(exist_ok=True)
    shutil.copy(FIXTURES / "criteria.csv", root / "config" / "criteria" / "fixture.csv")
    (root / "data" / "raw").mkdir(parents=True)
    for m in months:
        shutil.copytree(FIXTURES / "months" / m, root / "data" / "raw" / m)
    if registry:
        shutil.copy(FIXTURES / "months" / "initiatives.csv", root / "data" / "raw" / "initiatives.csv")
    return root


def tree_hashes(folder: Path) -> dict[str, str]:
    """Every file and folder under ``folder`` with the sha256 of its bytes: the store's fingerprint."""
    if not folder.exists():
        return {}
    return {
        p.relative_to(folder).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir")
        for p in sorted(folder.rglob("*"))
    }


@pytest.fixture
def root(tmp_path):
    return make_root(tmp_path)


def raw_month(root: Path, month: str) -> Path:
    return root / "data" / "raw" / month


def replace_in(path: Path, old: str, new: str) -> None:
    """Edit a raw file in place: every ``old`` becomes ``new``."""
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def problems_as_tuples(result) -> list[tuple]:
    return [(p.file, p.line, p.column, p.value) for p in result.problems]


# --- a valid month --------------------------------------------------------------------------------
def test_valid_month_is_written_with_its_record(root):
    result = ingest.ingest_month("2024-01", root)
    assert result.ok and result.status == "written" and result.problems == []
    assert result.rows == {"tickets": 3, "surveys": 2, "feedback": 2, "staff": 3, "self_assessment": 2}
    month = root / "data" / "processed" / "2024-01"
    assert sorted(p.name for p in month.iterdir()) == [
        "_ingest.json", "_originals", "feedback.parquet", "self_assessment.parquet", "staff.parquet", "surveys.parquet",
        "tickets.parquet",
    ]
    record = json.loads((month / "_ingest.json").read_text(encoding="utf-8"))
    tickets_csv = raw_month(root, "2024-01") / "tickets.csv"
    assert record["files"][0] == {
        "table": "tickets", "path": "data/raw/2024-01/tickets.csv",
        "sha256": hashlib.sha256(tickets_csv.read_bytes()).hexdigest(), "rows": 3,
    }
    assert [f["path"] for f in record["files"]] == [
        f"data/raw/2024-01/{t}.csv" for t in ("tickets", "surveys", "feedback", "staff", "self_assessment")
    ]
    assert not [p for p in (root / "data" / "processed").iterdir() if p.name.startswith(".")]  # no temp folders left
    assert "2024-01: written" in result.report()


def test_processed_rows_are_typed_and_sorted_by_id(root):
    ingest.ingest_month("2024-01", root)
    frame = pd.read_parquet(root / "data" / "processed" / "2024-01" / "tickets.parquet")
    assert list(frame["ticket_id"]) == ["T0001", "T0002", "T0003"]  # the raw file lists T0003 before T0002
    assert str(frame["created_at"].dtype) == "datetime64[us]"
    assert str(frame["booked"].dtype) == "boolean"
    assert frame.loc[1, "created_at"] == pd.Timestamp("2024-01-08 10:00:00")  # written 2024-01-08T10:00
    assert pd.isna(frame.loc[1, "employee_id"]) and pd.isna(frame.loc[1, "resolved_first_contact"])
    assert frame.loc[0, "employee_id"] == "007"
    surveys = pd.read_parquet(root / "data" / "processed" / "2024-01" / "surveys.parquet")
    assert str(surveys["csat"].dtype) == "Int64" and list(surveys["csat"]) == [5, 3]


# --- THE ACCEPTANCE CASE -------------------------------------------------------------------------
def test_bad_tickets_give_one_report_and_leave_the_store_unchanged(root):
    assert ingest.ingest_month("2024-01", root).ok
    shutil.copy(FIXTURES / "tickets_bad.csv", raw_month(root, "2024-02") / "tickets.csv")
    before = tree_hashes(root / "data" / "processed")

    result = ingest.ingest_month("2024-02", root)

    assert not result.ok and result.status == "rejected"
    f = "data/raw/2024-02/tickets.csv"
    # header = line 1, so the 2nd, 3rd and 4th data rows are lines 3, 4 and 5
    assert problems_as_tuples(result) == [
        (f, 3, "created_at", "2024-02-30 09:00:00"),
        (f, 4, "centre_id", "mars"),
        (f, 5, "ticket_id", "T0004"),
    ]
    assert "real date" in result.problems[0].rule
    assert "centre" in result.problems[1].rule
    assert "repeat" in result.problems[2].rule and "line 2" in result.problems[2].rule
    report = result.report()
    assert report.splitlines()[0] == (
        "2024-02: REJECTED, 3 problems in 1 file. Nothing was written to the store (data/processed/). "
        "The full list is in reports/.ingest/2024-02-problems.csv, the only file written.")
    for line, column, value in ((3, "created_at", "2024-02-30 09:00:00"), (4, "centre_id", "mars"), (5, "ticket_id", "T0004")):
        assert f'line {line}, column {column}, value "{value}"' in report
    assert str(root) not in report  # paths are relative to the root
    assert tree_hashes(root / "data" / "processed") == before
    assert not (root / "data" / "processed" / "2024-02").exists()


def test_a_rejected_first_month_creates_nothing(root):
    shutil.copy(FIXTURES / "tickets_bad.csv", raw_month(root, "2024-01") / "tickets.csv")
    result = ingest.ingest_month("2024-01", root)
    assert not result.ok
    assert not (root / "data" / "processed").exists()


def test_the_report_counts_each_rule_then_shows_a_few_examples_of_each(root):
    """60 rows with an unknown centre, then 40 rows with the first stamp-order problem, behind
    them: the count of each rule opens the report, so the second is not hidden by the first."""
    tickets = pd.read_csv(raw_month(root, "2024-02") / "tickets.csv", dtype=str, keep_default_na=False)
    many = pd.concat([tickets.iloc[[0]]] * 100, ignore_index=True)  # T0004: called 10:02:00, started 10:03:00
    many["ticket_id"] = [f"X{i:03d}" for i in range(100)]
    many.loc[:59, "centre_id"] = "mars"
    many.loc[60:, "started_at"] = "2024-02-05 10:01:30"   # 30 s before called_at
    many.to_csv(raw_month(root, "2024-02") / "tickets.csv", index=False)
    (raw_month(root, "2024-02") / "surveys.csv").write_text(
        "response_id,ticket_id,centre_id,channel_id,service_id,employee_id,submitted_at,csat,nps,ces,comment\n", encoding="utf-8")
    result = ingest.ingest_month("2024-02", root)
    assert len(result.problems) == 100
    assert [p.line for p in result.problems] == list(range(2, 102))
    lines = result.report().splitlines()
    assert lines[0].startswith("2024-02: REJECTED, 100 problems in 1 file.")
    f = "data/raw/2024-02/tickets.csv"
    assert lines[1:4] == [
        "Problems per file and rule:",
        f"  {f}: 60 rows, centre_id must be a centre id listed in config/entity.yaml (centres).",
        f"  {f}: 40 rows, {contract.RULES['tickets.started_at.order'].text(5)}",
    ]
    assert "beyond" not in lines[3] and "clock-skew tolerance (5 s)" in lines[3]
    assert lines[4] == "First examples of each rule (up to 3):"
    examples = [line for line in lines if line.startswith("  line ")]
    assert examples == [
        '  line 2, column centre_id, value "mars": known: seef, tijjar, virtual',
        '  line 3, column centre_id, value "mars": known: seef, tijjar, virtual',
        '  line 4, column centre_id, value "mars": known: seef, tijjar, virtual',
        '  line 62, column started_at, value "2024-02-05 10:01:30": 30 s before called_at',
        '  line 63, column started_at, value "2024-02-05 10:01:30": 30 s before called_at',
        '  line 64, column started_at, value "2024-02-05 10:01:30": 30 s before called_at',
    ]
    assert "  ... and 57 more in reports/.ingest/2024-02-problems.csv" in lines
    assert "  ... and 37 more in reports/.ingest/2024-02-problems.csv" in lines
    assert len(result.report(examples_per_rule=1).splitlines()) == len(lines) - 4


# --- reading ------------------------------------------------------------------------------------
def test_bom_is_handled(root):
    path = raw_month(root, "2024-01") / "tickets.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    result = ingest.ingest_month("2024-01", root)
    assert result.ok, result.report()
    record = store.ingest_record("2024-01", root)
    assert record["files"][0]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_blank_lines_still_count_for_line_numbers(root):
    path = raw_month(root, "2024-02") / "tickets.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace("virtual,whatsapp", "mars,whatsapp")  # T0006, on line 4
    path.write_text("\n".join(lines[:2] + [""] + lines[2:]) + "\n", encoding="utf-8")  # a blank line 3
    result = ingest.ingest_month("2024-01", root) and ingest.ingest_month("2024-02", root)
    assert problems_as_tuples(result) == [("data/raw/2024-02/tickets.csv", 5, "centre_id", "mars")]


def write_xlsx(csv_path: Path, xlsx_path: Path, *, blank_row_after: int | None = None, edit=None) -> None:
    """The CSV as a workbook: text cells, except created_at as a real date-time and booked as a real boolean."""
    frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    if edit:
        edit(frame)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "export"
    ws.append(list(frame.columns))
    for i, row in enumerate(frame.itertuples(index=False)):
        cells = []
        for col, value in zip(frame.columns, row):
            if col == "created_at":
                cells.append(datetime.fromisoformat(value.replace("T", " ")))
            elif col == "booked":
                cells.append(value == "true")
            else:
                cells.append(value if value != "" else None)
        ws.append(cells)
        if blank_row_after is not None and i == blank_row_after:
            ws.append([])
    wb.save(xlsx_path)


def test_xlsx_is_read_with_sheet_row_numbers(root):
    folder = raw_month(root, "2024-02")

    def bad_centre(frame):
        frame.loc[2, "centre_id"] = "mars"  # the third data row

    write_xlsx(folder / "tickets.csv", folder / "tickets.xlsx", blank_row_after=0, edit=bad_centre)
    (folder / "tickets.csv").unlink()
    assert ingest.ingest_month("2024-01", root).ok
    result = ingest.ingest_month("2024-02", root)
    # header row 1, data rows 2, (blank 3), 4, 5
    assert problems_as_tuples(result) == [("data/raw/2024-02/tickets.xlsx", 5, "centre_id", "mars")]

    write_xlsx(FIXTURES / "months" / "2024-02" / "tickets.csv", folder / "tickets.xlsx")
    result = ingest.ingest_month("2024-02", root)
    assert result.ok, result.report()
    frame = store.read_month("tickets", "2024-02", root=root)
    csv_version = pd.read_csv(FIXTURES / "months" / "2024-02" / "tickets.csv", dtype=str)
    assert list(frame["ticket_id"]) == list(csv_version["ticket_id"])
    assert list(frame["employee_id"]) == ["007", "E010", "E020"]
    assert list(frame["created_at"]) == list(pd.to_datetime(csv_version["created_at"]))
    assert list(frame["booked"]) == [True, False, False]


def test_leading_zero_ids_stay_strings(root):
    assert ingest.ingest_all(root)[-1].ok
    staff = store.read_month("staff", "2024-02", root=root)
    assert staff["employee_id"].dtype == "str"
    assert "007" in set(staff["employee_id"]) and "7" not in set(staff["employee_id"])


def test_non_utf8_file_is_reported(root):
    path = raw_month(root, "2024-01") / "staff.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp1256"))
    result = ingest.ingest_month("2024-01", root)
    assert not result.ok
    assert [(p.file, p.line) for p in result.problems] == [("data/raw/2024-01/staff.csv", None)]
    assert "UTF-8" in result.problems[0].rule


def test_missing_table_unknown_file_and_bad_header_are_reported(root):
    folder = raw_month(root, "2024-01")
    (folder / "feedback.csv").unlink()
    (folder / "notes.txt").write_text("hello", encoding="utf-8")
    staff = folder / "staff.csv"
    staff.write_text(staff.read_text(encoding="utf-8").replace("name_ar,", "name_arabic,", 1), encoding="utf-8")
    result = ingest.ingest_month("2024-01", root)
    assert not result.ok
    got = [(p.file, p.line, p.column) for p in result.problems]
    assert ("data/raw/2024-01/feedback.csv", None, "") in got
    assert ("data/raw/2024-01/notes.txt", None, "") in got
    assert ("data/raw/2024-01/staff.csv", 1, "name_ar") in got       # missing column
    assert ("data/raw/2024-01/staff.csv", 1, "name_arabic") in got   # unknown column
    assert len(got) == 4
    assert got == sorted(got, key=lambda t: (t[0], t[1] or 0))


def test_ragged_line_is_reported_with_its_line(root):
    path = raw_month(root, "2024-01") / "surveys.csv"
    path.write_text(path.read_text(encoding="utf-8") + "S0009,,seef,walk_in,,,2024-01-09 12:00:00,3,,,,extra\n", encoding="utf-8")
    result = ingest.ingest_month("2024-01", root)
    assert [(p.file, p.line) for p in result.problems] == [("data/raw/2024-01/surveys.csv", 4)]


# --- the rules that need the rest of the month or the store --------------------------------------
def test_national_id_is_refused_and_not_echoed(root):
    path = raw_month(root, "2024-01") / "tickets.csv"
    replace_in(path, "C-1002", "870412345")
    result = ingest.ingest_month("2024-01", root)
    assert [(p.line, p.column) for p in result.problems] == [(4, "customer_ref")]
    assert "national ID" in result.problems[0].rule
    assert "870412345" not in result.report()


def test_unknown_criterion_is_refused_with_file_line_and_value(root):
    path = raw_month(root, "2024-02") / "self_assessment.csv"
    replace_in(path, "virtual,ENV-01", "virtual,ENV-99")
    assert ingest.ingest_month("2024-01", root).ok
    result = ingest.ingest_month("2024-02", root)
    assert problems_as_tuples(result) == [("data/raw/2024-02/self_assessment.csv", 4, "criterion_id", "ENV-99")]
    assert "catalogue" in result.problems[0].rule
    assert 'line 4, column criterion_id, value "ENV-99"' in result.report()


def test_ticket_ids_are_unique_across_months(root):
    assert ingest.ingest_month("2024-01", root).ok
    path = raw_month(root, "2024-02") / "tickets.csv"
    replace_in(path, "T0006,", "T0001,")
    result = ingest.ingest_month("2024-02", root)
    assert problems_as_tuples(result) == [("data/raw/2024-02/tickets.csv", 4, "ticket_id", "T0001")]
    assert "2024-01" in result.problems[0].rule


def test_a_corrected_month_s_new_ticket_ids_count_at_once(root):
    # ingest remembers each month's ticket ids by the bytes of its tickets.parquet: after a
    # correction, the next check must see the new ids, not the remembered ones
    assert ingest.ingest_month("2024-01", root).ok
    assert ingest.ingest_month("2024-02", root).ok
    january = raw_month(root, "2024-01") / "tickets.csv"
    replace_in(january, "T0002,", "T7777,")
    assert ingest.ingest_month("2024-01", root).status == "corrected"
    stored = ingest._stored_tickets("2024-02", root)
    assert "T7777" in stored.index and "T0002" not in stored.index
    february = raw_month(root, "2024-02") / "tickets.csv"
    replace_in(february, "T0006,", "T7777,")
    result = ingest.ingest_month("2024-02", root)
    assert problems_as_tuples(result) == [("data/raw/2024-02/tickets.csv", 4, "ticket_id", "T7777")]
    assert "(already in 2024-01)" in result.problems[0].rule


def test_stored_tickets_name_the_month_of_every_other_month_s_id(root):
    ingest.ingest_all(root)
    stored = ingest._stored_tickets("2024-03", root)  # a month not in the store: both others count
    expected = {}
    for month in ("2024-01", "2024-02"):
        ids = pd.read_csv(raw_month(root, month) / "tickets.csv", dtype=str)["ticket_id"]
        expected.update({i: month for i in ids})
    assert stored.to_dict() == expected
    assert set(ingest._stored_tickets("2024-02", root)) == {"2024-01"}


def test_surveys_may_answer_only_tickets_already_known(root):
    # February's S0003 answers January's T0003: without January in the store it is unknown
    result = ingest.ingest_month("2024-02", root)
    assert problems_as_tuples(result) == [("data/raw/2024-02/surveys.csv", 2, "ticket_id", "T0003")]
    assert ingest.ingest_month("2024-01", root).ok
    assert ingest.ingest_month("2024-02", root).ok


def test_employees_must_be_on_the_month_roster(root):
    path = raw_month(root, "2024-01") / "staff.csv"
    path.write_text("\n".join(l for l in path.read_text(encoding="utf-8").splitlines() if not l.startswith("E020")) + "\n",
                    encoding="utf-8")
    result = ingest.ingest_month("2024-01", root)
    assert problems_as_tuples(result) == [("data/raw/2024-01/tickets.csv", 3, "employee_id", "E020")]


# --- re-ingest, corrections, determinism --------------------------------------------------------
def test_reingesting_unchanged_files_is_a_noop(root):
    first = ingest.ingest_all(root)
    assert [r.status for r in first] == ["written", "written"]
    before = tree_hashes(root / "data" / "processed")
    mtimes = {p: p.stat().st_mtime_ns for p in (root / "data" / "processed").rglob("*")}
    again = ingest.ingest_all(root)
    assert [(r.month, r.ok, r.status) for r in again] == [("2024-01", True, "unchanged"), ("2024-02", True, "unchanged")]
    assert "nothing to do" in again[0].report()
    assert tree_hashes(root / "data" / "processed") == before
    assert {p: p.stat().st_mtime_ns for p in (root / "data" / "processed").rglob("*")} == mtimes


def test_a_changed_raw_file_is_a_correction(root):
    ingest.ingest_all(root)
    path = raw_month(root, "2024-01") / "surveys.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("S0002,,virtual,eservices,,,2024-01-09 12:00:00,3",
                                                             "S0002,,virtual,eservices,,,2024-01-09 12:00:00,4"),
                    encoding="utf-8")
    result = ingest.ingest_month("2024-01", root)
    assert result.ok and result.status == "corrected"
    assert result.changed == ["data/raw/2024-01/surveys.csv"]
    assert "data/raw/2024-01/surveys.csv" in result.report() and "Correction" in result.report()
    assert list(store.read_month("surveys", "2024-01", root=root)["csat"]) == [5, 4]
    record = store.ingest_record("2024-01", root)
    assert record["files"][1]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_rejected_correction_keeps_the_published_month(root):
    ingest.ingest_all(root)
    before = tree_hashes(root / "data" / "processed")
    shutil.copy(FIXTURES / "tickets_bad.csv", raw_month(root, "2024-02") / "tickets.csv")
    assert not ingest.ingest_month("2024-02", root).ok
    assert tree_hashes(root / "data" / "processed") == before


def test_parquet_bytes_are_deterministic(tmp_path):
    a, b = make_root(tmp_path / "a"), make_root(tmp_path / "b")
    ingest.ingest_all(a)
    ingest.ingest_all(b)
    hashes = tree_hashes(a / "data" / "processed")
    assert any(k.endswith(".parquet") for k in hashes)
    assert hashes == tree_hashes(b / "data" / "processed")
    shutil.rmtree(a / "data" / "processed")
    ingest.ingest_all(a)
    assert tree_hashes(a / "data" / "processed") == hashes


def test_registry_problems_reject_the_month(root):
    path = root / "data" / "raw" / "initiatives.csv"
    replace_in(path, "seef;tijjar", "seef;mars")
    result = ingest.ingest_month("2024-01", root)
    assert problems_as_tuples(result) == [("data/raw/initiatives.csv", 3, "centres", "seef;mars")]
    assert not (root / "data" / "processed").exists()


def test_a_registry_change_alone_rewrites_only_the_registry(root):
    ingest.ingest_all(root)
    month_before = tree_hashes(root / "data" / "processed" / "2024-01")
    path = root / "data" / "raw" / "initiatives.csv"
    path.write_text(path.read_text(encoding="utf-8")
                    + "I03,Video calls,مكالمات الفيديو,2024-03-01,,virtual,video_call,virtual_share:up,IT,\n", encoding="utf-8")
    result = ingest.ingest_month("2024-01", root)
    assert result.ok and result.status == "unchanged"
    assert result.written == ["data/processed/initiatives"]
    assert tree_hashes(root / "data" / "processed" / "2024-01") == month_before
    assert len(pd.read_parquet(root / "data" / "processed" / "initiatives" / "initiatives.parquet")) == 3


def test_bad_month_labels_and_missing_folders_are_reported(root):
    for label in ("2024-13", "jan", "2024-05"):
        result = ingest.ingest_month(label, root)
        assert not result.ok and len(result.problems) == 1, label
        assert result.problems[0].file.startswith("data/raw/")


def test_ingest_all_goes_in_month_order(root):
    (root / "data" / "raw" / "scratch").mkdir()  # not a month: ignored
    results = ingest.ingest_all(root)
    assert [r.month for r in results] == ["2024-01", "2024-02"]
    assert all(r.ok for r in results)
    assert store.months(root) == ["2024-01", "2024-02"]


# --- the two CSV readers agree ------------------------------------------------------------------
CSV_CASES = {
    "bom": "\ufeffa,b\n1,2\n", "crlf": "a,b\r\n1,2\r\n", "cr": "a,b\r1,2\r",
    "quoted_newline": 'a,b\n"x\ny",2\n', "doubled_quotes": 'a,b\n"he said ""hi""",2\n',
    "quote_inside": 'a,b\nab"c,2\n', "space_then_quote": 'a,b\n "x",2\n', "empty_cells": "a,b,c\n,,\n1,,\n",
    "no_final_newline": "a,b\n1,2", "spaces": "a,b\n  x  , y \n", "arabic": "a,b\nشكرا,٢\n",
    "blank_line": "a,b\n1,2\n\n3,4\n", "short_line": "a,b,c\n1,2\n", "long_line": "a,b\n1,2,3\n",
    "header_only": "a,b\n", "trailing_comma": "a,b,\n1,2,\n", "quoted_empty": 'a,b\n"",2\n',
    "unterminated_quote": 'a,b\n"x,2\n', "one_column": "a\n1\n\n2\n", "empty": "",
    "blank_first_line": "\na,b\n1,2\n", "two_byte_order_marks": "\ufeff\ufeffa,b\n1,2\n",
}


@pytest.mark.parametrize("name", sorted(CSV_CASES))
def test_the_fast_csv_reader_gives_what_pandas_gives(tmp_path, monkeypatch, name):
    path = tmp_path / f"{name}.csv"
    path.write_bytes(CSV_CASES[name].encode("utf-8"))
    fast = readers.read_csv(path, "x.csv")
    monkeypatch.setattr(readers, "read_csv_fast", lambda path: None)
    slow = readers.read_csv(path, "x.csv")
    assert fast[0] == slow[0] and fast[2] == slow[2]
    if slow[1] is None:
        assert fast[1] is None
    else:
        pd.testing.assert_frame_equal(fast[1], slow[1])


def test_the_fast_csv_reader_reads_the_plain_files_and_leaves_the_rest(tmp_path):
    plain, latin = tmp_path / "plain.csv", tmp_path / "latin.csv"
    plain.write_text("a,b\n1,2\n", encoding="utf-8")
    latin.write_bytes("a,b\ncafé,2\n".encode("latin-1"))
    assert readers.read_csv_fast(plain) is not None
    assert readers.read_csv_fast(latin) is None   # pandas reads it and names the byte
    assert readers.read_csv(latin, "latin.csv")[2][0].rule.startswith("A .csv file must be UTF-8")


# --- real exports: unserved tickets, clock skew, short lines --------------------------------------
REAL_EXPORT = FIXTURES / "tickets_real_export.csv"
# tickets_real_export.csv is January's fixture plus, on the lines given:
#   5 T0010 an abandoned call and 6 T0011 a no-show, neither with an employee;
#   7 T0012 started 1 s before called; 8 T0013 called 2 s before created;
#   9 T0014 ended exactly 5 s before started; 10 T0015 started 2 s before called, ended 1 s before started
STAMPS = ["created_at", "called_at", "started_at", "ended_at"]


def set_entity(root: Path, **keys) -> None:
    """Set top-level keys of the root's config/entity.yaml (before its first ingest)."""
    entity = root / "config" / "entity.yaml"
    raw = yaml.safe_load(entity.read_text(encoding="utf-8"))
    raw.update(keys)
    entity.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    config_module._load.cache_clear()  # the configuration is read once per folder


def test_a_real_export_with_unserved_tickets_and_small_clock_skew_is_accepted(root):
    shutil.copy(REAL_EXPORT, raw_month(root, "2024-01") / "tickets.csv")
    result = ingest.ingest_month("2024-01", root)
    assert result.ok, result.report()
    assert result.clock_skew == {"tickets": {"called_at": 1, "started_at": 2, "ended_at": 2}}
    assert ("Clock skew: 5 timestamps moved to their neighbour within the 5 s tolerance: "
            "tickets.called_at 1, tickets.started_at 2, tickets.ended_at 2.") in result.report().splitlines()

    stored = store.read_month("tickets", "2024-01", root=root).set_index("ticket_id")
    day = "2024-01-10 "
    expected = {  # ticket: the four stamps as stored
        "T0012": ("10:00:00", "10:00:30", "10:00:30", "10:04:00"),   # started moved up to called
        "T0013": ("11:00:00", "11:00:00", "11:00:01", "11:03:00"),   # called moved up to created
        "T0014": ("12:00:00", "12:00:40", "12:00:45", "12:00:45"),   # ended moved up to started
        "T0015": ("13:00:00", "13:00:20", "13:00:20", "13:00:20"),   # both moved up to called
    }
    for ticket, clocks in expected.items():
        assert list(stored.loc[ticket, STAMPS]) == [pd.Timestamp(day + c) for c in clocks], ticket
    assert pd.isna(stored.loc["T0010", "employee_id"]) and pd.isna(stored.loc["T0011", "employee_id"])
    untouched = pd.read_csv(REAL_EXPORT, dtype=str).set_index("ticket_id").loc[["T0001", "T0010"], "ended_at"]
    assert list(stored.loc[["T0001", "T0010"], "ended_at"]) == list(pd.to_datetime(untouched))
    # no inversion left: every wait and handle time is zero or more
    for earlier, later in zip(STAMPS, STAMPS[1:]):
        assert ((stored[later] - stored[earlier]).dropna() >= pd.Timedelta(0)).all(), later

    record = store.ingest_record("2024-01", root)
    assert record["files"][0]["clock_skew"] == {
        "tolerance_seconds": 5, "moved": {"called_at": 1, "started_at": 2, "ended_at": 2}}
    assert all("clock_skew" not in f for f in record["files"][1:])  # no stamps moved: nothing recorded
    again = ingest.ingest_month("2024-01", root)
    assert again.status == "unchanged" and again.clock_skew == result.clock_skew
    assert "Clock skew: 5 timestamps" in again.report()


def test_a_30_second_inversion_is_refused_with_its_line(root):
    path = raw_month(root, "2024-01") / "tickets.csv"
    shutil.copy(REAL_EXPORT, path)
    replace_in(path, "2024-01-10 10:00:29", "2024-01-10 10:00:00")  # T0012 started 30 s before called
    result = ingest.ingest_month("2024-01", root)
    assert problems_as_tuples(result) == [("data/raw/2024-01/tickets.csv", 7, "started_at", "2024-01-10 10:00:00")]
    problem = result.problems[0]
    assert problem.rule_id == "tickets.started_at.order" and problem.detail == "30 s before called_at"
    assert "by more than the clock-skew tolerance (5 s)" in problem.rule
    report = result.report()
    assert "data/raw/2024-01/tickets.csv: 1 row, started_at must not be earlier than created_at or called_at " \
           "by more than the clock-skew tolerance (5 s)" in report
    assert 'line 7, column started_at, value "2024-01-10 10:00:00": 30 s before called_at' in report
    assert not (root / "data" / "processed").exists()


@pytest.mark.parametrize("tolerance, refused", [(0, [7, 8, 9, 10]), (1, [8, 9, 10]), (2, [9, 10]), (5, [])])
def test_the_tolerance_is_read_from_config(tmp_path, tolerance, refused):
    root = make_root(tmp_path)
    set_entity(root, ingest={"clock_skew_seconds": tolerance})
    shutil.copy(REAL_EXPORT, raw_month(root, "2024-01") / "tickets.csv")
    result = ingest.ingest_month("2024-01", root)
    assert sorted({p.line for p in result.problems}) == refused
    assert all(f"({tolerance} s)" in p.rule for p in result.problems)


@pytest.mark.parametrize("setting", [{"clock_skew_seconds": "5s"}, {"clock_skew_seconds": 600}, "5"])
def test_a_bad_tolerance_is_one_config_problem(tmp_path, setting):
    root = make_root(tmp_path)
    set_entity(root, ingest=setting)
    result = ingest.ingest_month("2024-01", root)
    assert [(p.file, p.line) for p in result.problems] == [("config/entity.yaml", None)]
    assert "ingest" in result.problems[0].rule
    assert not (root / "data" / "processed").exists()


def test_a_served_ticket_without_employee_is_refused(root):
    path = raw_month(root, "2024-01") / "tickets.csv"
    shutil.copy(REAL_EXPORT, path)
    replace_in(path, "payment_enquiry,,C-1010,2024-01-09 09:00:00,false,,,2024-01-09 09:01:10,abandoned",
               "payment_enquiry,,C-1010,2024-01-09 09:00:00,false,,,2024-01-09 09:01:10,transferred")
    result = ingest.ingest_month("2024-01", root)
    assert problems_as_tuples(result) == [("data/raw/2024-01/tickets.csv", 5, "employee_id", "")]
    assert result.problems[0].rule_id == "tickets.employee_id.required_when_served"


SURVEYS_HEADER = "response_id,ticket_id,centre_id,channel_id,service_id,employee_id,submitted_at,csat,nps,ces,comment\n"


def write_surveys(root: Path, *lines: str) -> Path:
    path = raw_month(root, "2024-01") / "surveys.csv"
    path.write_text(SURVEYS_HEADER + "".join(lines), encoding="utf-8")
    return path


def test_a_short_line_is_refused_not_filled(root, monkeypatch):
    path = write_surveys(
        root,
        "S0001,T0001,seef,walk_in,wage_support,007,2024-01-07 09:00:00,5,10,7,Fine\n",
        "S0002,,virtual,eservices,,,2024-01-09 12:00:00,3\n",           # line 3: nps, ces and comment lacking
        "\n",                                                            # line 4: a blank line is no row
        "   \n",                                                         # line 5: nor is a line of spaces
        "S0005,,mars,eservices,,,2024-01-09 12:00:00,3,,,\n",            # line 6: still checked
    )
    assert readers.read_csv_fast(path) is None  # the fast reader never fills a short line: pandas reads it
    expected = [("data/raw/2024-01/surveys.csv", 3, "", ""), ("data/raw/2024-01/surveys.csv", 6, "centre_id", "mars")]
    result = ingest.ingest_month("2024-01", root)
    assert problems_as_tuples(result) == expected
    assert result.problems[0].rule_id == "file.short" and result.problems[0].detail == "expected 11 fields, saw 8"
    assert 'data/raw/2024-01/surveys.csv: 1 row, A line of a .csv file with fewer fields than the header is refused' \
        in result.report()
    monkeypatch.setattr(readers, "read_csv_fast", lambda path: None)  # the same through pandas alone
    assert problems_as_tuples(ingest.ingest_month("2024-01", root)) == expected


def test_a_short_line_is_refused_by_the_pandas_reader_when_the_file_is_not_plain(root):
    # a second byte-order mark sends the file to pandas, whatever its lines
    path = write_surveys(root, "S0001,T0001,seef,walk_in,wage_support,007,2024-01-07 09:00:00,5,10,7,Fine\n",
                         "S0002,,virtual,eservices,,,2024-01-09 12:00:00\n")
    path.write_bytes("\ufeff\ufeff".encode("utf-8") + path.read_bytes())
    header, body, problems = readers.read_csv(path, "s.csv")
    assert [(p.line, p.rule_id, p.detail) for p in problems] == [(3, "file.short", "expected 11 fields, saw 7")]
    assert list(body.index) == [2]  # the short line is not passed on to the cell checks


def test_xlsx_absent_trailing_cells_are_empty_cells(root):
    """A workbook stores no empty cell, so a row with its last cells empty cannot be told from a
    short row: .xlsx rows are read with absent cells empty, and the contract's rules judge them."""
    folder = raw_month(root, "2024-01")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(SURVEYS_HEADER.strip().split(","))
    ws.append(["S0001", "T0001", "seef", "walk_in", "wage_support", "007", "2024-01-07 09:00:00", 5])
    ws.append(["S0002", None, "virtual", "eservices", None, None, "2024-01-09 12:00:00"])  # csat absent
    wb.save(folder / "surveys.xlsx")
    (folder / "surveys.csv").unlink()
    result = ingest.ingest_month("2024-01", root)
    assert problems_as_tuples(result) == [("data/raw/2024-01/surveys.xlsx", 3, "csat", "")]
    assert "csat must not be empty" in result.problems[0].rule


# --- declared tables ------------------------------------------------------------------------------
def test_an_entity_without_surveys_feedback_or_self_assessment_needs_only_tickets_and_staff(tmp_path):
    root = make_root(tmp_path)
    set_entity(root, tables=[], criteria=[])  # and no criteria catalogue at all
    for month in ("2024-01", "2024-02"):
        for table in ("surveys", "feedback", "self_assessment"):
            (raw_month(root, month) / f"{table}.csv").unlink()
    results = ingest.ingest_all(root)
    assert [r.ok for r in results] == [True, True], results[0].report()
    assert results[0].rows == {"tickets": 3, "staff": 3}
    assert sorted(p.name for p in (root / "data" / "processed" / "2024-01").iterdir()) == [
        "_ingest.json", "_originals", "staff.parquet", "tickets.parquet"]


def test_a_file_of_an_undeclared_table_is_reported(tmp_path):
    root = make_root(tmp_path)
    set_entity(root, tables=["surveys"])
    shutil.copy(FIXTURES / "feedback_updates.csv", raw_month(root, "2024-01") / "feedback_updates.csv")
    result = ingest.ingest_month("2024-01", root)
    got = [(p.file, p.rule_id, p.detail) for p in result.problems]
    assert got == [(f"data/raw/2024-01/{t}.csv", "file.undeclared", f"{t} is not declared")
                   for t in ("feedback", "feedback_updates", "self_assessment")]
    assert "declare this table there, or remove the file" in result.problems[0].rule
    assert not (root / "data" / "processed").exists()


def test_a_declared_table_is_required_every_month(tmp_path):
    root = make_root(tmp_path)
    set_entity(root, tables=["surveys", "feedback"])
    (raw_month(root, "2024-01") / "self_assessment.csv").unlink()
    (raw_month(root, "2024-01") / "surveys.csv").unlink()
    result = ingest.ingest_month("2024-01", root)
    assert [(p.file, p.rule_id, p.detail) for p in result.problems] == [
        ("data/raw/2024-01/surveys.csv", "file.missing", "no surveys.csv or surveys.xlsx")]


def test_an_unknown_table_in_config_is_one_config_problem(tmp_path):
    root = make_root(tmp_path)
    set_entity(root, tables=["surveys", "complaints"])
    result = ingest.ingest_month("2024-01", root)
    assert [(p.file, p.line) for p in result.problems] == [("config/entity.yaml", None)]
    assert "complaints" in result.problems[0].rule


def test_the_criteria_catalogue_is_needed_only_when_the_self_assessment_has_rows(tmp_path):
    root = make_root(tmp_path)
    set_entity(root, criteria=[])
    path = raw_month(root, "2024-01") / "self_assessment.csv"
    rows = path.read_text(encoding="utf-8")
    path.write_text(rows.splitlines()[0] + "\n", encoding="utf-8")  # the header only
    assert ingest.ingest_month("2024-01", root).ok
    path.write_text(rows, encoding="utf-8")
    result = ingest.ingest_month("2024-01", root)
    assert [(p.file, p.column, p.rule_id) for p in result.problems] == [("config/entity.yaml", "criteria", "config.catalogue")]
    assert "no criteria catalogue is in force in 2024-01" in result.problems[0].rule


# --- the full list of problems --------------------------------------------------------------------
def test_a_rejection_writes_only_the_full_list_and_an_accepted_ingest_removes_it(root):
    path = raw_month(root, "2024-01") / "tickets.csv"
    replace_in(path, "2024-01-07 08:05:00", "2024-01-32 08:05:00")   # line 2
    replace_in(path, "T0003,virtual", "T0003,mars")                  # line 3
    replace_in(path, "T0002,", "T0001,")                             # line 4
    before = tree_hashes(root)
    result = ingest.ingest_month("2024-01", root)
    assert not result.ok
    listing = root / "reports" / ".ingest" / "2024-01-problems.csv"
    assert result.problems_file == "reports/.ingest/2024-01-problems.csv"
    after = tree_hashes(root)
    assert {k: v for k, v in after.items() if k not in before} == {
        "reports": "dir", "reports/.ingest": "dir", "reports/.ingest/2024-01-problems.csv": after["reports/.ingest/2024-01-problems.csv"]}
    assert all(after[k] == v for k, v in before.items())
    rows = pd.read_csv(listing, dtype=str, keep_default_na=False)
    assert list(rows.columns) == ["file", "line", "column", "value", "rule"]
    assert rows.values.tolist() == [[p.file, "" if p.line is None else str(p.line), p.column, p.value, p.rule]
                                    for p in result.problems]
    assert [tuple(r[:4]) for r in rows.values.tolist()] == [
        ("data/raw/2024-01/tickets.csv", "2", "created_at", "2024-01-32 08:05:00"),
        ("data/raw/2024-01/tickets.csv", "3", "centre_id", "mars"),
        ("data/raw/2024-01/tickets.csv", "4", "ticket_id", "T0001"),
    ]
    first = listing.read_bytes()
    assert ingest.ingest_month("2024-01", root).problems_file and listing.read_bytes() == first  # same bytes again

    shutil.copy(FIXTURES / "months" / "2024-01" / "tickets.csv", raw_month(root, "2024-01") / "tickets.csv")
    result = ingest.ingest_month("2024-01", root)
    assert result.ok and result.problems_file is None
    assert not listing.exists()


def test_an_unchanged_month_also_removes_a_stale_list(root):
    assert ingest.ingest_month("2024-01", root).ok
    good = (raw_month(root, "2024-01") / "tickets.csv").read_bytes()
    shutil.copy(FIXTURES / "tickets_bad.csv", raw_month(root, "2024-01") / "tickets.csv")
    assert not ingest.ingest_month("2024-01", root).ok
    listing = ingest_report.problems_path("2024-01", root)
    assert listing.is_file()
    (raw_month(root, "2024-01") / "tickets.csv").write_bytes(good)  # the correction withdrawn
    result = ingest.ingest_month("2024-01", root)
    assert result.status == "unchanged" and not listing.exists()


def test_no_list_for_a_month_that_is_not_there(root):
    for label in ("2024-05", "../../etc", "2024-13"):
        assert not ingest.ingest_month(label, root).ok
    assert not (root / "reports").exists()


def test_control_characters_are_shown_escaped(root):
    path = raw_month(root, "2024-01") / "tickets.csv"
    text = path.read_text(encoding="utf-8")
    text = text.replace("T0001,seef,", "T0001,se\x00ef,").replace("T0003,virtual,", 'T0003,"vir\ttu\nal\rx",')
    path.write_bytes(text.encode("utf-8"))
    result = ingest.ingest_month("2024-01", root)
    assert [p.value for p in result.problems] == ["se\x00ef", "vir\ttu\nal\rx"]  # the values themselves stay raw
    report = result.report()
    assert 'value "se\\x00ef"' in report and 'value "vir\\ttu\\nal\\rx"' in report
    assert not any(c in report for c in "\x00\t\r")
    listing = (root / result.problems_file).read_bytes()
    assert b"se\\x00ef" in listing and b"vir\\ttu\\nal\\rx" in listing
    assert not any(c in listing for c in b"\x00\t\r") and listing.count(b"\n") == 3


def test_escaping_leaves_arabic_and_its_direction_marks():
    assert ingest_report.escape_controls("شكرا\u200f \x7f\x85\u2028") == "شكرا\u200f \\x7f\\x85\\u2028"
