"""``verify``: rebuild a period in a clean root and compare it with its manifest.

The fast tests replace ingest+run (``verify.rebuild``) and the store (``period_inputs``)
with stand-ins whose outputs are a plain function of the raw files, so the expected verdicts
can be read off the test. The e2e tests at the end use the real pipeline on a small demo.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest

from helpers import cli
from helpers.base.config import load_config
from helpers.base.paths import get_paths
from helpers.base.periods import parse
from helpers.data import ingest, originals
from helpers.demo import generate as demo
from helpers.base.files import sha256_file
from helpers.pipeline import ledger, manifest, runner, verify


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def standin_inputs(period: str, root=None) -> list[dict]:
    """As ``store.inputs``: the raw files of months ≤ the period's month plus the registry."""
    paths = get_paths(root)
    if not (paths.processed / "ingested").exists():
        raise FileNotFoundError("no processed store")
    last = parse(period).month
    files = list(paths.raw.glob("*.csv"))
    files += [f for d in paths.raw.iterdir() if d.is_dir() and d.name <= last for f in d.glob("*.csv")]
    return [{"path": paths.rel(f), "sha256": hashlib.sha256(f.read_bytes()).hexdigest(),
             "rows": len(f.read_text().splitlines()) - 1} for f in files]


def standin_run(period: str, root, languages=("en",)) -> None:
    """Ingest and run: a table counting each input's rows, and a notebook showing the total."""
    paths = get_paths(root)
    if any("BAD" in f.read_text() for f in paths.raw.rglob("*.csv")):
        raise ValueError("data/raw/2024-02/tickets.csv, line 3, column ticket_id: value 'BAD' is not an id")
    (paths.processed / "ingested").mkdir(parents=True, exist_ok=True)
    inputs = sorted(standin_inputs(period, root), key=lambda r: r["path"])
    out = paths.period_reports(period)
    write(out / "tables" / "counts.csv", "path,rows\n" + "".join(f"{i['path']},{i['rows']}\n" for i in inputs))
    for lang in languages:
        nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {"papermill": {"start_time": "now"}},
              "cells": [{"cell_type": "code", "id": "c1", "execution_count": 1, "source": ["total"],
                         "metadata": {"execution": {"iopub.execute_input": "now"}},
                         "outputs": [{"output_type": "stream", "name": "stdout",
                                      "text": [f"{sum(i['rows'] for i in inputs)} rows from {paths.root}\n"]}]}]}
        write(out / lang / "01_overview.ipynb", json.dumps(nb))
    manifest.write_manifest(period, root, {"langs": list(languages), "root": "."}, out)


@pytest.fixture
def standin_root(tmp_path, monkeypatch):
    """Two raw months, config, and both months run and recorded with the stand-ins."""
    root = tmp_path / "root"
    write(root / "config" / "entity.yaml", "version: '1'\n")
    write(root / "data" / "raw" / "initiatives.csv", "initiative_id\nI1\n")
    write(root / "data" / "raw" / "2024-01" / "tickets.csv", "ticket_id\nT1\nT2\n")
    write(root / "data" / "raw" / "2024-02" / "tickets.csv", "ticket_id\nT3\n")
    for module in (manifest, verify):  # the manifest is written with them and verify reads with them
        monkeypatch.setattr(module, "period_inputs", standin_inputs)
        monkeypatch.setattr(module, "git_state", lambda repo=None: {"commit": "c" * 40, "clean": True})
    monkeypatch.setattr(verify, "rebuild", lambda period, work, langs, **kw: standin_run(period, work, langs))
    for period in ("2024-01", "2024-02"):
        standin_run(period, root, ("en", "ar"))
        # recorded as the runner records a publication
        recorded = sha256_file(get_paths(root).period_reports(period) / "manifest.json")
        ledger.append(ledger.new_entry(period, 1, recorded, "first publication"), root)
    return root


def test_an_untouched_period_verifies_identical(standin_root):
    result = verify.verify("2024-02", standin_root)
    assert result.ok and result.exit_code == 0
    # counts.csv and the two notebooks
    assert result.report() == ("2024-02: 3 of 3 outputs identical\n"
                               "  3 of 3 published files match the manifest")
    assert result.identical == ["ar/01_overview.ipynb", "en/01_overview.ipynb", "tables/counts.csv"]


def test_verify_leaves_the_published_period_and_no_temporary_root(standin_root, tmp_path, monkeypatch):
    made = []
    real = verify.tempfile.mkdtemp
    monkeypatch.setattr(verify.tempfile, "mkdtemp", lambda **kw: made.append(real(dir=tmp_path, **kw)) or made[-1])
    before = (standin_root / "reports" / "2024-02" / "manifest.json").read_bytes()
    assert verify.verify("2024-02", standin_root).ok
    assert (standin_root / "reports" / "2024-02" / "manifest.json").read_bytes() == before
    assert made and not Path(made[0]).exists()


def test_one_changed_byte_in_a_raw_file_fails_that_month_and_names_the_file(standin_root):
    raw = standin_root / "data" / "raw" / "2024-02" / "tickets.csv"
    raw.write_text("ticket_id\nT4\n")  # T3 -> T4: same rows, one byte
    result = verify.verify("2024-02", standin_root)
    assert not result.ok and result.exit_code == 1
    assert [c["path"] for c in result.inputs_changed] == ["data/raw/2024-02/tickets.csv"]
    assert "input changed: data/raw/2024-02/tickets.csv" in result.report()
    # the month before does not read it and still verifies
    assert verify.verify("2024-01", standin_root).ok


def test_a_corrected_earlier_month_shows_in_every_period_that_reads_it(standin_root):
    (standin_root / "data" / "raw" / "2024-01" / "tickets.csv").write_text("ticket_id\nT1\n")
    for period in ("2024-01", "2024-02"):
        result = verify.verify(period, standin_root)
        assert not result.ok
        # one row fewer: the table and both notebooks (which print the total) differ
        assert result.differing == ["ar/01_overview.ipynb", "en/01_overview.ipynb", "tables/counts.csv"]
        report = result.report()
        assert f"{period}: NOT verified: 0 of 3 outputs identical" in report
        assert "input changed: data/raw/2024-01/tickets.csv" in report and "rows 2 → 1" in report


def test_a_file_added_to_a_read_month_is_named(standin_root):
    write(standin_root / "data" / "raw" / "2024-01" / "surveys.csv", "response_id\nR1\n")
    result = verify.verify("2024-01", standin_root)
    assert not result.ok
    assert "input added: data/raw/2024-01/surveys.csv (not in the manifest)" in result.report()
    # one more row: the table and both notebooks' totals (2 + 1 → 2 + 1 + 1) differ
    assert result.extra == []
    assert result.differing == ["ar/01_overview.ipynb", "en/01_overview.ipynb", "tables/counts.csv"]


def test_a_later_month_changes_nothing_for_an_earlier_one(standin_root):
    write(standin_root / "data" / "raw" / "2024-03" / "tickets.csv", "ticket_id\nT5\n")
    before = (standin_root / "reports" / "2024-02" / "manifest.json").read_bytes()
    assert verify.verify("2024-02", standin_root).ok
    assert manifest.up_to_date("2024-02", standin_root)
    assert (standin_root / "reports" / "2024-02" / "manifest.json").read_bytes() == before


def test_a_failed_rebuild_still_names_the_changed_file(standin_root):
    raw = standin_root / "data" / "raw" / "2024-02" / "tickets.csv"
    raw.write_text("ticket_id\nT3\nBAD\n")
    result = verify.verify("2024-02", standin_root)
    assert not result.ok
    report = result.report()
    assert "rebuild failed: data/raw/2024-02/tickets.csv, line 3, column ticket_id" in report
    assert "input changed: data/raw/2024-02/tickets.csv" in report
    assert result.missing == ["ar/01_overview.ipynb", "en/01_overview.ipynb", "tables/counts.csv"]
    # nothing was rebuilt: one line says so, not one per output
    assert "missing from rebuild: all 3 outputs" in report and "missing from rebuild: tables" not in report


def test_config_code_commit_and_lock_differences_are_reported(standin_root, monkeypatch):
    write(standin_root / "config" / "entity.yaml", "version: '2'\n")
    monkeypatch.setattr(verify, "code_hash", lambda: {"sha256": "d" * 64, "files": 1})
    monkeypatch.setattr(verify, "git_state", lambda repo=None: {"commit": "e" * 40, "clean": False})
    monkeypatch.setattr(verify, "lock_hash", lambda: {"file": "uv.lock", "sha256": "f" * 64})
    result = verify.verify("2024-02", standin_root)
    # the stand-in outputs do not depend on config or code: identical, with notes saying why it matters
    assert result.ok
    report = result.report()
    assert report.startswith("2024-02: 3 of 3 outputs identical")
    assert "config changed: config/entity.yaml" in report
    assert f"code commit differs: {'c' * 12} → {'e' * 12}" in report
    assert f"code differs: src/helpers and notebooks hash" in report and f"→ {'d' * 12}" in report
    assert f"lock file differs: uv.lock" in report and f"→ {'f' * 12}" in report


def test_a_non_deterministic_output_is_blamed_on_its_producer(standin_root, monkeypatch):
    def flaky(period, work, langs, **kw):
        standin_run(period, work, langs)
        write(get_paths(work).period_reports(period) / "figures" / "en" / "x.svg", "<svg id='random'/>")
        write(get_paths(work).period_reports(period) / "tables" / "counts.csv", "changed\n")

    monkeypatch.setattr(verify, "rebuild", flaky)
    result = verify.verify("2024-02", standin_root)
    assert not result.ok
    assert result.differing == ["tables/counts.csv"] and result.extra == ["figures/en/x.svg"]
    report = result.report()
    assert "differs: tables/counts.csv" in report and "not in manifest: figures/en/x.svg" in report
    assert "not deterministic" in report


def test_a_period_without_a_manifest_is_not_verified(standin_root):
    result = verify.verify("2023-12", standin_root)
    assert not result.ok
    assert result.report() == ("2023-12: NOT verified: no manifest at reports/2023-12/manifest.json; "
                               "run `goldbook run 2023-12` first")


def test_a_fresh_clone_verifies_against_the_published_manifest(standin_root, tmp_path):
    published = tmp_path / "published" / "manifest.json"
    published.parent.mkdir()
    shutil.copy(standin_root / "reports" / "2024-02" / "manifest.json", published)
    shutil.rmtree(standin_root / "reports")  # reports are not in git: a clone has only raw files and config
    assert verify.verify("2024-02", standin_root, manifest=published).ok
    wrong = verify.verify("2024-01", standin_root, manifest=published)
    assert not wrong.ok and "the manifest given is for 2024-02, not 2024-01" in wrong.report()


# --- the published files: reports/<period>/ against the manifest ----------------------------------

def edit_published_table(root: Path, period: str = "2024-02") -> None:
    """Change one number in the published counts table (2024-02: tickets.csv has 1 row → 2)."""
    table = root / "reports" / period / "tables" / "counts.csv"
    text = table.read_text()
    assert "data/raw/2024-02/tickets.csv,1\n" in text
    table.write_text(text.replace("data/raw/2024-02/tickets.csv,1\n", "data/raw/2024-02/tickets.csv,2\n"))


def test_an_untouched_period_passes_published_only(standin_root):
    # its notebooks print the absolute root: they match because they are normalised as recorded
    assert str(standin_root) in (standin_root / "reports" / "2024-02" / "en" / "01_overview.ipynb").read_text()
    check = verify.verify_published("2024-02", standin_root)
    assert check.ok and check.exit_code == 0
    assert check.matching == ["ar/01_overview.ipynb", "en/01_overview.ipynb", "tables/counts.csv"]
    assert check.report() == "2024-02: 3 of 3 published files match the manifest"


def test_an_edited_published_table_fails_verify_and_is_named(standin_root):
    edit_published_table(standin_root)
    result = verify.verify("2024-02", standin_root)
    # the rebuild itself still matches the manifest: only the published copy was edited
    assert result.identical == ["ar/01_overview.ipynb", "en/01_overview.ipynb", "tables/counts.csv"]
    assert not result.ok and result.exit_code == 1
    assert result.published.edited == ["tables/counts.csv"]
    assert "  published file edited: tables/counts.csv" in result.report().splitlines()
    assert verify.verify("2024-01", standin_root).ok  # the other period is untouched


def test_an_edited_published_table_fails_published_only_and_is_named(standin_root):
    edit_published_table(standin_root)
    check = verify.verify_published("2024-02", standin_root)
    assert not check.ok and check.exit_code == 1
    assert check.report() == ("2024-02: NOT verified: 2 of 3 published files match the manifest\n"
                              "  published file edited: tables/counts.csv")


def test_a_deleted_and_an_added_published_file_are_named(standin_root):
    folder = standin_root / "reports" / "2024-02"
    (folder / "ar" / "01_overview.ipynb").unlink()
    write(folder / "tables" / "extra.csv", "a\n1\n")
    write(folder / "tables" / ".~lock.counts.csv#", "editor file\n")  # hidden: not an output
    check = verify.verify_published("2024-02", standin_root)
    assert (check.missing, check.extra, check.edited) == (["ar/01_overview.ipynb"], ["tables/extra.csv"], [])
    assert check.report().splitlines()[1:] == ["  published file missing: ar/01_overview.ipynb",
                                               "  published file not in manifest: tables/extra.csv"]
    result = verify.verify("2024-02", standin_root)
    assert not result.ok
    assert {"  published file missing: ar/01_overview.ipynb",
            "  published file not in manifest: tables/extra.csv"} <= set(result.report().splitlines())


def test_the_cli_published_only_flag_exits_1_on_an_edit_and_names_the_file(standin_root, capsys, monkeypatch):
    def no_rebuild(*args, **kwargs):
        raise AssertionError("--published-only must not rebuild")

    assert cli.main(["--root", str(standin_root), "verify", "--all", "--published-only"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == ["2024-01: 3 of 3 published files match the manifest",
                   "2024-02: 3 of 3 published files match the manifest",
                   "no _build/html here: the book's pages were not checked",
                   "verify: 2 of 2 periods identical"]
    edit_published_table(standin_root)
    assert cli.main(["--root", str(standin_root), "verify", "2024-02"]) == 1
    assert "  published file edited: tables/counts.csv" in capsys.readouterr().err.splitlines()
    monkeypatch.setattr(verify, "rebuild", no_rebuild)
    assert cli.main(["--root", str(standin_root), "verify", "2024-02", "--published-only"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "2024-02: NOT verified: 2 of 3 published files match the manifest",
        "  published file edited: tables/counts.csv"]
    assert cli.main(["--root", str(standin_root), "verify", "2024-01", "--published-only"]) == 0


def test_published_only_without_a_manifest_is_not_verified(standin_root):
    check = verify.verify_published("2023-12", standin_root)
    assert not check.ok and check.report() == (
        "2023-12: NOT verified: no manifest at reports/2023-12/manifest.json; run `goldbook run 2023-12` first")


def test_stage_sources_copies_config_registry_and_months_up_to_the_period(standin_root, tmp_path):
    write(standin_root / "data" / "raw" / "2024-03" / "tickets.csv", "ticket_id\nT5\n")
    work = tmp_path / "work"
    verify.stage_sources("2024-02", standin_root, work)
    copied = sorted(p.relative_to(work).as_posix() for p in work.rglob("*") if p.is_file())
    expected = ["config/entity.yaml", "data/raw/2024-01/tickets.csv", "data/raw/2024-02/tickets.csv",
                "data/raw/initiatives.csv"]
    if (verify.CODE_ROOT / "uv.lock").exists():
        expected.append("uv.lock")
    assert copied == sorted(expected)


# --- end to end on the shared small demo (tests/conftest.py) --------------------------------
@pytest.mark.e2e
def test_e2e_a_demo_month_verifies_identical(demo_run):
    result = verify.verify("2024-02", demo_run)
    assert result.ok, result.report()
    n = result.total
    # both languages' notebooks, tables and figures
    assert n > 6 and result.report().splitlines()[0] == f"2024-02: {n} of {n} outputs identical"


@pytest.mark.e2e
def test_e2e_one_byte_in_a_raw_file_fails_that_month_only(demo_run, tmp_path):
    root = tmp_path / "copy"
    shutil.copytree(demo_run, root, ignore=shutil.ignore_patterns(".ready"))
    victim = root / "data" / "raw" / "2024-02" / "tickets.csv"
    data = bytearray(victim.read_bytes())
    # one byte of the last customer reference (pseudonymous, shown nowhere): the file stays valid
    i = data.rindex(b",C-") + 4
    data[i] = ord("0") if data[i] != ord("0") else ord("1")
    victim.write_bytes(bytes(data))
    result = verify.verify("2024-02", root)
    assert not result.ok
    assert "input changed: data/raw/2024-02/tickets.csv" in result.report()
    assert verify.verify("2024-01", root).ok


@pytest.mark.e2e
def test_e2e_adding_a_later_month_leaves_earlier_periods_byte_identical(demo_run, tmp_path):
    root = tmp_path / "copy"
    shutil.copytree(demo_run, root, ignore=shutil.ignore_patterns(".ready"))

    def snapshot(period):
        folder = root / "reports" / period
        return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}

    # bring the copy up to date first (a no-op unless the code changed since the fixture ran)
    assert all(r.ok for r in runner.run_all(root, progress=lambda line: None))
    before = {p: snapshot(p) for p in ("2024-01", "2024-02")}
    fingerprints = {p: manifest.fingerprint(p, root) for p in before}
    demo.generate(get_paths(root).raw, cfg=load_config(root), seed=7, start="2024-03", end="2024-03", scale=0.05)
    assert all(r.ok for r in ingest.ingest_all(root))
    results = runner.run_all(root, progress=lambda line: None)
    assert all(r.ok for r in results), [r.message for r in results if not r.ok]
    assert "2024-03" in [r.period for r in results if r.status == "published"]
    for period, files in before.items():
        now = manifest.fingerprint(period, root)
        # as-of: the later month is in neither the inputs nor the config of an earlier period
        assert (now["inputs"], now["config"]) == (fingerprints[period]["inputs"], fingerprints[period]["config"])
        assert now == fingerprints[period], "the code changed while the test ran: run it again"
        # so the runner skipped it: manifest (volatile included), notebooks, tables, figures untouched
        assert snapshot(period) == files


# --- the two-chain ingest of a rebuild (real ingest, the shared two-month demo) ------------
def processed_files(root) -> dict[str, bytes]:
    processed = get_paths(root).processed
    return {p.relative_to(processed).as_posix(): p.read_bytes() for p in processed.rglob("*") if p.is_file()}


def staged_twice(source, tmp_path) -> tuple[Path, Path]:
    """2024-02's sources staged twice from ``source``: ``in_order`` ingested oldest first,
    ``chained`` left for ``ingest_clean``."""
    in_order, chained = tmp_path / "in_order", tmp_path / "chained"
    for work in (in_order, chained):
        verify.stage_sources("2024-02", source, work)
    assert all(r.ok for r in ingest.ingest_all(in_order))
    return in_order, chained


@pytest.fixture
def two_chains(monkeypatch):
    monkeypatch.setattr(verify, "PARALLEL_MIN_MONTHS", 2)  # the demo has two months: one per chain


@pytest.mark.e2e
def test_two_chain_ingest_equals_ingesting_in_order(demo_root, tmp_path, two_chains):
    in_order, chained = staged_twice(demo_root, tmp_path)
    notes = []
    verify.ingest_clean(chained, hint_root=demo_root, notes=notes)
    assert notes == []
    assert processed_files(chained) == processed_files(in_order)
    assert [p.name for p in tmp_path.iterdir()] and not list(tmp_path.glob("goldbook-verify-tail-*"))


@pytest.mark.e2e
def test_a_wrong_hint_is_caught_and_the_later_months_are_ingested_again(demo_copy, tmp_path, two_chains):
    in_order, chained = staged_twice(demo_copy, tmp_path)
    # the live store's January no longer matches its raw files (as if a ticket were dropped)
    tickets = get_paths(demo_copy).processed / "2024-01" / "tickets.parquet"
    tickets.write_bytes(tickets.read_bytes() + b"\0")
    notes = []
    verify.ingest_clean(chained, hint_root=demo_copy, notes=notes)
    assert len(notes) == 1 and "differs from a rebuild of 2024-01..2024-01 from raw" in notes[0]
    assert processed_files(chained) == processed_files(in_order)


@pytest.mark.e2e
def test_a_store_ingested_before_originals_were_kept_is_still_a_right_guess(demo_copy, tmp_path, two_chains):
    in_order, chained = staged_twice(demo_copy, tmp_path)
    kept = list(get_paths(demo_copy).processed.glob(f"*/{originals.ORIGINALS_DIR}"))
    assert kept
    for folder in kept:  # as in a store ingested before ingest kept the raw files' copies
        shutil.rmtree(folder)
    notes = []
    verify.ingest_clean(chained, hint_root=demo_copy, notes=notes)
    assert notes == []
    assert processed_files(chained) == processed_files(in_order)


@pytest.mark.e2e
def test_a_rejected_later_month_stops_the_rebuild_with_its_report(demo_copy, tmp_path, two_chains):
    tickets = get_paths(demo_copy).raw / "2024-02" / "tickets.csv"
    lines = tickets.read_text(encoding="utf-8").splitlines(keepends=True)
    tickets.write_text("".join(lines + [lines[-1]]), encoding="utf-8")  # a duplicated ticket id
    work = tmp_path / "work"
    verify.stage_sources("2024-02", demo_copy, work)
    with pytest.raises(RuntimeError, match="data/raw/2024-02/tickets.csv"):
        verify.ingest_clean(work, hint_root=demo_copy)


@pytest.mark.e2e
def test_a_second_process_that_cannot_start_falls_back_to_ingesting_in_order(demo_root, tmp_path, two_chains,
                                                                           monkeypatch):
    class NoProcess:  # as when no second interpreter can start
        def __init__(self, *args, **kwargs):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def submit(self, fn, *args):
            future = Future()
            future.set_exception(BrokenProcessPool("a child process terminated abruptly"))
            return future

    monkeypatch.setattr(verify, "ProcessPoolExecutor", NoProcess)
    in_order, chained = staged_twice(demo_root, tmp_path)
    notes = []
    verify.ingest_clean(chained, hint_root=demo_root, notes=notes)
    assert notes == ["the second ingest process failed (BrokenProcessPool); the later months were ingested in order"]
    assert processed_files(chained) == processed_files(in_order)
