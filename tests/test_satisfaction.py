"""Satisfaction scores, cuts, trend and driver model, worked out by hand on tiny frames."""

import math

import numpy as np
import pandas as pd
import pytest

from helpers.base import messages
from helpers.base.config import parse_period
from helpers.base.periods import parse
from helpers.chapters import satisfaction as S
from helpers.chapters import satisfaction_view as view

KPI = {"csat": {"top_box": [4, 5], "confidence": 0.95},
       "nps": {"promoters": [9, 10], "detractors": [0, 6]}}


def surveys(rows):
    frame = pd.DataFrame(rows, columns=["response_id", "ticket_id", "centre_id", "channel_id", "service_id",
                                        "submitted_at", "csat", "nps", "ces"])
    frame["submitted_at"] = pd.to_datetime(frame["submitted_at"])
    return frame.astype({"csat": "Int64", "nps": "Int64", "ces": "Int64"})


def tickets(rows):
    frame = pd.DataFrame(rows, columns=["ticket_id", "centre_id", "channel_id", "service_id", "outcome", "booked",
                                        "created_at", "started_at", "ended_at", "resolved_first_contact"])
    for c in ("created_at", "started_at", "ended_at"):
        frame[c] = pd.to_datetime(frame[c], format="ISO8601")
    return frame.astype({"booked": "boolean", "resolved_first_contact": "boolean"})


T = tickets([
    ("t1", "seef", "walk_in", "certificate", "completed", True, "2024-03-03 08:00", "2024-03-03 08:10", "2024-03-03 08:20", True),
    ("t2", "seef", "walk_in", "appeal", "completed", False, "2024-03-03 09:00", "2024-03-03 09:30", "2024-03-03 09:35", False),
    ("t3", "seef", "walk_in", "appeal", "abandoned", False, "2024-03-03 09:00", None, None, None),
    ("t4", "virtual", "phone", "certificate", "completed", False, "2024-03-04 10:00", "2024-03-04 10:00:30", "2024-03-04 10:05", True),
    ("t5", "virtual", "phone", "certificate", "completed", False, "2024-03-04 11:00", "2024-03-04 11:01", "2024-03-04 11:03", True),
])
SV = surveys([
    ("r1", "t1", "seef", "walk_in", None, "2024-03-03 09:00", 5, 10, 7),
    ("r2", "t2", "seef", "walk_in", "appeal", "2024-03-03 10:00", 2, 3, 2),
    ("r3", "t4", "virtual", "phone", "certificate", "2024-03-04 10:10", 4, 8, None),
    ("r4", None, "virtual", "phone", "certificate", "2024-03-04 12:00", 5, None, 6),
])


def test_nps_by_hand():
    s = pd.DataFrame({"nps": [10, 9, 8, 7, 6, 0, 10, 5]})
    r = S.nps(s)
    # 3 promoters, 3 detractors of 8: NPS 0; Var = (0.375 + 0.375 - 0) / 8 = 0.09375
    assert (r["responses"], r["promoters"], r["detractors"], r["nps"]) == (8, 3, 3, 0.0)
    assert r["high"] == pytest.approx(100 * 1.959964 * math.sqrt(0.09375), abs=1e-3)  # 60.01
    r = S.nps(pd.DataFrame({"nps": [10, 10, 10, 9, 7, 3]}))
    # 4/6 − 1/6 = 50; Var = (5/6 − 0.25)/6 = 0.0972; half-width 61.1 → high clipped at 100
    assert r["nps"] == pytest.approx(50.0)
    assert r["low"] == pytest.approx(50 - 61.114, abs=1e-2) and r["high"] == 100
    assert math.isnan(S.nps(pd.DataFrame({"nps": pd.Series([None], dtype="Int64")}))["nps"])


def test_ces_mean_and_t_interval_by_hand():
    r = S.ces(pd.DataFrame({"ces": [7, 6, 5, 6, None]}))
    # mean 6, sd sqrt(2/3), t(3) = 3.1824: half-width 3.1824 * 0.8165 / 2 = 1.2992
    assert r["responses"] == 4 and r["ces"] == 6
    assert r["low"] == pytest.approx(4.7008, abs=1e-3) and r["high"] == pytest.approx(7.2992, abs=1e-3)
    assert math.isnan(S.ces(pd.DataFrame({"ces": [5]}))["low"])


def test_response_rate():
    assert S.response_rate(30, 120) == 0.25
    assert math.isnan(S.response_rate(3, 0))


def test_link_tickets_adds_booked_wait_and_fills_service():
    linked = S.link_tickets(SV, T).set_index("response_id")
    assert linked.loc["r1", "booked"] is True or bool(linked.loc["r1", "booked"]) is True
    assert linked.loc["r1", "wait_s"] == 600 and linked.loc["r1", "handle_s"] == 600
    assert linked.loc["r1", "service_id"] == "certificate"       # filled from its ticket
    assert linked.loc["r2", "wait_s"] == 1800
    assert pd.isna(linked.loc["r4", "booked"])                     # no ticket: unknown
    assert len(linked) == 4


def test_scores_by_centre_by_hand():
    out = S.scores_by(SV, T, ["centre_id"], KPI).set_index("centre_id")
    # seef: r1 (5) r2 (2): 1 of 2 satisfied; completed tickets t1 t2 → response rate 1.0
    assert out.loc["seef", "responses"] == 2 and out.loc["seef", "csat"] == 0.5
    assert out.loc["seef", "completed"] == 2 and out.loc["seef", "response_rate"] == 1.0
    # NPS seef: 10 promoter, 3 detractor → 0; virtual: 8 passive only (r4 no NPS) → 0 of 1
    assert out.loc["seef", "nps"] == 0 and out.loc["virtual", "nps_responses"] == 1
    assert out.loc["virtual", "nps"] == 0
    # virtual: both satisfied, completed t4 t5 → rate 1.0; CES only r4 → 6, no interval
    assert out.loc["virtual", "csat"] == 1.0 and out.loc["virtual", "ces"] == 6
    assert math.isnan(out.loc["virtual", "ces_low"])
    low, high = S.wilson_interval(1, 2)
    assert out.loc["seef", "csat_low"] == pytest.approx(low) and out.loc["seef", "csat_high"] == pytest.approx(high)


def test_scores_overall_and_booked_cut():
    overall = S.scores_by(SV, T, [], KPI)
    assert len(overall) == 1
    assert overall.loc[0, "responses"] == 4 and overall.loc[0, "satisfied"] == 3
    assert overall.loc[0, "completed"] == 4 and overall.loc[0, "response_rate"] == 1.0
    booked = S.scores_by(S.link_tickets(SV, T), T, ["booked"], KPI).set_index("booked")
    # r4 has no ticket so no booked value: left out of this cut only
    assert booked.loc[True, "responses"] == 1 and booked.loc[False, "responses"] == 2
    assert booked.loc[True, "completed"] == 1 and booked.loc[False, "completed"] == 3
    assert booked.loc[False, "csat"] == 0.5


def test_cut_with_tickets_but_no_response_has_nan_score():
    out = S.scores_by(SV, T, ["service_id"], KPI).set_index("service_id")
    # r1's service is null in the raw survey (it is filled only by link_tickets): left out
    assert out.loc["appeal", "responses"] == 1 and out.loc["appeal", "completed"] == 1
    assert out.loc["certificate", "responses"] == 2 and out.loc["certificate", "completed"] == 3


def test_lowest_ranks_with_minimum_responses():
    frame = pd.DataFrame({"service_id": ["a", "b", "c", "d"], "responses": [50, 5, 40, 40],
                          "csat": [0.7, 0.1, 0.8, 0.7], "csat_low": [0.6, 0, 0.7, 0.6], "csat_high": [0.8, 0.4, 0.9, 0.8]})
    out = S.lowest(frame, "service_id", n=2, min_responses=10)
    assert list(out["service_id"]) == ["a", "d"]   # b has too few; a and d tie at 0.7 → by id


def test_within_period():
    p = parse("2024-03-03")
    assert list(S.within(SV, "submitted_at", p)["response_id"]) == ["r1", "r2"]


def test_monthly_csat_and_too_short_trend():
    sv = surveys([
        ("a", None, "seef", "walk_in", None, "2024-01-05", 5, None, None),
        ("b", None, "seef", "walk_in", None, "2024-01-06", 1, None, None),
        ("c", None, "seef", "walk_in", None, "2024-03-06", 4, None, None),
    ])
    m = S.monthly_csat(sv)
    assert list(m["month"]) == ["2024-01", "2024-03"] and list(m["csat"]) == [0.5, 1.0]
    trend, status = S.seasonal_trend(m)
    assert status == "too_short"
    assert list(trend["month"]) == ["2024-01", "2024-02", "2024-03"]   # the gap month is shown, empty
    assert trend["trend"].isna().all()


def test_seasonal_trend_recovers_a_known_seasonal_pattern():
    months = pd.period_range("2021-01", periods=36, freq="M").strftime("%Y-%m")
    seasonal = np.where(np.arange(36) % 12 == 2, -0.06, 0.0)   # every March 6 points lower
    seasonal = seasonal - seasonal.mean() / 1  # keep the level comparable
    csat = 0.80 + 0.001 * np.arange(36) + np.where(np.arange(36) % 12 == 2, -0.06, 0.0)
    trend, status = S.seasonal_trend(pd.DataFrame({"month": months, "csat": csat}))
    assert status == "ok"
    march = trend[trend["month"].str.endswith("-03")]["seasonal"]
    other = trend[~trend["month"].str.endswith("-03")]["seasonal"]
    assert (march.mean() - other.mean()) == pytest.approx(-0.06, abs=0.01)
    assert trend["trend"].iloc[-1] > trend["trend"].iloc[0]


def _simulated_drivers(n=4000, seed=11):
    rng = np.random.default_rng(seed)
    wait10 = rng.exponential(1.5, n)
    handle10 = rng.exponential(0.8, n)
    booked = rng.random(n) < 0.4
    fcr = rng.random(n) < 0.7
    channel = rng.choice(["walk_in", "phone"], n)
    service = rng.choice(["certificate", "appeal"], n)
    logit = 1.5 - 0.3 * wait10 - 0.1 * handle10 + 0.4 * booked + 0.8 * fcr - 0.5 * (service == "appeal")
    sat = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return pd.DataFrame({"satisfied": sat, "wait10": wait10, "handle10": handle10, "booked": booked.astype(float),
                         "fcr": fcr.astype(float), "channel_id": channel, "service_id": service})


def test_driver_model_recovers_known_effects():
    data = _simulated_drivers()
    effects, status = S.fit_drivers(data, ["walk_in", "phone"], ["certificate", "appeal"])
    assert status == "ok"
    e = effects.set_index(["driver", "driver_level"])
    # true odds ratios: wait exp(-0.3)=0.741 per 10 min, fcr exp(0.8)=2.23, appeal exp(-0.5)=0.61
    assert e.loc[("wait", ""), "odds_low"] < math.exp(-0.3) < e.loc[("wait", ""), "odds_high"]
    assert e.loc[("fcr", ""), "odds_low"] < math.exp(0.8) < e.loc[("fcr", ""), "odds_high"]
    assert e.loc[("service", "appeal"), "driver_reference"] == "certificate"
    assert e.loc[("service", "appeal"), "odds_high"] < 1
    # the channel has no effect: its interval covers 1
    assert e.loc[("channel", "phone"), "odds_low"] < 1 < e.loc[("channel", "phone"), "odds_high"]


def test_driver_model_reports_separation_and_small_data_without_crashing():
    data = _simulated_drivers(400)
    data["satisfied"] = data["fcr"].astype(int)  # perfectly predicted: separation
    effects, status = S.fit_drivers(data, ["walk_in", "phone"], ["certificate", "appeal"])
    assert status == "not_fitted" and effects.empty
    effects, status = S.fit_drivers(_simulated_drivers(50), ["walk_in"], ["certificate"])
    assert status == "too_few"


def test_driver_sentences_in_plain_words():
    effects = pd.DataFrame([
        {"driver": "wait", "driver_level": "", "driver_reference": "", "odds_ratio": 0.88, "odds_low": 0.85,
         "odds_high": 0.91, "p_value": 0.0, "model_rows": 900},
        {"driver": "booked", "driver_level": "", "driver_reference": "", "odds_ratio": 1.25, "odds_low": 1.05,
         "odds_high": 1.5, "p_value": 0.01, "model_rows": 900},
        {"driver": "channel", "driver_level": "phone", "driver_reference": "walk_in", "odds_ratio": 1.1,
         "odds_low": 0.9, "odds_high": 1.3, "p_value": 0.3, "model_rows": 900},
    ])
    labels = {"channel": {"phone": "Phone", "walk_in": "Walk-in"}, "service": {}}
    lines = view.driver_sentences(effects, "ok", "en", labels)
    assert len(lines) == 2   # the channel's interval covers no change: not reported
    assert "Each extra 10 minutes of waiting lowers the odds of a satisfied customer by 12% (95% CI 9% to 15%)" in lines[0]
    assert "25%" in lines[1] and "5%" in lines[1] and "50%" in lines[1]
    assert view.driver_sentences(effects.iloc[:0], "not_fitted", "ar", labels)[0]


def _block(month_day: str, centre: str, n: int, satisfied: int, start: int) -> list[tuple]:
    """``n`` responses at ``centre`` on ``month_day``, the first ``satisfied`` scoring 5 (NPS 10),
    the rest 2 (NPS 3)."""
    return [(f"r{start + i}", None, centre, "walk_in" if centre != "virtual" else "phone", "certificate",
             f"{month_day} 10:00", 5 if i < satisfied else 2, 10 if i < satisfied else 3, 6)
            for i in range(n)]


FAMILY_SV = surveys(
    _block("2024-02-10", "seef", 100, 90, 0) + _block("2024-03-10", "seef", 100, 60, 100)
    + _block("2024-02-10", "virtual", 100, 80, 200) + _block("2024-03-10", "virtual", 100, 80, 300)
    + _block("2023-03-10", "seef", 50, 45, 400)
)
KPI_SIG = {**KPI, "significance": {"alpha": 0.05, "correction": "fdr_bh"}}


def test_change_family_flags_the_real_drop_only():
    fam = S.change_family(FAMILY_SV, T.iloc[:0], parse("2024-03"), [[], ["centre_id"]], KPI_SIG)
    centre = fam[fam["cut"].eq("centre_id")].set_index(["centre_id", "metric", "comparison"])
    # seef: 90% → 60% against February (z = 4.9) and 90% → 60% against March 2023
    assert centre.loc[("seef", "csat", "previous"), "change"] == pytest.approx(-0.30)
    assert bool(centre.loc[("seef", "csat", "previous"), "drop"])
    assert bool(centre.loc[("seef", "csat", "last_year"), "drop"])
    # virtual: 80% both months, no March 2023 responses → only the previous month is tested
    assert not bool(centre.loc[("virtual", "csat", "previous"), "significant"])
    assert ("virtual", "csat", "last_year") not in centre.index
    # the whole-entity row: 120 of 200 against 170 of 200
    whole = fam[fam["cut"].eq("") & fam["metric"].eq("csat") & fam["comparison"].eq("previous")].iloc[0]
    assert whole["value"] == pytest.approx(0.70) and whole["baseline"] == pytest.approx(0.85)
    assert set(fam.columns) >= {"cut", "centre_id", "channel_id", "service_id", "booked", "p_adjusted", "drop"}


def test_alert_lines_and_display_name_every_drop():
    fam = S.change_family(FAMILY_SV, T.iloc[:0], parse("2024-03"), [["centre_id"]], KPI_SIG)
    names = lambda key, item: {"seef": "Seef Mall", "virtual": "Virtual"}.get(item, item)  # noqa: E731
    lines = view.alert_lines(fam, "en", "month", names)
    assert lines[0].startswith("**CSAT** for **Seef Mall** fell from 90.0% to 60.0% (-30.0 pp) against the previous month")
    assert any("the same month last year" in x for x in lines)
    assert lines[-1].startswith("Flagged after correcting the")
    shown = view.changes_display(fam, "ar", "month")
    assert "booked" not in shown.columns and shown.loc[0, "significant"] in ("نعم", "لا")
    quiet = view.alert_lines(fam.assign(drop=False), "en", "month", names)
    assert quiet[0].startswith("No significant drop")


def test_the_change_table_names_its_correction_as_the_catalogue_does():
    kpi = {"significance": {"alpha": 0.05, "correction": "fdr_bh"}}
    (en,) = view.changes_lines(kpi, "en")
    assert en.endswith("All rows form one family, corrected for many comparisons (Benjamini–Hochberg false "
                       "discovery rate, across all cuts tested together) at alpha 0.05.")
    assert "fdr_bh" not in en
    (ar,) = view.changes_lines({"significance": {"alpha": 0.1, "correction": "bonferroni"}}, "ar")
    assert "(بونفيروني)" in ar and "0.1" in ar and "bonferroni" not in ar
    # a method the catalogue does not name is shown by its id rather than not at all
    assert "(holm)" in view.changes_lines({"significance": {"alpha": 0.05, "correction": "holm"}}, "en")[0]


def test_summary_and_scores_display():
    cur = S.within(FAMILY_SV, "submitted_at", parse("2024-03"))
    overall = S.scores_by(cur, T.iloc[:0], [], KPI)
    fam = S.change_family(FAMILY_SV, T.iloc[:0], parse("2024-03"), [[]], KPI_SIG)
    lines = view.summary_lines(overall, fam, "en", "month")
    assert lines[0].startswith("CSAT was 70.0%") and "from 200 responses" in lines[0]
    assert "statistically significant" in lines[1]
    shown = view.scores_display(overall, "en")
    assert shown.loc[0, "csat"].startswith("70.0% (") and shown.loc[0, "nps"].startswith("+40 (")


def test_windows_and_history():
    p = parse("2024-03")
    assert S.driver_window(p) == ("2023-10", "2024-03")
    assert S.history_since(p) == {"surveys": "2023-03", "tickets": "2023-02"}
    assert S.last_months(p, 3) == ["2024-01", "2024-02", "2024-03"]
    assert S.driver_window(parse("2024-W01", week_starts="Mon")) == ("2023-08", "2024-01")  # ends on 7 January
    # from Sunday, 2024-W01 runs 31 December – 6 January: still January's window; its year ago reaches 2023-01
    assert S.driver_window(parse("2024-W01", week_starts="Sun")) == ("2023-08", "2024-01")
    assert S.history_since(parse("2024-W01", week_starts="Sun")) == {"surveys": "2023-01", "tickets": "2022-12"}


def test_weekly_sections_one_per_centre():
    week = parse("2024-W10", week_starts="Mon")   # 4 to 10 March 2024
    comments = ["Long wait in the queue" if i % 10 == 0 else None for i in range(len(FAMILY_SV))]
    linked = S.link_tickets(FAMILY_SV.assign(comment=comments), T)
    fam = S.change_family(linked, T.iloc[:0], week, S.WEEKLY_CUTS, KPI_SIG)
    fb = pd.DataFrame({
        "feedback_id": ["f1", "f2"], "received_at": pd.to_datetime(["2024-03-05", "2024-02-01"]),
        "source": ["satisfaction_system", "email"], "kind": ["compliment", "complaint"],
        "centre_id": ["seef", "seef"], "channel_id": ["walk_in", "walk_in"], "employee_id": ["E1", None],
        "category": ["staff_conduct", "waiting_time"], "text": ["Thank you Ali", "Long wait"],
        "status": ["resolved", "open"], "resolved_at": pd.to_datetime(["2024-03-05", None]),
        "substantiated": pd.array([None, None], dtype="boolean")})
    kpi = {**KPI_SIG, "feedback": {"resolution_sla_days": 5}}
    sections = view.weekly_sections(linked, T.iloc[:0], fb, week, fam, ["seef", "virtual"], kpi,
                                 {"waiting_time": "customer_service"}, "en")
    assert [s.centre_id for s in sections] == ["seef", "virtual"]
    seef = {t.name: t for t in sections[0].tables}
    assert sections[0].lines[0].startswith("CSAT was 60.0%")
    assert list(seef["weekly_seef_lowest_services"].frame["service_id"]) == ["certificate"]
    assert seef["weekly_seef_follow_up"].frame["feedback_id"].tolist() == ["f2"]
    assert seef["weekly_seef_follow_up"].frame["owner"].tolist() == ["customer_service"]
    # thanks counted per channel; the person they name (E1) is named only in the recognition chapter
    assert seef["weekly_seef_thanks"].shown.to_dict("records") == [{"channel_id": "walk_in", "thank_yous": 1}]
    assert seef["weekly_seef_thanks"].note == ["1 thank-you messages were received through the satisfaction system "
                                               "this week. The staff they name are recognised by name in the monthly "
                                               "recognition chapter."]
    virtual = {t.name: t for t in sections[1].tables}
    assert virtual["weekly_virtual_follow_up"].frame.empty
    assert virtual["weekly_virtual_thanks"].frame.empty
    assert virtual["weekly_virtual_thanks"].note == ["No thank-you message was received through the satisfaction "
                                                     "system this week."]
    # seef's March comments: r100, r110 … r190; r100 … r150 came from satisfied customers
    themes = seef["weekly_seef_themes"].frame.set_index(["kind", "theme"])
    assert themes.loc[("survey_satisfied", "waiting"), "comments"] == 6
    assert themes.loc[("survey_dissatisfied", "waiting"), "comments"] == 4
    assert all(messages.has(t.heading) for s in sections for t in s.tables)
    # what an entity that provides no feedback, or no surveys, or neither gets
    parts = {}
    for provided in (("surveys",), ("feedback",), ()):
        only = view.weekly_sections(linked, T.iloc[:0], fb, week, fam, ["seef", "virtual"], kpi,
                                    {"waiting_time": "customer_service"}, "en", provided=provided)
        parts[provided] = [(s.centre_id, s.lines, [t.name for t in s.tables]) for s in only]
    assert parts[("surveys",)][0] == ("seef", sections[0].lines, [
        "weekly_seef_lowest_services", "weekly_seef_lowest_channels", "weekly_seef_themes", "weekly_seef_examples"])
    assert parts[("feedback",)][0] == ("seef", [], [
        "weekly_seef_themes", "weekly_seef_examples", "weekly_seef_follow_up", "weekly_seef_thanks"])
    assert [c for c, _, _ in parts[("feedback",)]] == ["seef", "virtual"]
    assert parts[()] == []
    # the tables a section keeps are the same as with everything provided
    pd.testing.assert_frame_equal(
        {t.name: t for t in view.weekly_sections(linked, T.iloc[:0], fb, week, fam, ["seef"], kpi,
                                                  {"waiting_time": "customer_service"}, "en",
                                                  provided=("feedback",))[0].tables}["weekly_seef_follow_up"].frame,
        seef["weekly_seef_follow_up"].frame)


# --- the weekly report's week: the entity's (config calendar.week_starts: Sun) ---------------------

def _at(response_id: str, when: str, csat: int = 5) -> tuple:
    return (response_id, None, "seef", "walk_in", "certificate", when, csat, 10 if csat >= 4 else 3, 6)


EDGES = surveys([
    _at("sat_before", "2024-06-08 23:59:59"),
    _at("sun_first", "2024-06-09 00:00:00"),
    _at("tue", "2024-06-11 12:00:00"),
    _at("sat_last", "2024-06-15 23:59:59"),
    _at("sun_after", "2024-06-16 00:00:00"),
    _at("prev_sun", "2024-06-02 09:00:00", 2),
    _at("ly_sun", "2023-06-11 09:00:00", 2),     # 11 June 2023 was a Sunday
    _at("ly_next_sun", "2023-06-18 09:00:00", 2),
])


def test_the_weekly_report_for_the_week_holding_11_june_2024_covers_9_to_15_june():
    week = parse_period("2024-W24")               # as the weekly notebook's Report reads it
    assert (week.start.isoformat(), week.last.isoformat()) == ("2024-06-09", "2024-06-15")
    assert list(S.within(EDGES, "submitted_at", week)["response_id"]) == ["sun_first", "tue", "sat_last"]
    # its baselines are Sunday weeks too: 2–8 June 2024 and week 24 of 2023, 11–17 June 2023
    base = S.baselines(week)
    assert list(S.within(EDGES, "submitted_at", base["previous"])["response_id"]) == ["sat_before", "prev_sun"]
    assert list(S.within(EDGES, "submitted_at", base["last_year"])["response_id"]) == ["ly_sun"]
    fam = S.change_family(EDGES, T.iloc[:0], week, [[]], KPI_SIG)
    csat = fam[fam["metric"].eq("csat")].set_index("comparison")
    assert (csat.loc["previous", "responses"], csat.loc["previous", "baseline_responses"]) == (3, 2)
    assert (csat.loc["previous", "value"], csat.loc["previous", "baseline"]) == (1.0, 0.5)
    assert csat.loc["last_year", "baseline_responses"] == 1
    # an entity with ISO weeks gets Monday 10 to Sunday 16 June under the same label
    iso = parse("2024-W24", week_starts="Mon")
    assert list(S.within(EDGES, "submitted_at", iso)["response_id"]) == ["tue", "sat_last", "sun_after"]
    assert list(S.within(EDGES, "submitted_at", iso.same_period_last_year())["response_id"]) == ["ly_next_sun"]
