"""The ledger (``pipeline.ledger``): a hash chain of publications, its check, the pending entries a
killed run leaves, and what ``verify`` makes of a manifest the ledger does not name.

Everything here works on hand-made ledger lines and manifests; the runner's part (writing them
at each publication, editions) is in ``test_editions.py``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from helpers import cli
from helpers.pipeline import ledger, runner, verify

SHA_A, SHA_B, SHA_C = "a" * 64, "b" * 64, "c" * 64


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def lines_of(root: Path) -> list[bytes]:
    return (root / "reports" / "ledger.jsonl").read_bytes().split(b"\n")


def three(root: Path) -> list[dict]:
    """Three publications: 2024-05 edition 1, 2024-06 edition 1, 2024-05 edition 2."""
    out = []
    for period, number, sha, reason in (("2024-05", 1, SHA_A, "first publication"),
                                        ("2024-06", 1, SHA_B, "first publication"),
                                        ("2024-05", 2, SHA_C, "inputs changed")):
        changed = [{"path": "data/raw/2024-05/surveys.csv", "before": "1" * 64, "after": "2" * 64}] if number == 2 else []
        out.append(ledger.append(ledger.new_entry(period, number, sha, reason, changed,
                                                  time=f"2024-07-0{len(out) + 1}T08:00:00+00:00"), root))
    return out


# --- the chain ---------------------------------------------------------------------------------
def test_each_line_names_the_sha256_of_the_line_before(tmp_path):
    three(tmp_path)
    raw = lines_of(tmp_path)
    assert raw[-1] == b""                       # every line ends with a newline
    first, second, third = (json.loads(r) for r in raw[:3])
    assert first["prev"] is None
    assert second["prev"] == hashlib.sha256(raw[0]).hexdigest()
    assert third["prev"] == hashlib.sha256(raw[1]).hexdigest()
    assert set(first) == {"period", "edition", "manifest_sha256", "prev", "time", "reason",
                          "changed_inputs", "superseded"}
    assert ledger.check_ledger(tmp_path) == []
    assert [e["line"] for e in ledger.read_ledger(tmp_path)] == [1, 2, 3]


def test_an_edited_line_is_named_by_the_line_after_it(tmp_path):
    three(tmp_path)
    path = tmp_path / "reports" / "ledger.jsonl"
    path.write_bytes(path.read_bytes().replace(SHA_A.encode(), SHA_B.encode(), 1))   # line 1 edited
    assert ledger.check_ledger(tmp_path) == [
        "reports/ledger.jsonl line 2 does not follow line 1: the chain is broken "
        "(line 1 was edited, or a line was removed or inserted)"]


def test_a_removed_line_and_a_line_that_is_no_entry_are_named(tmp_path):
    three(tmp_path)
    path = tmp_path / "reports" / "ledger.jsonl"
    raw = lines_of(tmp_path)
    path.write_bytes(b"\n".join([raw[0], raw[2], b""]))          # line 2 removed
    problems = ledger.check_ledger(tmp_path)
    assert problems[0].startswith("reports/ledger.jsonl line 2 does not follow line 1")
    path.write_bytes(b"\n".join([raw[0], b"{not json", raw[2], b""]))
    assert "reports/ledger.jsonl line 2 is not a ledger entry" in ledger.check_ledger(tmp_path)


def test_an_edition_number_that_skips_is_named(tmp_path):
    ledger.append(ledger.new_entry("2024-05", 1, SHA_A, "first publication"), tmp_path)
    ledger.append(ledger.new_entry("2024-05", 3, SHA_B, "inputs changed"), tmp_path)
    assert ledger.check_ledger(tmp_path) == ["reports/ledger.jsonl line 2: edition 3 of 2024-05 follows edition 1"]


def test_editions_oldest_first_with_the_line_that_made_each(tmp_path):
    three(tmp_path)
    # a rerun with the same inputs: edition 2 again, another manifest, its own reason
    ledger.append(ledger.new_entry("2024-05", 2, "d" * 64, "code changed, inputs unchanged",
                                   time="2024-07-09T08:00:00+00:00"), tmp_path)
    assert ledger.editions("2024-05", tmp_path) == [
        ledger.Edition(1, SHA_A, "2024-07-01", "first publication", (), "reports/2024-05/editions/1", False),
        ledger.Edition(2, "d" * 64, "2024-07-03", "inputs changed", ("data/raw/2024-05/surveys.csv",),
                       "reports/2024-05", True),
    ]
    assert ledger.current_edition("2024-05", tmp_path) == 2
    assert ledger.current_edition("2024-07", tmp_path) == 0 and ledger.editions("2024-07", tmp_path) == []


# --- a torn last line and pending entries --------------------------------------------------------
def publish_pending(root: Path, period: str, sha: str, manifest_text: str) -> dict:
    """What the runner does before its swap: the pending entry; and the manifest in place."""
    entry = ledger.new_entry(period, 1, sha, "first publication", time="2024-07-05T08:00:00+00:00")
    ledger.write_pending(entry, root)
    write(root / "reports" / period / "manifest.json", manifest_text)
    return entry


def test_a_torn_last_line_is_named_and_blocks_an_append(tmp_path):
    three(tmp_path)
    path = tmp_path / "reports" / "ledger.jsonl"
    path.write_bytes(path.read_bytes() + b'{"period":"2024-07","edi')
    assert ledger.check_ledger(tmp_path) == [
        "reports/ledger.jsonl line 4 is cut off (no end of line): a write was stopped mid-line or the file was edited"]
    assert ledger.cut_off(tmp_path) == ledger.check_ledger(tmp_path)[0]
    before = path.read_bytes()
    with pytest.raises(ledger.LedgerError, match="last line is cut off"):
        ledger.append(ledger.new_entry("2024-07", 1, SHA_A, "first publication"), tmp_path)
    assert path.read_bytes() == before
    # no pending entry explains it: reconcile leaves it for a person to see
    assert ledger.reconcile(tmp_path) == [] and path.read_bytes() == before


def test_a_line_torn_while_writing_a_pending_entry_is_repaired_and_the_entry_recorded(tmp_path):
    three(tmp_path)
    text = '{"run": {"period": "2024-07"}}\n'
    entry = publish_pending(tmp_path, "2024-07", hashlib.sha256(text.encode()).hexdigest(), text)
    path = tmp_path / "reports" / "ledger.jsonl"
    full = ledger.line_bytes({**entry, "prev": hashlib.sha256(lines_of(tmp_path)[2]).hexdigest()})
    path.write_bytes(path.read_bytes() + full[:40])           # killed in the middle of the write
    assert ledger.reconcile(tmp_path) == [
        "ledger: removed the cut-off last line of reports/ledger.jsonl (a stopped run was writing it)",
        "ledger: recorded edition 1 of 2024-07, published by a run that stopped before recording it"]
    assert lines_of(tmp_path)[3] == full and ledger.check_ledger(tmp_path) == []
    assert not ledger.pending_path("2024-07", tmp_path).exists()


def test_a_pending_entry_whose_swap_happened_is_appended(tmp_path):
    text = '{"run": {"period": "2024-07"}}\n'
    publish_pending(tmp_path, "2024-07", hashlib.sha256(text.encode()).hexdigest(), text)
    assert ledger.reconcile(tmp_path) == [
        "ledger: recorded edition 1 of 2024-07, published by a run that stopped before recording it"]
    assert [(e["period"], e["edition"]) for e in ledger.read_ledger(tmp_path)] == [("2024-07", 1)]
    assert ledger.reconcile(tmp_path) == []                   # settled once


def test_a_pending_entry_whose_swap_did_not_happen_is_dropped(tmp_path):
    three(tmp_path)
    before = (tmp_path / "reports" / "ledger.jsonl").read_bytes()
    # the published manifest is still the old one: the new one never reached reports/
    publish_pending(tmp_path, "2024-07", SHA_A, '{"run": {"period": "2024-07"}, "old": true}\n')
    assert ledger.reconcile(tmp_path) == [
        "ledger: dropped the pending entry of 2024-07: the run that wrote it stopped before publishing, "
        "so 2024-07 is as it was"]
    assert (tmp_path / "reports" / "ledger.jsonl").read_bytes() == before
    assert not ledger.pending_path("2024-07", tmp_path).exists()


def test_a_pending_entry_already_appended_is_only_removed(tmp_path):
    text = '{"run": {"period": "2024-07"}}\n'
    entry = publish_pending(tmp_path, "2024-07", hashlib.sha256(text.encode()).hexdigest(), text)
    ledger.append(entry, tmp_path)                  # killed after the append, before the pending file went
    assert ledger.reconcile(tmp_path) == []
    assert len(ledger.read_ledger(tmp_path)) == 1 and not ledger.pending_path("2024-07", tmp_path).exists()


# --- verify and the ledger ------------------------------------------------------------------------
def manifest_for(period: str, outputs: dict) -> str:
    return json.dumps({"run": {"period": period, "languages": ["en"]}, "outputs": outputs}, sort_keys=True) + "\n"


@pytest.fixture
def published(tmp_path) -> Path:
    """2024-06 published with one table and recorded in the ledger (as the runner does)."""
    table = write(tmp_path / "reports" / "2024-06" / "tables" / "t.csv", "a\n1\n")
    text = manifest_for("2024-06", {"tables/t.csv": hashlib.sha256(table.read_bytes()).hexdigest()})
    write(tmp_path / "config" / "entity.yaml", "version: '1'\n")
    path = write(tmp_path / "reports" / "2024-06" / "manifest.json", text)
    ledger.append(ledger.new_entry("2024-05", 1, SHA_A, "first publication"), tmp_path)
    ledger.append(ledger.new_entry("2024-06", 1, hashlib.sha256(path.read_bytes()).hexdigest(),
                                   "first publication"), tmp_path)
    return tmp_path


def test_the_published_manifest_named_by_the_ledger_passes(published):
    check = verify.verify_published("2024-06", published)
    assert check.ok, check.report()
    assert check.report() == "2024-06: 1 of 1 published files match the manifest"


def test_a_forged_manifest_is_named_with_the_ledger_line(published):
    table = published / "reports" / "2024-06" / "tables" / "t.csv"
    table.write_text("a\n2\n")
    # the table and its hash in the manifest edited together: the files match the manifest ...
    write(published / "reports" / "2024-06" / "manifest.json",
          manifest_for("2024-06", {"tables/t.csv": hashlib.sha256(table.read_bytes()).hexdigest()}))
    check = verify.verify_published("2024-06", published)
    assert check.edited == [] and not check.ok and check.exit_code == 1
    # ... but it is not the manifest that was published
    assert check.report() == ("2024-06: NOT verified: 1 of 1 published files match the manifest\n"
                              "  ledger: reports/2024-06/manifest.json is not the manifest the ledger names "
                              "(ledger line 2)")


def test_an_edited_ledger_fails_every_period_naming_the_line(published):
    path = published / "reports" / "ledger.jsonl"
    path.write_bytes(path.read_bytes().replace(b"first publication", b"first  publication", 1))
    check = verify.verify_published("2024-06", published)
    assert not check.ok
    assert check.report().splitlines()[1:] == [
        "  ledger: reports/ledger.jsonl line 2 does not follow line 1: the chain is broken "
        "(line 1 was edited, or a line was removed or inserted)"]


def test_a_period_missing_from_the_ledger_is_named(published):
    table = write(published / "reports" / "2024-07" / "tables" / "t.csv", "a\n1\n")
    write(published / "reports" / "2024-07" / "manifest.json",
          manifest_for("2024-07", {"tables/t.csv": hashlib.sha256(table.read_bytes()).hexdigest()}))
    check = verify.verify_published("2024-07", published)
    assert not check.ok
    assert check.ledger == ["2024-07 is not in the ledger (reports/ledger.jsonl): nothing records that it "
                            "was published (`goldbook run` records a period published before the ledger)"]


def test_the_cli_names_the_ledger_mismatch_and_settles_pending_entries_first(published, capsys):
    # a killed run had written a pending entry for 2024-06, but never swapped its manifest in
    ledger.write_pending(ledger.new_entry("2024-06", 2, SHA_C, "inputs changed"), published)
    assert cli.main(["--root", str(published), "verify", "2024-06", "--published-only"]) == 0
    err = capsys.readouterr().err
    assert "ledger: dropped the pending entry of 2024-06" in err
    write(published / "reports" / "2024-06" / "manifest.json", manifest_for("2024-06", {}) + " ")
    assert cli.main(["--root", str(published), "verify", "2024-06", "--published-only"]) == 1
    assert ("  ledger: reports/2024-06/manifest.json is not the manifest the ledger names (ledger line 2)"
            in capsys.readouterr().err.splitlines())


def test_an_edition_not_in_the_ledger_is_refused_in_one_line(published, capsys):
    assert cli.main(["--root", str(published), "verify", "2024-06", "--edition", "3", "--published-only"]) == 1
    assert capsys.readouterr().err.strip() == "2024-06 edition 3: NOT verified: 2024-06 has no edition 3; its editions: 1"
    assert cli.main(["--root", str(published), "verify", "--all", "--edition", "1"]) == 1
    assert "--edition N checks one edition of one PERIOD" in capsys.readouterr().err


# --- periods published before the ledger existed -------------------------------------------------
def test_adopt_records_published_periods_whose_files_match_and_names_the_others(published):
    (published / "reports" / "ledger.jsonl").unlink()
    edited = write(published / "reports" / "2024-07" / "tables" / "t.csv", "a\n1\n")
    write(published / "reports" / "2024-07" / "manifest.json",
          manifest_for("2024-07", {"tables/t.csv": hashlib.sha256(b"a\n0\n").hexdigest()}))
    assert edited.exists()
    said = runner.settle(published)
    assert said == [
        "ledger: recorded 1 period(s) published before the ledger existed, each as its current edition: 2024-06",
        "ledger: 2024-07 not recorded: its published files do not match its manifest "
        "(`goldbook verify 2024-07 --published-only` names them)"]
    entry, = ledger.read_ledger(published)
    assert (entry["period"], entry["edition"], entry["reason"]) == ("2024-06", 1, ledger.ADOPTED)
    assert verify.verify_published("2024-06", published).ok
    assert runner.settle(published, adopt=False) == []
