"""Staff recognition: every measure worked out by hand on tiny frames, plus the end-to-end checks
(the validation figure on a generated demo; the executed chapter is clean)."""

from __future__ import annotations

import importlib.util
import json
import math
import re
import shutil
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import papermill
import pytest
from scipy.stats import betabinom

from helpers.base import messages
from helpers.base.config import load_config
from helpers.base.paths import CODE_ROOT
from helpers.base.periods import parse
from helpers.chapters import recognition, recognition_view
from helpers.data import store
from helpers.demo import generate as demo
from helpers.measures import shrinkage

ST = recognition.Settings()
KPI = {"csat": {"top_box": [4, 5]}, "recognition": {"min_responses_for_rank": 30},
       "significance": {"alpha": 0.05, "correction": "fdr_bh"}}


# --- tiny frames ---------------------------------------------------------------------------------

def frames(spec, month="2024-03", centre="seef", channel="walk_in", jitter=0):
    """Tickets and surveys from ``spec``: (employee, responses, satisfied, service, handle seconds).

    One completed ticket per response, spread over the month's days at 09:00; the first
    ``satisfied`` responses score 5, the rest 2; handle times alternate ± ``jitter`` seconds."""
    tickets, surveys = [], []
    k = 0
    for emp, n, sat, service, handle in spec:
        for i in range(n):
            k += 1
            day = pd.Timestamp(f"{month}-{1 + i % 28:02d} 09:00")
            tickets.append({"ticket_id": f"T{k:05d}", "centre_id": centre, "channel_id": channel,
                            "service_id": service, "employee_id": emp, "created_at": day,
                            "started_at": day + pd.Timedelta(minutes=5),
                            "ended_at": day + pd.Timedelta(minutes=5, seconds=handle + (jitter if i % 2 else -jitter)),
                            "outcome": "completed"})
            surveys.append({"response_id": f"S{k:05d}", "ticket_id": f"T{k:05d}", "centre_id": centre,
                            "channel_id": channel, "service_id": service, "employee_id": emp,
                            "submitted_at": day + pd.Timedelta(hours=1), "csat": 5 if i < sat else 2})
    return pd.DataFrame(tickets), pd.DataFrame(surveys).astype({"csat": "Int64"})


def roster(ids, month="2024-03", centre="seef", joined="2015-01-01"):
    return pd.DataFrame({"employee_id": ids, "name_en": [f"Name {e}" for e in ids], "name_ar": [f"اسم {e}" for e in ids],
                         "centre_id": centre, "role": "agent", "joined_on": pd.Timestamp(joined), "active": True,
                         "month": month}).astype({"active": "boolean"})


def no_feedback():
    return pd.DataFrame({"feedback_id": pd.Series(dtype=object), "received_at": pd.Series(dtype="datetime64[us]"),
                         "source": pd.Series(dtype=object), "kind": pd.Series(dtype=object),
                         "centre_id": pd.Series(dtype=object), "employee_id": pd.Series(dtype=object),
                         "substantiated": pd.Series(dtype="boolean")})


def compliments(pairs, month="2024-03", source="satisfaction_system"):
    rows = [{"feedback_id": f"F{i}", "received_at": pd.Timestamp(f"{month}-10 10:00"), "source": source,
             "kind": "compliment", "centre_id": "seef", "employee_id": e, "substantiated": pd.NA}
            for i, e in enumerate(pairs)]
    return pd.DataFrame(rows).astype({"substantiated": "boolean"})


LAST = parse("2024-03").last


# --- empirical Bayes ------------------------------------------------------------------------------

def test_normal_shrinkage_by_hand():
    # w = 100 each; Q = 100 (0.09 + 0.09 + 0) = 18; tau2 = (18 - 3) / 300 = 0.05
    post, post_var, tau2 = shrinkage.normal_shrinkage([0.3, -0.3, 0.0], [0.01, 0.01, 0.01])
    assert tau2 == pytest.approx(0.05)
    assert post == pytest.approx([0.25, -0.25, 0.0])          # d * 0.05 / 0.06
    assert post_var == pytest.approx([0.05 * 0.01 / 0.06] * 3)
    # no spread beyond noise (Q = 2 < J = 3): everyone is shrunk all the way to the centre
    post, _, tau2 = shrinkage.normal_shrinkage([0.1, -0.1, 0.0], [0.01, 0.01, 0.01])
    assert tau2 == 0 and list(post) == [0, 0, 0]
    # a unit without a variance is left out and gets NaN
    post, _, _ = shrinkage.normal_shrinkage([0.3, -0.3, 0.0, 0.5], [0.01, 0.01, 0.01, np.nan])
    assert math.isnan(post[3]) and post[0] == pytest.approx(0.25)


def test_beta_binomial_strength_is_the_marginal_likelihood_maximum():
    s, n = np.array([18, 30, 9, 45, 20]), np.array([20, 40, 15, 50, 30])
    mu = np.full(5, s.sum() / n.sum())
    got = shrinkage.beta_binomial_strength(s, n, mu)
    # independent: scipy's beta-binomial log-pmf over a fine log grid
    grid = np.exp(np.linspace(np.log(0.5), np.log(1e6), 20001))
    ll = [betabinom.logpmf(s, n, mu * m, (1 - mu) * m).sum() for m in grid]
    best = grid[int(np.argmax(ll))]
    assert got == pytest.approx(best, rel=0.01)
    # the same counts for everyone: no spread at all, complete pooling (the upper bound)
    assert shrinkage.beta_binomial_strength([8, 8, 8], [10, 10, 10], [0.8] * 3) == pytest.approx(1e6, rel=0.01)


# --- credit and case mix --------------------------------------------------------------------------

def test_credit_goes_to_the_ticket_s_employee_never_to_a_transfer_or_a_kiosk():
    t = pd.DataFrame({"ticket_id": ["T1", "T2", "T3"], "employee_id": ["E1", "E2", "E3"],
                      "outcome": ["completed", "transferred", "completed"], "service_id": ["a", "a", "b"],
                      "channel_id": ["walk_in"] * 3, "centre_id": ["seef"] * 3})
    s = pd.DataFrame({"response_id": ["R1", "R2", "R3", "R4", "R5"],
                      "ticket_id": ["T1", "T2", "T3", None, "T9"],
                      "centre_id": ["seef"] * 5, "channel_id": ["walk_in"] * 5,
                      "service_id": [None, "a", "b", None, "c"],
                      # R1 names someone else than its ticket: the ticket wins
                      "employee_id": ["E9", "E2", "E3", None, "E4"],
                      "submitted_at": pd.to_datetime(["2024-03-03 10:00"] * 5), "csat": [5, 1, 4, 5, 3]})
    c = recognition.credited_surveys(s, t)
    # R2 rates a transferred ticket: nobody; R4 is a kiosk answer (no ticket, no employee): nobody;
    # R5's ticket is not in view: the survey's own employee
    assert c[["response_id", "employee_id", "service_id", "satisfied"]].values.tolist() == [
        ["R1", "E1", "a", 1], ["R3", "E3", "b", 1], ["R5", "E4", "c", 0]]
    assert list(c["week"]) == ["2024-03-03"] * 3          # 3 March 2024 was a Sunday


def test_working_weeks_start_on_sunday():
    ts = pd.Series(pd.to_datetime(["2024-03-09 12:00", "2024-03-10 08:00", "2024-03-14 16:00", "2024-03-16 09:00"]))
    assert list(recognition._week_start(ts)) == ["2024-03-03", "2024-03-10", "2024-03-10", "2024-03-10"]


def test_expected_satisfaction_shrinks_a_thin_service_toward_its_channel():
    credited = pd.DataFrame({"centre_id": ["seef"] * 4, "month": ["2024-03"] * 4, "channel_id": ["walk_in"] * 4,
                             "service_id": ["appeal", "appeal", "certificate", "certificate"],
                             "satisfied": [1, 0, 1, 1]})
    e = recognition.expected_satisfaction(credited)
    # parent (centre, month, channel) = 3/4; PRIOR_WEIGHT 10: appeal (1 + 10 x 0.75) / (2 + 10) = 8.5 / 12;
    # certificate (2 + 7.5) / 12
    assert recognition.PRIOR_WEIGHT == 10
    assert list(e) == pytest.approx([8.5 / 12, 8.5 / 12, 9.5 / 12, 9.5 / 12])


def test_handle_time_is_compared_with_the_employee_s_own_mix():
    # E1 does only appeals (slow service), E2 only certificates; both at their service's pace
    t, _ = frames([("E1", 10, 0, "appeal", 600), ("E2", 10, 0, "certificate", 200)])
    t.loc[t.index[:5], "ended_at"] += pd.Timedelta(seconds=100)     # E1: five appeals 100 s slower
    h = recognition.handled_tickets(t)
    # appeal mean (5 x 700 + 5 x 600) / 10 = 650; channel mean (6500 + 2000) / 20 = 425
    # expected appeal = (6500 + 10 x 425) / 20 = 537.5; certificate = (2000 + 4250) / 20 = 312.5
    assert h.loc[h["service_id"].eq("appeal"), "expected_s"].iloc[0] == pytest.approx(537.5)
    assert h.loc[h["service_id"].eq("certificate"), "expected_s"].iloc[0] == pytest.approx(312.5)
    # an abandoned call routed to E1 was never served: not a transaction handled, no handle time
    gone = t.iloc[[0]].assign(ticket_id="T99999", outcome="abandoned", started_at=pd.NaT)
    m = recognition.employee_measures(pd.concat([t, gone], ignore_index=True), _.iloc[0:0], no_feedback(),
                                      roster(["E1", "E2"]), LAST, ST)
    assert list(m["transactions"]) == [10, 10] and list(m["completed"]) == [10, 10]
    ratio = m.set_index("employee_id")["handle_ratio"]
    assert ratio["E1"] == pytest.approx(6500 / 5375) and ratio["E2"] == pytest.approx(2000 / 3125)


# --- per-employee measures ------------------------------------------------------------------------

SPEC = [("A", 3, 3, "general_enquiry", 300),      # three perfect answers
        ("B", 40, 36, "general_enquiry", 300),
        ("C", 40, 30, "general_enquiry", 300),
        ("D", 40, 28, "general_enquiry", 300)]


def test_measures_by_hand():
    t, s = frames(SPEC)
    m = recognition.employee_measures(t, s, no_feedback(), roster(["A", "B", "C", "D"]), LAST, ST).set_index("employee_id")
    centre = 97 / 123
    assert list(m["responses"]) == [3, 40, 40, 40] and list(m["transactions"]) == [3, 40, 40, 40]
    assert m.loc["B", "csat_raw"] == pytest.approx(0.9)
    assert m["centre_csat"].iloc[0] == pytest.approx(centre)
    # one stratum: every response expects the centre's rate; B's excess = 0.9 - 97/123
    assert m.loc["B", "excess"] == pytest.approx(0.9 - centre)
    assert m.loc["B", "excess_se"] == pytest.approx(math.sqrt(centre * (1 - centre) / 40))
    # shrinkage by hand: tau2 = (sum d^2 / v - 4) / sum(1 / v)
    d = np.array([1, 0.9, 0.75, 0.7]) - centre
    v = centre * (1 - centre) / np.array([3, 40, 40, 40])
    tau2 = (np.sum(d * d / v) - 4) / np.sum(1 / v)
    assert list(m["excess_shrunk"]) == pytest.approx(list(d * tau2 / (tau2 + v)))
    assert list(m["adjusted_csat"]) == pytest.approx(list(centre + d * tau2 / (tau2 + v)))
    # beta-binomial posterior mean with the fitted strength
    strength = shrinkage.beta_binomial_strength([3, 36, 30, 28], [3, 40, 40, 40], [centre] * 4)
    assert m.loc["A", "csat_shrunk"] == pytest.approx((3 + centre * strength) / (3 + strength))
    assert list(m["eligible"]) == [False, True, True, True]
    assert m.loc["A", "handle_ratio"] == pytest.approx(1.0)


def test_three_perfect_answers_are_never_ranked_first():
    t, s = frames(SPEC)
    m = recognition.employee_measures(t, s, no_feedback(), roster(["A", "B", "C", "D"]), LAST, ST)
    thanks = recognition.who_to_thank(m, None, ST)
    assert "A" not in set(thanks["employee_id"])
    top = thanks[thanks["award"].eq("top")]
    assert top.iloc[0]["employee_id"] == "B" and top.iloc[0]["place"] == 1
    # even with no minimum at all the shrinkage keeps A below B
    loose = recognition.Settings(min_responses=1)
    m1 = recognition.employee_measures(t, s, no_feedback(), roster(["A", "B", "C", "D"]), LAST, loose)
    first = recognition.who_to_thank(m1, None, loose).query("award == 'top' and place == 1")
    assert list(first["employee_id"]) == ["B"]
    ranked = m1.set_index("employee_id")
    assert ranked.loc["A", "csat_raw"] > ranked.loc["B", "csat_raw"]
    assert ranked.loc["A", "adjusted_csat"] < ranked.loc["B", "adjusted_csat"]


def test_case_mix_protects_whoever_takes_the_hard_service():
    # H serves only appeals (30% satisfied centre-wide), E only enquiries (90%); each exactly at
    # their service's rate, so neither is better: raw CSAT would rank E far above H
    t, s = frames([("H", 40, 12, "appeal", 600), ("H2", 40, 12, "appeal", 600),
                   ("E", 40, 36, "general_enquiry", 300), ("E2", 40, 36, "general_enquiry", 300)])
    m = recognition.employee_measures(t, s, no_feedback(), roster(["H", "H2", "E", "E2"]), LAST, ST).set_index("employee_id")
    assert m.loc["H", "csat_raw"] == pytest.approx(0.3) and m.loc["E", "csat_raw"] == pytest.approx(0.9)
    # expected: the service's rate pulled toward the channel's (0.6) by PRIOR_WEIGHT pseudo-responses
    k = recognition.PRIOR_WEIGHT
    assert m.loc["H", "expected_csat"] == pytest.approx((24 + k * 0.6) / (80 + k))
    assert m.loc["E", "expected_csat"] == pytest.approx((72 + k * 0.6) / (80 + k))
    # a 60-point raw gap becomes a small one (the pull alone), and no spread is left to rank on
    gap = m.loc["E", "excess"] - m.loc["H", "excess"]
    assert gap == pytest.approx(2 * 0.3 * k / (80 + k)) and gap < 0.1
    assert m.loc["H", "adjusted_csat"] == pytest.approx(m.loc["E", "adjusted_csat"])


def test_feedback_naming_staff_and_substantiated_complaints():
    t, s = frames(SPEC)
    fb = pd.concat([compliments(["B", "B", "C"]), compliments(["B"], source="email"),
                    pd.DataFrame([{"feedback_id": "X1", "received_at": pd.Timestamp("2024-03-05"), "source": "email",
                                   "kind": "complaint", "centre_id": "seef", "employee_id": "D", "substantiated": True},
                                  {"feedback_id": "X2", "received_at": pd.Timestamp("2024-03-05"), "source": "email",
                                   "kind": "complaint", "centre_id": "seef", "employee_id": "C", "substantiated": False},
                                  ]).astype({"substantiated": "boolean"})], ignore_index=True)
    m = recognition.employee_measures(t, s, fb, roster(["A", "B", "C", "D"]), LAST, ST).set_index("employee_id")
    assert list(m["compliments"]) == [0, 3, 1, 0]
    assert list(m["thank_yous"]) == [0, 2, 1, 0]
    assert list(m["complaints_substantiated"]) == [0, 0, 0, 1]


def test_consistency_counts_weeks_with_enough_responses():
    t, s = frames([("B", 40, 36, "general_enquiry", 300), ("C", 40, 30, "general_enquiry", 300)])
    m = recognition.employee_measures(t, s, no_feedback(), roster(["B", "C"]), LAST, ST).set_index("employee_id")
    # days 1..28 of March 2024, responses on days 1..28 then 1..12 again: weeks from Sunday
    # 25 Feb (1-2 Mar), 3, 10, 17, 24 Mar; the first has 2 + 2 = 4 < 5 responses and is left out
    assert m.loc["B", "weeks"] == 4 and m.loc["C", "weeks"] == 4
    # B (90%) is at or above the centre in more weeks than C (75%)
    assert 4 >= m.loc["B", "weeks_at_or_above"] > m.loc["C", "weeks_at_or_above"]
    assert m["weekly_sd"].notna().all()


# --- recognition ----------------------------------------------------------------------------------

def test_places_share_ties_at_the_shown_precision():
    assert list(recognition._places(pd.Series([0.504, 0.501, 0.3, 0.3, 0.1]), 2)) == [1, 1, 3, 3, 5]


def test_ties_share_the_place_and_the_reason_says_so():
    # B and B2 identical: same index, both first; with one place both are recognised
    t, s = frames([("B", 40, 38, "general_enquiry", 300), ("B2", 40, 38, "general_enquiry", 300),
                   ("C", 40, 30, "general_enquiry", 300), ("D", 40, 26, "general_enquiry", 300)])
    st = recognition.Settings(places=1)
    m = recognition.employee_measures(t, s, no_feedback(), roster(["B", "B2", "C", "D"]), LAST, st)
    thanks = recognition.who_to_thank(m, None, st)
    top = thanks[thanks["award"].eq("top")]
    assert list(top["employee_id"]) == ["B", "B2"] and list(top["place"]) == [1, 1]
    shown = recognition_view.thanks_display(thanks, "en", lambda k, i: "Seef Mall", parse("2024-03"))
    assert shown["why"].iloc[0].startswith("Highest adjusted performance in Seef Mall (shared): adjusted satisfaction")


def test_public_rows_never_carry_a_weak_figure():
    # D is below the centre but the most thanked: the award shows the compliments, not the figure
    t, s = frames(SPEC)
    m = recognition.employee_measures(t, s, compliments(["D", "D", "D"]), roster(["A", "B", "C", "D"]), LAST, ST)
    thanks = recognition.who_to_thank(m, None, ST)
    d = thanks[thanks["employee_id"].eq("D")]
    assert list(d["award"]) == ["thanked"]
    assert d["adjusted_csat"].isna().all() and d["responses"].isna().all() and d["handle_gain"].isna().all()
    assert int(d["compliments"].iloc[0]) == 3
    why = recognition_view.thanks_display(thanks, "en", lambda k, i: "Seef Mall", parse("2024-03"))
    assert why.loc[thanks["employee_id"].eq("D").to_numpy(), "why"].iloc[0] == \
        "Most compliments from customers in Seef Mall: compliments from customers: 3."
    # every figure a public row shows is at or above the centre
    shown = thanks[thanks["adjusted_csat"].notna()]
    assert (shown["adjusted_csat"] >= shown["centre_csat"]).all()


def test_rationale_sentences_in_both_languages():
    row = {"award": "top", "place": 1, "adjusted_csat": 0.94, "centre_csat": 0.88, "responses": 212,
           "handle_gain": 0.08, "compliments": 9, "improvement": np.nan, "joined_on": "2020-01-01"}
    en = recognition_view.rationale(row, "en", "Seef Mall")
    assert en == ("Highest adjusted performance in Seef Mall: adjusted satisfaction 94.0% against 88.0% for the "
                  "centre (212 responses); 8% quicker than expected for their mix of services; "
                  "compliments from customers: 9.")
    ar = recognition_view.rationale(row, "ar", "مجمع السيف")
    assert ar.startswith("أعلى أداء معدّل في مجمع السيف: رضا معدّل 94.0% مقابل 88.0% للمركز (عدد الردود 212)")
    assert "إشادات المتعاملين: 9" in ar


def test_improvement_needs_both_months_and_a_clear_rise():
    prev_t, prev_s = frames([("B", 60, 42, "general_enquiry", 300), ("C", 60, 48, "general_enquiry", 300),
                             ("D", 60, 48, "general_enquiry", 300)], month="2024-02")
    cur_t, cur_s = frames([("B", 60, 58, "general_enquiry", 300), ("C", 60, 46, "general_enquiry", 300),
                           ("D", 60, 44, "general_enquiry", 300)])
    prev = recognition.employee_measures(prev_t, prev_s, no_feedback(), roster(["B", "C", "D"], "2024-02"),
                                         parse("2024-02").last, ST, month="2024-02")
    cur = recognition.employee_measures(cur_t, cur_s, no_feedback(), roster(["B", "C", "D"]), LAST, ST, month="2024-03")
    imp = recognition.improvements(cur, prev, recognition.settings(KPI)).set_index("employee_id")
    # z by hand for B: (excess now - excess before) / sqrt(se now^2 + se before^2)
    p, c = prev.set_index("employee_id").loc["B"], cur.set_index("employee_id").loc["B"]
    z = (c["excess"] - p["excess"]) / math.sqrt(c["excess_se"] ** 2 + p["excess_se"] ** 2)
    assert imp.loc["B", "z"] == pytest.approx(z)
    assert imp.loc["B", "p_value"] == pytest.approx(0.5 * math.erfc(z / math.sqrt(2)))
    assert bool(imp.loc["B", "clear"]) and not imp.loc[["C", "D"], "clear"].any()
    thanks = recognition.who_to_thank(cur, prev, recognition.settings(KPI))
    assert list(thanks.loc[thanks["award"].eq("improved"), "employee_id"]) == ["B"]
    # without the month before there is no improvement award
    assert not recognition.who_to_thank(cur, None, ST)["award"].eq("improved").any()


def test_new_joiners_are_recognised_separately():
    t, s = frames(SPEC)
    staff = pd.concat([roster(["A", "C", "D"]), roster(["B"], joined="2024-01-07")], ignore_index=True)
    m = recognition.employee_measures(t, s, no_feedback(), staff, LAST, ST, month="2024-03")
    assert int(m.set_index("employee_id").loc["B", "tenure_months"]) == 2
    thanks = recognition.who_to_thank(m, None, ST)
    assert list(thanks.loc[thanks["award"].eq("new_joiner"), "employee_id"]) == ["B"]


# --- team and training ----------------------------------------------------------------------------

def test_team_morale_by_hand():
    months = ["2024-01", "2024-02", "2024-03"]
    tk = pd.DataFrame({"centre_id": ["seef"] * 6000, "created_at": pd.to_datetime(
        ["2024-01-10"] * 2000 + ["2024-02-10"] * 2000 + ["2024-03-10"] * 2000)})
    fb = pd.concat([compliments(["B"] * 4, "2024-01"), compliments(["B"] * 4, "2024-02"),
                    compliments(["B"] * 6, "2024-03")], ignore_index=True)
    sv = pd.DataFrame({"centre_id": "seef", "submitted_at": pd.to_datetime(["2024-02-05"] * 10 + ["2024-03-05"] * 10),
                       "csat": pd.array([5] * 8 + [1] * 2 + [5] * 9 + [1], dtype="Int64")})
    staff = pd.concat([roster(["A", "B"]), roster(["C"]).assign(active=False)], ignore_index=True).astype({"active": "boolean"})
    team = recognition.team_morale(tk, sv, fb, staff, ["seef"], months, ST).iloc[0]
    # 6 per 2,000 = 3.0 per 1,000 against 8 per 4,000 = 2.0 before (+50%: +1); CSAT 0.9 vs 0.8 (+1);
    # one leaver (-1): improving
    assert team["compliments_per_1000"] == pytest.approx(3.0)
    assert team["compliments_per_1000_before"] == pytest.approx(2.0)
    assert team["team_csat_change"] == pytest.approx(0.1)
    assert (team["staff"], team["leavers"], team["morale"]) == (2, 1, "improving")


def test_training_plan_is_aggregated_and_hides_small_teams():
    # four staff at seef do appeals; W is 1.6 times slower than the rest (1.39 times the mean)
    spec = [("W", 40, 30, "appeal", 800), ("X", 40, 30, "appeal", 500), ("Y", 40, 30, "appeal", 500),
            ("Z", 40, 30, "appeal", 500)]
    t, s = frames(spec, jitter=100)
    st = recognition.Settings()
    book, named = recognition.training_needs(t, s, roster(["W", "X", "Y", "Z"]), st, month="2024-03")
    row = book[(book["service_id"] == "appeal") & (book["skill"] == "handle_time")].iloc[0]
    assert (row["staff_lagging"], row["staff_assessed"], row["cases"]) == (1, 4, 160)
    assert list(named["employee_id"]) == ["W"] and named["name_en"].iloc[0] == "Name W"
    assert "employee_id" not in book.columns and "name_en" not in book.columns
    # with fewer staff assessed than min_staff_shown the area is not published, the names still go to supervisors
    book5, named5 = recognition.training_needs(t, s, roster(["W", "X", "Y", "Z"]),
                                               recognition.Settings(min_staff_shown=5), month="2024-03")
    assert book5.empty and list(named5["employee_id"]) == ["W"]


def test_review_of_a_month_runs_end_to_end_on_tiny_frames():
    prev_t, prev_s = frames(SPEC, month="2024-02")
    cur_t, cur_s = frames(SPEC)
    cur_t["ticket_id"] = "C" + cur_t["ticket_id"]
    cur_s["ticket_id"] = "C" + cur_s["ticket_id"]
    cur_s["response_id"] = "C" + cur_s["response_id"]
    staff = pd.concat([roster(["A", "B", "C", "D"], "2024-02"), roster(["A", "B", "C", "D"])], ignore_index=True)
    rv = recognition.review(pd.concat([prev_t, cur_t], ignore_index=True), pd.concat([prev_s, cur_s], ignore_index=True),
                            compliments(["B", "B"]), staff, parse("2024-03"), ["seef", "tijjar"], KPI)
    assert rv.month == "2024-03" and rv.previous_month == "2024-02"
    assert list(rv.team["centre_id"]) == ["seef", "tijjar"]
    assert rv.daily["transactions"].sum() == 123 and rv.daily["compliments"].sum() == 2
    assert set(rv.thanks["employee_id"]) <= {"B", "C", "D"}
    lines = recognition_view.thanks_lines(rv.thanks, rv.current, rv.settings, "ar")
    assert all(messages.has(k) for k in ("recognition.say.summary", "recognition.say.no_improved"))
    assert len(lines) >= 1


def test_a_table_not_provided_leaves_its_team_figures_empty_never_zero():
    t, s = frames(SPEC)
    staff = roster(["A", "B", "C", "D"])
    full = recognition.review(t, s, compliments(["B", "B"]), staff, parse("2024-03"), ["seef"], KPI)
    survey_cols = ["responses", "team_csat", "team_csat_previous", "team_csat_change"]
    feedback_cols = ["compliments", "compliments_per_1000", "compliments_per_1000_before"]
    # no feedback provided: the store gives an empty frame, and compliments read as missing, not 0
    no_fb = recognition.review(t, s, no_feedback(), staff, parse("2024-03"), ["seef"], KPI, provided=("surveys",)).team
    assert no_fb[feedback_cols].isna().all().all()
    pd.testing.assert_frame_equal(no_fb[survey_cols], full.team[survey_cols])
    assert (no_fb.loc[0, "responses"], no_fb.loc[0, "staff"]) == (123, 4)
    shown = recognition_view.team_display(no_fb, "en", measured_only=True)
    assert list(shown.columns) == ["centre_id", "staff", "leavers", *survey_cols, "morale"]
    assert list(recognition_view.team_display(no_fb, "en").columns) == recognition.TEAM_COLUMNS   # the book's landing page
    names = lambda key, i: {"seef": "Seef Mall"}[i]  # noqa: E731
    csat = recognition_view.team_lines(full.team, "en", names)[0].split(";")[0]
    assert recognition_view.team_lines(no_fb, "en", names) == [f"{csat}; morale {no_fb.loc[0, 'morale']}."]
    # no surveys provided: satisfaction is missing and nobody is ranked, so the ranking is not described
    no_sv = recognition.review(t, s.iloc[:0], compliments(["B", "B"]), staff, parse("2024-03"), ["seef"], KPI,
                               provided=("feedback",))
    assert no_sv.team[survey_cols].isna().all().all() and no_sv.team.loc[0, "compliments"] == 2
    assert recognition_view.team_lines(no_sv.team, "en", names)[0].startswith(
        "Seef Mall: 16.3 compliments per 1,000 transactions against – over the three months before; morale")
    assert list(no_sv.thanks["award"]) == ["thanked"] and list(no_sv.thanks["employee_id"]) == ["B"]
    assert recognition_view.thanks_lines(no_sv.thanks, no_sv.current, no_sv.settings, "en", ("feedback",)) == []
    nobody = no_sv.thanks.iloc[:0]
    assert recognition_view.thanks_lines(nobody, no_sv.current, no_sv.settings, "en", ("feedback",)) == [
        "No one meets the conditions for recognition this month."]
    neither = recognition.unmeasured(full.team, ())
    morale = messages.t(f"recognition.morale.{neither.loc[0, 'morale']}", "ar")
    assert recognition_view.team_lines(neither, "ar", names) == [f"Seef Mall: الروح المعنوية: {morale}."]
    assert list(recognition_view.team_display(neither, "en", measured_only=True).columns) == [
        "centre_id", "staff", "leavers", "morale"]


def test_no_improvement_award_says_the_rule_it_takes():
    st = recognition.Settings(min_responses=30, alpha=0.05)
    assert recognition_view.no_improvement_line(st, "en") == (
        "No one's rise this month is large enough to tell apart from chance, so there is no improvement award "
        "(it needs at least 30 credited responses in both this month and last, and a rise in adjusted "
        "satisfaction that stays significant at α = 0.05 after correcting for the number of staff compared).")
    ar = recognition_view.no_improvement_line(recognition.Settings(min_responses=1200, alpha=0.01), "ar")
    assert "1,200 ردًا" in ar and "α = 0.01" in ar
    # the page says it exactly when nobody holds the award
    current = pd.DataFrame({"name_en": ["A"], "eligible": [True]})
    thanks = pd.DataFrame({"employee_id": ["A"], "award": ["top"]})
    assert recognition_view.thanks_lines(thanks, current, st, "en")[-1] == recognition_view.no_improvement_line(st, "en")
    improved = pd.DataFrame({"employee_id": ["A"], "award": ["improved"]})
    assert recognition_view.no_improvement_line(st, "en") not in recognition_view.thanks_lines(improved, current, st, "en")


def test_summaries_for_staff_and_supervisors():
    t, s = frames(SPEC)
    fb = pd.DataFrame([{"feedback_id": "X1", "received_at": pd.Timestamp("2024-03-05"), "source": "email",
                        "kind": "complaint", "centre_id": "seef", "employee_id": "D", "substantiated": True}]
                      ).astype({"substantiated": "boolean"})
    m = recognition.employee_measures(t, s, fb, roster(["A", "B", "C", "D"]), LAST, ST)
    d = m.set_index("employee_id").loc["D"].to_dict() | {"employee_id": "D"}
    daily = recognition.daily_summary(t, s, fb, ST)
    text = recognition_view.personal_summary(d, [], [("appeal", "handle_time")], daily[daily["employee_id"].eq("D")], "en",
                                             lambda k, i: {"appeal": "Appeals"}.get(i, i), parse("2024-03"), ST)
    assert text.startswith("# Name D: March 2024")
    assert "Satisfaction: 70.0% of 40 responses credited to you" in text
    assert "Substantiated complaints about you: 1." in text and "Appeals (Handling time)" in text
    ar = recognition_view.personal_summary(d, ["top"], [], daily.iloc[0:0], "ar", lambda k, i: i, parse("2024-03"), ST)
    assert ar.startswith("# اسم D: مارس 2024") and "التقدير هذا الشهر: أداء متميز" in ar
    team = recognition_view.team_summary(m, pd.DataFrame(columns=recognition.TRAINING_NAMED_COLUMNS), "seef", "en",
                                         lambda k, i: "Seef Mall", parse("2024-03"))
    assert "| Name A | agent | 3 |" in team and team.count("\n| Name") == 4


def test_settings_come_from_config():
    st = recognition.settings({"csat": {"top_box": [5]}, "recognition": {"min_responses_for_rank": 12,
                               "new_joiner_months": 4}, "significance": {"alpha": 0.1, "correction": "bonferroni"}})
    assert (st.min_responses, st.new_joiner_months, st.top_box, st.alpha, st.correction) == (12, 4, (5,), 0.1, "bonferroni")
    live = recognition.settings(load_config().kpi)
    assert live.min_responses == 30


def test_every_message_key_the_module_uses_exists():
    src = (CODE_ROOT / "src" / "helpers" / "chapters" / "recognition_view.py").read_text(encoding="utf-8")
    keys = set(re.findall(r'"(recognition\.[a-z_.]+)"', src))
    keys |= {f"recognition.award.{a}" for a in recognition.AWARDS} | {f"recognition.morale.{m}" for m in recognition.MORALE}
    keys |= {f"recognition.skill.{k}" for k in recognition.SKILLS} | {f"recognition.lead.{a}" for a in ("improved", "thanked")}
    columns = (recognition.THANKS_COLUMNS + recognition.TEAM_COLUMNS + recognition.TRAINING_COLUMNS
               + recognition_view.PRIVATE_COLUMNS + ["staff_name", "why", "day", "csat"])
    keys |= {f"col.{c}" for c in columns}
    missing = sorted(k for k in keys if not messages.has(k))
    assert not missing, missing


# --- end to end -----------------------------------------------------------------------------------

def _load_benchmark():
    path = CODE_ROOT / "benchmarks" / "recognition_validation.py"
    spec = importlib.util.spec_from_file_location("recognition_validation", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.e2e
def test_estimated_skill_tracks_the_demo_s_true_skill(tmp_path):
    """The validation figure on a small demo: 6 months at 10% of the volume (the full-scale figure
    is printed by ``make validate-recognition``)."""
    bench = _load_benchmark()
    shutil.copytree(CODE_ROOT / "config", tmp_path / "config")
    cfg = load_config(tmp_path)
    raw = tmp_path / "data" / "raw"
    summary = demo.generate(raw, seed=7, start="2024-01", end="2024-06", scale=0.1, cfg=cfg)
    truth = json.loads(Path(summary["truth"]).read_text(encoding="utf-8"))
    result = bench.validate(raw, truth, summary["months"], cfg.kpi)
    rho, raw_rho = result["window"]["index"], result["window"]["csat_raw"]
    assert result["staff"] >= 20
    assert rho >= 0.7, result["window"]
    assert rho >= raw_rho + 0.05, result["window"]


CUSTOMER_REF = re.compile(r"C-[0-9a-f]{8}")


def _output_blocks(nb: dict) -> list[str]:
    """The executed notebook's outputs split into rows and paragraphs (where a name sits next to
    its figures)."""
    blocks = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            text = "".join(data.get("text/html", "")) + "".join(data.get("text/markdown", "")) + "".join(out.get("text", ""))
            text += "".join(data.get("text/plain", ""))
            blocks += re.split(r"</tr>|\n\n", text)
    return blocks


@pytest.mark.e2e
def test_executed_chapter_is_clean_and_summaries_stay_restricted(demo_copy):
    """Run the chapter (both languages) on the small demo with a low minimum n so rankings
    appear, then: no customer reference; every name shown is a recognised person's; no name sits
    next to any of that person's below-centre figures; the individual summaries are in the
    restricted folder and nowhere under reports/."""
    entity = demo_copy / "config" / "entity.yaml"
    text = entity.read_text(encoding="utf-8")
    # a small demo: rank from 5 responses, thank from 1 compliment, and name many per centre
    for old, new in (("min_responses_for_rank: 30", "min_responses_for_rank: 5"), ("min_compliments: 2", "min_compliments: 1"),
                     ("places_per_centre: 3", "places_per_centre: 20")):
        assert old in text
        text = text.replace(old, new)
    entity.write_text(text, encoding="utf-8")
    period = "2024-02"
    template = nbformat.read(CODE_ROOT / "notebooks" / "06_recognition.ipynb", as_version=4)
    executed = {}
    for lang in ("en", "ar"):
        nb = nbformat.from_dict(json.loads(json.dumps(template)))
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                cell.source = messages.render_markdown(cell.source, lang, parse(period))
        src, out = demo_copy / f"in_{lang}.ipynb", demo_copy / f"out_{lang}.ipynb"
        nbformat.write(nb, src)
        papermill.execute_notebook(str(src), str(out), parameters={"period": period, "lang": lang, "root": "."},
                                   cwd=str(demo_copy), kernel_name="python3", progress_bar=False)
        executed[lang] = json.loads(out.read_text(encoding="utf-8"))

    restricted = demo_copy / "restricted" / period
    staff = pd.read_csv(restricted / "staff.csv", dtype={"employee_id": str})
    thanks = pd.read_csv(demo_copy / "reports" / period / "tables" / "recognition_thanks.csv", dtype=str)
    assert len(thanks) > 0, "the small demo should recognise someone with min n = 5"
    recognised = set(thanks["employee_id"])
    tickets = store.load("tickets", parse(period), root=demo_copy, columns=["customer_ref"])
    refs = set(tickets["customer_ref"].dropna())
    assert refs, "the demo has customer references to look for"
    for lang, nb in executed.items():
        blocks = _output_blocks(nb)
        whole = "\n".join(blocks)
        assert not CUSTOMER_REF.search(whole) and not any(r in whole for r in refs)
        for row in staff.to_dict("records"):
            name = row["name_ar" if lang == "ar" else "name_en"]
            if not isinstance(name, str):
                continue
            near = [b for b in blocks if name in b]
            if row["employee_id"] not in recognised:
                assert not near, f"{name} is shown but not recognised"
                continue
            weak = []
            if row["csat_raw"] < row["centre_csat"]:
                weak.append(messages.fmt_pct(row["csat_raw"], lang))
            if row["csat_shrunk"] < row["centre_csat"]:
                weak.append(messages.fmt_pct(row["csat_shrunk"], lang))
            if row["adjusted_csat"] < row["centre_csat"]:
                weak.append(messages.fmt_pct(row["adjusted_csat"], lang))
            for block in near:
                for figure in weak:
                    assert figure not in block, f"{name} shown next to a below-centre figure {figure}"
                assert "complaint" not in block.lower() and "شكاو" not in block
    # independent: credited responses per employee from the raw CSV files with plain pandas
    raw = demo_copy / "data" / "raw"
    tk = pd.concat([pd.read_csv(raw / m / "tickets.csv", dtype=str) for m in ("2024-01", "2024-02")])
    sv = pd.read_csv(raw / period / "surveys.csv", dtype=str).merge(
        tk[["ticket_id", "employee_id", "outcome"]], on="ticket_id", how="left", suffixes=("_survey", ""))
    sv = sv[sv["employee_id"].notna() & sv["outcome"].ne("transferred")]
    by_hand = sv.assign(sat=sv["csat"].isin(["4", "5"])).groupby("employee_id").agg(
        responses=("sat", "size"), satisfied=("sat", "sum"))
    mine = staff.set_index("employee_id")
    assert by_hand["responses"].to_dict() == mine.loc[mine["responses"] > 0, "responses"].to_dict()
    assert by_hand["satisfied"].to_dict() == mine.loc[mine["responses"] > 0, "satisfied"].to_dict()
    # the individual summaries: restricted only, every employee, both languages
    personal = sorted(restricted.glob("*/E*.en.md"))
    assert len(personal) == len(staff) and len(sorted(restricted.glob("*/E*.ar.md"))) == len(staff)
    assert (restricted / "daily.csv").is_file() and (restricted / "training_needs.csv").is_file()
    reports = demo_copy / "reports"
    assert not list(reports.rglob("staff.csv")) and not list(reports.rglob("*.md"))
    public_tables = {p.stem for p in (reports / period / "tables").glob("recognition_*.csv")}
    assert public_tables == {"recognition_thanks", "recognition_team", "recognition_training"}
    training = pd.read_csv(reports / period / "tables" / "recognition_training.csv")
    assert not {"employee_id", "name_en", "name_ar"} & set(training.columns)


def test_restricted_folder_is_ignored_by_git():
    ignore = (CODE_ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "/restricted/" in ignore
