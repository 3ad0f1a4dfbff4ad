"""Daily drops: a month that arrives day by day (``data/raw/YYYY-MM/YYYY-MM-DD/``).

The small demo (conftest ``DEMO``) is generated a second time with ``daily=True``: its last month,
2024-02, comes as one folder per day for tickets, surveys and feedback, with the roster and the
self-assessment as month files. ``daily_base`` holds it with 2024-01 ingested and 2024-02 not;
tests copy it before changing anything.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pandas as pd
import pytest

from helpers.base.paths import get_paths
from helpers.data import contract, ingest, store
from helpers.pipeline import runner, verify

MONTH = "2024-02"


def _sha256_tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# --- the demo ----------------------------------------------------------------------------------
def test_daily_demo_writes_one_folder_per_day_and_the_monthly_tables_as_month_files(daily_base, demo_root):
    raw, month_files = get_paths(daily_base).raw / MONTH, get_paths(demo_root).raw / MONTH
    days = sorted(d.name for d in raw.iterdir() if d.is_dir())
    assert days == [f"2024-02-{n:02d}" for n in range(1, 30)]  # 2024 is a leap year
    assert sorted(f.name for f in raw.iterdir() if f.is_file()) == ["self_assessment.csv", "staff.csv"]
    for name in ("staff.csv", "self_assessment.csv"):  # the month-level data: the same bytes
        assert (raw / name).read_bytes() == (month_files / name).read_bytes()
    for table in contract.DAY_TABLES:
        whole = pd.read_csv(month_files / f"{table}.csv", dtype=str, keep_default_na=False)
        parts = [pd.read_csv(raw / d / f"{table}.csv", dtype=str, keep_default_na=False) for d in days]
        union = pd.concat(parts, ignore_index=True)
        pd.testing.assert_frame_equal(union, whole)  # the same rows, in the month file's order
        dated = contract.TABLES[table].dated_by
        for day, part in zip(days, parts):
            assert (part[dated].str[:10] == day).all()


# --- the store reads the union as one month file ---------------------------------------------
def test_a_month_of_day_drops_reads_as_the_same_month_given_as_month_files(daily, demo_root):
    result = ingest.ingest_month(MONTH, daily)
    assert result.ok, result.report()
    assert store.by_days(MONTH, daily) and not store.by_days(MONTH, demo_root)
    assert len(store.day_drops(MONTH, daily)) == 29
    for table in contract.MONTH_TABLES:
        pd.testing.assert_frame_equal(store.read_month(table, MONTH, root=daily),
                                      store.read_month(table, MONTH, root=demo_root))
        for period in (MONTH, "2024"):
            pd.testing.assert_frame_equal(store.load(table, period, root=daily),
                                          store.load(table, period, root=demo_root))
        with store.connect(MONTH, daily) as a, store.connect(MONTH, demo_root) as b:
            pd.testing.assert_frame_equal(a.execute(f"SELECT * FROM {table}").df(),
                                          b.execute(f"SELECT * FROM {table}").df())
    # a second ingest of the month finds nothing new
    again = ingest.ingest_month(MONTH, daily)
    assert again.ok and again.status == "unchanged"


def test_a_day_reads_the_drops_up_to_it_and_the_roster_only(daily):
    assert ingest.ingest_day("2024-02-05", daily).ok
    inputs = [i["path"] for i in store.inputs("2024-02-03", daily) if "scope" not in i]
    feb = [p for p in inputs if p.startswith(f"data/raw/{MONTH}/")]
    assert feb == [f"data/raw/{MONTH}/staff.csv"] + [f"data/raw/{MONTH}/2024-02-0{d}/{t}.csv"
                                                     for d in (1, 2, 3) for t in contract.DAY_TABLES]
    tickets = store.load("tickets", "2024-02-03", root=daily)
    feb_tickets = tickets[tickets["created_at"] >= pd.Timestamp("2024-02-01")]
    raw = get_paths(daily).raw / MONTH
    expected = sum(len(pd.read_csv(raw / f"2024-02-0{d}" / "tickets.csv")) for d in (1, 2, 3))
    assert len(feb_tickets) == expected > 0
    # the month-end table does not count before the month's end; the previous month's does
    assert set(store.load("self_assessment", "2024-02-03", root=daily)["month"]) == {"2024-01"}


def test_a_day_drop_gone_from_raw_is_removed_from_the_store_with_nothing_left_behind(daily):
    raw = get_paths(daily).raw / MONTH
    last = sorted(p.name for p in raw.iterdir() if p.is_dir())[-1]
    assert ingest.ingest_month(MONTH, daily).ok
    assert last in store.day_drops(MONTH, daily)
    shutil.move(str(raw / last), str(daily / "moved-away"))
    result = ingest.ingest_month(MONTH, daily)
    assert result.ok, result.report()
    assert f"Day drop {last} is gone from data/raw/{MONTH}/: removed its stored copy." in result.notes
    assert last not in store.day_drops(MONTH, daily)
    days = get_paths(daily).processed / MONTH / store.DAYS_DIR
    assert sorted(p.name for p in days.iterdir()) == store.day_drops(MONTH, daily)   # no hidden leftover


# --- refusals ---------------------------------------------------------------------------------
def test_a_table_as_both_month_file_and_day_files_is_refused_naming_the_files(daily, demo_root):
    shutil.copy(get_paths(demo_root).raw / MONTH / "tickets.csv", get_paths(daily).raw / MONTH / "tickets.csv")
    result = ingest.ingest_month(MONTH, daily)
    assert not result.ok
    both = [p for p in result.problems if p.rule_id == "file.both"]
    assert [p.file for p in both] == [f"data/raw/{MONTH}/tickets.csv"]
    assert f"data/raw/{MONTH}/2024-02-01/tickets.csv" in both[0].detail
    assert "tickets.csv" in result.report() and not (get_paths(daily).processed / MONTH).exists()


def test_a_day_folder_outside_its_month_is_refused(daily):
    stray = get_paths(daily).raw / MONTH / "2024-03-01"
    stray.mkdir()
    shutil.copy(get_paths(daily).raw / MONTH / "2024-02-01" / "tickets.csv", stray / "tickets.csv")
    result = ingest.ingest_day("2024-02-02", daily)
    assert not result.ok
    assert [(p.file, p.rule_id, p.value) for p in result.problems] == [
        (f"data/raw/{MONTH}/2024-03-01", "folder.day", "2024-03-01")]
    assert "a day of 2024-03, not of 2024-02" in result.report()
    assert not (get_paths(daily).processed / MONTH).exists()


def test_a_row_dated_on_another_day_is_refused_with_its_line(daily):
    path = get_paths(daily).raw / MONTH / "2024-02-05" / "tickets.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3] = lines[3].replace("2024-02-05 ", "2024-02-09 ", 1)  # spreadsheet line 4: created_at
    path.write_text("".join(lines), encoding="utf-8")
    result = ingest.ingest_day("2024-02-05", daily)
    assert not result.ok and result.month == "2024-02-05"
    rows = [(p.line, p.column, p.rule_id) for p in result.problems]
    assert (4, "created_at", "row.in_day") in rows
    assert all(p.file == f"data/raw/{MONTH}/2024-02-05/tickets.csv" for p in result.problems)
    # the days before it stay stored; day 5 wrote nothing
    assert store.day_drops(MONTH, daily) == ["2024-02-01", "2024-02-02", "2024-02-03", "2024-02-04"]
    assert "The day drops before it were stored: 2024-02-01, 2024-02-02, 2024-02-03, 2024-02-04." in result.report()
    assert (get_paths(daily).reports / ".ingest" / "2024-02-05-problems.csv").is_file()


def test_an_id_repeated_in_an_earlier_day_is_refused(daily):
    raw = get_paths(daily).raw / MONTH
    first = pd.read_csv(raw / "2024-02-04" / "surveys.csv", dtype=str, keep_default_na=False)
    path = raw / "2024-02-05" / "surveys.csv"
    second = pd.read_csv(path, dtype=str, keep_default_na=False)
    second.loc[0, "response_id"] = first.loc[0, "response_id"]
    second.to_csv(path, index=False)
    result = ingest.ingest_day("2024-02-05", daily)
    assert not result.ok
    assert [(p.line, p.column, p.rule_id, p.detail) for p in result.problems] == [
        (2, "response_id", "row.day_unique", "already in 2024-02-04")]


def test_a_ticket_id_of_an_earlier_day_is_refused_as_across_months(daily):
    raw = get_paths(daily).raw / MONTH
    first = pd.read_csv(raw / "2024-02-04" / "tickets.csv", dtype=str, keep_default_na=False)
    path = raw / "2024-02-05" / "tickets.csv"
    second = pd.read_csv(path, dtype=str, keep_default_na=False)
    second.loc[0, "ticket_id"] = first.loc[0, "ticket_id"]
    second.to_csv(path, index=False)
    result = ingest.ingest_day("2024-02-05", daily)
    assert not result.ok
    assert [(p.line, p.column, p.detail) for p in result.problems] == [(2, "ticket_id", "already in 2024-02-04")]


def test_verify_stages_only_the_drops_a_day_read(daily, tmp_path):
    (get_paths(daily).raw / MONTH / "2024-02-20" / ".lock").write_text("x")
    work = tmp_path / "work"
    verify.stage_sources("2024-02-03", daily, work)
    staged = get_paths(work).raw / MONTH
    assert sorted(p.name for p in staged.iterdir()) == ["2024-02-01", "2024-02-02", "2024-02-03", "staff.csv"]
    whole = tmp_path / "whole"
    verify.stage_sources(MONTH, daily, whole)
    assert len([p for p in (get_paths(whole).raw / MONTH).iterdir() if p.is_dir()]) == 29
    assert (get_paths(whole).raw / MONTH / "self_assessment.csv").is_file()


# --- acceptance -------------------------------------------------------------------------------
@pytest.mark.e2e
def test_a_published_day_never_changes_when_later_days_arrive(daily):
    assert ingest.ingest_day("2024-02-03", daily).ok
    done = runner.run_period("2024-02-03", root=daily)
    assert getattr(done, "ok", True), done
    published = get_paths(daily).period_reports("2024-02-03")
    before = _sha256_tree(published)
    assert "manifest.json" in before and len(before) > 1
    for n in range(4, 11):
        result = ingest.ingest_day(f"2024-02-{n:02d}", daily)
        assert result.ok, result.report()
    assert store.day_drops(MONTH, daily)[-1] == "2024-02-10"
    assert _sha256_tree(published) == before
    again = runner.run_period("2024-02-03", root=daily)  # nothing it read changed: skipped
    assert _sha256_tree(published) == before and getattr(again, "ok", True)
    checked = verify.verify("2024-02-03", daily)
    assert checked.ok, checked.report()
    assert checked.total == len(before) - 1
