"""Editions: republishing a period whose raw inputs changed keeps the edition that was published
under ``reports/<period>/editions/<n>/``, records both in the ledger, and an earlier edition still
verifies against its own inputs (``goldbook verify PERIOD --edition N``).

The fast tests give the runner's publication step (``runner.stage_edition``) hand-made staged
folders; the e2e test corrects a csat value of the small demo (``demo_run``), ingests and runs.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from helpers import cli
from helpers.base.files import sha256_file
from helpers.data import ingest
from helpers.pipeline import ledger, manifest, runner, verify


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def fake_manifest(folder: Path, surveys_sha: str, code: str = "c1") -> Path:
    outputs = manifest.output_hashes(folder)
    return write(folder / "manifest.json", json.dumps({
        "run": {"period": "2024-05"}, "outputs": outputs, "code": {"sha256": code}, "config": {},
        "inputs": [{"path": "data/raw/2024-05/surveys.csv", "sha256": surveys_sha, "rows": 2}]}))


def publish(root: Path, table: str, surveys_sha: str, code: str = "c1") -> dict:
    """What ``runner._conclude`` does once the notebooks ran: staged folder, manifest, edition, swap."""
    staged = root / "reports" / ".staging-1-1" / "2024-05"
    write(staged / "tables" / "t.csv", table)
    fake_manifest(staged, surveys_sha, code)
    entry = runner.stage_edition("2024-05", root, staged)
    ledger.write_pending(entry, root)
    runner.swap_dir(staged, root / "reports" / "2024-05")
    return ledger.publish(entry, root)


def test_a_changed_input_makes_a_new_edition_and_keeps_the_old_one(tmp_path):
    first = publish(tmp_path, "a\n1\n", "1" * 64)
    assert (first["edition"], first["reason"]) == (1, "first publication")
    old_table = tmp_path / "reports" / "2024-05" / "tables" / "t.csv"
    old_manifest = (tmp_path / "reports" / "2024-05" / "manifest.json").read_bytes()
    second = publish(tmp_path, "a\n2\n", "2" * 64)
    assert (second["edition"], second["reason"]) == (2, "inputs changed")
    assert second["changed_inputs"] == [{"path": "data/raw/2024-05/surveys.csv", "before": "1" * 64, "after": "2" * 64}]
    kept = tmp_path / "reports" / "2024-05" / "editions" / "1"
    assert (kept / "tables" / "t.csv").read_text() == "a\n1\n" and (kept / "manifest.json").read_bytes() == old_manifest
    assert old_table.read_text() == "a\n2\n"
    # editions/ is not an output of the current edition
    assert manifest.output_hashes(tmp_path / "reports" / "2024-05") == {
        "tables/t.csv": hashlib.sha256(b"a\n2\n").hexdigest()}
    # a rerun with the same inputs (the code changed) republishes edition 2; edition 1 is carried over
    third = publish(tmp_path, "a\n2\n", "2" * 64, code="c2")
    assert (third["edition"], third["reason"], third["changed_inputs"]) == (2, "code changed, inputs unchanged", [])
    assert (kept / "manifest.json").read_bytes() == old_manifest
    assert [(e.number, e.current, e.folder) for e in ledger.editions("2024-05", tmp_path)] == [
        (1, False, "reports/2024-05/editions/1"), (2, True, "reports/2024-05")]
    assert ledger.check_ledger(tmp_path) == []
    assert manifest.audit_summary(tmp_path)[0]["editions"] == 2


def test_an_earlier_edition_passes_published_only_and_an_edit_in_it_is_named(tmp_path):
    publish(tmp_path, "a\n1\n", "1" * 64)
    publish(tmp_path, "a\n2\n", "2" * 64)
    assert verify.verify_published("2024-05", tmp_path, edition=1).report() == (
        "2024-05 edition 1: 1 of 1 published files match the manifest")
    assert verify.verify_published("2024-05", tmp_path).ok
    write(tmp_path / "reports" / "2024-05" / "editions" / "1" / "tables" / "t.csv", "a\n9\n")
    check = verify.verify_published("2024-05", tmp_path, edition=1)
    assert not check.ok and check.edited == ["tables/t.csv"]
    assert verify.verify_published("2024-05", tmp_path).ok   # the current edition is untouched


def test_a_forged_manifest_of_an_earlier_edition_is_named(tmp_path):
    publish(tmp_path, "a\n1\n", "1" * 64)
    publish(tmp_path, "a\n2\n", "2" * 64)
    folder = tmp_path / "reports" / "2024-05" / "editions" / "1"
    write(folder / "tables" / "t.csv", "a\n9\n")
    fake_manifest(folder, "1" * 64)
    check = verify.verify_published("2024-05", tmp_path, edition=1)
    assert check.edited == [] and check.ledger == [
        "reports/2024-05/editions/1/manifest.json is not the manifest the ledger names (ledger line 1)"]


def test_status_says_why_a_period_is_stale():
    recorded = {"run": {"period": "2024-05"}, "inputs": [
        {"path": "data/raw/2024-05/surveys.csv", "sha256": "1", "rows": 2},
        {"path": "data/raw/2024-04/tickets.csv", "sha256": "1", "rows": 2}],
        "config": {"config/entity.yaml": "e"}, "code": {"sha256": "c", "files": 3}, "lock": {"sha256": "l"}}
    now = {"period": "2024-05", "inputs": [
        {"path": "data/raw/2024-05/surveys.csv", "sha256": "2", "rows": 2},
        {"path": "data/raw/2024-04/tickets.csv", "sha256": "1", "rows": 2}],
        "config": {"config/entity.yaml": "e"}, "code": {"sha256": "d", "files": 3}, "lock": {"sha256": "l"}}
    assert cli.stale_reasons(recorded, now) == ["inputs changed (2024-05)", "code changed"]
    assert cli.stale_reasons(recorded, {**now, "inputs": recorded["inputs"], "code": recorded["code"]}) == []


# --- e2e: a corrected csat value of the small demo ----------------------------------------------
def correct_one_csat(root: Path, month: str) -> str:
    """Change the csat of the first survey answer with one (1..5 -> another value); the file's path."""
    path = root / "data" / "raw" / month / "surveys.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    header = lines[0].split(",")
    col = header.index("csat")
    for i, line in enumerate(lines[1:], start=1):
        cells = line.split(",")
        if len(cells) > col and cells[col] in {"1", "2", "3", "4", "5"}:
            cells[col] = "5" if cells[col] != "5" else "4"
            lines[i] = ",".join(cells)
            break
    path.write_text("\n".join(lines), encoding="utf-8")
    return f"data/raw/{month}/surveys.csv"


@pytest.mark.e2e
def test_e2e_a_correction_makes_edition_2_and_edition_1_still_verifies(demo_run, tmp_path, capsys):
    root = tmp_path / "demo"
    shutil.copytree(demo_run, root, ignore=shutil.ignore_patterns(".ready"))
    period = root / "reports" / "2024-01"
    assert ledger.current_edition("2024-01", root) == 1
    before = {p.relative_to(period).as_posix(): sha256_file(p) for p in period.rglob("*") if p.is_file()}
    surveys = correct_one_csat(root, "2024-01")
    original = [i["sha256"] for i in manifest.read_manifest("2024-01", root)["inputs"] if i["path"] == surveys][0]
    done = ingest.ingest_month("2024-01", root)
    assert done.ok, done.report()

    result = runner.run_period("2024-01", root, langs=("en",), progress=lambda line: None)
    assert result.status == "published", result.message
    # the published edition is kept as it was, manifest included
    kept = period / "editions" / "1"
    assert {p.relative_to(kept).as_posix(): sha256_file(p) for p in kept.rglob("*") if p.is_file()} == before
    entry = ledger.latest("2024-01", root)
    assert (entry["edition"], entry["reason"]) == (2, "inputs changed")
    assert entry["changed_inputs"] == [{"path": surveys, "before": original, "after": sha256_file(root / surveys)}]
    assert entry["superseded"] and entry["superseded"][0]["path"] == surveys
    assert entry["superseded"][0]["sha256"] == original
    assert set(manifest.read_manifest("2024-01", root)["outputs"]) == set(manifest.output_hashes(period))
    assert not any(p.startswith("editions/") for p in manifest.read_manifest("2024-01", root)["outputs"])

    # edition 1 rebuilds from its own inputs: the original surveys.csv, from the kept copy
    assert cli.main(["--root", str(root), "verify", "2024-01", "--edition", "1"]) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert out.startswith("2024-01 edition 1: ") and "outputs identical" in out
    assert "rebuilt from edition 1's own inputs: 1 raw file(s) as they were then" in out
    assert cli.main(["--root", str(root), "verify", "--all", "--published-only"]) == 0, capsys.readouterr().err

    # the same inputs again: the same edition, edition 1 still there
    again = runner.run_period("2024-01", root, langs=("en",), force=True, progress=lambda line: None)
    assert again.status == "published"
    entry = ledger.latest("2024-01", root)
    assert (entry["edition"], entry["changed_inputs"]) == (2, []) and entry["reason"].endswith("inputs unchanged")
    assert (kept / "manifest.json").is_file() and ledger.check_ledger(root) == []
    assert [e.number for e in ledger.editions("2024-01", root)] == [1, 2]

    # status: the current edition, and why a period that read the corrected month is out of date
    capsys.readouterr()
    assert cli.main(["--root", str(root), "status"]) == 0
    rows = {line.split()[0]: line.split(None, 4) for line in capsys.readouterr().out.splitlines()}
    assert rows["period"] == ["period", "raw", "ingested", "edition", "report"]
    assert rows["2024-01"][3] == "2" and rows["2024-02"][3] == "1"
    assert rows["2024-02"][4].startswith("stale: inputs changed (2024-01)")


def test_restore_inputs_puts_back_what_an_edition_read_and_leaves_out_what_it_did_not(tmp_path, monkeypatch):
    work = tmp_path / "work"
    old = b"ticket_id\nT1\n"
    write(work / "data" / "raw" / "README.md", "about the exports\n")
    write(work / "data" / "raw" / "2024-01" / "tickets.csv", "ticket_id\nT1-corrected\n")
    write(work / "data" / "raw" / "2024-01" / "surveys.csv", "response_id\nS1\n")      # as read
    write(work / "data" / "raw" / "2024-01" / "staff.csv", "employee_id\nE1\n")        # original gone
    write(work / "data" / "raw" / "2024-01" / "feedback.csv", "feedback_id\nF1\n")     # added since
    write(work / "data" / "raw" / "2024-02" / "tickets.csv", "ticket_id\nT2\n")        # a later month
    write(work / "data" / "raw" / "2024-02" / "source.json", "{}\n")
    sha = lambda b: hashlib.sha256(b).hexdigest()  # noqa: E731
    recorded = {"inputs": [
        {"path": "data/raw/2024-01/tickets.csv", "sha256": sha(old), "rows": 1},
        {"path": "data/raw/2024-01/surveys.csv", "sha256": sha(b"response_id\nS1\n"), "rows": 1},
        {"path": "data/raw/2024-01/staff.csv", "sha256": "5" * 64, "rows": 1},
        {"path": "data/raw/initiatives.csv", "sha256": "9" * 64, "rows": 0, "scope": "rows in force"}]}
    asked = []

    def restore(root, rel, digest, dest):
        asked.append((rel, digest))
        if digest != sha(old):
            return False
        Path(dest).write_bytes(old)
        return True

    monkeypatch.setattr(verify.originals, "restore", restore)
    missing, changed = verify.restore_inputs(recorded, tmp_path / "root", work)
    assert asked == [("data/raw/2024-01/tickets.csv", sha(old)), ("data/raw/2024-01/staff.csv", "5" * 64)]
    assert missing == ["the original of data/raw/2024-01/staff.csv (sha256 555555555555) is not available: "
                       "the file has changed and no copy of that version is kept"]
    assert changed == ["data/raw/2024-01/tickets.csv", "data/raw/2024-02/", "data/raw/2024-01/feedback.csv"]
    assert (work / "data" / "raw" / "2024-01" / "tickets.csv").read_bytes() == old
    assert sorted(p.relative_to(work).as_posix() for p in work.rglob("*") if p.is_file()) == [
        "data/raw/2024-01/surveys.csv", "data/raw/2024-01/tickets.csv", "data/raw/README.md"]


def test_files_the_ledger_could_not_adopt_are_no_edition_and_the_chain_stays_whole(tmp_path):
    # published before the ledger, then edited by hand: adopt refuses it, and it is never recorded
    folder = tmp_path / "reports" / "2024-05"
    write(folder / "tables" / "t.csv", "a\n1\n")
    fake_manifest(folder, "1" * 64)
    write(folder / "tables" / "t.csv", "a\n9\n")
    assert runner.settle(tmp_path) == [
        "ledger: 2024-05 not recorded: its published files do not match its manifest "
        "(`goldbook verify 2024-05 --published-only` names them)"]
    assert ledger.read_ledger(tmp_path) == []
    entry = publish(tmp_path, "a\n2\n", "2" * 64)
    assert (entry["edition"], entry["reason"]) == (1, ledger.UNRECORDED)
    assert not (folder / "editions").exists()
    assert ledger.check_ledger(tmp_path) == []
    assert verify.verify_published("2024-05", tmp_path).ok


def test_a_kept_edition_is_never_overwritten(tmp_path):
    publish(tmp_path, "a\n1\n", "1" * 64)
    write(tmp_path / "reports" / "2024-05" / "editions" / "1" / "tables" / "t.csv", "planted\n")
    with pytest.raises(runner.RunError, match=r"reports/2024-05/editions/1 exists while edition 1 is the published"):
        publish(tmp_path, "a\n2\n", "2" * 64)
    assert (tmp_path / "reports" / "2024-05" / "tables" / "t.csv").read_text() == "a\n1\n"
