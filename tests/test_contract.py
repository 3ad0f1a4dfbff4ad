"""The contract: documentation agrees with the code, values parse strictly, every rule fires."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import pandas as pd
import pytest

from helpers.base.config import ConfigError, load_config
from helpers.base.paths import CODE_ROOT
from helpers.data import contract

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
MONTH = FIXTURES / "months" / "2024-02"
CRITERIA = ("ACC-01", "QOS-01", "ENV-01")


def raw_frame(path: Path) -> pd.DataFrame:
    """The fixture file as strings, index = spreadsheet line (header = line 1)."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame.index = pd.RangeIndex(2, len(frame) + 2)
    return frame


def context(**overrides) -> contract.Context:
    config = load_config(CODE_ROOT)
    staff, _ = contract.parse("staff", contract.normalise("staff", raw_frame(MONTH / "staff.csv")))
    tickets = raw_frame(MONTH / "tickets.csv")
    values = dict(
        config=config,
        month="2024-02",
        roster=staff[["employee_id", "role"]],
        month_tickets=pd.Index(tickets["ticket_id"]),
        # T0003 was ingested in January, T9000 in March (a later month)
        stored_tickets=pd.Series(["2024-01", "2024-03"], index=pd.Index(["T0003", "T9000"], dtype="str"), dtype="str"),
        # F0002 and F0005 came in January (still open then), F9000 in March
        stored_feedback=pd.Series(["2024-01", "2024-01", "2024-03"],
                                  index=pd.Index(["F0002", "F0005", "F9000"], dtype="str"), dtype="str"),
        criteria=CRITERIA,
    )
    values.update(overrides)
    return contract.Context(**values)


def violations(table: str, raw: pd.DataFrame, ctx: contract.Context | None = None) -> set[tuple[int, str, str]]:
    _, found = contract.validate(table, contract.normalise(table, raw), ctx or context())
    return set(zip(found["line"].astype(int), found["column"], found["rule"]))


def fixture(table: str) -> pd.DataFrame:
    if table == "initiatives":
        return raw_frame(FIXTURES / "months" / "initiatives.csv")
    if table == "feedback_updates":  # not in the month folder: the ingest tests read those as they are
        return raw_frame(FIXTURES / "feedback_updates.csv")
    return raw_frame(MONTH / f"{table}.csv")


# --- the documentation is the contract ----------------------------------------------------------
def test_raw_readme_holds_the_generated_contract():
    text = (CODE_ROOT / "data" / "raw" / "README.md").read_text(encoding="utf-8")
    start = text.index(contract.README_START) + len(contract.README_START)
    block = text[start:text.index(contract.README_END)].strip("\n") + "\n"
    assert block == contract.markdown(), (
        "data/raw/README.md is out of date: paste the output of "
        '`.venv/bin/python -c "from helpers.data.contract import markdown; print(markdown())"` between the markers'
    )


def test_every_rule_sentence_is_documented():
    text = (CODE_ROOT / "data" / "raw" / "README.md").read_text(encoding="utf-8")
    for rule in contract.RULES.values():
        if rule.kind in ("type", "required"):
            continue  # documented by the type table and the "may be empty" column
        assert rule.text() in text, rule.id


def test_every_rule_is_compiled_into_a_check():
    """Each rule other than type (parsed) and required (nullable) is a named pandera check."""
    ctx = context()
    for table in contract.TABLES:
        sch = contract.schema(table, ctx)
        names = {c.name for c in sch.checks}
        for col in sch.columns.values():
            names |= {c.name for c in col.checks}
        expected = {r.id for r in contract.rules_for(table) if r.kind not in ("type", "required")}
        assert names == expected, table
        nullable = {name for name, col in sch.columns.items() if col.nullable}
        assert nullable == {c.name for c in contract.TABLES[table].columns if c.nullable}


def test_processed_dtypes():
    frame = contract.empty_frame("tickets")
    assert frame.dtypes.astype(str).to_dict() == {
        "ticket_id": "str", "centre_id": "str", "channel_id": "str", "service_id": "str",
        "employee_id": "str", "customer_ref": "str", "created_at": "datetime64[us]", "booked": "boolean",
        "called_at": "datetime64[us]", "started_at": "datetime64[us]", "ended_at": "datetime64[us]",
        "outcome": "str", "resolved_first_contact": "boolean", "assisted_digital": "boolean",
    }
    assert contract.empty_frame("surveys")["csat"].dtype == "Int64"


# --- parsing ------------------------------------------------------------------------------------
def _one_column(table: str, column: str, values: list[str]) -> pd.DataFrame:
    return pd.DataFrame({column: values}, index=pd.RangeIndex(2, len(values) + 2), dtype="str")


def test_datetimes_accept_three_spellings_and_refuse_impossible_dates():
    raw = _one_column("tickets", "created_at", [
        "2024-02-01 10:00:00", "2024-02-01T10:00:00", "2024-02-01 10:00", "2024-02-01T10:00",
        "2024-02-30 10:00:00", "01/02/2024 10:00", "2024-02-01", "2024-02-01 10:00:00.5", "", "2024-02-29 23:59:59",
    ])
    typed, bad = contract.parse("tickets", contract.normalise("tickets", raw))
    assert typed["created_at"].dtype == "datetime64[us]"
    assert list(typed["created_at"].loc[2:5]) == [pd.Timestamp("2024-02-01 10:00:00")] * 4
    assert typed["created_at"].loc[11] == pd.Timestamp("2024-02-29 23:59:59")
    assert pd.isna(typed["created_at"].loc[10])  # empty is null, not a type problem
    assert sorted(bad["line"]) == [6, 7, 8, 9]
    assert set(bad["rule"]) == {"tickets.created_at.type"}


def test_dates_booleans_and_whole_numbers_parse_strictly():
    typed, bad = contract.parse("staff", contract.normalise("staff", pd.DataFrame(
        {"joined_on": ["2024-02-29", "2023-02-29", "2024-2-3"], "active": ["true", "FALSE", "yes"]},
        index=[2, 3, 4], dtype="str")))
    assert typed["joined_on"].loc[2] == pd.Timestamp("2024-02-29")
    assert list(typed["active"].loc[[2, 3]]) == [True, False]
    assert set(zip(bad["line"], bad["column"])) == {(3, "joined_on"), (4, "joined_on"), (4, "active")}

    typed, bad = contract.parse("surveys", contract.normalise("surveys", _one_column("surveys", "csat", ["4", " 5 ", "4.0", "x"])))
    assert list(typed["csat"].loc[[2, 3]]) == [4, 5]
    assert sorted(bad["line"]) == [4, 5]


@pytest.mark.parametrize("known_size, column_size", [(3, 200), (5000, 40), (0, 10)])
def test_membership_agrees_with_python_sets(known_size, column_size):
    rng = random.Random(known_size + column_size)
    known = [f"K{rng.randrange(2 * known_size + 1):05d}" for _ in range(known_size)]
    column = [None if rng.random() < 0.1 else f"K{rng.randrange(2 * known_size + 1):05d}"
              for _ in range(column_size)]
    s = pd.Series(column, index=pd.RangeIndex(2, column_size + 2), dtype="str")
    got = contract._member_of(pd.Index(known, dtype="str"))(s)
    assert list(got.index) == list(s.index)
    assert got.tolist() == [v is not None and v in set(known) for v in column]


def test_ids_stay_strings_and_free_text_keeps_its_spaces():
    raw = pd.DataFrame({"employee_id": ["007", " 0042 "], "comment": ["  indented", "   "]}, index=[2, 3], dtype="str")
    typed, bad = contract.parse("surveys", contract.normalise("surveys", raw))
    assert list(typed["employee_id"]) == ["007", "0042"]
    assert typed["comment"].loc[2] == "  indented"
    assert pd.isna(typed["comment"].loc[3])  # blank is empty
    assert bad.empty


# --- every rule fires on a hand-made case ------------------------------------------------------
def test_valid_fixture_tables_have_no_violations():
    for table in (*contract.MONTH_TABLES, "initiatives"):
        assert violations(table, fixture(table)) == set(), table


CASES = [
    # table, line, {column: new raw value}, the one violation expected (column, rule)
    ("tickets", 2, {"ticket_id": "T0005"}, ("ticket_id", "tickets.ticket_id.unique"), 3),
    ("tickets", 2, {"ticket_id": "T0003"}, ("ticket_id", "tickets.ticket_id.unique_across_months"), 2),
    ("tickets", 3, {"centre_id": "mars"}, ("centre_id", "tickets.centre_id.ref"), 3),
    ("tickets", 3, {"channel_id": "fax"}, ("channel_id", "tickets.channel_id.ref"), 3),
    ("tickets", 3, {"service_id": "visa"}, ("service_id", "tickets.service_id.ref"), 3),
    ("tickets", 2, {"employee_id": ""}, ("employee_id", "tickets.employee_id.required_when_served"), 2),
    ("tickets", 2, {"employee_id": "E999"}, ("employee_id", "tickets.employee_id.on_roster"), 2),
    ("tickets", 2, {"customer_ref": "123456789"}, ("customer_ref", "tickets.customer_ref.not_national_id"), 2),
    ("tickets", 3, {"created_at": "2024-03-01 00:00:00"}, ("created_at", "tickets.created_at.in_month"), 3),
    ("tickets", 3, {"created_at": "2024-01-31 23:59:59"}, ("created_at", "tickets.created_at.in_month"), 3),
    ("tickets", 2, {"created_at": "2024-02-30 09:00:00"}, ("created_at", "tickets.created_at.type"), 2),
    ("tickets", 2, {"called_at": "2024-02-05 09:59:54"}, ("called_at", "tickets.called_at.order"), 2),  # 6 s
    ("tickets", 2, {"started_at": "2024-02-05 10:01:00"}, ("started_at", "tickets.started_at.order"), 2),
    ("tickets", 4, {"ended_at": "2024-02-06 00:00:30"}, ("ended_at", "tickets.ended_at.order"), 4),
    ("tickets", 2, {"outcome": "done"}, ("outcome", "tickets.outcome.enum"), 2),
    ("tickets", 2, {"booked": ""}, ("booked", "tickets.booked.required"), 2),
    ("tickets", 2, {"booked": "yes"}, ("booked", "tickets.booked.type"), 2),
    ("surveys", 3, {"response_id": "S0003"}, ("response_id", "surveys.response_id.unique"), 3),
    ("surveys", 2, {"ticket_id": "T9999"}, ("ticket_id", "surveys.ticket_id.known_ticket"), 2),
    ("surveys", 2, {"ticket_id": "T9000"}, ("ticket_id", "surveys.ticket_id.known_ticket"), 2),  # a later month's ticket
    ("surveys", 2, {"centre_id": "mars"}, ("centre_id", "surveys.centre_id.ref"), 2),
    ("surveys", 3, {"channel_id": "fax"}, ("channel_id", "surveys.channel_id.ref"), 3),
    ("surveys", 2, {"service_id": "visa"}, ("service_id", "surveys.service_id.ref"), 2),
    ("surveys", 2, {"submitted_at": "2024-01-31 08:00:00"}, ("submitted_at", "surveys.submitted_at.in_month"), 2),
    ("surveys", 2, {"csat": "6"}, ("csat", "surveys.csat.range"), 2),
    ("surveys", 2, {"csat": "0"}, ("csat", "surveys.csat.range"), 2),
    ("surveys", 2, {"csat": ""}, ("csat", "surveys.csat.required"), 2),
    ("surveys", 2, {"nps": "11"}, ("nps", "surveys.nps.range"), 2),
    ("surveys", 2, {"ces": "0"}, ("ces", "surveys.ces.range"), 2),
    ("surveys", 2, {"comment": "x" * 2001}, ("comment", "surveys.comment.max_length"), 2),
    ("feedback", 2, {"feedback_id": ""}, ("feedback_id", "feedback.feedback_id.required"), 2),
    ("feedback", 2, {"source": "fax"}, ("source", "feedback.source.enum"), 2),
    ("feedback", 2, {"kind": "praise"}, ("kind", "feedback.kind.enum"), 2),
    ("feedback", 2, {"centre_id": "mars"}, ("centre_id", "feedback.centre_id.ref"), 2),
    ("feedback", 2, {"channel_id": "fax"}, ("channel_id", "feedback.channel_id.ref"), 2),
    ("feedback", 2, {"service_id": "visa"}, ("service_id", "feedback.service_id.ref"), 2),
    ("feedback", 2, {"category": "noise"}, ("category", "feedback.category.ref"), 2),
    ("feedback", 2, {"status": "resolved"}, ("resolved_at", "feedback.resolved_at.required_when_resolved"), 2),
    ("feedback", 2, {"resolved_at": "2024-02-12 13:14:59"}, ("resolved_at", "feedback.resolved_at.not_before"), 2),
    ("feedback", 2, {"received_at": "2024-03-01 00:00:00"}, ("received_at", "feedback.received_at.in_month"), 2),
    ("feedback", 2, {"text": ""}, ("text", "feedback.text.required"), 2),
    ("feedback_updates", 3, {"feedback_id": "F0002"}, ("feedback_id", "feedback_updates.feedback_id.unique"), 3),
    ("feedback_updates", 2, {"feedback_id": "F9999"}, ("feedback_id", "feedback_updates.feedback_id.earlier_feedback"), 2),
    ("feedback_updates", 2, {"feedback_id": "F9000"},  # a later month's message
     ("feedback_id", "feedback_updates.feedback_id.earlier_feedback"), 2),
    ("feedback_updates", 2, {"resolved_at": "2024-01-31 23:59:59"}, ("resolved_at", "feedback_updates.resolved_at.in_month"), 2),
    ("feedback_updates", 3, {"status": "open"}, ("status", "feedback_updates.status.enum"), 3),
    ("feedback_updates", 3, {"resolved_at": ""}, ("resolved_at", "feedback_updates.resolved_at.required"), 3),
    ("staff", 3, {"employee_id": "007"}, ("employee_id", "staff.employee_id.unique"), 3),
    ("staff", 2, {"centre_id": "mars"}, ("centre_id", "staff.centre_id.ref"), 2),
    ("staff", 2, {"role": "boss"}, ("role", "staff.role.enum"), 2),
    ("self_assessment", 3, {"criterion_id": "ACC-01"}, ("criterion_id", "self_assessment.criterion_id.unique_pair"), 3),
    ("self_assessment", 2, {"criterion_id": "ZZZ-99"}, ("criterion_id", "self_assessment.criterion_id.in_catalogue"), 2),
    ("self_assessment", 2, {"centre_id": "mars"}, ("centre_id", "self_assessment.centre_id.ref"), 2),
    ("self_assessment", 2, {"owner": "sales"}, ("owner", "self_assessment.owner.ref"), 2),
    ("self_assessment", 3, {"reason": ""}, ("reason", "self_assessment.reason.required_unless_met"), 3),
    ("self_assessment", 2, {"assessor_id": "007"}, ("assessor_id", "self_assessment.assessor_id.supervisor"), 2),
    ("self_assessment", 2, {"assessed_on": "2024-03-01"}, ("assessed_on", "self_assessment.assessed_on.in_month"), 2),
    ("self_assessment", 3, {"status": "done"}, ("status", "self_assessment.status.enum"), 3),
    ("self_assessment", 2, {"blocker": "weather"}, ("blocker", "self_assessment.blocker.enum"), 2),
    ("initiatives", 3, {"initiative_id": "I01"}, ("initiative_id", "initiatives.initiative_id.unique"), 3),
    ("initiatives", 2, {"centres": "seef;mars"}, ("centres", "initiatives.centres.id_list"), 2),
    ("initiatives", 2, {"channels": "all;phone"}, ("channels", "initiatives.channels.id_list"), 2),
    ("initiatives", 2, {"expected": "up"}, ("expected", "initiatives.expected.pattern"), 2),
    ("initiatives", 3, {"end_on": "2024-02-09"}, ("end_on", "initiatives.end_on.not_before"), 3),
]


@pytest.mark.parametrize("table, line, change, expected, expected_line", CASES,
                         ids=[f"{c[0]}-{c[3][1].split('.', 1)[1]}-{i}" for i, c in enumerate(CASES)])
def test_each_rule_fires_alone(table, line, change, expected, expected_line):
    raw = fixture(table)
    for column, value in change.items():
        raw.loc[line, column] = value
    assert violations(table, raw) == {(expected_line, *expected)}


def test_every_rule_has_a_case():
    covered = {c[3][1] for c in CASES} | {"feedback.feedback_id.unique"}  # test_feedback_ids_repeat_only_once
    untested = {r.id for r in contract.RULES.values() if r.kind not in ("type", "required", "enum")} - covered
    assert untested == set()


def test_near_misses_are_accepted():
    """Values at the edge of each rule pass: 2,000 characters, 8 or 10 digits, all, nulls."""
    surveys = fixture("surveys")
    surveys.loc[2, "comment"] = "x" * 2000
    surveys.loc[2, ["nps", "ces"]] = ["0", "7"]
    surveys.loc[3, "ticket_id"] = ""  # a survey need not name a ticket
    assert violations("surveys", surveys) == set()
    tickets = fixture("tickets")
    tickets.loc[2, "customer_ref"] = "12345678"
    tickets.loc[3, "customer_ref"] = "1234567890"
    tickets.loc[4, ["called_at", "started_at"]] = ["", "2024-02-06 00:00:00"]  # equal times are in order
    assert violations("tickets", tickets) == set()
    feedback = fixture("feedback")
    feedback.loc[2, ["status", "resolved_at"]] = ["resolved", "2024-03-04 09:00:00"]  # resolved next month
    assert violations("feedback", feedback) == set()


def test_feedback_ids_repeat_only_once():
    feedback = pd.concat([fixture("feedback")] * 2)
    feedback.index = pd.RangeIndex(2, 4)
    assert violations("feedback", feedback) == {(3, "feedback_id", "feedback.feedback_id.unique")}


def test_self_service_tickets_may_omit_the_employee():
    tickets = fixture("tickets")
    tickets.loc[4, ["channel_id", "employee_id", "called_at", "started_at", "ended_at"]] = ["eservices", "", "", "", ""]
    assert violations("tickets", tickets) == set()


UNSERVED = "tickets.employee_id.required_when_served"


@pytest.mark.parametrize("channel, outcome, employee, expected", [
    ("walk_in", "abandoned", "", set()),                 # left the queue: nobody served it
    ("phone", "abandoned", "", set()),
    ("walk_in", "no_show", "", set()),                   # booked, never came
    ("eservices", "completed", "", set()),               # self-service: nobody serves it
    ("eservices", "referred", "", set()),
    ("walk_in", "completed", "", {(3, "employee_id", UNSERVED)}),   # served: the employee is named
    ("phone", "transferred", "", {(3, "employee_id", UNSERVED)}),
    ("whatsapp", "referred", "", {(3, "employee_id", UNSERVED)}),
    ("phone", "abandoned", "E010", set()),               # an employee may still be named (on the roster)
    ("phone", "abandoned", "E999", {(3, "employee_id", "tickets.employee_id.on_roster")}),
    ("walk_in", "completed", "E999", {(3, "employee_id", "tickets.employee_id.on_roster")}),
])
def test_only_unserved_or_self_service_tickets_may_omit_the_employee(channel, outcome, employee, expected):
    tickets = fixture("tickets")  # line 3 is T0005, on the roster's E010 at tijjar
    tickets.loc[3, ["channel_id", "outcome", "employee_id"]] = [channel, outcome, employee]
    assert violations("tickets", tickets) == expected


def test_the_unserved_rule_waits_for_its_columns():
    """Without outcome (a missing column, reported by ingest) the rule cannot tell a served ticket."""
    tickets = fixture("tickets").drop(columns="outcome")
    tickets.loc[2, "employee_id"] = ""
    assert UNSERVED not in {rule for _, _, rule in violations("tickets", tickets)}


# --- clock skew ---------------------------------------------------------------------------------
def with_skew(seconds) -> contract.Context:
    """The fixture context with ``ingest: clock_skew_seconds`` set to ``seconds`` (None: key absent)."""
    config = load_config(CODE_ROOT)
    raw = {k: v for k, v in config.raw.items() if k != "ingest"}
    if seconds is not None:
        raw["ingest"] = {"clock_skew_seconds": seconds}
    return context(config=dataclasses.replace(config, raw=raw))


def test_clock_skew_tolerance_comes_from_config_with_a_default_of_five_seconds():
    assert contract.clock_skew_seconds(with_skew(None).config) == 5
    assert contract.clock_skew_seconds(with_skew(0).config) == 0
    assert contract.clock_skew_seconds(with_skew(60).config) == 60
    for bad in (-1, 61, 2.5, "5", True, None):
        config = load_config(CODE_ROOT)
        broken = dataclasses.replace(config, raw={**config.raw, "ingest": {"clock_skew_seconds": bad}})
        with pytest.raises(ConfigError, match="clock_skew_seconds"):
            contract.clock_skew_seconds(broken)
    config = load_config(CODE_ROOT)
    with pytest.raises(ConfigError, match="ingest"):
        contract.clock_skew_seconds(dataclasses.replace(config, raw={**config.raw, "ingest": [5]}))


def skewed_tickets(**stamps) -> pd.DataFrame:
    """The fixture's line 2 (T0004: created 10:00:00, called 10:02:00, started 10:03:00, ended
    10:20:00) with ``stamps`` given as HH:MM:SS on 2024-02-05."""
    tickets = fixture("tickets")
    for column, clock in stamps.items():
        tickets.loc[2, column] = "" if clock == "" else f"2024-02-05 {clock}"
    return tickets


@pytest.mark.parametrize("stamps, seconds, refused", [
    ({"started_at": "10:01:59"}, 5, set()),                               # 1 s before called_at
    ({"started_at": "10:01:58"}, 5, set()),                               # 2 s
    ({"started_at": "10:01:55"}, 5, set()),                               # exactly the tolerance
    ({"started_at": "10:01:54"}, 5, {"started_at"}),                      # 6 s: beyond it
    ({"started_at": "10:01:30"}, 5, {"started_at"}),                      # 30 s
    ({"called_at": "09:59:58"}, 5, set()),                                # before created_at
    ({"ended_at": "10:02:59"}, 5, set()),                                 # before started_at
    ({"called_at": "", "started_at": "09:59:57"}, 5, set()),              # no called_at: against created_at
    ({"started_at": "10:01:59"}, 0, {"started_at"}),                      # tolerance 0: every inversion refused
    ({"started_at": "10:01:50"}, 10, set()),
    ({"started_at": "10:01:50"}, None, {"started_at"}),                   # no key: 5 s
])
def test_small_clock_inversions_are_accepted_and_larger_ones_refused(stamps, seconds, refused):
    found = violations("tickets", skewed_tickets(**stamps), with_skew(seconds))
    assert found == {(2, column, f"tickets.{column}.order") for column in refused}


def test_a_refused_inversion_says_how_far_and_against_what():
    raw = contract.normalise("tickets", skewed_tickets(started_at="10:01:30", ended_at="10:01:50"))
    _, found = contract.validate("tickets", raw, with_skew(5))
    assert found[["line", "column", "detail"]].values.tolist() == [
        [2, "started_at", "30 s before called_at"], [2, "ended_at", "10 s before called_at"]]
    rule = contract.RULES["tickets.started_at.order"]
    assert "clock-skew tolerance (5 s)" in rule.text(5)
    assert contract.TOLERANCE_DOC in rule.text() and "{" not in rule.text()


def typed_stamps(rows: list[tuple]) -> pd.DataFrame:
    """A typed tickets frame of only the four stamps, one tuple per row (None = empty)."""
    frame = pd.DataFrame(rows, columns=["created_at", "called_at", "started_at", "ended_at"])
    return frame.apply(pd.to_datetime).astype("datetime64[us]").set_axis(pd.RangeIndex(2, len(rows) + 2))


def test_settling_moves_each_small_inversion_to_its_neighbour():
    day = "2024-02-05 10:00:"
    typed = typed_stamps([
        (day + "00", day + "10", day + "09", day + "40"),    # started 1 s before called
        (day + "00", day + "58", None, day + "56"),          # ended 2 s before called (no started)
        (day + "05", day + "02", day + "01", day + "30"),    # called 3 s early, started 4 s early: a chain
        (day + "00", day + "05", day + "00", day + "50"),    # started exactly 5 s early
        (day + "00", day + "10", day + "20", day + "30"),    # in order: untouched
        (day + "00", day + "40", day + "10", day + "45"),    # 30 s: left as it is (check refuses it)
        (day + "00", None, None, None),
    ])
    settled, moved = contract.settle_clock_skew("tickets", typed, 5)
    expected = typed_stamps([
        (day + "00", day + "10", day + "10", day + "40"),
        (day + "00", day + "58", None, day + "58"),
        (day + "05", day + "05", day + "05", day + "30"),
        (day + "00", day + "05", day + "05", day + "50"),
        (day + "00", day + "10", day + "20", day + "30"),
        (day + "00", day + "40", day + "10", day + "45"),
        (day + "00", None, None, None),
    ])
    pd.testing.assert_frame_equal(settled, expected)
    assert moved == {"called_at": 1, "started_at": 3, "ended_at": 1}
    assert typed.loc[2, "started_at"] == pd.Timestamp(day + "09")  # the input is not changed


def test_settling_nothing_returns_the_same_frame():
    typed = typed_stamps([("2024-02-05 10:00:00", "2024-02-05 10:00:00", None, "2024-02-05 10:01:00")])
    settled, moved = contract.settle_clock_skew("tickets", typed, 5)
    assert settled is typed and moved == {}
    assert contract.settle_clock_skew("tickets", typed_stamps([("2024-02-05 10:00:01", "2024-02-05 10:00:00",
                                                                None, None)]), 0)[1] == {}


def test_rules_needing_missing_context_are_skipped():
    """Without a roster (staff file missing) roster rules cannot run; the missing file is reported instead."""
    tickets = fixture("tickets")
    tickets.loc[2, "employee_id"] = "E999"
    assert violations("tickets", tickets, context(roster=None)) == set()


def test_datetimes_parse_on_any_index():
    s = pd.Series(["2024-02-01T10:00", "2024-02-01 10:00:00", None], index=[2, 2, 3], dtype="str")
    assert contract._parse_datetime(s).tolist()[:2] == [pd.Timestamp("2024-02-01 10:00:00")] * 2
