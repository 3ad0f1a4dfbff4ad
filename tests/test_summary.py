"""The executive summary that opens each monthly chapter: every verb agrees with the numbers.

Hand-made findings and small frames: a rise or a fall is said from the sign, "an improvement" or
"a deterioration" from the sign and the measure's good direction (waits, abandonment and
complaints: lower is better), on or off target from the target; a move too small to show is
"unchanged", the first month has no month to compare with, and no "nan" reaches a reader. Both
languages, each checked against its own words written out here (not read back from the catalogue).
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from helpers.base.periods import parse
from helpers.chapters import summary
from helpers.chapters import summary_view as view
from helpers.chapters.summary import Finding, finding

NAN = float("nan")
# the words each language uses for a move, a verdict and a target status
WORDS = {
    "en": {"rose": "rose to", "fell": "fell to", "same": "held at", "first": "no earlier month to compare with",
           "better": "improvement", "worse": "deterioration", "on": ("at or above its target", "within its limit"),
           "off": ("below its target", "above its limit"), "real": "a real", "chance": "small enough to be chance"},
    "ar": {"rose": "ارتفاع إلى", "fell": "انخفاض إلى", "same": "استقرار عند", "first": "لا يوجد شهر سابق للمقارنة",
           "better": "تحسّن", "worse": "تراجع", "on": ("عند المستهدف", "ضمن الحد الأقصى"),
           "off": ("دون المستهدف", "فوق الحد الأقصى"), "real": "حقيقي", "chance": "بالصدفة"},
}
TECHNICAL = ("p =", "p <", "p-value", "odds", "nan", "None", "inf", "قيمة p", "أرجحية")


def names(key, item):
    return {"seef": "Seef Mall", "tijjar": "Bait Al Tijjar", "virtual": "Virtual", "phone": "Phone",
            "whatsapp": "WhatsApp", "email": "Email", "live_chat": "Live chat"}.get(item, item)


def clean(text: str) -> bool:
    return not any(word in text for word in TECHNICAL)


# --- the judgements, on numbers worked out by hand --------------------------------------------------

def test_a_finding_judges_its_move_by_sign_and_good_direction():
    sl_up = finding("service_level", 0.75, 0.70, 0.80)       # higher is better, still below target
    assert (sl_up.movement, sl_up.judgement, sl_up.on_target) == ("rose", "better", False)
    assert sl_up.change == pytest.approx(0.05)
    wait_down = finding("wait_mean", 540, 600)                # lower is better
    assert (wait_down.movement, wait_down.judgement, wait_down.on_target) == ("fell", "better", None)
    wait_up = finding("wait_mean", 600, 540)
    assert (wait_up.movement, wait_up.judgement) == ("rose", "worse")
    aband = finding("abandonment", 0.09, 0.07, 0.08)          # a maximum: above it is off target
    assert (aband.movement, aband.judgement, aband.on_target) == ("rose", "worse", False)
    complaints = finding("complaints_per_1000", 1.2, 1.5)
    assert (complaints.judgement, complaints.direction) == ("better", "lower")
    volume = finding("transactions", 1200, 1000)              # a volume: neither better nor worse
    assert (volume.movement, volume.judgement, volume.on_target) == ("rose", None, None)


def test_zero_change_first_month_and_missing_values():
    assert finding("csat", 0.85, 0.85).movement == "same"
    assert finding("csat", 0.8502, 0.8500).movement == "same"      # 0.02 pp: below the last digit shown
    assert finding("csat", 0.8510, 0.8500).movement == "rose"      # 0.1 pp: shown
    first = finding("csat", 0.85, NAN, 0.9)
    assert (first.movement, first.judgement, first.on_target) == ("first", None, False)
    assert finding("csat", None, 0.8).movement == "none"
    assert finding("csat", pd.NA, 0.8).movement == "none"
    assert finding("csat", 0.8, 0.7, None).on_target is None       # no target configured
    assert finding("csat", 0.8, 0.7, significant=pd.NA).significant is None


def test_what_needs_a_decision():
    assert finding("service_level", 0.75, 0.70, 0.80).needs_decision              # off target, untested rise
    assert not finding("service_level", 0.75, 0.70, 0.80, True).needs_decision    # off target, real rise
    assert finding("service_level", 0.75, NAN, 0.80).needs_decision               # off target, first month
    assert not finding("service_level", 0.82, 0.85, 0.80).needs_decision          # on target, small fall
    assert finding("csat", 0.92, 0.95, 0.90, True).needs_decision                 # on target, real fall
    assert not finding("abandonment", 0.05, 0.06, 0.08).needs_decision


# --- one sentence per finding, both languages ---------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "ar"])
@pytest.mark.parametrize("measure,better_is_higher", [("service_level", True), ("csat", True),
                                                      ("wait_mean", False), ("abandonment", False),
                                                      ("complaints_per_1000", False)])
@pytest.mark.parametrize("sign", [+1, -1])
def test_the_verb_agrees_with_the_sign_and_the_direction(lang, measure, better_is_higher, sign):
    base = {"service_level": 0.70, "csat": 0.80, "wait_mean": 600.0, "abandonment": 0.05,
            "complaints_per_1000": 1.5}[measure]
    step = {"service_level": 0.05, "csat": 0.05, "wait_mean": 120.0, "abandonment": 0.02,
            "complaints_per_1000": 0.5}[measure]
    f = finding(measure, base + sign * step, base)
    text = view.sentence(f, lang)
    w = WORDS[lang]
    moved, other = ("rose", "fell") if sign > 0 else ("fell", "rose")
    good, bad = ("better", "worse") if (sign > 0) == better_is_higher else ("worse", "better")
    assert w[moved] in text and w[other] not in text
    assert w[good] in text and w[bad] not in text
    assert clean(text)


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_target_status_follows_the_measure_direction(lang):
    w = WORDS[lang]
    below = view.sentence(finding("service_level", 0.746, 0.742, 0.80), lang)
    assert w["off"][0] in below and w["on"][0] not in below
    met = view.sentence(finding("virtual_share", 0.635, 0.627, 0.60), lang)
    assert w["on"][0] in met and w["off"][0] not in met
    within = view.sentence(finding("abandonment", 0.032, 0.036, 0.08), lang)
    assert w["on"][1] in within and w["off"][1] not in within
    above = view.sentence(finding("abandonment", 0.09, 0.07, 0.08), lang)
    assert w["off"][1] in above and w["on"][1] not in above


def test_the_english_sentence_in_full():
    f = finding("service_level", 0.746, 0.742, 0.80)
    assert view.sentence(f, "en") == ("Service level rose to 74.6% from 74.2% the month before (+0.4 pp), "
                                      "an improvement; it is below its target of 80.0%.")
    g = finding("csat", 0.886, 0.878, 0.90, significant=False)
    assert view.sentence(g, "en") == ("Customer satisfaction (CSAT) rose to 88.6% from 87.8% the month before "
                                      "(+0.8 pp), an improvement, but small enough to be chance; it is below its "
                                      "target of 90.0%.")
    h = finding("virtual_share", 0.635, 0.627, 0.60, significant=True)
    assert view.sentence(h, "en").endswith("a real improvement (unlikely to be chance); it is at or above its "
                                           "target of 60.0%.")


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_no_change_first_month_and_nan(lang):
    w = WORDS[lang]
    same = view.sentence(finding("csat", 0.85, 0.85, 0.9), lang)
    assert w["same"] in same
    assert not any(w[k] in same for k in ("rose", "fell", "better", "worse"))
    shown_equal = view.sentence(finding("csat", 0.8504, 0.8496), lang)   # 85.0% and 85.0%: no rise said
    assert w["same"] in shown_equal and w["rose"] not in shown_equal
    first = view.sentence(finding("csat", 0.85, NAN, 0.9), lang)
    assert w["first"] in first and w["off"][0] in first
    assert not any(w[k] in first for k in ("rose", "fell", "better", "worse"))
    assert view.sentence(finding("csat", NAN, 0.85, 0.9), lang) is None
    no_target = view.sentence(finding("csat", 0.85, 0.80, NAN), lang)
    assert not any(s in no_target for s in (*w["on"], *w["off"]))
    for text in (same, shown_equal, first, no_target):
        assert clean(text)


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a_real_change_is_said_in_plain_words(lang):
    w = WORDS[lang]
    real = view.sentence(finding("csat", 0.80, 0.85, significant=True), lang)
    assert w["real"] in real and w["worse"] in real and w["chance"] not in real.replace("يُستبعد أن يكون بالصدفة", "")
    chance = view.sentence(finding("csat", 0.86, 0.85, significant=False), lang)
    assert w["chance"] in chance and w["better"] in chance
    assert clean(real) and clean(chance)


def test_durations_counts_rates_and_scores_in_their_units():
    assert view.sentence(finding("wait_mean", 540, 600), "en") == (
        "The average wait (all channels) fell to 9.0 min from 10.0 min the month before (-1.0 min), an improvement.")
    assert view.sentence(finding("transactions", 1100, 1000), "en") == (
        "Transactions rose to 1,100 from 1,000 the month before (+10.0%).")
    assert view.sentence(finding("complaints_per_1000", 1.25, 1.5), "en") == (
        "The complaint rate per 1,000 transactions fell to 1.25 from 1.50 the month before (-0.25), an improvement.")
    assert view.sentence(finding("nps", 46.8, 46.2, significant=False), "en").startswith(
        "The Net Promoter Score rose to 46.8 from 46.2 the month before (+0.6 points)")


# --- the decision sentence and the 3–6 limit --------------------------------------------------------

def test_decision_sentence_in_both_languages():
    assert view.decision([], "en") == "Nothing in this chapter needs a decision this month."
    assert view.decision([], "ar") == "لا شيء في هذا الفصل يحتاج إلى قرار هذا الشهر."
    item = view.decision_item(finding("service_level", 0.746, 0.742, 0.80), "en")
    assert item == "Service level at 74.6%, below its target of 80.0%"
    assert view.decision([item, None], "en") == f"Needs a decision: {item}."
    assert view.decision_item(finding("service_level", 0.85, 0.84, 0.80), "en") is None
    worse = view.decision_item(finding("csat", 0.92, 0.95, 0.90, True), "ar")
    assert "تراجع حقيقي" in worse


def test_lists_name_three_and_count_the_rest():
    assert view.listed(["A"], "en") == "A"
    assert view.listed(["A", "B"], "en") == "A and B"
    assert view.listed(["A", "B", "C", "D"], "en") == "A, B, C and D"
    assert view.listed(["A", "B", "C", "D", "E"], "en") == "A, B, C and 2 more"
    assert view.listed(["أ", "ب"], "ar") == "أ وب"


# --- the chapters, on small frames ---------------------------------------------------------------

def kpi_summary(sl=(0.746, 0.742), wait=(870.0, 855.0), aband=(0.032, 0.036)):
    return pd.DataFrame({"metric": ["transactions", "service_level", "wait_mean", "abandonment"],
                         "value": [32205.0, sl[0], wait[0], aband[0]], "previous": [32180.0, sl[1], wait[1], aband[1]],
                         "target": [NAN, 0.80, NAN, 0.08]})


def safeguard(verdicts):
    rows = [{"channel_id": ch, "volume_change": 0.1, "verdict": v} for ch, v in verdicts]
    rows.append({"channel_id": "email", "volume_change": -0.05, "verdict": "worse"})   # volume fell: not said
    return pd.DataFrame(rows)


def progress(status="met", share=0.635):
    return pd.DataFrame([{"virtual_share": share, "target": 0.60, "target_month": "2024-12",
                          "progress_status": status}])


WINDOWS = (["2024-10", "2024-11", "2024-12"], ["2023-10", "2023-11", "2023-12"])
SERIES = pd.DataFrame({"month": ["2024-11", "2024-12"], "virtual_share": [0.627, 0.635]})


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_channels_summary_keeps_mixed_apart_from_better(lang):
    out = view.channels_summary(kpi_summary(), SERIES, "2024-12", progress(),
                                safeguard([("live_chat", "mixed"), ("phone", "mixed"), ("whatsapp", "better")]),
                                WINDOWS, lang, names)
    assert 3 <= len(out) <= 6
    guard = out[-2]
    if lang == "en":
        assert guard == ("Where volume grew (2024-10–2024-12 against 2023-10–2023-12), service was mixed on Live "
                         "chat and Phone (one figure better for real, another slipped); improved for real (unlikely "
                         "to be chance) on WhatsApp.")
        assert out[-1] == "Needs a decision: Service level at 74.6%, below its target of 80.0%."
    else:
        assert "متباينة في Live chat وPhone" in guard and "تحسّنت الخدمة فعلياً" in guard
    assert "Email" not in guard                          # its volume fell: the safeguard says nothing of it
    assert all(clean(s) for s in out)


def test_channels_summary_decides_on_a_worse_channel_and_take_up_behind():
    out = view.channels_summary(kpi_summary(), SERIES.assign(virtual_share=[0.50, 0.52]), "2024-12",
                                progress("behind", 0.52), safeguard([("phone", "worse")]), WINDOWS, "en", names)
    assert "got worse for real (unlikely to be chance) on Phone" in out[-2]
    decision = out[-1]
    assert "service on Phone, which got worse as volume grew" in decision
    assert "digital take-up, behind the pace needed to reach 60.0% by 2024-12" in decision
    assert "Digital take-up at" not in decision          # said once, by its progress
    first_year = view.channels_summary(kpi_summary(), SERIES, "2024-12", progress(), safeguard([("phone", "worse")]),
                                       (WINDOWS[0], []), "en", names)
    assert not any("Phone" in s for s in first_year)     # nothing to compare with: no safeguard claim
    assert "Digital take-up rose to 52.0% from 50.0% the month before (+2.0 pp), an improvement; it is below its " \
           "target of 60.0%." in out


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_overview_first_month_has_nothing_to_compare_with(lang):
    headline = pd.DataFrame({"metric": ["transactions", "virtual_share", "csat"], "value": [1000.0, 0.4, 0.8],
                             "previous": [NAN, NAN, NAN], "target": [NAN, 0.6, 0.9],
                             "significant": pd.array([None, None, None], dtype="boolean")})
    out = view.overview_summary(headline, lang)
    assert 3 <= len(out) <= 6
    assert sum(WORDS[lang]["first"] in s for s in out) == 3
    assert all(clean(s) and "+nan" not in s for s in out)
    assert out[-1].startswith("Needs a decision" if lang == "en" else "يحتاج إلى قرار")


def test_overview_reads_the_tiles_and_the_headline_tests():
    headline = pd.DataFrame({"metric": ["transactions", "csat"], "value": [1000.0, 0.88], "previous": [900.0, 0.86],
                             "target": [NAN, 0.9], "significant": pd.array([None, True], dtype="boolean")})
    tiles = pd.DataFrame({"scope": ["all", "all", "seef"], "measure": ["csat", "wait_walk_in", "csat"],
                          "value": [0.88, 560.0, 0.5], "previous": [0.86, 600.0, 0.9], "target": [0.9, NAN, 0.9]})
    out = view.overview_summary(headline, "en", tiles)
    assert out[0].startswith("Customer satisfaction (CSAT) rose to 88.0% from 86.0% the month before (+2.0 pp), "
                             "a real improvement (unlikely to be chance)")
    assert out[1] == ("The average walk-in wait fell to 9.3 min from 10.0 min the month before (-0.7 min), "
                      "an improvement.")
    assert out[2].startswith("Transactions rose to 1,000 from 900")
    assert "50.0%" not in " ".join(out)                    # a centre's tile is not the whole
    # below target, but rising for real: not on the decision list
    assert out[-1] == "Nothing in this chapter needs a decision this month."


def test_complaint_rate_against_the_month_before():
    tickets = pd.DataFrame({"created_at": pd.to_datetime(["2024-02-10"] * 2000 + ["2024-03-05"] * 4000)})
    fb = pd.DataFrame({"kind": ["complaint"] * 3 + ["compliment"] + ["complaint"] * 2,
                       "received_at": pd.to_datetime(["2024-02-01 00:00", "2024-02-20 00:00", "2024-02-28 00:00",
                                                      "2024-03-01 00:00", "2024-03-02 00:00", "2024-03-31 12:00"]),
                       "centre_id": "seef"})
    f = summary.complaint_rate(fb, tickets, parse("2024-03"))
    assert f.value == pytest.approx(2 / 4000 * 1000)     # 0.5 per 1,000
    assert f.previous == pytest.approx(3 / 2000 * 1000)  # 1.5 per 1,000
    assert (f.movement, f.judgement) == ("fell", "better")
    first = summary.complaint_rate(fb, tickets[tickets["created_at"] >= "2024-03-01"], parse("2024-03"))
    assert math.isnan(first.previous) and first.movement == "first"


def family(csat_prev=0.85, sig=False):
    return pd.DataFrame({"cut": ["", "", "centre_id", "centre_id"], "centre_id": [None, None, "seef", "tijjar"],
                         "metric": ["csat", "nps", "csat", "csat"], "comparison": ["previous"] * 4,
                         "value": [0.88, 40.0, 0.70, 0.9], "baseline": [csat_prev, 42.0, 0.85, 0.9],
                         "significant": [sig, False, True, False], "drop": [False, False, True, False]})


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_satisfaction_summary(lang):
    scores = pd.DataFrame({"csat": [0.88], "nps": [40.0]})
    changes = family()
    drops = changes[changes["drop"]]
    follow = pd.DataFrame({"age_days": [12, 40]})
    complaints = finding("complaints_per_1000", 1.0, 1.2)
    kpi = {"csat": {"target": 0.9}, "feedback": {"resolution_sla_days": 5}}
    out = view.satisfaction_summary(scores, changes, drops, complaints, follow, kpi, lang, names)
    assert 3 <= len(out) <= 6
    w = WORDS[lang]
    assert w["rose"] in out[0] and w["better"] in out[0] and w["chance"] in out[0] and w["off"][0] in out[0]
    assert w["fell"] in out[1] and w["worse"] in out[1]                 # NPS 42 -> 40
    assert "Seef Mall" in out[2]                                         # the one real drop
    assert "Bait Al Tijjar" not in " ".join(out)
    if lang == "en":
        assert out[4] == "2 complaints are still open beyond the 5-day limit; the oldest has waited 40 days."
        assert out[5] == ("Needs a decision: Customer satisfaction (CSAT) at 88.0%, below its target of 90.0%; the "
                          "real falls in satisfaction for Seef Mall; the 2 complaints open beyond the 5-day limit.")
    assert all(clean(s) for s in out)


def test_satisfaction_first_month_states_the_score_without_a_comparison():
    scores = pd.DataFrame({"csat": [0.81], "nps": [30.0]})
    empty = family().iloc[:0]
    out = view.satisfaction_summary(scores, empty, empty, None, None, {"csat": {"target": 0.9}}, "en", names)
    assert out[0] == ("Customer satisfaction (CSAT) was 81.0%; there is no earlier month to compare with; it is "
                      "below its target of 90.0%.")
    assert out[1] == "The Net Promoter Score was 30.0; there is no earlier month to compare with."
    assert out[2] == "There is no earlier month yet against which to test satisfaction for a real fall."
    quiet = family().assign(drop=False)
    said = view.satisfaction_summary(scores, quiet, quiet[quiet["drop"]], None, None, {}, "en", names)
    assert said[2].startswith("No centre, channel or service saw a real fall")


def standing(scores, classes, nxt=(None, None), points=(NAN, NAN)):
    return pd.DataFrame({"centre_id": ["seef", "tijjar"], "score": scores, "classification": classes,
                         "next_class": list(nxt), "points_to_next": list(points)})


def test_readiness_summary(monkeypatch):
    before = standing([90.5, 96.0], ["gold", "platinum"])
    monkeypatch.setattr(summary.readiness, "standing", lambda r, month=None: before)
    r = SimpleNamespace(scores=pd.DataFrame({"month": ["2024-11", "2024-12"]}), previous="2024-11")
    now = standing([92.0, 94.0], ["gold", "gold"], (None, "platinum"), (NAN, 1.0))
    regressed = pd.DataFrame({"centre_id": ["tijjar", "tijjar"], "points_lost": [1.25, 0.75]})
    open_items = pd.DataFrame({"overdue": [True, False, True]})
    blockers = pd.DataFrame({"blocker": ["budget", "training"], "overdue_count": [1, 2]})
    out = view.readiness_summary(r, now, regressed, open_items, blockers, "en", names)
    assert out[0] == ("The readiness score of Seef Mall rose to 92.0% from 90.5% the month before (+1.5 points), an "
                      "improvement; class: Gold, the highest class open to it.")
    assert out[1] == ("The readiness score of Bait Al Tijjar fell to 94.0% from 96.0% the month before (-2.0 points), "
                      "a deterioration; class: Gold (was Platinum), 1.0 points from Platinum.")
    assert out[2] == "2 criteria slipped since last month (Bait Al Tijjar), 2.0 points lost in all."
    assert out[3] == "2 open criteria are past their due date; the most common hold-up: Training."
    assert out[4].startswith("Needs a decision: Bait Al Tijjar, which dropped to Gold; the 2 criteria that slipped")
    ar = view.readiness_summary(r, now, regressed, open_items, blockers, "ar", names)
    assert "انخفاض إلى 94.0%" in ar[1] and "تراجع" in ar[1] and "ارتفاع إلى 92.0%" in ar[0]


def test_readiness_first_month_says_nothing_slipped_is_unknown():
    r = SimpleNamespace(scores=pd.DataFrame({"month": ["2023-01"]}), previous="2022-12")
    now = standing([88.6, 70.2], ["silver", "needs_improvement"], ("gold", "bronze"), (1.4, 4.8))
    out = view.readiness_summary(r, now, pd.DataFrame({"centre_id": [], "points_lost": []}),
                                 pd.DataFrame({"overdue": [True]}),
                                 pd.DataFrame({"blocker": ["none"], "overdue_count": [1]}), "en", names)
    assert out[0] == ("The readiness score of Seef Mall was 88.6%; there is no earlier month to compare with; class: "
                      "Silver, 1.4 points from Gold.")
    assert not any("slipped" in s for s in out)           # no month before: no claim that nothing slipped
    assert out[2] == "1 open criteria are past their due date."
    assert all(clean(s) for s in out)


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_recognition_summary(lang):
    team = pd.DataFrame({"centre_id": ["seef", "tijjar", "virtual"], "team_csat": [0.887, 0.870, 0.889],
                         "team_csat_previous": [0.874, 0.880, NAN], "morale": ["steady", "improving", "under_strain"]})
    review = SimpleNamespace(thanks=pd.DataFrame({"employee_id": ["E1", "E1", "E2"]}), team=team,
                             training=pd.DataFrame({"staff_lagging": [1, 2]}))
    out = view.recognition_summary(review, lang, names)
    assert 3 <= len(out) <= 6
    w = {"en": ("rose at Seef Mall (+1.3 pp)", "fell at Bait Al Tijjar (-1.0 pp)", "under strain at Virtual"),
         "ar": ("ارتفع في Seef Mall (\u2066+1.3\u2069 نقطة مئوية)", "انخفض في Bait Al Tijjar (\u2066-1.0\u2069 نقطة مئوية)",
                "تحت الضغط في Virtual")}[lang]
    text = " ".join(out)
    assert w[0] in text and w[1] in text and w[2] in text
    assert "Virtual (" not in text                        # no month before: no move said
    assert ("2 staff" if lang == "en" else "يحظى 2") in out[0]
    assert "Virtual" in out[-1]                           # morale under strain needs a decision
    only_feedback = view.recognition_summary(review, lang, names, provided=("feedback",))
    assert not any(("training" if lang == "en" else "التدريب") in s for s in only_feedback)


class Member:
    def __init__(self, en):
        self.en = en

    def name(self, lang):
        return self.en if lang == "en" else f"م-{self.en}"


def estimate(verdict, names_, outcome="virtual_share", effect=0.05, low=0.04, high=0.06):
    group = SimpleNamespace(members=tuple(Member(n) for n in names_), outcome=outcome)
    result = SimpleNamespace(measure="share_difference", effect=effect, low=low, high=high)
    return SimpleNamespace(verdict=verdict, group=group, result=result)


def test_initiatives_summary():
    found = SimpleNamespace(initiatives=[1, 2, 3, 4], estimates=[
        estimate("achieved", ["Portal"]), estimate("opposite", ["Kiosk"], "wait", -0.1, -0.2, -0.05),
        estimate("not_detected", ["Letter", "Poster"]), estimate("insufficient", ["Video"])])
    out = view.initiatives_summary(found, "en")
    assert out == [
        "4 initiatives are in force this month, giving 4 estimates of effect; 3 of them have enough data to judge.",
        "A real effect (unlikely to be chance) in the expected direction: Portal on digital take-up (+5.0 pp; likely "
        "range +4.0 pp to +6.0 pp).",
        "Kiosk moved the measure the opposite way to what was expected.",
        "No change that can be told apart from chance yet for Letter and Poster together.",
        "Too early to judge Video: not enough months of data yet.",
        "Needs a decision: whether to continue Kiosk, which moved the measure the opposite way.",
    ]
    ar = view.initiatives_summary(found, "ar")
    assert len(ar) == 6 and "م-Portal" in ar[1] and all(clean(s) for s in ar)
    # an initiative's name comes from the registry (data): it is text, never markup
    odd = view.initiatives_summary(SimpleNamespace(initiatives=[1], estimates=[estimate("achieved", ["<b>x</b>"])]), "en")
    assert "<b>" not in " ".join(odd) and "&lt;b&gt;x" in " ".join(odd)
    none = view.initiatives_summary(SimpleNamespace(initiatives=[], estimates=[]), "ar")
    assert none[-1] == "لا شيء في هذا الفصل يحتاج إلى قرار هذا الشهر."


def test_a_summary_never_has_more_than_six_sentences():
    facts = [f"fact {i}." for i in range(9)]
    out = view._finish(facts, ["x"], "en")
    assert len(out) == 6 and out[-1] == "Needs a decision: x." and out[:5] == facts[:5]


def test_nan_never_reaches_a_reader():
    weird = [finding("service_level", np.inf, 0.7, 0.8), finding("csat", 0.8, np.inf, 0.9),
             finding("wait_mean", 600, None), finding("abandonment", 0.05, 0.04, None)]
    for lang in ("en", "ar"):
        for f in weird:
            text = view.sentence(f, lang)
            assert text is None or clean(text)
        assert view.sentence(weird[0], lang) is None          # an infinite value is no value


def test_finding_is_a_plain_record():
    f = Finding("csat", 0.8, 0.7, 0.9, "higher", True, "share", "")
    assert f.needs_decision is False and f.judgement == "better"


def test_a_rate_effect_and_its_range_are_in_percent():
    cut = estimate("achieved", ["Queue system"], "wait", 0.616, 0.603, 0.629)
    cut.result.measure = "rate_ratio"
    out = view.initiatives_summary(SimpleNamespace(initiatives=[1], estimates=[cut]), "en")
    assert out[1] == ("A real effect (unlikely to be chance) in the expected direction: Queue system on the wait "
                      "without an appointment (-38.4%; likely range -39.7% to -37.1%).")
