"""The ``goldbook`` command line: help, argument checks, exit codes, one-line user errors."""

from __future__ import annotations

import functools
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_runner import make_bare, use

from helpers import cli
from helpers.base.paths import CODE_ROOT
from helpers.book import build
from helpers.book.toc import BookError
from helpers.pipeline import runner
from helpers.pipeline import verify as verify_module

COMMANDS = ("demo-data", "ingest", "run", "build", "verify", "status")


def goldbook(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def digest_tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# --- help and arguments ------------------------------------------------------------------------

def test_help_lists_every_command_with_a_sentence():
    done = subprocess.run([sys.executable, "-m", "helpers.cli", "--help"], capture_output=True, text=True)
    assert done.returncode == 0
    listing = done.stdout.split("COMMAND\n", 1)[1].split("\noptions:", 1)[0]
    words = listing.split()
    starts = [words.index(command) for command in COMMANDS]
    assert starts == sorted(starts)
    for here, after in zip(starts, starts[1:] + [len(words)]):
        assert after - here > 5, words[here:after]      # the command, then a sentence about it


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_has_its_own_help(command, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main([command, "--help"])
    assert stop.value.code == 0
    assert "usage: goldbook " + command in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["run"], ["ingest"], ["verify"], ["run", "2024-01", "--all"]])
def test_period_or_all_is_required(argv, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(argv)
    assert stop.value.code == 2
    assert "give a PERIOD or --all" in capsys.readouterr().err


# --- user errors: one line, no traceback -------------------------------------------------------

@pytest.mark.parametrize("argv, expected", [
    (["run", "2024-13"], "goldbook run: '2024-13' is not a real month"),
    (["run", "March"], "goldbook run: 'March' is not a period"),
    (["verify", "2024-1"], "goldbook verify: '2024-1' is not a period"),
    (["ingest", "--all"], "goldbook ingest: no month folder (YYYY-MM) under data/raw/"),
    (["run", "2024-03"], "goldbook run: 2024-03 needs processed data for 2024-03: run `goldbook ingest 2024-03` first"),
    (["run", "--all"], "goldbook run: no processed month yet"),
    (["verify", "--all"], "goldbook verify: no published period"),
    (["demo-data", "--start", "2024-W01"], "goldbook demo-data: --start 2024-W01: give a month, YYYY-MM"),
])
def test_user_errors_are_one_clear_line(tmp_path, capsys, argv, expected):
    shutil.copytree(CODE_ROOT / "config", tmp_path / "config")
    code, out, err = goldbook(capsys, "--root", tmp_path, *argv)
    assert code == 1
    assert err.startswith(expected), err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_demo_data_refuses_to_overwrite_real_months(tmp_path, capsys):
    shutil.copytree(CODE_ROOT / "config", tmp_path / "config")
    (tmp_path / "data/raw/2024-01").mkdir(parents=True)
    code, _, err = goldbook(capsys, "--root", tmp_path, "demo-data", "--start", "2024-01", "--end", "2024-01")
    assert code == 1 and "not demo data" in err
    assert list((tmp_path / "data/raw/2024-01").iterdir()) == []


def test_demo_data_is_identical_for_the_same_seed(tmp_path, capsys):
    shutil.copytree(CODE_ROOT / "config", tmp_path / "config")
    for name in ("a", "b"):
        code, out, _ = goldbook(capsys, "--root", tmp_path, "demo-data", "--seed", "7", "--start", "2024-03",
                                "--end", "2024-03", "--scale", "0.02", "--out", tmp_path / name / "raw")
        assert code == 0 and out.startswith("demo data: 1 months (2024-03 … 2024-03)")
    first, second = digest_tree(tmp_path / "a"), digest_tree(tmp_path / "b")
    assert "raw/2024-03/tickets.csv" in first and "truth/demo_truth.json" in first
    assert first == second
    # the marker that tells `make clean-demo` which months are generated
    marker = json.loads((tmp_path / "a/raw" / cli.DEMO_MARKER).read_text())
    assert marker["months"] == ["2024-03"] and marker["seed"] == 7


# --- ingest ------------------------------------------------------------------------------------

@pytest.mark.e2e
def test_ingest_rejects_bad_tickets_in_one_report_and_writes_nothing(demo_copy, capsys):
    tickets = demo_copy / "data/raw/2024-02/tickets.csv"
    lines = tickets.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    col = {name: i for i, name in enumerate(header)}

    def edit(line_no: int, **values) -> None:      # line_no as a spreadsheet shows it (header = 1)
        cells = lines[line_no - 1].rstrip("\n").split(",")
        for name, value in values.items():
            cells[col[name]] = value
        lines[line_no - 1] = ",".join(cells) + "\n"

    edit(3, created_at="2024-02-30 09:15:00")
    edit(5, centre_id="nowhere")
    edit(7, ticket_id=lines[7].split(",")[col["ticket_id"]])   # the ticket id of line 8
    tickets.write_text("".join(lines), encoding="utf-8")
    before = digest_tree(demo_copy / "data/processed")

    code, out, err = goldbook(capsys, "--root", demo_copy, "ingest", "2024-02")
    assert code == 1
    assert "2024-02: REJECTED" in err and "Traceback" not in err
    report = err.splitlines()
    for line_no, needle in ((3, "2024-02-30"), (5, "nowhere"), (7, "ticket_id")):
        assert any(f"line {line_no}" in l and needle in l for l in report), (line_no, err)
    assert digest_tree(demo_copy / "data/processed") == before


@pytest.mark.e2e
def test_status_shows_raw_and_ingested_months(demo_root, capsys):
    code, out, _ = goldbook(capsys, "--root", demo_root, "status")
    assert code == 0
    rows = [line.split() for line in out.splitlines()]
    assert rows[0] == ["period", "raw", "ingested", "report"]
    assert rows[1:] == [["2024-01", "yes", "yes", "-"], ["2024-02", "yes", "yes", "-"]]


# --- run, build, verify: what the command passes on and how it reports -------------------------

def test_run_passes_language_jobs_and_force(monkeypatch, capsys):
    seen = {}

    def run_all(root, **kw):
        seen.update(kw)
        return [runner.RunResult("2024-01", "published"), runner.RunResult("2024-02", "skipped")]

    monkeypatch.setattr(runner, "run_all", run_all)
    code, out, _ = goldbook(capsys, "run", "--all", "--lang", "ar", "--jobs", "1", "--force")
    assert code == 0
    assert seen == {"langs": ("ar",), "jobs": 1, "force": True}
    assert out.strip() == "run: 1 published, 1 skipped, 0 failed"


def test_failing_notebook_exits_1_with_the_runners_message(tmp_path, monkeypatch, capsys):
    state = make_bare(tmp_path, monkeypatch)
    use(state, "fails")
    monkeypatch.setattr(runner, "run_period",
                        functools.partial(runner.run_period, notebooks_dir=state.notebooks, progress=lambda l: None))
    code, out, err = goldbook(capsys, "--root", state.root, "run", "2024-01", "--lang", "en")
    assert code == 1
    assert err.startswith("2024-01 failed: notebooks/01_fails.ipynb (en), cell 4 ")
    assert "KeyError: 'tijjar'" in err and "Traceback" not in err
    assert not (state.root / "reports/2024-01").exists()


def test_build_error_is_one_message(monkeypatch, capsys):
    def broken(root=None, **kw):
        raise BookError("jupyter-book build failed (1); see the messages above")

    monkeypatch.setattr(build, "build_book", broken)
    code, _, err = goldbook(capsys, "build")
    assert (code, err) == (1, "goldbook build: jupyter-book build failed (1); see the messages above\n")


@pytest.mark.parametrize("differs", [False, True])
def test_verify_reports_and_exits_by_result(monkeypatch, capsys, differs):
    def verify(label, root, manifest=None, keep=False):
        result = verify_module.VerifyResult(period=label, identical=["en/01_overview.ipynb", "tables/a.csv"])
        if differs:
            result.differing = ["tables/b.csv"]
            result.inputs_changed = [{"path": "data/raw/2024-01/tickets.csv", "change": "changed",
                                      "recorded": {"sha256": "a" * 64, "rows": 3}, "current": {"sha256": "b" * 64, "rows": 3}}]
        return result

    monkeypatch.setattr(verify_module, "verify", verify)
    code, out, err = goldbook(capsys, "verify", "2024-01")
    if differs:
        assert code == 1 and "NOT verified: 2 of 3 outputs identical" in err
        assert "differs: tables/b.csv" in err and "data/raw/2024-01/tickets.csv" in err
    else:
        assert code == 0 and out.splitlines() == ["2024-01: 2 of 2 outputs identical",
                                                  "no _build/html here: the book's pages were not checked"]
