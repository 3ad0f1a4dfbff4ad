"""The survey and feedback aggregates of the engine (``helpers.data.aggregates.surveys``) against the
pandas computation the satisfaction and recognition notebooks made before (``store.load`` of whole
tables, then the chapters' pure functions), on a small hand-built store:

- a month a year back (the change family's baseline), a month older than every ticket window (a
  survey rating its ticket is linked to nothing, both ways), two month files and a month of day
  drops up to its 20th (rows of the 21st on were never ingested);
- timestamps to the microsecond, a ticket at the last microsecond of a day, responses rating a
  ticket of the month before, responses without a ticket or a service, NPS and CES missing;
- feedback of every kind and source, with and without centre or employee; complaints closed after
  a period's end in their own month's file (in progress as of a period ending mid-month) and
  closed in a later month's ``feedback_updates`` (the day-drop month's closings count from its
  last day).

Counts must be equal, every frame equal to the last bit and its published CSV
(``publish.table_csv``) byte-identical. A few figures are also worked out by hand.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from helpers.base.config import load_config, parse_period
from helpers.base.paths import CODE_ROOT
from helpers.chapters import feedback as F
from helpers.chapters import recognition as R
from helpers.chapters import satisfaction as S
from helpers.chapters import summary
from helpers.data import contract, store
from helpers.data.aggregates import surveys as engine
from helpers.measures import themes
from helpers.report.publish import table_csv

CENTRES = {"seef": ["walk_in"], "tijjar": ["walk_in"], "virtual": ["phone", "whatsapp", "eservices"]}
SERVICES = ["wage_support", "certificate", "appeal", "payment_enquiry"]
OUTCOMES = ["completed"] * 5 + ["abandoned", "no_show", "transferred", "referred"]
STAFF = {"seef": ["E01", "E02", "E03"], "tijjar": ["E11", "E12"], "virtual": ["E21", "E22", "E23"]}
SOURCES = ["satisfaction_system", "satisfaction_system", "email", "phone", "national_complaints_system"]
KINDS = ["complaint", "complaint", "suggestion", "compliment", "compliment", "inquiry"]
CATEGORIES = ["waiting_time", "staff_conduct", "process", "digital_channel", "other"]
COMMENTS = [None, None, "Long wait in the queue", "Very quick, thank you", "الموظف متعاون جدا", "   ",
            "The portal login failed twice", "Long wait in the queue", "انتظار طويل في الطابور"]
MONTH_FILES = ("2023-01", "2023-03", "2024-01", "2024-02")
DAY_DROPS = "2024-03"
LAST_DROP = 20
SIZES = {"2023-01": 12, "2023-03": 150, "2024-01": 150, "2024-02": 180, "2024-03": 200}


# --- a hand-built store -------------------------------------------------------------------------

def _stamps(rng, month: str, n: int) -> pd.Series:
    start = pd.Timestamp(f"{month}-01")
    return pd.Series(start + pd.to_timedelta(rng.integers(0, 28 * 86400 * 10**6, n), unit="us"))


def _month(month: str, seed: int, earlier: pd.DataFrame, open_before: list[str]) -> dict[str, pd.DataFrame]:
    """One month's tables; ``earlier`` are the tickets of the months before (a survey may rate one),
    ``open_before`` the feedback left open in earlier months (this month's updates close some)."""
    rng = np.random.default_rng(seed)
    n = SIZES[month]
    tag = month.replace("-", "")
    centre = rng.choice(list(CENTRES), n)
    channel = np.array([rng.choice(CENTRES[c]) for c in centre])
    outcome = rng.choice(OUTCOMES, n)
    served = ~np.isin(outcome, ["abandoned", "no_show"])
    created = _stamps(rng, month, n)
    if month == DAY_DROPS:   # the last microsecond of the 10th and the first of the 11th
        created.iloc[0], created.iloc[1] = pd.Timestamp("2024-03-10 23:59:59.999999"), pd.Timestamp("2024-03-11")
    wait = pd.to_timedelta(rng.integers(0, 1800 * 10**6, n), unit="us")
    handle = pd.to_timedelta(rng.integers(60 * 10**6, 1500 * 10**6, n), unit="us")
    employee = pd.Series([rng.choice(STAFF[c]) for c in centre]).where(served & (channel != "eservices"))
    tickets = pd.DataFrame({
        "ticket_id": [f"T{tag}-{i:04d}" for i in range(n)], "centre_id": centre, "channel_id": channel,
        "service_id": rng.choice(SERVICES, n), "employee_id": employee, "customer_ref": None, "created_at": created,
        "booked": rng.random(n) < 0.3, "called_at": (created + wait).where(served),
        "started_at": (created + wait).where(served & (rng.random(n) < 0.95)),
        "ended_at": (created + wait + handle).where(served & (rng.random(n) < 0.95)), "outcome": outcome,
        "resolved_first_contact": pd.Series(rng.random(n) < 0.7, dtype="boolean").where(served & (rng.random(n) < 0.9)),
        "assisted_digital": rng.random(n) < 0.2,
    })
    # surveys: most rate a ticket of the month, some one of the months before, some none (kiosk)
    m = int(n * 0.6)
    pool = pd.concat([tickets, earlier], ignore_index=True)
    pick = rng.integers(0, len(tickets), m)
    rated = tickets.iloc[pick].reset_index(drop=True)
    older = rng.random(m) < 0.15
    if len(earlier):
        rated.loc[older] = earlier.iloc[rng.integers(0, len(earlier), int(older.sum()))].to_numpy()
    kiosk = rng.random(m) < 0.1
    submitted = _stamps(rng, month, m)
    surveys = pd.DataFrame({
        "response_id": [f"S{tag}-{i:04d}" for i in range(m)],
        "ticket_id": rated["ticket_id"].where(~kiosk),
        "centre_id": rated["centre_id"].where(~kiosk, "virtual"),
        "channel_id": rated["channel_id"].where(~kiosk, "eservices"),
        "service_id": rated["service_id"].where(~kiosk & (rng.random(m) < 0.7)),
        "employee_id": rated["employee_id"].where(~kiosk & (rng.random(m) < 0.5)),
        "submitted_at": submitted, "csat": rng.integers(1, 6, m),
        "nps": pd.Series(rng.integers(0, 11, m), dtype="Int64").where(rng.random(m) < 0.8),
        "ces": pd.Series(rng.integers(1, 8, m), dtype="Int64").where(rng.random(m) < 0.7),
        "comment": [COMMENTS[i] for i in rng.integers(0, len(COMMENTS), m)],
    })
    assert pool["ticket_id"].is_unique
    # feedback: every kind and source; some closed later in this month's file
    k = int(n * 0.2)
    received = _stamps(rng, month, k)
    kind = rng.choice(KINDS, k)
    status = rng.choice(["open", "in_progress", "resolved", "rejected"], k)
    resolved = (received + pd.to_timedelta(rng.integers(3600, 12 * 86400, k), unit="s")).where(
        np.isin(status, ["resolved", "rejected"]))
    fb_centre = pd.Series(rng.choice(list(CENTRES), k)).where(rng.random(k) < 0.85)
    feedback = pd.DataFrame({
        "feedback_id": [f"F{tag}-{i:03d}" for i in range(k)], "received_at": received,
        "source": rng.choice(SOURCES, k), "kind": kind, "centre_id": fb_centre,
        "channel_id": pd.Series(rng.choice(["walk_in", "phone", "whatsapp"], k)).where(rng.random(k) < 0.8),
        "service_id": pd.Series(rng.choice(SERVICES, k)).where(rng.random(k) < 0.5),
        "employee_id": pd.Series([rng.choice(STAFF[c]) if isinstance(c, str) else None for c in fb_centre]).where(
            rng.random(k) < 0.6),
        "category": rng.choice(CATEGORIES, k),
        "text": [["Waited too long, call me on 3612 3456", "Thank you Aisha", "شكرا على الخدمة", "Rude staff",
                  "The app keeps failing"][i] for i in rng.integers(0, 5, k)],
        "status": status, "resolved_at": resolved,
        "substantiated": pd.Series(rng.random(k) < 0.5, dtype="boolean").where(
            (kind == "complaint") & np.isin(status, ["resolved", "rejected"])),
    })
    # the first: a complaint received on the 10th and closed on the 20th, in this month's file
    feedback.loc[0, ["kind", "status", "centre_id"]] = ["complaint", "resolved", "seef"]
    feedback.loc[0, "received_at"] = pd.Timestamp(f"{month}-10 09:00:00.000001")
    feedback.loc[0, "resolved_at"] = pd.Timestamp(f"{month}-20 16:30")
    closing = [f for i, f in enumerate(open_before) if i % 2 == 0]
    month_end = pd.Timestamp(f"{month}-01") + pd.offsets.MonthEnd(0)
    updates = pd.DataFrame({
        "feedback_id": closing, "status": ["resolved" if i % 3 else "rejected" for i in range(len(closing))],
        "resolved_at": pd.Series([pd.Timestamp(f"{month}-01") + pd.Timedelta(days=1 + i % 27, microseconds=i)
                                  for i in range(len(closing))], dtype="datetime64[us]"),
        "substantiated": pd.Series([i % 2 == 0 for i in range(len(closing))], dtype="boolean"),
    })
    assert (updates["resolved_at"] <= month_end).all()
    staff = pd.DataFrame([{"employee_id": e, "name_en": f"Name {e}", "name_ar": f"اسم {e}", "centre_id": c,
                           "role": "supervisor" if e.endswith("1") else "agent",
                           "joined_on": pd.Timestamp("2023-06-01"),
                           "active": not (month == "2024-03" and e == "E12")}
                          for c, people in STAFF.items() for e in people])
    return {"tickets": tickets, "surveys": surveys, "feedback": feedback, "feedback_updates": updates, "staff": staff}


def _write(table: str, frame: pd.DataFrame, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    key = list(contract.TABLES[table].key)
    frame = contract.typed_frame(table, frame).sort_values(key, kind="stable").reset_index(drop=True)
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), folder / f"{table}.parquet")


def build_store(root: Path, day_drops: bool = True) -> None:
    """The store of the module docstring under ``root``; ``day_drops=False`` writes the last month
    as one month file of the same rows (those up to its 20th)."""
    shutil.copytree(CODE_ROOT / "config", root / "config")
    processed = root / "data" / "processed"
    earlier = pd.DataFrame()
    open_before: list[str] = []
    for k, month in enumerate([*MONTH_FILES, DAY_DROPS]):
        tables = _month(month, 40 + k, earlier, open_before)
        folder = processed / month
        if month == DAY_DROPS:
            for table in contract.DAY_TABLES:   # nothing after the 20th ever arrived
                dated = contract.TABLES[table].dated_by
                tables[table] = tables[table][tables[table][dated] < pd.Timestamp(f"{month}-{LAST_DROP + 1}")]
        if month == DAY_DROPS and day_drops:
            for table in contract.DAY_TABLES:
                frame = tables[table]
                for day, part in frame.groupby(frame[contract.TABLES[table].dated_by].dt.day):
                    drop = folder / store.DAYS_DIR / f"{month}-{day:02d}"
                    _write(table, part, drop)
                    (drop / store.INGEST_RECORD).write_text(json.dumps({"day": f"{month}-{day:02d}"}), encoding="utf-8")
            for table in ("feedback_updates", "staff"):
                _write(table, tables[table], folder)
            (folder / store.INGEST_RECORD).write_text(json.dumps({"month": month, "drops": "days"}), encoding="utf-8")
        else:
            for table, frame in tables.items():
                _write(table, frame, folder)
            (folder / store.INGEST_RECORD).write_text(json.dumps({"month": month}), encoding="utf-8")
        fb = tables["feedback"]
        closed = set(tables["feedback_updates"]["feedback_id"])
        open_before = [f for f in open_before if f not in closed]
        open_before += list(fb.loc[fb["status"].isin(["open", "in_progress"]), "feedback_id"])
        earlier = pd.concat([earlier, tables["tickets"]], ignore_index=True)


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    path = tmp_path_factory.mktemp("agg-surveys") / "days"
    build_store(path)
    return path


@pytest.fixture(scope="module")
def month_root(tmp_path_factory):
    path = tmp_path_factory.mktemp("agg-surveys") / "month"
    build_store(path, day_drops=False)
    return path


# --- the pandas path, as the notebooks computed it before the engine ------------------------------

class Rows:
    """The frames the satisfaction notebook loaded with ``store.load``."""

    def __init__(self, root: Path, period):
        self.p = p = parse_period(period, root)
        self.since = since = S.history_since(p)
        self.history = store.load("surveys", p, root=root, columns=["response_id", "submitted_at", "csat"])
        surveys = store.load("surveys", p, root=root, since=since["surveys"])
        self.tickets = store.load("tickets", p, root=root, since=since["tickets"], columns=S.TICKET_COLUMNS)
        self.feedback_all = F.as_of(store.load("feedback", p, root=root), p.end)
        self.linked = S.link_tickets(surveys, self.tickets)
        self.month_surveys = S.within(self.linked, "submitted_at", p)
        self.month_tickets = S.within(self.tickets, "created_at", p)
        self.month_feedback = S.within(self.feedback_all, "received_at", p)


def same(found: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Equal to the last bit, dtypes included, and the same published CSV."""
    pd.testing.assert_frame_equal(found.reset_index(drop=True), expected.reset_index(drop=True), check_exact=True)
    assert table_csv(found) == table_csv(expected)


PERIODS = ["2024-02", "2024-02-14", "2024-W07", "2024-03-10", "2024-03"]
KPI = {"csat": {"top_box": [4, 5], "confidence": 0.95}, "nps": {"promoters": [9, 10], "detractors": [0, 6]},
       "significance": {"alpha": 0.05, "correction": "fdr_bh"}}


@pytest.fixture(scope="module")
def cfg(root):
    return load_config(root)


@pytest.fixture(scope="module", params=PERIODS)
def case(request, root):
    rows = Rows(root, request.param)
    return rows, engine.connect(rows.p, root)


# --- satisfaction scores ------------------------------------------------------------------------

def test_score_counts_equal_the_pandas_counts_in_every_window_and_cut(case):
    rows, con = case
    cuts = [*S.MONTHLY_CUTS, *S.WEEKLY_CUTS[2:]]
    counts = engine.score_counts(con, S.windows(rows.p), cuts, KPI, rows.since["tickets"])
    assert list(counts.columns) == ["window", "cut", *S.CUT_COLUMNS, *S.COUNT_COLUMNS] == \
        ["window", "cut", *engine.CUT_COLUMNS, *engine.SCORE_COUNTS]
    for window, q in S.windows(rows.p).items():
        responses = S.within(rows.linked, "submitted_at", q)
        for by in cuts:
            part = counts[counts["window"].eq(window) & counts["cut"].eq("+".join(by))]
            expected = S.score_counts(responses, by, KPI)
            types = {**{c: object for c in by}, **{c: "int64" for c in S.COUNT_COLUMNS}}
            same(part[by + S.COUNT_COLUMNS].astype(types), expected.astype(types))


def test_scores_and_the_change_family_are_those_of_the_rows(case):
    rows, con = case
    # the cuts a report of the kind tests together (every cut's counts: the test above)
    for cuts in ([S.WEEKLY_CUTS] if rows.p.kind == "week" else [S.MONTHLY_CUTS]):
        counts = S.ScoreCounts(engine.score_counts(con, S.windows(rows.p), cuts, KPI, rows.since["tickets"]),
                               engine.completed_counts(con, rows.p, cuts))
        for by in cuts:
            same(counts.scores(by, KPI), S.scores_by(rows.month_surveys, rows.month_tickets, by, KPI))
        same(S.change_family_of(counts, cuts, KPI),
             S.change_family(rows.linked, rows.month_tickets, rows.p, cuts, KPI))


def test_the_monthly_csat_history_and_the_driver_rows(case):
    rows, con = case
    same(S.monthly_csat_from_counts(engine.monthly_counts(con, KPI)), S.monthly_csat(rows.history, (4, 5)))
    first = S.driver_window(rows.p)[0]
    found = engine.linked_responses(con, first, rows.p, rows.since["tickets"])
    window = rows.linked[(rows.linked["submitted_at"] >= pd.Timestamp(f"{first}-01"))
                         & (rows.linked["submitted_at"] <= rows.p.end)]
    columns = ["response_id", "submitted_at", "csat", "channel_id", "service_id", "booked", "resolved_first_contact",
               "wait_s", "handle_s"]
    same(found[columns], window[columns])
    same(S.driver_data(found), S.driver_data(window))


# --- feedback -----------------------------------------------------------------------------------

def test_feedback_rates_thanks_and_the_complaint_rate(case, cfg):
    rows, con = case
    for by in ["centre_id", "channel_id", "service_id", "category", None]:
        counts = engine.feedback_counts(con, rows.p, by)
        keys = {by: object} if by else {}
        same(counts.drop(columns="thank_yous").astype(keys),
             F.rate_counts(rows.month_feedback, rows.month_tickets, by).astype(keys))
        same(F.rates_from_counts(counts, by), F.rates(rows.month_feedback, rows.month_tickets, by))
    centres = engine.feedback_counts(con, rows.p, "centre_id")
    same(F.thank_you_by_counts(centres, "centre_id", cfg.ids("centres")),
         F.thank_you_by(rows.month_feedback, "centre_id", cfg.ids("centres")))
    assert int(engine.feedback_counts(con, rows.p)["thank_yous"].sum()) == len(F.thank_yous(rows.month_feedback))
    months = S.last_months(rows.p, 12)
    same(F.thank_you_trend_from_counts(engine.thank_you_months(con, months), months),
         F.thank_you_trend(rows.feedback_all, months))
    # the summary's complaint rate, this period and the one before (both inside the loaded tickets)
    rate = summary.complaint_rate(rows.feedback_all, rows.tickets, rows.p)
    found = [F.complaints_per_1000(engine.feedback_counts(con, q)) for q in (rows.p, rows.p.previous())]
    np.testing.assert_equal(found, [rate.value, rate.previous])
    assert not math.isnan(found[0])   # the period had transactions


def test_follow_up_resolution_and_comments(case, cfg):
    rows, con = case
    sla = 5
    owners = F.category_owners(cfg.feedback_categories)
    same(F.follow_up(engine.open_complaints(con), rows.p.end, sla, owners),
         F.follow_up(rows.feedback_all, rows.p.end, sla, owners))
    complaints = engine.period_complaints(con, rows.p)
    same(F.resolution(complaints, rows.p.end, sla, by="centre_id"),
         F.resolution(rows.month_feedback, rows.p.end, sla, by="centre_id"))
    same(F.resolution(complaints, rows.p.end, sla), F.resolution(rows.month_feedback, rows.p.end, sla))
    found = themes.comments(*engine.comment_rows(con, rows.p), (4, 5))
    expected = themes.comments(rows.month_surveys, rows.month_feedback, (4, 5))
    same(found, expected)
    assert len(found)
    same(themes.top_themes(found, ["centre_id", "kind"]), themes.top_themes(expected, ["centre_id", "kind"]))


# --- recognition --------------------------------------------------------------------------------

@pytest.mark.parametrize("period", ["2024-02", "2024-03"])
def test_the_recognition_review_from_the_engine_is_the_review_of_whole_tables(root, cfg, period):
    p = parse_period(period, root)
    kpi = cfg.kpi
    since = R.history_since(p, kpi)
    tickets = store.load("tickets", p, root=root, since=since, columns=R.TICKET_COLUMNS)
    surveys = store.load("surveys", p, root=root, since=since, columns=R.SURVEY_COLUMNS)
    fb = store.load("feedback", p, root=root, since=since, columns=R.FEEDBACK_COLUMNS)
    staff = store.load("staff", p, root=root, since=since)
    expected = R.review(tickets, surveys, fb, staff, p, cfg.ids("centres"), kpi)
    con = engine.connect(p, root)
    team = engine.team_counts(con, R.team_months(p), kpi)
    st = R.settings(kpi)
    months = R.team_months(p)
    same(team, R.team_counts(tickets, surveys, fb, months, st))
    t2, s2, f2 = engine.recognition_rows(con, R.rows_since(p, kpi), R.ROW_COLUMNS)
    assert len(t2) < len(tickets) and len(s2) < len(surveys) and len(f2) < len(fb)   # fewer rows reach pandas
    found = R.review(t2, s2, f2, staff, p, cfg.ids("centres"), kpi, team=team)
    for name in ("current", "previous", "thanks", "team", "training", "training_named", "daily"):
        same(getattr(found, name), getattr(expected, name))
    assert len(found.current) and len(found.daily)


# --- the as-of rule, day drops and hand-worked figures ----------------------------------------------

def test_day_drops_give_the_tables_of_the_same_rows_as_a_month_file(root, month_root):
    for period in ("2024-03-10", "2024-03"):
        a, b = engine.connect(period, root), engine.connect(period, month_root)
        p = parse_period(period, root)
        cuts = S.MONTHLY_CUTS
        same(engine.score_counts(a, S.windows(p), cuts, KPI, "2023-02"),
             engine.score_counts(b, S.windows(p), cuts, KPI, "2023-02"))
        for by in ("centre_id", "category", None):
            same(engine.feedback_counts(a, p, by), engine.feedback_counts(b, p, by))
        same(engine.team_counts(a, R.team_months(p), KPI), engine.team_counts(b, R.team_months(p), KPI))
    # a day reads the drops up to it: nothing after its last microsecond
    con = engine.connect("2024-03-10", root)
    t = con.execute("SELECT max(created_at) AS last FROM tickets").df()
    assert t["last"].iloc[0] == pd.Timestamp("2024-03-10 23:59:59.999999")


def test_a_complaint_closed_after_the_period_is_still_open_in_it(root):
    # as of a day mid-month, a complaint of that month closed later in its own file is open
    mid = parse_period("2024-02-14", root)
    written = pq.read_table(root / "data" / "processed" / "2024-02" / "feedback.parquet").to_pandas()
    later = written[written["kind"].eq("complaint") & (written["received_at"] <= mid.end)
                    & (written["resolved_at"] > mid.end)]
    assert len(later)
    open_mid = engine.open_complaints(engine.connect(mid, root))
    assert set(later["feedback_id"]) <= set(open_mid["feedback_id"])
    assert set(open_mid.loc[open_mid["feedback_id"].isin(later["feedback_id"]), "status"]) == {"in_progress"}
    closed = engine.period_complaints(engine.connect("2024-02", root), parse_period("2024-02", root))
    assert set(later["feedback_id"]) <= set(closed.loc[closed["resolved_at"].notna(), "feedback_id"])
    # closed in March's feedback_updates: open as of February and of 10 March, closed as of March
    updates = pq.read_table(root / "data" / "processed" / "2024-03" / "feedback_updates.parquet").to_pandas()
    closing = set(updates["feedback_id"]) & set(written["feedback_id"])
    assert closing
    for period, still_open in (("2024-02", True), ("2024-03-10", True), ("2024-03", False)):
        found = set(engine.open_complaints(engine.connect(period, root))["feedback_id"])
        complaints = set(written.loc[written["kind"].eq("complaint"), "feedback_id"]) & closing
        assert (complaints <= found) == still_open and (not complaints & found) == (not still_open)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    """Read-only: the ingest fixture's two months (tests/fixtures/ingest), ingested."""
    from test_store import make_root

    return make_root(tmp_path_factory.mktemp("agg-surveys-tiny"))


def test_figures_by_hand_on_a_tiny_store(tiny):
    """The ingest fixture's two months: every count worked out by hand."""
    root = tiny
    jan = parse_period("2024-01", root)
    con = engine.connect(jan, root)
    counts = engine.score_counts(con, {"current": jan}, [[], ["service_id"], ["booked"]], KPI, "2023-12")
    # S0001 (T0001, wage support, not booked): CSAT 5, NPS 10, CES 7; S0002 (no ticket, no service): CSAT 3
    whole = counts[counts["cut"].eq("")].iloc[0]
    assert [int(whole[c]) for c in S.COUNT_COLUMNS] == [2, 1, 1, 1, 0, 1, 7, 49]
    assert counts[counts["cut"].eq("service_id")]["service_id"].tolist() == ["wage_support"]
    assert counts[counts["cut"].eq("booked")]["booked"].tolist() == [False]
    completed = engine.completed_counts(con, jan, [[], ["centre_id"]])
    assert completed[completed["cut"].eq("")]["completed"].tolist() == [3]       # T0001, T0002, T0003
    by_centre = completed[completed["cut"].eq("centre_id")]
    assert dict(zip(by_centre["centre_id"], by_centre["completed"], strict=True)) == {"seef": 1, "virtual": 2}
    scores = S.ScoreCounts(counts, completed).scores([], KPI)
    assert scores.loc[0, "csat"] == 0.5 and scores.loc[0, "response_rate"] == 2 / 3 and scores.loc[0, "nps"] == 100
    # F0002, a complaint received 20 January and closed 3 February: open, 11 days old, at January's end
    assert engine.open_complaints(con)["feedback_id"].tolist() == ["F0002"]
    assert engine.open_complaints(engine.connect("2024-02", root)).empty
    fb = engine.feedback_counts(con, jan)
    assert fb.to_dict("records") == [{"transactions": 3, "complaints": 1, "suggestions": 0, "compliments": 1,
                                      "thank_yous": 1}]
    assert F.complaints_per_1000(fb) == 1000 / 3
    # February's F0003 is an inquiry: not a rate's kind; its transactions are T0004–T0006
    feb = parse_period("2024-02", root)
    assert engine.feedback_counts(engine.connect(feb, root), feb, "category").empty
    none = {"complaints": 0, "suggestions": 0, "compliments": 0, "thank_yous": 0}
    assert engine.feedback_counts(engine.connect(feb, root), feb, "centre_id").to_dict("records") == [
        {"centre_id": c, "transactions": 1, **none} for c in ("seef", "tijjar", "virtual")]
    # a day ending at 23:59:59 on the 5th: T0004 and T0005, not T0006 (00:00:00 on the 6th)
    day = parse_period("2024-02-05", root)
    assert engine.feedback_counts(engine.connect(day, root), day)["transactions"].tolist() == [2]


def test_the_ces_mean_and_deviation_come_from_integers_exactly():
    counts = pd.DataFrame({"responses": [3, 1, 0], "satisfied": [2, 1, 0], "nps_responses": [0, 0, 0],
                           "promoters": [0, 0, 0], "detractors": [0, 0, 0], "ces_responses": [3, 1, 0],
                           "ces_sum": [15, 6, 0], "ces_squares": [89, 36, 0], "centre_id": ["a", "b", "c"]})
    out = S.scores_from_counts(counts, None, ["centre_id"], KPI)
    # 2, 6, 7: mean 5, variance ((−3)² + 1² + 2²) / 2 = 7
    assert out["ces"].tolist()[:2] == [5.0, 6.0] and math.isnan(out.loc[2, "ces"])
    assert out.loc[0, "ces_sd"] == math.sqrt(7) and math.isnan(out.loc[1, "ces_sd"])
    assert out["completed"].tolist() == [0, 0, 0]


def test_the_engine_s_rows_are_typed_as_the_store_types_them(case):
    rows, con = case
    surveys, fb = engine.comment_rows(con, rows.p)
    for frame, table in ((surveys, "surveys"), (fb, "feedback"), (engine.open_complaints(con), "feedback"),
                         (engine.period_complaints(con, rows.p), "feedback")):
        assert frame.dtypes.astype(str).to_dict() == {c: contract.TABLES[table].dtypes[c] for c in frame.columns}


@pytest.mark.parametrize("period", PERIODS)
def test_the_unsorted_views_hold_exactly_the_rows_store_load_returns(root, period):
    con = engine.connect(period, root)
    for table in engine.UNSORTED:
        spec = contract.TABLES[table]
        order = ", ".join([*spec.key, spec.dated_by])
        found = con.sql(f"SELECT * FROM {table} ORDER BY {order}").to_arrow_table().to_pandas().astype(spec.dtypes)
        pd.testing.assert_frame_equal(found, store.load(table, period, root=root), check_exact=True)


def test_a_table_not_provided_reads_as_empty_typed_tables(tmp_path, tiny):
    from test_store import declare_tables

    root = tmp_path / "tickets-only"
    shutil.copytree(tiny, root)
    declare_tables(root, [])          # tickets and staff only: surveys and feedback not provided
    con = engine.connect("2024-02", root)
    feb = parse_period("2024-02", root)
    assert con.sql("SELECT count(*) FROM surveys").fetchall() == [(0,)]
    assert con.sql("SELECT count(*) FROM tickets").fetchall() == [(6,)]
    counts = S.ScoreCounts(engine.score_counts(con, S.windows(feb), S.MONTHLY_CUTS, KPI, "2023-01"),
                           engine.completed_counts(con, feb, S.MONTHLY_CUTS))
    overall = counts.scores([], KPI)
    assert overall["responses"].tolist() == [0] and overall["completed"].tolist() == [2]   # T0004, T0006
    assert overall["csat"].isna().all()
    assert S.change_family_of(counts, S.MONTHLY_CUTS, KPI).empty
    assert engine.monthly_counts(con, KPI).empty and engine.open_complaints(con).empty
    surveys, fb = engine.comment_rows(con, feb)
    assert surveys.empty and fb.empty and list(surveys.columns)[-1] == "comment"
