"""Tests of change and the multiple-comparison correction, by hand and against statsmodels."""

import math

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportions_ztest

from helpers.measures import significance as G


def test_two_proportion_z_by_hand_and_against_statsmodels():
    p, test = G.two_proportion_test(80, 100, 70, 100)
    # pooled 0.75; se = sqrt(0.75 * 0.25 * 0.02) = 0.061237; z = 1.633 → p = 0.1025
    assert test == "z" and p == pytest.approx(0.1025, abs=1e-4)
    _, p_sm = proportions_ztest([80, 70], [100, 100])
    assert p == pytest.approx(p_sm, rel=1e-9)


def test_fisher_for_small_expected_counts_by_hand():
    p, test = G.two_proportion_test(3, 4, 0, 5)
    # hypergeometric: P(3) = 4/84, the only table as extreme → p = 0.0476
    assert test == "fisher" and p == pytest.approx(4 / 84)
    assert G.two_proportion_test(5, 5, 3, 3) == (1.0, "fisher")
    p, test = G.two_proportion_test(1, 0, 1, 1) if False else G.two_proportion_test(0, 0, 1, 1)
    assert math.isnan(p) and test == "too_few"


def test_nps_difference_by_hand():
    # A: 60 promoters, 20 detractors of 100 (NPS 40); B: 40 and 30 of 100 (NPS 10)
    p, test = G.nps_difference_test(60, 20, 100, 40, 30, 100)
    se_a = math.sqrt((0.6 + 0.2 - 0.4 ** 2) / 100)   # 0.08
    se_b = math.sqrt((0.4 + 0.3 - 0.1 ** 2) / 100)   # 0.08307
    z = 0.3 / math.hypot(se_a, se_b)
    assert test == "z" and p == pytest.approx(2 * (1 - 0.5 * (1 + math.erf(z / math.sqrt(2)))), rel=1e-9)
    assert G.nps_difference_test(5, 1, 10, 5, 1, 100)[1] == "too_few"


def test_benjamini_hochberg_by_hand_ignores_untested():
    adjusted, reject = G.adjust([0.01, 0.04, 0.03, np.nan, 0.5], 0.05, "fdr_bh")
    # m = 4: sorted .01 .03 .04 .5 → .04, min(.06, .0533), .0533, .5
    assert adjusted[0] == pytest.approx(0.04)
    assert adjusted[1] == pytest.approx(0.04 * 4 / 3) and adjusted[2] == pytest.approx(0.04 * 4 / 3)
    assert math.isnan(adjusted[3]) and adjusted[4] == pytest.approx(0.5)
    assert list(reject) == [True, False, False, False, False]


def _scores(rows):
    cols = ["centre_id", "responses", "satisfied", "csat", "nps_responses", "promoters", "detractors", "nps"]
    return pd.DataFrame(rows, columns=cols)


def test_changes_flag_and_drops():
    cur = _scores([("seef", 200, 140, 0.70, 200, 80, 40, 20.0), ("tijjar", 200, 170, 0.85, 10, 5, 1, 40.0),
                   ("virtual", 100, 90, 0.90, 100, 50, 10, 40.0)])
    base = _scores([("seef", 200, 180, 0.90, 200, 100, 20, 40.0), ("tijjar", 200, 168, 0.84, 100, 50, 10, 40.0)])
    tests = G.changes(cur, base, ["centre_id"], "previous")
    # virtual has no baseline: untested; tijjar's NPS has 10 responses: not tested
    assert set(tests["centre_id"]) == {"seef", "tijjar"}
    t = tests.set_index(["centre_id", "metric"])
    assert t.loc[("seef", "csat"), "change"] == pytest.approx(-0.20)
    assert t.loc[("tijjar", "nps"), "test"] == "too_few" and math.isnan(t.loc[("tijjar", "nps"), "p_value"])
    flagged = G.flag(tests, {"alpha": 0.05, "correction": "fdr_bh"})
    f = flagged.set_index(["centre_id", "metric"])
    assert bool(f.loc[("seef", "csat"), "drop"]) and not bool(f.loc[("tijjar", "csat"), "significant"])
    d = G.drops(flagged)
    assert list(zip(d["centre_id"], d["metric"])) == [("seef", "csat"), ("seef", "nps")]
    # the family is corrected together: adjusted p is never below the raw p
    ok = flagged["p_value"].notna()
    assert (flagged.loc[ok, "p_adjusted"] >= flagged.loc[ok, "p_value"] - 1e-15).all()
