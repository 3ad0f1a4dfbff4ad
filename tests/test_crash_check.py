"""The pure parts of benchmarks/crash_check.py: the kill moments, the unpublished-path detector, the toggle."""

from __future__ import annotations

import sys

import pytest

from helpers.base.paths import CODE_ROOT

sys.path.insert(0, str(CODE_ROOT / "benchmarks"))
import crash_check  # noqa: E402


def test_kill_times_are_seeded_and_one_falls_in_each_slice():
    times = crash_check.kill_times(10.0, 2, seed=7, command="run")
    assert times == crash_check.kill_times(10.0, 2, seed=7, command="run")
    assert 0 <= times[0] < 5 <= times[1] < 10
    assert times != crash_check.kill_times(10.0, 2, seed=8, command="run")
    assert times != crash_check.kill_times(10.0, 2, seed=7, command="build")
    many = crash_check.kill_times(30.0, 10, seed=7, command="ingest")
    assert [int(t // 3) for t in many] == list(range(10))


def test_unpublished_names_staging_failed_editions_and_ingest_paths_and_the_search_index():
    paths = ["index.html", "reports/2024-12/en/01_overview.html", "reports/.staging-12-3/2024-12/en/x.html",
             "reports/.failed/2024-03/en/x.html", "reports/2024-05/editions/1/en/x.html", "reports/.ingest/p.csv",
             "_static/editions.css"]
    assert crash_check.unpublished(paths) == paths[2:6]
    assert crash_check.unpublished(["index.html"], 'Search.setIndex({"docnames": ["reports/2024-12/en/x"]})') == []
    assert crash_check.unpublished([], '{"docnames": ["reports/.failed/2024-03/en/x"]}') == [
        "searchindex.js (names unpublished work)"]


def test_toggled_csat_changes_one_plain_value_and_toggles_back():
    text = 'response_id,comment,csat\nS1,"a, quoted",5\nS2,plain,5\nS3,plain,3\n'
    once = crash_check.toggled_csat(text)
    assert once == 'response_id,comment,csat\nS1,"a, quoted",5\nS2,plain,4\nS3,plain,3\n'
    assert crash_check.toggled_csat(once) == text
    assert crash_check.toggled_csat("id,csat\nS1,2\n") == "id,csat\nS1,5\n"
    with pytest.raises(ValueError, match="no csat column"):
        crash_check.toggled_csat("id,nps\nS1,9\n")
