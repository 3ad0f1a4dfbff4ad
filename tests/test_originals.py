"""The originals: every raw file version ingest accepted is kept, and a version a correction
replaces is kept under data/raw/.superseded/, restorable byte for byte."""

from __future__ import annotations

import gzip
import hashlib
import shutil
from pathlib import Path

from test_ingest import make_root, raw_month, replace_in, tree_hashes

from helpers.base.paths import get_paths
from helpers.data import ingest, originals
from helpers.pipeline import verify

SURVEYS = "data/raw/2024-01/surveys.csv"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_corrected_file_keeps_its_original_restorable_byte_for_byte(tmp_path):
    root = make_root(tmp_path)
    assert all(r.ok for r in ingest.ingest_all(root))
    original = (root / SURVEYS).read_bytes()
    old = sha(original)
    replace_in(root / SURVEYS, "2024-01-07 09:00:00,5,10,7", "2024-01-07 09:00:00,4,10,7")  # a csat, in place
    new = sha((root / SURVEYS).read_bytes())

    result = ingest.ingest_month("2024-01", root)

    kept = f"data/raw/.superseded/2024-01/surveys.{old}.csv.gz"
    assert result.ok and result.status == "corrected" and result.changed == [SURVEYS]
    assert result.superseded == [{"path": SURVEYS, "sha256": old, "kept": kept}]
    assert f"Kept the original of {SURVEYS} in {kept}." in result.report().splitlines()
    assert originals.superseded(root) == result.superseded
    # the store keeps only the version it now holds; the replaced one is under .superseded
    copies = sorted(p.name for p in (root / "data/processed/2024-01/_originals").iterdir())
    assert f"surveys.{new}.csv.gz" in copies and f"surveys.{old}.csv.gz" not in copies
    assert gzip.decompress((root / kept).read_bytes()) == original

    dest = tmp_path / "out" / "surveys.csv"
    assert originals.restore(root, SURVEYS, old, dest)
    assert dest.read_bytes() == original and sha(dest.read_bytes()) == old
    assert originals.restore(root, SURVEYS, new, dest) and dest.read_bytes() == (root / SURVEYS).read_bytes()
    other = tmp_path / "out" / "other.csv"
    assert not originals.restore(root, SURVEYS, "0" * 64, other) and not other.exists()
    assert not originals.restore(root, "config/entity.yaml", old, other) and not other.exists()


def test_the_copy_in_the_store_restores_a_file_corrected_before_its_reingest(tmp_path):
    root = make_root(tmp_path)
    assert all(r.ok for r in ingest.ingest_all(root))
    original = (root / SURVEYS).read_bytes()
    replace_in(root / SURVEYS, "Very quick", "Very slow")  # not ingested again yet
    dest = tmp_path / "surveys.csv"
    assert originals.restore(root, SURVEYS, sha(original), dest) and dest.read_bytes() == original
    assert originals.superseded(root) == []


def test_an_unchanged_reingest_writes_no_copy(tmp_path):
    root = make_root(tmp_path)
    assert all(r.ok for r in ingest.ingest_all(root))
    before = tree_hashes(root / "data")
    results = ingest.ingest_all(root)
    assert [r.status for r in results] == ["unchanged", "unchanged"] and all(r.superseded == [] for r in results)
    assert tree_hashes(root / "data") == before
    assert originals.superseded(root) == []


def test_the_copy_is_a_plain_gzip_without_time_or_name(tmp_path):
    root = make_root(tmp_path)
    assert ingest.ingest_month("2024-01", root).ok
    data = (root / SURVEYS).read_bytes()
    copy = root / "data/processed/2024-01/_originals" / f"surveys.{sha(data)}.csv.gz"
    head = copy.read_bytes()[:10]
    assert head[:3] == b"\x1f\x8b\x08" and head[3] == 0  # no flags: no file name, no comment
    assert head[4:8] == b"\0\0\0\0"                      # mtime 0
    assert gzip.decompress(copy.read_bytes()) == data
    assert originals.gzip_bytes(data) == copy.read_bytes()


def open_message_closed_in_february(root: Path) -> None:
    """Message F0002 of 2024-01 left open there, and closed by 2024-02's feedback_updates."""
    replace_in(raw_month(root, "2024-01") / "feedback.csv", "resolved,2024-02-03 10:00:00,true", "in_progress,,")
    (raw_month(root, "2024-02") / "feedback_updates.csv").write_text(
        "feedback_id,status,resolved_at,substantiated\nF0002,resolved,2024-02-05 09:00:00,true\n", encoding="utf-8")


def test_a_removed_file_and_a_corrected_registry_are_kept_too(tmp_path):
    root = make_root(tmp_path)
    open_message_closed_in_february(root)
    assert all(r.ok for r in ingest.ingest_all(root))
    registry = root / "data/raw/initiatives.csv"
    reg_old = sha(registry.read_bytes())
    updates = raw_month(root, "2024-02") / "feedback_updates.csv"
    upd_old = sha(updates.read_bytes())
    registry.write_bytes(registry.read_bytes() + b"\n")  # a blank line: a new version, same rows
    updates.unlink()

    result = ingest.ingest_month("2024-02", root)

    assert result.ok, result.report()
    assert result.superseded == [
        {"path": "data/raw/2024-02/feedback_updates.csv", "sha256": upd_old,
         "kept": f"data/raw/.superseded/2024-02/feedback_updates.{upd_old}.csv.gz"},
        {"path": "data/raw/initiatives.csv", "sha256": reg_old,
         "kept": f"data/raw/.superseded/initiatives.{reg_old}.csv.gz"},
    ]
    assert originals.superseded(root) == result.superseded
    dest = tmp_path / "initiatives.csv"
    assert originals.restore(root, "data/raw/initiatives.csv", reg_old, dest) and sha(dest.read_bytes()) == reg_old


def test_nothing_that_lists_or_stages_raw_months_sees_the_kept_versions(tmp_path):
    root = make_root(tmp_path)
    assert all(r.ok for r in ingest.ingest_all(root))
    replace_in(root / SURVEYS, "Very quick", "Very slow")
    assert ingest.ingest_month("2024-01", root).superseded
    assert ingest.raw_months(root) == ["2024-01", "2024-02"]
    assert verify.months_read("2024-02", root) == ["2024-01", "2024-02"]
    dest = tmp_path / "staged"
    verify.stage_sources("2024-02", root, dest)
    assert not (dest / "data/raw/.superseded").exists()
    assert [r.status for r in ingest.ingest_all(root)] == ["unchanged", "unchanged"]


def test_an_older_store_gets_its_missing_copies_at_the_next_ingest(tmp_path):
    root = make_root(tmp_path)
    assert all(r.ok for r in ingest.ingest_all(root))
    folder = root / "data/processed/2024-01/_originals"
    shutil.rmtree(folder)  # as a store ingested before ingest kept the originals
    parquet = tree_hashes(root / "data/processed/2024-01")

    result = ingest.ingest_month("2024-01", root)

    assert result.status == "unchanged"
    assert len(list(folder.iterdir())) == 5 and any("Kept a copy of 5 raw file(s)" in n for n in result.notes)
    assert {k: v for k, v in tree_hashes(root / "data/processed/2024-01").items()
            if not k.startswith("_originals")} == parquet


def test_a_corrected_day_drop_keeps_its_original(daily):
    assert ingest.ingest_month("2024-02", daily).ok
    rel = "data/raw/2024-02/2024-02-05/surveys.csv"
    path = get_paths(daily).root / rel
    original = path.read_bytes()
    lines = original.decode("utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:-1]), encoding="utf-8")  # the last response withdrawn, in place

    result = ingest.ingest_day("2024-02-05", daily)

    old = sha(original)
    assert result.ok and result.superseded == [
        {"path": rel, "sha256": old, "kept": f"data/raw/.superseded/2024-02/2024-02-05/surveys.{old}.csv.gz"}]
    dest = daily / "restored.csv"
    assert originals.restore(daily, rel, old, dest) and dest.read_bytes() == original


def test_ingest_removes_what_a_killed_ingest_left_in_the_store(tmp_path):
    root = make_root(tmp_path)
    assert ingest.ingest_month("2024-01", root).ok
    processed = root / "data" / "processed"
    dead = 4_194_999  # above Linux's largest pid (2**22): no such process
    tmp = processed / f".tmp-2024-02-{dead}-abc123"
    (tmp / "_originals").mkdir(parents=True)
    old = processed / f".old-2024-01-{dead}-17000"
    old.mkdir()

    result = ingest.ingest_month("2024-02", root)

    assert result.ok and not tmp.exists() and not old.exists()
    assert (processed / "2024-01" / "_ingest.json").is_file()
    report = result.report()
    assert f"data/processed/{tmp.name}" in report and f"data/processed/{old.name}" in report
