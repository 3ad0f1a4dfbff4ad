"""Headline figures, KPIs and CSAT worked out by hand on tiny frames."""

import math

import pandas as pd
import pytest

from helpers import headline, kpis, satisfaction

VIRTUAL = ["phone", "eservices"]
KPI = {"digital_take_up": {"assisted_digital_counts_as_digital": True},
       "csat": {"top_box": [4, 5], "confidence": 0.95}}


def tickets(rows):
    return pd.DataFrame(rows, columns=["ticket_id", "centre_id", "channel_id", "outcome", "assisted_digital"])


CUR = tickets([
    ("t1", "seef", "walk_in", "completed", False),
    ("t2", "seef", "walk_in", "completed", True),      # assisted digital: counts as digital
    ("t3", "virtual", "phone", "completed", False),
    ("t4", "virtual", "phone", "abandoned", False),    # not completed: in neither count
    ("t5", "virtual", "eservices", "completed", False),
])
PREV = tickets([
    ("p1", "seef", "walk_in", "completed", False),
    ("p2", "virtual", "phone", "completed", False),
])


def test_digital_take_up_by_hand():
    # completed: t1 t2 t3 t5 = 4; digital: t2 (assisted) t3 t5 = 3
    assert kpis.digital_take_up(CUR, VIRTUAL, True) == {"digital": 3, "completed": 4, "share": 0.75}
    # without the assisted-digital rule, t2 is not digital: 2 of 4
    assert kpis.digital_take_up(CUR, VIRTUAL, False)["share"] == 0.5
    assert math.isnan(kpis.digital_take_up(CUR.iloc[:0], VIRTUAL)["share"])


def test_volumes_by_centre_and_channel():
    v = kpis.volumes(CUR, ["centre_id", "channel_id"])
    assert v.to_dict("records") == [
        {"centre_id": "seef", "channel_id": "walk_in", "transactions": 2, "completed": 2},
        {"centre_id": "virtual", "channel_id": "eservices", "transactions": 1, "completed": 1},
        {"centre_id": "virtual", "channel_id": "phone", "transactions": 2, "completed": 1},
    ]


def test_wilson_interval_matches_worked_example():
    # 8 of 10, z = 1.96: centre 0.99207/1.38415 = 0.71674, half-width 0.22658
    low, high = satisfaction.wilson_interval(8, 10)
    assert low == pytest.approx(0.4902, abs=1e-4)
    assert high == pytest.approx(0.9433, abs=1e-4)
    assert satisfaction.wilson_interval(0, 0) != satisfaction.wilson_interval(0, 0)  # nan pair


def test_csat_counts_top_box_only():
    s = pd.DataFrame({"csat": [5, 4, 3, 1, 5, None]})
    r = satisfaction.csat(s)
    assert (r["responses"], r["satisfied"]) == (5, 3)
    assert r["csat"] == pytest.approx(0.6)


def test_headline_against_previous_month():
    cur_s = pd.DataFrame({"csat": [5, 5, 4, 2]})
    prev_s = pd.DataFrame({"csat": [5, 1]})
    h = headline.headline(CUR, cur_s, PREV, prev_s, KPI, VIRTUAL).set_index("metric")
    assert h.loc["transactions", "value"] == 5 and h.loc["transactions", "previous"] == 2
    assert h.loc["virtual_share", "value"] == 0.75 and h.loc["virtual_share", "previous"] == 0.5
    assert h.loc["virtual_share", "change"] == pytest.approx(0.25)
    assert h.loc["csat", "value"] == 0.75 and h.loc["csat", "change"] == pytest.approx(0.25)
    assert h.loc["csat", "low"] < 0.75 < h.loc["csat", "high"]
    # no last-year data given: those comparisons are missing, not zero
    assert h[["last_year", "change_last_year"]].isna().all().all()
    # 3/4 against 1/2 satisfied is far too few responses to be a real change
    assert h.loc["csat", "significant"] == False  # noqa: E712 - a nullable boolean
    assert pd.isna(h.loc["transactions", "significant"])
    lines = headline.narrative(h.reset_index(), "en")
    assert "75.0%" in lines[1] and "+25.0 pp" in lines[1]
    assert "نقطة" in headline.narrative(h.reset_index(), "ar")[1]


def test_headline_last_year_target_and_a_real_change():
    big_now = pd.DataFrame({"csat": [5] * 900 + [1] * 100})     # 90% of 1,000
    big_before = pd.DataFrame({"csat": [5] * 800 + [1] * 200})  # 80% of 1,000
    kpi = {**KPI, "csat": {**KPI["csat"], "target": 0.9}, "digital_take_up": {
        "assisted_digital_counts_as_digital": True, "target": 0.6}, "significance": {"alpha": 0.05}}
    h = headline.headline(CUR, big_now, PREV, big_before, kpi, VIRTUAL, PREV, big_before).set_index("metric")
    # z = 0.10 / sqrt(0.85 * 0.15 * 2 / 1000) = 6.26: p far below 0.05
    assert h.loc["csat", "significant"] == True  # noqa: E712
    assert h.loc["csat", "p_value"] < 1e-8
    assert h.loc["csat", "last_year"] == pytest.approx(0.8)
    assert h.loc["csat", "change_last_year"] == pytest.approx(0.1)
    assert h.loc["csat", "target"] == 0.9 and h.loc["virtual_share", "target"] == 0.6
    assert h.loc["transactions", "last_year"] == 2
    lines = headline.narrative(h.reset_index(), "en")
    assert any("statistically significant" in line for line in lines)
    assert any("80.0%" in line and "+10.0 pp" in line for line in lines)


def test_points_never_show_negative_zero():
    from helpers.messages import fmt_pp
    assert fmt_pp(-0.00001, "en") == "+0.0 pp"
