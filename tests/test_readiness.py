"""Readiness helpers on tiny hand-made frames: every figure below is worked out by hand.

The catalogue (v1, from 2024-01):

    A1  p1  weight 2  all
    A2  p1  weight 1  all
    B1  p2  weight 3  walk_in
    V1  p3  weight 4  virtual

Centres ``w`` (walk-in) and ``v`` (virtual). Bands: walk-in gold 90 / silver 80 / bronze 60 /
needs_improvement 0; virtual platinum 95 / gold 90 / silver 80 / needs_improvement 0.
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
import yaml

from helpers.base.config import load_config
from helpers.base.paths import CODE_ROOT
from helpers.base.periods import parse
from helpers.chapters import readiness as rd
from helpers.chapters import readiness_view as rdv

BANDS = {
    "walk_in": [{"class": "gold", "min_score": 90}, {"class": "silver", "min_score": 80},
                {"class": "bronze", "min_score": 60}, {"class": "needs_improvement", "min_score": 0}],
    "virtual": [{"class": "platinum", "min_score": 95}, {"class": "gold", "min_score": 90},
                {"class": "silver", "min_score": 80}, {"class": "needs_improvement", "min_score": 0}],
}
KINDS = {"w": "walk_in", "v": "virtual"}
V1 = [("A1", "p1", 2.0, "all"), ("A2", "p1", 1.0, "all"), ("B1", "p2", 3.0, "walk_in"), ("V1", "p3", 4.0, "virtual")]


def catalogue(rows, guideline="v1", effective="2024-01"):
    return pd.DataFrame([{"criterion_id": c, "pillar": p, "title_en": f"Title {c}", "title_ar": f"عنوان {c}",
                          "weight": w, "applies_to": a, "maps_from": m[0] if m else "", "guideline": guideline,
                          "effective_from": effective} for c, p, w, a, *m in rows])


def criteria(plan: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """``{month: catalogue}`` → the stacked frame ``criteria_by_month`` returns."""
    return pd.concat([cat.assign(month=m) for m, cat in plan.items()], ignore_index=True)[rd.CRITERIA_COLUMNS]


def sa(rows) -> pd.DataFrame:
    """Self-assessment rows ``(month, centre, criterion, status[, blocker, due_on, owner])``."""
    out = []
    for month, centre, cid, status, *rest in rows:
        blocker = rest[0] if len(rest) > 0 else "none"
        due = rest[1] if len(rest) > 1 else None
        owner = rest[2] if len(rest) > 2 else "quality"
        out.append({"month": month, "centre_id": centre, "criterion_id": cid, "status": status, "owner": owner,
                    "reason": None if status == "met" else f"reason {cid}", "blocker": blocker, "action": None,
                    "due_on": pd.Timestamp(due) if due else pd.NaT})
    frame = pd.DataFrame(out)
    frame["due_on"] = frame["due_on"].astype("datetime64[us]")
    return frame


ROWS = [
    # January: w all met (100); v 2 met, A2 partial, V1 not met → 2.5 / 7
    ("2024-01", "w", "A1", "met"), ("2024-01", "w", "A2", "met"), ("2024-01", "w", "B1", "met"),
    ("2024-01", "v", "A1", "met"), ("2024-01", "v", "A2", "partial", "training"),
    ("2024-01", "v", "V1", "not_met", "it_system"),
    # February: w A2 not met, B1 partial → 3.5 / 6; v A2 n/a, V1 left out, B1 does not apply → 2 / 6
    ("2024-02", "w", "A1", "met"), ("2024-02", "w", "A2", "not_met", "budget", "2024-03-31"),
    ("2024-02", "w", "B1", "partial", "procurement", "2024-04-30"),
    ("2024-02", "v", "A1", "met"), ("2024-02", "v", "A2", "not_applicable"), ("2024-02", "v", "B1", "met"),
    # March: w as February; v A2 partial (overdue), V1 not met (no due date) → 2.5 / 7
    ("2024-03", "w", "A1", "met"), ("2024-03", "w", "A2", "not_met", "budget", "2024-03-31", "finance"),
    ("2024-03", "w", "B1", "partial", "procurement", "2024-04-30", "procurement"),
    ("2024-03", "v", "A1", "met"), ("2024-03", "v", "A2", "partial", "training", "2024-02-15", "hr_training"),
    ("2024-03", "v", "V1", "not_met", "it_system", None, "it"),
]


def build(month="2024-03", rows=ROWS, plan=None, evaluation="2024-06-01"):
    plan = plan or {m: catalogue(V1) for m in ("2024-01", "2024-02", "2024-03")}
    plan = {m: c for m, c in plan.items() if m <= month}
    cat_entry = {"guideline": "v1", "effective_from": "2024-01", "example": True}
    return rd.build(sa(rows), criteria(plan), KINDS, BANDS, month, cat_entry, evaluation_date=evaluation,
                    centres=["w", "v"])


def names(key, item):
    return {"w": "Walk", "v": "Virtual", "finance": "Finance"}.get(item, item)


# --- score, classification, distance ------------------------------------------------------------

def test_scores_by_hand():
    sc = build().scores.set_index(["month", "centre_id"])
    assert sc.loc[("2024-01", "w"), "score"] == pytest.approx(100.0)
    assert sc.loc[("2024-01", "v"), "score"] == pytest.approx(100 * 2.5 / 7)
    assert sc.loc[("2024-02", "w"), "score"] == pytest.approx(100 * 3.5 / 6)
    # not_applicable leaves the denominator, a criterion left out counts 0, B1 does not apply to v
    assert sc.loc[("2024-02", "v"), "score"] == pytest.approx(100 * 2 / 6)
    feb_v = sc.loc[("2024-02", "v")]
    assert (feb_v["met"], feb_v["not_applicable"], feb_v["not_assessed"], feb_v["weight"]) == (1, 1, 1, 6.0)


def test_classify_takes_the_highest_band_reached_and_ignores_float_noise():
    assert rd.classify(90.0, BANDS["walk_in"]) == "gold"
    assert rd.classify(89.99999999999, BANDS["walk_in"]) == "gold"
    assert rd.classify(89.9, BANDS["walk_in"]) == "silver"
    assert rd.classify(96.0, BANDS["walk_in"]) == "gold"          # no platinum for walk-in
    assert rd.classify(96.0, BANDS["virtual"]) == "platinum"
    assert rd.classify(0.0, BANDS["virtual"]) == "needs_improvement"
    assert rd.classify(float("nan"), BANDS["virtual"]) is None
    assert rd.next_band(85.0, BANDS["walk_in"])["class"] == "gold"
    assert rd.next_band(92.0, BANDS["walk_in"]) is None


def test_standing_gives_class_and_distance_in_points_and_criteria():
    st = rd.standing(build("2024-02"))
    w = st.set_index("centre_id").loc["w"]
    # 58.33 % → needs improvement; bronze (60) needs 3.6 of 6 weight, 3.5 earned: B1's gain 1.5
    # (partial → met) beats A2's gain 1, so one criterion, in pillar p2
    assert w["classification"] == "needs_improvement" and w["next_class"] == "bronze"
    assert w["points_to_next"] == pytest.approx(60 - 100 * 3.5 / 6)
    assert w["criteria_to_next"] == 1 and w["pillars_to_next"] == "p2:1"
    assert (w["met"], w["partial"], w["not_met"]) == (1, 1, 1)
    v = st.set_index("centre_id").loc["v"]
    # 33.3 % → silver (80) needs 4.8 of 6, 2 earned: V1 (left out, gain 4) is enough
    assert v["next_class"] == "silver" and v["criteria_to_next"] == 1 and v["pillars_to_next"] == "p3:1"


def test_criteria_to_reach_is_greedy_by_gain_with_ties_by_id():
    rows = pd.DataFrame({
        "criterion_id": ["c1", "c2", "c3", "c4", "c5"], "pillar": ["x", "y", "y", "x", "x"],
        "weight": [2.0, 2.0, 3.0, 1.0, 2.0], "status": ["met", "not_met", "partial", "not_met", "not_met"],
    })
    rows["credit"] = rows["status"].map(rd.CREDIT)
    rows["gain"] = rows["weight"] * (1 - rows["credit"])   # c2 2, c3 1.5, c4 1, c5 2
    # earned 2 + 1.5 = 3.5 of 10; 70 % needs 3.5 more: c2 (2) then c5 (2, tie with c2 broken by id) = 4
    chosen = rd.criteria_to_reach(rows, 70)
    assert list(chosen["criterion_id"]) == ["c2", "c5"]
    assert rd._pillar_counts(chosen) == "x:1;y:1"
    assert list(rd.criteria_to_reach(rows, 55)["criterion_id"]) == ["c2"]      # needs 2.0: c2 alone
    assert rd.criteria_to_reach(rows, 35).empty                               # already there
    assert len(rd.criteria_to_reach(rows, 100)) == 4


# --- regressions, unmet list, blockers ------------------------------------------------------------

def test_regressions_are_met_last_month_and_open_now_largest_loss_first():
    reg = rd.regressions(build("2024-02"))
    assert list(reg["criterion_id"]) == ["B1", "A2"]
    assert list(reg["criterion_status"]) == ["partial", "not_met"]
    # B1 loses 3 × 0.5 of 6 = 25 points; A2 loses 1 of 6 = 16.7
    assert reg["points_lost"].tolist() == pytest.approx([25.0, 100 / 6])
    assert list(reg["blocker"]) == ["procurement", "budget"] and list(reg["reason"]) == ["reason B1", "reason A2"]
    # March: nothing was met in February that is open in March
    assert rd.regressions(build("2024-03")).empty
    # not_applicable → open is not a regression; no previous month → none
    assert rd.regressions(build("2024-01")).empty


def test_a_met_criterion_left_out_of_the_next_assessment_is_a_regression():
    rows = [("2024-01", "w", "A1", "met"), ("2024-01", "w", "A2", "met"), ("2024-01", "w", "B1", "met"),
            ("2024-01", "v", "A1", "met"), ("2024-01", "v", "A2", "met"), ("2024-01", "v", "V1", "met"),
            # February: w drops A1 (met in January) from its return; v does not assess at all
            ("2024-02", "w", "A2", "met"), ("2024-02", "w", "B1", "partial", "procurement")]
    r = build("2024-02", rows=rows)
    reg = rd.regressions(r)
    # A1 left out scores 0: 2 of w's 6 = 33.3 points; B1 partial: 3 × 0.5 of 6 = 25 points
    assert list(zip(reg["centre_id"], reg["criterion_id"], reg["criterion_status"])) == [
        ("w", "A1", "not_assessed"), ("w", "B1", "partial")]
    assert reg["points_lost"].tolist() == pytest.approx([100 * 2 / 6, 25.0])
    # the score agrees: A2 1 + B1 1.5 = 2.5 of 6 = 41.7 = 100 − 33.3 − 25
    assert r.scores.set_index(["month", "centre_id"]).loc[("2024-02", "w"), "score"] == pytest.approx(
        100 - 100 * 2 / 6 - 25.0)
    assert "v" not in set(reg["centre_id"])          # no assessment at all: no score, no regression


def test_unmet_list_counts_consecutive_months_and_flags_overdue():
    r = build("2024-03")
    u = rd.unmet(r).set_index(["centre_id", "criterion_id"])
    assert list(u.index) == [("v", "A2"), ("v", "V1"), ("w", "A2"), ("w", "B1")]
    assert u.loc[("w", "A2"), "months_unmet"] == 2          # met Jan, open Feb and Mar
    assert u.loc[("w", "B1"), "months_unmet"] == 2
    assert u.loc[("v", "V1"), "months_unmet"] == 3          # not met, left out, not met
    assert u.loc[("v", "A2"), "months_unmet"] == 1          # not applicable in Feb breaks the run
    assert bool(u.loc[("w", "A2"), "overdue"])              # due on the month's last day, still open
    assert not bool(u.loc[("w", "B1"), "overdue"])
    assert not bool(u.loc[("v", "V1"), "overdue"])          # no due date
    assert u.loc[("w", "A2"), "owner_department"] == "finance"
    assert u.loc[("w", "B1"), "points_at_stake"] == pytest.approx(100 * 1.5 / 6)
    # order: centre, overdue first, longest first
    assert list(rd.unmet(r)["criterion_id"])[:2] == ["A2", "V1"]


def test_months_unmet_breaks_on_a_month_without_assessment():
    h = pd.DataFrame({"month": ["2024-01", "2024-02", "2024-04", "2024-05"], "centre_id": "w",
                      "key": "A", "status": ["not_met", "not_met", "partial", "not_met"]})
    assert rd.months_unmet(h, "2024-05").to_dict() == {("w", "A"): 2}
    assert rd.months_unmet(h, "2024-02").to_dict() == {("w", "A"): 2}


def test_blockers_summary_by_hand():
    b = rd.blockers(rd.unmet(build("2024-03")))
    assert list(b["blocker"]) == ["budget", "it_system", "procurement", "training"]   # 1 each: by name
    assert b.set_index("blocker")["mean_months_unmet"].to_dict() == {
        "budget": 2.0, "it_system": 3.0, "procurement": 2.0, "training": 1.0}
    assert b.set_index("blocker")["overdue_count"].to_dict() == {
        "budget": 1, "it_system": 0, "procurement": 0, "training": 1}
    two = pd.DataFrame({"blocker": ["budget", "budget", "training"], "months_unmet": [2, 5, 1],
                        "overdue": [True, False, False], "points_at_stake": [1.0, 2.0, 3.0]})
    got = rd.blockers(two).set_index("blocker")
    assert got.loc["budget", "criteria"] == 2 and got.loc["budget", "mean_months_unmet"] == 3.5
    assert got.loc["budget", "max_months_unmet"] == 5 and got.loc["budget", "points_at_stake"] == 3.0


# --- trend and projection -------------------------------------------------------------------------

def test_trend_lists_each_month_and_class():
    tr = rd.trend(build("2024-03"), rd.last_months("2024-03", 12))
    w = tr[tr["centre_id"] == "w"]
    assert list(w["month"]) == ["2024-01", "2024-02", "2024-03"]
    assert list(w["classification"]) == ["gold", "needs_improvement", "needs_improvement"]
    assert list(w["open"]) == [0, 2, 2]
    assert rd.last_months("2024-02", 3) == ["2023-12", "2024-01", "2024-02"]


def test_projection_closes_items_due_before_the_evaluation():
    p = rd.projection(build("2024-03")).set_index("centre_id")
    # w: 3.5 of 6 now; A2 (1, overdue) and B1 (1.5) both due before 2024-06-01 → 6 of 6 on time;
    # overdue A2 stays open → 5 of 6
    assert p.loc["w", "projected_on_time"] == pytest.approx(100.0)
    assert p.loc["w", "class_on_time"] == "gold"
    assert p.loc["w", "projected_overdue_open"] == pytest.approx(100 * 5 / 6)
    assert p.loc["w", "class_overdue_open"] == "silver"
    assert (p.loc["w", "closing_on_time"], p.loc["w", "overdue_count"]) == (2, 1)
    # v: A2 overdue (0.5), V1 no due date → 3 of 7 on time, 2.5 of 7 if overdue stays open
    assert p.loc["v", "projected_on_time"] == pytest.approx(100 * 3 / 7)
    assert p.loc["v", "projected_overdue_open"] == pytest.approx(100 * 2.5 / 7)
    # an evaluation already passed: the projection is the current score
    past = rd.projection(build("2024-03", evaluation="2024-01-15")).set_index("centre_id")
    assert past.loc["w", "projected_on_time"] == pytest.approx(100 * 3.5 / 6)


# --- catalogue versions -----------------------------------------------------------------------------

def test_version_keys_follow_same_ids_maps_from_merges_and_splits():
    v1 = catalogue([("X", "p", 1.0, "all"), ("Y", "p", 1.0, "all"), ("K", "p", 1.0, "all"), ("R", "p", 1.0, "all")])
    v2 = catalogue([("Z", "p", 1.0, "all", "X;Y"), ("K", "p", 1.0, "all"), ("P", "p", 1.0, "all", "R"),
                    ("Q", "p", 1.0, "all", "R"), ("N", "p", 1.0, "all")], guideline="v2", effective="2024-02")
    crit = criteria({"2024-01": v1, "2024-02": v2})
    keys = rd.version_keys(crit, "2024-02")
    jan = keys[keys["month"] == "2024-01"].groupby("criterion_id")["key"].apply(list).to_dict()
    assert jan == {"K": ["K"], "R": ["P", "Q"], "X": ["Z"], "Y": ["Z"]}
    # as of January, each id is itself
    assert set(rd.version_keys(crit, "2024-01")["key"]) == {"X", "Y", "K", "R"}
    # a merge keeps the worse status of the month
    rows = sa([("2024-01", "w", "X", "met"), ("2024-01", "w", "Y", "not_met"), ("2024-01", "w", "K", "met"),
               ("2024-01", "w", "R", "partial"), ("2024-02", "w", "Z", "not_met"), ("2024-02", "w", "K", "met"),
               ("2024-02", "w", "P", "met"), ("2024-02", "w", "Q", "not_met"), ("2024-02", "w", "N", "not_met")])
    r = rd.build(rows, crit, {"w": "walk_in"}, BANDS, "2024-02", {"guideline": "v2", "effective_from": "2024-02"},
                 centres=["w"])
    jan_h = r.history[r.history["month"] == "2024-01"].set_index("key")["status"].to_dict()
    assert jan_h == {"K": "met", "P": "partial", "Q": "partial", "Z": "not_met"}
    u = rd.unmet(r).set_index("criterion_id")["months_unmet"].to_dict()
    assert u == {"N": 1, "Q": 2, "Z": 2}            # N is new and starts fresh
    assert rd.regressions(r).empty                  # R was partial, not met, before Q


def write_config(tmp_path, versions):
    """A config folder in ``tmp_path`` whose criteria list is ``versions`` (file name, effective, csv text)."""
    shutil.copytree(CODE_ROOT / "config", tmp_path / "config")
    entity = tmp_path / "config" / "entity.yaml"
    raw = yaml.safe_load(entity.read_text(encoding="utf-8"))
    raw["criteria"] = []
    for name, effective, text in versions:
        (tmp_path / "config" / "criteria" / f"{name}.csv").write_text(text, encoding="utf-8")
        raw["criteria"].append({"guideline": name, "file": f"criteria/{name}.csv", "effective_from": effective})
    entity.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_config(tmp_path)


HEADER = "criterion_id,pillar,title_en,title_ar,weight,applies_to"


def test_a_new_catalogue_version_from_a_month_needs_no_code_change(tmp_path):
    cfg = write_config(tmp_path, [
        ("tiny-v1", "2024-01", f"{HEADER}\nA1,p1,One,واحد,2,all\nA2,p1,Two,اثنان,1,all\nB1,p2,Three,ثلاثة,3,walk_in\n"),
        ("tiny-v2", "2024-03", f"{HEADER},maps_from\nA1,p1,One,واحد,2,all,\nA2X,p1,Two again,اثنان مجدداً,1.5,all,A2\n"
                               "B2,p2,New,جديد,3,walk_in,\n"),
    ])
    rows = sa([("2024-01", "seef", "A1", "met"), ("2024-01", "seef", "A2", "not_met"), ("2024-01", "seef", "B1", "met"),
               ("2024-02", "seef", "A1", "met"), ("2024-02", "seef", "A2", "not_met"), ("2024-02", "seef", "B1", "met"),
               ("2024-03", "seef", "A1", "partial"), ("2024-03", "seef", "A2X", "not_met"),
               ("2024-03", "seef", "B2", "not_met")])
    r = rd.prepare(rows, cfg, parse("2024-03"))
    sc = r.scores.set_index("month")["score"]
    assert sc["2024-02"] == pytest.approx(100 * 5 / 6)          # v1 weights
    assert sc["2024-03"] == pytest.approx(100 * 1 / 6.5)        # v2 weights
    u = rd.unmet(r).set_index("criterion_id")
    assert u.loc["A2X", "months_unmet"] == 3                    # history kept through maps_from
    assert u.loc["B2", "months_unmet"] == 1                     # new: starts fresh
    assert u.loc["A1", "months_unmet"] == 1
    assert list(rd.regressions(r)["criterion_id"]) == ["A1"]    # same id in both: a regression
    lines = rdv.version_lines(r, "en")
    assert lines[0] == "Criteria catalogue in force: tiny-v2, effective from March 2024 (3 criteria)."
    assert len(lines) == 2 and "more than one catalogue version" in lines[1]   # not an example: no warning
    assert rd.prepare(rows, cfg, parse("2024-02")).catalogue["guideline"] == "tiny-v1"
    assert rdv._titles(r, "ar")["A2X"] == "اثنان مجدداً"


def test_the_example_catalogue_is_marked_as_an_example():
    cfg = load_config(CODE_ROOT)
    rows = sa([("2024-01", "seef", "ACC-01", "met")])
    lines = rdv.version_lines(rd.prepare(rows, cfg, parse("2024-01")), "en")
    entry = cfg.catalogue_entry("2024-01")
    assert lines[0].startswith(f"Criteria catalogue in force: {entry['guideline']}, effective from ")
    assert "EXAMPLE" in lines[1]


# --- the year ---------------------------------------------------------------------------------------

def test_year_helpers_by_hand():
    r = build("2024-03")
    months = rd.year_months(r)
    assert months == ["2024-01", "2024-02", "2024-03"]
    path = rd.trajectory(r, months).set_index("centre_id")
    assert path.loc["w", "score_first"] == pytest.approx(100.0)
    assert path.loc["w", "score_change"] == pytest.approx(100 * 3.5 / 6 - 100)
    assert path.loc["w", "regressions"] == 2 and path.loc["v", "regressions"] == 0
    never = rd.never_met(r, months)
    # w's A2 and B1 were met in January; v's A2 was partial, n/a, partial; V1 never met
    assert list(zip(never["centre_id"], never["criterion_id"])) == [("v", "V1"), ("v", "A2")]
    assert never.set_index("criterion_id").loc["A2", "months_assessed"] == 2
    top = rd.top_open(r, 2)
    # points at stake: v V1 4/7 = 57.1, w B1 1.5/6 = 25, w A2 1/6, v A2 0.5/7
    assert list(zip(top["centre_id"], top["criterion_id"])) == [("v", "V1"), ("w", "B1")]
    assert list(top["due_before_evaluation"]) == [False, True]
    yr = rd.year_regressions(r, months)
    assert list(yr["month"]) == ["2024-02", "2024-02"]


def test_report_month_of_a_year_is_its_latest_assessed_month():
    rows = sa(ROWS)
    assert rd.report_month(rows, parse("2024")) == "2024-03"
    assert rd.report_month(rows, parse("2024-02")) == "2024-02"
    assert rd.report_month(rows, parse("2023")) == "2023-12"


# --- words --------------------------------------------------------------------------------------------

def test_sentences_in_both_languages():
    r = build("2024-02")
    st = rd.standing(r)
    en = rdv.standing_lines(st, r, "en", names)
    assert en[0] == ("Walk scores 58.3% (Needs improvement): meeting 1 more criterion in p2 would reach Bronze, "
                     "1.7 points away.")
    ar = rdv.standing_lines(st, r, "ar", names)
    assert ar[0].startswith("حقق Walk درجة 58.3% (بحاجة إلى تحسين): تحقيق معيار إضافي واحد في محور p2")
    reg = rd.regressions(r)
    assert rdv.regression_lines(reg, r, "en", names) == [
        "**Criteria met in January 2024 and no longer met: 2** (Walk (2)). They are listed below, the largest loss of "
        "score first.",
        "The largest is B1 at Walk, which costs 25.0 points of score."]
    assert rdv.regression_lines(rd.regressions(build("2024-01")), build("2024-01"), "en", names) == [
        "There is no self-assessment for December 2023 to compare with."]
    r3 = build("2024-03")
    assert rdv.unmet_lines(rd.unmet(r3), r3, "en") == [
        "Open criteria across the centres: 4 (2 partly met, 2 not met or not assessed); past their due date: 2."]
    top = build("2024-01")
    lines = rdv.standing_lines(rd.standing(top), top, "en", names)
    assert lines[0] == "Walk scores 100.0%: Gold, the highest class open to it."


def test_display_frames_use_the_readers_language_and_hide_nothing_else():
    r = build("2024-03")
    u = rd.unmet(r)
    shown = rdv.unmet_display(u, r, "ar", names)
    row = shown[shown["criterion_id"] == "A2"].iloc[-1]        # w's A2
    assert row["title"] == "عنوان A2" and row["criterion_status"] == "غير متحقق"
    assert row["owner_department"] == "Finance" and row["blocker"] == "الميزانية" and row["overdue"] == "نعم"
    assert row["due_on"] == "2024-03-31" and row["reason"] == "reason A2"
    assert list(shown.columns)[:3] == ["centre_id", "criterion_id", "title"]
    st = rdv.standing_display(rd.standing(r), r, "en")
    assert st.set_index("centre_id").loc["w", "classification"] == "Needs improvement"
