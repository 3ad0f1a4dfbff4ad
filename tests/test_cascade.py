"""The corrections cascade: a corrected month is refused, with the later month's file and line,
when a later ingested month no longer validates against it; nothing is written then."""

from __future__ import annotations

import csv
from pathlib import Path

from test_ingest import make_root, problems_as_tuples, raw_month, replace_in, tree_hashes
from test_originals import open_message_closed_in_february

from helpers.base.paths import get_paths
from helpers.data import ingest, originals


def drop_line(path: Path, starts: str) -> None:
    """Remove the one line of raw file ``path`` that starts with ``starts``."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith(starts)]
    assert len(kept) == len(lines) - 1
    path.write_text("".join(kept), encoding="utf-8")


def test_a_correction_that_takes_a_ticket_a_later_survey_names_is_refused(tmp_path):
    root = make_root(tmp_path)
    assert all(r.ok for r in ingest.ingest_all(root))
    processed = tree_hashes(root / "data/processed")
    # 2024-02's surveys.csv line 2 (S0003) answers ticket T0003 of 2024-01
    replace_in(raw_month(root, "2024-01") / "tickets.csv", "T0003,", "T0009,")

    result = ingest.ingest_month("2024-01", root)

    assert not result.ok and result.status == "rejected"
    assert problems_as_tuples(result) == [("data/raw/2024-02/surveys.csv", 2, "ticket_id", "T0003")]
    assert result.problems[0].rule_id == "surveys.ticket_id.known_ticket"
    assert result.problems[0].detail == "no longer a ticket of 2024-01 after its correction"
    report = result.report()
    assert 'line 2, column ticket_id, value "T0003"' in report
    assert "The correction of 2024-01 takes away tickets or open messages that later months name" in report
    assert tree_hashes(root / "data/processed") == processed
    assert not (root / "data/raw/.superseded").exists() and originals.superseded(root) == []
    assert (root / "reports/.ingest/2024-01-problems.csv").is_file()


def test_a_correction_that_closes_a_message_a_later_month_closes_is_refused(tmp_path):
    root = make_root(tmp_path)
    open_message_closed_in_february(root)
    assert all(r.ok for r in ingest.ingest_all(root))
    processed = tree_hashes(root / "data/processed")
    replace_in(raw_month(root, "2024-01") / "feedback.csv", "in_progress,,", "resolved,2024-01-25 10:00:00,true")

    result = ingest.ingest_month("2024-01", root)

    assert problems_as_tuples(result) == [("data/raw/2024-02/feedback_updates.csv", 2, "feedback_id", "F0002")]
    assert result.problems[0].detail == "no longer an open message of 2024-01 after its correction"
    assert tree_hashes(root / "data/processed") == processed


def test_a_valid_correction_passes_and_leaves_the_later_months_untouched(tmp_path):
    root = make_root(tmp_path)
    assert all(r.ok for r in ingest.ingest_all(root))
    later = tree_hashes(root / "data/processed/2024-02")
    replace_in(raw_month(root, "2024-01") / "surveys.csv", "2024-01-07 09:00:00,5,", "2024-01-07 09:00:00,4,")
    result = ingest.ingest_month("2024-01", root)
    assert result.ok and result.status == "corrected"
    assert not [n for n in result.notes if "correction of 2024-01" in n]  # nothing taken away: nothing to check

    drop_line(raw_month(root, "2024-01") / "tickets.csv", "T0002,")  # a ticket no survey names
    result = ingest.ingest_month("2024-01", root)
    assert result.ok, result.report()
    assert ("The correction of 2024-01 takes away 1 ticket(s) and 0 open message(s): no later month names them "
            "(1 month(s) checked).") in result.notes
    assert tree_hashes(root / "data/processed/2024-02") == later


def test_ingest_all_takes_several_corrected_months_oldest_first(tmp_path):
    root = make_root(tmp_path)
    assert all(r.ok for r in ingest.ingest_all(root))
    replace_in(raw_month(root, "2024-01") / "tickets.csv", "T0003,", "T0009,")
    replace_in(raw_month(root, "2024-02") / "surveys.csv", "S0003,T0003", "S0003,T0009")

    results = ingest.ingest_all(root)

    assert [r.status for r in results] == ["corrected", "corrected"], results[0].report()
    assert ("data/raw/2024-02/surveys.csv changed since 2024-02 was ingested: it is checked against the "
            "correction of 2024-01 when 2024-02 is ingested again.") in results[0].notes


# --- months of day drops -------------------------------------------------------------------------
def surveys_naming(folder: Path, tickets: set[str] | None) -> list[tuple[str, int, str]]:
    """(day, spreadsheet line, ticket_id) of every survey of the day drops in ``folder`` that
    names one of ``tickets`` (None: any ticket)."""
    found = []
    for day in sorted(p for p in folder.iterdir() if p.is_dir()):
        with open(day / "surveys.csv", encoding="utf-8", newline="") as fh:
            for line, row in enumerate(csv.DictReader(fh), start=2):
                if row["ticket_id"] and (tickets is None or row["ticket_id"] in tickets):
                    found.append((day.name, line, row["ticket_id"]))
    return found


def ticket_ids(path: Path) -> list[str]:
    with open(path, encoding="utf-8", newline="") as fh:
        return [row["ticket_id"] for row in csv.DictReader(fh)]


def test_a_correction_is_checked_against_the_later_day_drops(daily):
    raw = get_paths(daily).raw
    assert ingest.ingest_month("2024-02", daily).ok
    before = tree_hashes(get_paths(daily).processed)
    named = surveys_naming(raw / "2024-02", set(ticket_ids(raw / "2024-01/tickets.csv")))
    ticket = named[0][2]  # the first January ticket a February survey answers
    drop_line(raw / "2024-01/tickets.csv", f"{ticket},")

    result = ingest.ingest_month("2024-01", daily)

    assert not result.ok
    assert problems_as_tuples(result) == [(f"data/raw/2024-02/{day}/surveys.csv", line, "ticket_id", ticket)
                                          for day, line, t in named if t == ticket]
    assert tree_hashes(get_paths(daily).processed) == before


def test_a_corrected_day_drop_is_checked_against_the_later_days(daily):
    raw = get_paths(daily).raw / "2024-02"
    assert ingest.ingest_month("2024-02", daily).ok
    before = tree_hashes(get_paths(daily).processed)
    days = sorted(p.name for p in raw.iterdir() if p.is_dir())
    named: dict[str, list[tuple[str, int, str]]] = {}
    for survey in surveys_naming(raw, None):
        named.setdefault(survey[2], []).append(survey)
    # the first ticket of a day that surveys of later days name, and no survey of its own day
    day, ticket, (later, line, _) = next((d, t, named[t][0]) for d in days for t in ticket_ids(raw / d / "tickets.csv")
                                         if t in named and all(s[0] > d for s in named[t]))
    drop_line(raw / day / "tickets.csv", f"{ticket},")

    result = ingest.ingest_day(day, daily)

    assert not result.ok and result.month == day
    assert problems_as_tuples(result) == [(f"data/raw/2024-02/{later}/surveys.csv", line, "ticket_id", ticket)]
    assert tree_hashes(get_paths(daily).processed) == before
