"""The store: typed reads, and the as-of rule (no record after the end of the period)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from test_ingest import make_root as raw_root

from helpers.base.periods import parse
from helpers.data import contract, ingest, store


def make_root(base: Path) -> Path:
    """A root with a copy of config/ (fixture criteria catalogue) and both fixture months ingested."""
    root = raw_root(base)
    results = ingest.ingest_all(root)
    assert [r.ok for r in results] == [True, True], [r.report() for r in results]
    return root


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return make_root(tmp_path_factory.mktemp("store"))


def ids(frame: pd.DataFrame, column: str) -> list[str]:
    return list(frame[column])


def test_months(root, tmp_path):
    assert store.months(root) == ["2024-01", "2024-02"]  # the registry folder is not a month
    assert store.months(tmp_path) == []


def test_load_is_typed_like_the_contract(root):
    tickets = store.load("tickets", "2024-02", root=root)
    assert tickets.dtypes.astype(str).to_dict() == contract.TABLES["tickets"].dtypes
    assert ids(tickets, "ticket_id") == ["T0001", "T0002", "T0003", "T0004", "T0005", "T0006"]
    assert tickets.loc[0, "employee_id"] == "007"
    assert tickets.loc[0, "started_at"] == pd.Timestamp("2024-01-07 08:13:00")
    assert tickets.loc[0, "booked"] is False or tickets.loc[0, "booked"] == False  # noqa: E712 (pandas boolean)
    assert pd.isna(tickets.loc[1, "resolved_first_contact"])
    staff = store.load("staff", "2024-02", root=root)
    assert list(staff.columns) == contract.TABLES["staff"].names + ["month"]
    assert list(zip(staff["month"], staff["employee_id"]))[:4] == [
        ("2024-01", "007"), ("2024-01", "E010"), ("2024-01", "E020"), ("2024-02", "007"),
    ]


def test_a_day_sees_nothing_after_its_end(root):
    # T0005 at 23:59:59 on the 5th is in; T0006 at 00:00:00 on the 6th is not
    assert ids(store.load("tickets", "2024-02-05", root=root), "ticket_id") == ["T0001", "T0002", "T0003", "T0004", "T0005"]
    assert ids(store.load("tickets", "2024-02-06", root=root), "ticket_id")[-1] == "T0006"
    # S0004 was submitted at 12:00 on the 5th
    assert ids(store.load("surveys", "2024-02-04", root=root), "response_id") == ["S0001", "S0002", "S0003"]
    assert ids(store.load("surveys", "2024-02-05", root=root), "response_id") == ["S0001", "S0002", "S0003", "S0004"]
    # self-assessments dated the 27th and the 28th
    sa = store.load("self_assessment", "2024-02-27", root=root)
    assert list(zip(sa["month"], sa["criterion_id"])) == [("2024-01", "ACC-01"), ("2024-01", "QOS-01"), ("2024-02", "ENV-01")]


def test_a_month_does_not_see_the_next_month(root):
    assert ids(store.load("tickets", "2024-01", root=root), "ticket_id") == ["T0001", "T0002", "T0003"]
    assert set(store.load("staff", "2024-01", root=root)["month"]) == {"2024-01"}
    assert ids(store.load("feedback", "2024-01", root=root), "feedback_id") == ["F0001", "F0002"]
    # week 5 of 2024 runs 28 January to 3 February (config: weeks from Sunday): February's tickets start on the 5th
    assert ids(store.load("tickets", "2024-W05", root=root), "ticket_id") == ["T0001", "T0002", "T0003"]
    assert ids(store.load("tickets", parse("2023-12"), root=root), "ticket_id") == []


def test_feedback_closed_later_shows_in_progress(root):
    # F0002, received 20 January, resolved 3 February 10:00, substantiated
    def f0002(period):
        frame = store.load("feedback", period, root=root)
        row = frame[frame["feedback_id"] == "F0002"].iloc[0]
        return row["status"], row["resolved_at"], row["substantiated"]

    status, resolved_at, substantiated = f0002("2024-01")
    assert status == "in_progress" and pd.isna(resolved_at) and pd.isna(substantiated)
    assert f0002("2024-02-03")[0] == "resolved"
    assert f0002("2024-02") == ("resolved", pd.Timestamp("2024-02-03 10:00:00"), True)
    only_status = store.load("feedback", "2024-01", root=root, columns=["feedback_id", "status"])
    assert list(only_status.columns) == ["feedback_id", "status"]
    assert list(only_status["status"]) == ["resolved", "in_progress"]


def test_since_and_columns(root):
    frame = store.load("tickets", "2024-02", root=root, since="2024-02", columns=["outcome", "ticket_id"])
    assert list(frame.columns) == ["outcome", "ticket_id"]
    assert ids(frame, "ticket_id") == ["T0004", "T0005", "T0006"]
    with pytest.raises(ValueError):
        store.load("tickets", "2024-02", root=root, columns=["nope"])
    with pytest.raises(ValueError):
        store.load("visits", "2024-02", root=root)


def test_empty_frames_are_typed(tmp_path):
    frame = store.load("surveys", "2024-02", root=tmp_path)
    assert frame.empty
    assert frame.dtypes.astype(str).to_dict() == contract.TABLES["surveys"].dtypes
    staff = store.load("staff", "2024-02", root=tmp_path)
    assert list(staff.columns)[-1] == "month" and staff.empty
    assert store.initiatives("2024-02", root=tmp_path).empty


def test_initiatives_in_force(root):
    assert ids(store.initiatives("2024-01", root=root), "initiative_id") == ["I01"]
    assert ids(store.initiatives("2024-02-09", root=root), "initiative_id") == ["I01"]
    feb = store.initiatives("2024-02-10", root=root)
    assert ids(feb, "initiative_id") == ["I01", "I02"]
    assert pd.isna(feb.loc[1, "end_on"])  # ends 31 December: not yet known on 10 February
    assert store.initiatives("2024", root=root).loc[1, "end_on"] == pd.Timestamp("2024-12-31")
    assert str(feb["start_on"].dtype) == "datetime64[us]"


def test_a_later_initiative_changes_no_past_period(tmp_path):
    root = make_root(tmp_path)
    before = (store.inputs("2024-02", root), store.initiatives("2024-02", root))
    path = root / "data" / "raw" / "initiatives.csv"
    path.write_text(path.read_text(encoding="utf-8")
                    + "I03,Video calls,مكالمات الفيديو,2024-03-01,,virtual,video_call,virtual_share:up,IT,\n", encoding="utf-8")
    assert ingest.ingest_month("2024-02", root).ok
    assert store.inputs("2024-02", root) == before[0]
    pd.testing.assert_frame_equal(store.initiatives("2024-02", root), before[1])
    assert ids(store.initiatives("2024", root), "initiative_id") == ["I01", "I02", "I03"]


def test_inputs_list_the_raw_files_the_period_may_read(root):
    jan = store.inputs("2024-01-15", root)
    paths = [i["path"] for i in jan]
    # feedback_updates is optional and the fixture's January has none
    assert paths == [f"data/raw/2024-01/{t}.csv" for t in contract.MONTH_TABLES
                     if t != "feedback_updates"] + ["data/raw/initiatives.csv"]
    raw = root / "data" / "raw" / "2024-01" / "tickets.csv"
    assert jan[0] == {"path": "data/raw/2024-01/tickets.csv", "sha256": hashlib.sha256(raw.read_bytes()).hexdigest(), "rows": 3}
    assert jan[-1]["rows"] == 1  # only I01 is in force on 15 January
    feb = store.inputs("2024-02", root)
    assert len(feb) == 11 and feb[-1]["rows"] == 2
    assert feb[-1]["sha256"] != jan[-1]["sha256"]


PERIODS = ["2024-01", "2024-02-05", "2024-W05", "2024-02", "2023-12"]


@pytest.mark.parametrize("period", PERIODS)
def test_duckdb_views_match_load(root, period):
    def plain(frame: pd.DataFrame) -> list[dict]:
        return [{k: (None if pd.isna(v) else v) for k, v in row.items()} for row in frame.astype(object).to_dict("records")]

    con = store.connect(period, root)
    for table in contract.MONTH_TABLES:
        via_sql = con.sql(f"SELECT * FROM {table}").df()
        via_load = store.load(table, period, root=root)
        assert list(via_sql.columns) == list(via_load.columns), table
        assert plain(via_sql) == plain(via_load), (table, period)
    assert plain(con.sql("SELECT * FROM initiatives").df()) == plain(store.initiatives(period, root))
    con.close()


def test_duckdb_views_exist_on_an_empty_store(tmp_path):
    con = store.connect("2024-02", tmp_path)
    assert con.sql("SELECT count(*) FROM tickets").fetchall() == [(0,)]
    assert [d[0] for d in con.sql("SELECT * FROM staff").description][-1] == "month"
    con.close()


JANUARY_OPEN = "F0004,2024-01-25 10:00:00,email,complaint,seef,walk_in,,,facilities,No parking,in_progress,,\n"
# February's own F0004 reuses the id for a new message: a closing of January's must not touch it
FEBRUARY_REUSE = "F0004,2024-02-25 10:00:00,phone,inquiry,,,,,information,Opening hours?,open,,\n"


@pytest.fixture(scope="module")
def closed_later(tmp_path_factory):
    """The fixture months with January's F0004 still open at the end of January, closed on
    20 February by February's feedback_updates; February's own feedback reuses the id."""
    root = make_root(tmp_path_factory.mktemp("updates"))
    raw = root / "data" / "raw"
    with open(raw / "2024-01" / "feedback.csv", "a", encoding="utf-8") as fh:
        fh.write(JANUARY_OPEN)
    with open(raw / "2024-02" / "feedback.csv", "a", encoding="utf-8") as fh:
        fh.write(FEBRUARY_REUSE)
    (raw / "2024-02" / "feedback_updates.csv").write_text(
        "feedback_id,status,resolved_at,substantiated\nF0004,rejected,2024-02-20 08:00:00,false\n", encoding="utf-8")
    results = ingest.ingest_all(root)
    assert [r.status for r in results] == ["corrected", "corrected"], [r.report() for r in results]
    return root


def test_a_later_closing_counts_from_its_resolved_at(closed_later):
    def january_f0004(period):
        frame = store.load("feedback", period, root=closed_later)
        row = frame[(frame["feedback_id"] == "F0004") & (frame["received_at"] < "2024-02-01")].iloc[0]
        return row["status"], row["resolved_at"], row["substantiated"]

    assert january_f0004("2024-01")[0] == "in_progress"
    assert january_f0004("2024-02-19")[0] == "in_progress"                # the closing is not known yet
    assert january_f0004("2024-02") == ("rejected", pd.Timestamp("2024-02-20 08:00:00"), False)
    latest = store.latest_updates("2024-02", closed_later)
    assert list(latest.index) == ["F0004"] and latest.loc["F0004", "month"] == "2024-02"
    assert store.latest_updates("2024-02-19", closed_later).empty
    # February's own F0004 is another message, still open; the others are as their files say
    feb = store.load("feedback", "2024-02", root=closed_later)
    assert feb.loc[feb["received_at"] > "2024-02-01", ["feedback_id", "status"]].values.tolist() == [
        ["F0003", "open"], ["F0004", "open"]]
    f0002 = feb.set_index("feedback_id").loc["F0002"]
    assert (f0002["status"], f0002["resolved_at"]) == ("resolved", pd.Timestamp("2024-02-03 10:00:00"))


@pytest.mark.parametrize("period", ["2024-01", "2024-02-10", "2024-W08", "2024-02"])
def test_duckdb_feedback_takes_the_same_closings(closed_later, period):
    con = store.connect(period, closed_later)
    via_sql = con.sql("SELECT * FROM feedback").df().astype(object)
    via_load = store.load("feedback", period, root=closed_later).astype(object)
    con.close()
    assert via_sql.where(via_sql.notna(), None).to_dict("records") == \
        via_load.where(via_load.notna(), None).to_dict("records")


def test_a_closing_must_name_a_message_of_an_earlier_month(closed_later, tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(closed_later, root)
    before = {p: p.read_bytes() for p in (root / "data/processed").rglob("*") if p.is_file()}
    (root / "data/raw/2024-02/feedback_updates.csv").write_text(
        "feedback_id,status,resolved_at,substantiated\nF0004,rejected,2024-02-20 08:00:00,false\n"
        "F0003,resolved,2024-02-21 08:00:00,\n"      # February's own message
        "F0002,resolved,2024-02-22 08:00:00,true\n"  # January's, but closed in January's file already
        "F0009,resolved,2024-02-23 08:00:00,\n", encoding="utf-8")  # no such message
    result = ingest.ingest_month("2024-02", root)
    assert not result.ok
    assert [(p.file, p.line, p.column, p.value) for p in result.problems] == [
        ("data/raw/2024-02/feedback_updates.csv", line, "feedback_id", value)
        for line, value in ((3, "F0003"), (4, "F0002"), (5, "F0009"))]
    assert "earlier ingested month" in result.problems[0].rule
    assert {p: p.read_bytes() for p in (root / "data/processed").rglob("*") if p.is_file()} == before


# --- tables the entity does not provide -------------------------------------------------------------

def declare_tables(root: Path, tables: list[str]) -> None:
    """Set ``tables:`` in the root's config/entity.yaml (the month tables the entity provides)."""
    entity = root / "config" / "entity.yaml"
    raw = yaml.safe_load(entity.read_text(encoding="utf-8"))
    raw["tables"] = list(tables)
    entity.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")


NOT_DECLARED = ("feedback", "feedback_updates", "self_assessment")


@pytest.fixture
def surveys_only(root, tmp_path) -> Path:
    """The fixture store (every table ingested) under a config that declares surveys only."""
    copy = tmp_path / "repo"
    shutil.copytree(root, copy)
    declare_tables(copy, ["surveys"])
    return copy


def test_provided_follows_the_config(root, surveys_only):
    # the fixture config has no tables: key, or all three declared: everything is provided
    assert [t for t in contract.MONTH_TABLES if store.provided(t, root)] == list(contract.MONTH_TABLES)
    assert [t for t in contract.MONTH_TABLES if store.provided(t, surveys_only)] == ["tickets", "surveys", "staff"]
    assert store.provided_tables(surveys_only) == ("tickets", "surveys", "staff")
    with pytest.raises(ValueError):
        store.provided("initiatives", surveys_only)


@pytest.mark.parametrize("files_left", [True, False], ids=["older-ingest-files", "no-files"])
def test_an_undeclared_table_reads_as_its_typed_empty_frame(surveys_only, files_left):
    processed = surveys_only / "data" / "processed"
    if not files_left:  # as ingest writes an undeclared table: no Parquet file at all
        for table in NOT_DECLARED:
            for path in processed.glob(f"*/{table}.parquet"):
                path.unlink()
    for period in ("2024-02", "2024-02-05", "2024-W06", "2024"):
        for table in NOT_DECLARED:
            frame = store.load(table, period, root=surveys_only)
            assert frame.empty, (table, period)
            expected = contract.TABLES[table].dtypes | ({"month": "str"} if contract.TABLES[table].snapshot else {})
            assert frame.dtypes.astype(str).to_dict() == expected
        assert list(store.load("feedback", period, root=surveys_only, columns=["status"]).columns) == ["status"]
        assert store.latest_updates(period, surveys_only).empty
    # the declared tables read as before
    assert ids(store.load("surveys", "2024-02", root=surveys_only), "response_id") == ["S0001", "S0002", "S0003", "S0004"]
    assert len(store.load("tickets", "2024-02", root=surveys_only)) == 6


def test_duckdb_and_inputs_leave_an_undeclared_table_out(root, surveys_only):
    con = store.connect("2024-02", surveys_only)
    for table in NOT_DECLARED:
        assert con.sql(f"SELECT count(*) FROM {table}").fetchall() == [(0,)], table
        columns = [d[0] for d in con.sql(f"SELECT * FROM {table}").description]
        assert columns == list(store.load(table, "2024-02", root=surveys_only).columns), table
    assert con.sql("SELECT count(*) FROM surveys").fetchall() == [(4,)]
    con.close()
    paths = [i["path"] for i in store.inputs("2024-02", surveys_only)]
    assert paths == [i["path"] for i in store.inputs("2024-02", root)
                     if not any(f"/{t}.csv" in i["path"] for t in NOT_DECLARED)]
    assert [p.rsplit("/", 1)[-1] for p in paths] == ["tickets.csv", "surveys.csv", "staff.csv"] * 2 + ["initiatives.csv"]


def test_an_empty_store_needs_no_config(tmp_path):
    # nothing to read: the typed empty frame, without asking the (absent) configuration
    assert store.load("feedback", "2024-02", root=tmp_path).empty
    assert store.inputs("2024-02", tmp_path) == []
