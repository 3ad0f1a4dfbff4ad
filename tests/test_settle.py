"""runner.settle: every command that reads the store or reports/ first finishes or undoes what a
stopped run or ingest left, so that a swap cut between its two renames never hides a month from
a run or a period from the book."""


import pytest

from helpers.base.paths import get_paths
from helpers.book import build
from helpers.pipeline import runner


def _cut_swap(parent, name, pid) -> None:
    """What swap_dir leaves when killed between its renames: the old folder, nothing under its name."""
    old = parent / f".old-{name}-{pid}-1"
    old.mkdir(parents=True)
    (old / "kept.txt").write_text(name)


def test_settle_restores_a_month_of_the_store_and_a_published_period(tmp_path, dead_pid):
    paths, pid = get_paths(tmp_path), dead_pid
    _cut_swap(paths.processed, "2024-05", pid)
    _cut_swap(paths.processed / "2024-06" / "days", "2024-06-03", pid)
    _cut_swap(paths.reports, "2024-05", pid)
    said = runner.settle(tmp_path, adopt=False)
    assert (paths.processed / "2024-05" / "kept.txt").read_text() == "2024-05"
    assert (paths.processed / "2024-06" / "days" / "2024-06-03" / "kept.txt").read_text() == "2024-06-03"
    assert (paths.reports / "2024-05" / "kept.txt").read_text() == "2024-05"
    assert said == [
        f"restored data/processed/2024-05 from data/processed/.old-2024-05-{pid}-1, left by a stopped swap",
        f"restored data/processed/2024-06/days/2024-06-03 from data/processed/2024-06/days/.old-2024-06-03-{pid}-1, "
        f"left by a stopped swap",
        f"restored reports/2024-05 from reports/.old-2024-05-{pid}-1, left by a stopped swap",
    ]
    assert runner.settle(tmp_path, adopt=False) == []       # nothing left to do


def test_a_run_of_every_period_sees_a_month_whose_swap_was_cut(tmp_path, monkeypatch, dead_pid):
    paths, pid = get_paths(tmp_path), dead_pid
    _cut_swap(paths.processed, "2024-05", pid)
    (paths.processed / f".old-2024-05-{pid}-1" / "_ingest.json").write_text("{}")   # what makes a month stored
    seen = {}
    monkeypatch.setattr(runner, "all_periods", lambda root: seen.setdefault("months", runner.processed_months(root)))
    with pytest.raises(runner.RunError):   # no period (the stand-in lists months only): stop there
        runner.run_all(tmp_path, progress=lambda line: None)
    assert seen["months"] == ["2024-05"]


def test_the_book_settles_before_it_reads_reports(tmp_path, monkeypatch):
    class Stop(Exception):
        pass

    def settled(root, adopt=True):
        assert not adopt                     # the book never records a period in the ledger
        raise Stop(root)

    monkeypatch.setattr(runner, "settle", settled)
    with pytest.raises(Stop):
        build.build_book(tmp_path)
