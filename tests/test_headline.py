"""Headline figures, KPIs and CSAT worked out by hand on tiny frames."""

import math

import pandas as pd
import pytest

from helpers.base import messages
from helpers.base.messages import fmt_pp
from helpers.chapters import headline, headline_view, satisfaction
from helpers.measures import kpis

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
    # no last-year data given: those comparisons (and their tests) are missing, not zero
    assert h[["last_year", "change_last_year", "p_value_last_year"]].isna().all().all()
    assert h["significant_last_year"].isna().all()
    # 3/4 against 1/2 satisfied is far too few responses to be a real change
    assert h.loc["csat", "significant"] == False  # noqa: E712 - a nullable boolean
    assert pd.isna(h.loc["transactions", "significant"])
    lines = headline_view.narrative(h.reset_index(), "en")
    assert "75.0%" in lines[1] and "+25.0 pp" in lines[1]
    assert "نقطة" in headline_view.narrative(h.reset_index(), "ar")[1]


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
    # last year is the same 80% of 1,000: the same z = 6.26
    assert h.loc["csat", "p_value_last_year"] == pytest.approx(h.loc["csat", "p_value"])
    assert h.loc["csat", "significant_last_year"] == True  # noqa: E712
    assert h.loc["csat", "change_last_year"] == pytest.approx(0.1)
    assert h.loc["csat", "target"] == 0.9 and h.loc["virtual_share", "target"] == 0.6
    assert h.loc["transactions", "last_year"] == 2
    lines = headline_view.narrative(h.reset_index(), "en")
    assert any("statistically significant" in line for line in lines)
    assert any("80.0%" in line and "+10.0 pp" in line for line in lines)


def test_the_first_month_has_nothing_to_compare_with_and_says_so_without_nan():
    # the "+nan%": a month with no month before it
    h = headline.headline(CUR, pd.DataFrame({"csat": [5, 5, 4, 2]}), CUR.iloc[0:0], pd.DataFrame({"csat": []}),
                          KPI, VIRTUAL)
    assert h["previous"].isna().all()                # missing, not zero
    for lang, first in (("en", "There were 5 transactions; there is no earlier month to compare with."),
                        ("ar", "بلغ عدد المعاملات 5؛ ولا يوجد شهر سابق للمقارنة.")):
        lines = headline_view.narrative(h, lang)
        assert lines[0] == first
        assert not any(word in line.lower() for line in lines for word in ("nan", "none", "inf"))


def test_points_never_show_negative_zero():
    assert fmt_pp(-0.00001, "en") == "+0.0 pp"


# --- the one renderer, on real headline() output ---------------------------------------------------

def _month(completed: int, digital: int, abandoned: int = 0) -> pd.DataFrame:
    """``completed`` tickets of which ``digital`` on the phone, the rest walk-in, plus abandons."""
    rows = [(f"d{i}", "virtual", "phone", "completed", False) for i in range(digital)]
    rows += [(f"w{i}", "seef", "walk_in", "completed", False) for i in range(completed - digital)]
    rows += [(f"a{i}", "seef", "walk_in", "abandoned", False) for i in range(abandoned)]
    return tickets(rows)


def _scores(satisfied: int, responses: int) -> pd.DataFrame:
    return pd.DataFrame({"csat": [5] * satisfied + [2] * (responses - satisfied)})


@pytest.fixture(scope="module")
def december():
    """A month against the month before and the same month last year, worked out by hand:

    - transactions 1,200 (1,000 completed + 200 abandoned) against 1,000 and 800;
    - virtual share 600/1,000 = 60% against 550/1,000 = 55% and 400/800 = 50%;
    - CSAT 850/1,000 = 85% against 830/1,000 = 83% and 800/1,000 = 80%.
    """
    kpi = {"digital_take_up": {"assisted_digital_counts_as_digital": True, "target": 0.6},
           "csat": {"top_box": [4, 5], "confidence": 0.95, "target": 0.9},
           "significance": {"alpha": 0.05, "correction": "fdr_bh"}}
    return headline.headline(_month(1000, 600, abandoned=200), _scores(850, 1000), _month(1000, 550),
                             _scores(830, 1000), kpi, VIRTUAL, _month(800, 400), _scores(800, 1000)), kpi


def test_headline_tests_against_last_month_and_last_year_by_hand(december):
    h = december[0].set_index("metric")
    assert list(december[0].columns) == headline.COLUMNS

    def two_sided(z):
        return math.erfc(z / math.sqrt(2))

    # virtual share against the month before: pooled 1,150/2,000 = 0.575,
    # se = sqrt(0.575 * 0.425 * 2/1000) = 0.022108, z = 0.05/0.022108 = 2.2617, p = 0.0237
    assert h.loc["virtual_share", "p_value"] == pytest.approx(two_sided(0.05 / math.sqrt(0.575 * 0.425 * 0.002)))
    assert h.loc["virtual_share", "p_value"] == pytest.approx(0.0237, abs=1e-4)
    # against last year: pooled 1,000/1,800, se = sqrt(5/9 * 4/9 * (1/1000 + 1/800)) = 0.023570,
    # z = 0.10/0.023570 = 4.243, p = 2.2e-5
    assert h.loc["virtual_share", "p_value_last_year"] == pytest.approx(2.209e-5, rel=1e-3)
    # CSAT against the month before: pooled 0.84, se = 0.016395, z = 1.2199, p = 0.2225
    assert h.loc["csat", "p_value"] == pytest.approx(0.2225, abs=1e-4)
    # against last year: pooled 0.825, se = 0.016993, z = 2.9424, p = 0.00326
    assert h.loc["csat", "p_value_last_year"] == pytest.approx(0.003256, abs=1e-6)
    assert list(h["significant"].astype(object)) == [pd.NA, True, False]
    assert list(h["significant_last_year"].astype(object)) == [pd.NA, True, True]
    assert pd.isna(h.loc["transactions", "p_value"]) and pd.isna(h.loc["transactions", "p_value_last_year"])


def test_headline_display_by_hand_in_both_languages(december):
    frame, _ = december
    en = headline_view.headline_display(frame, "en")
    assert list(en.columns) == ["metric", "value", "previous", "change", "interval", "last_year",
                                "change_last_year", "target", "p_value", "significant", "p_value_last_year",
                                "significant_last_year"]
    # Wilson 95% for 850/1,000: centre (0.85 + 0.001921)/1.003842 = 0.84866,
    # half-width 1.96 * sqrt(0.0001275 + 0.00000096)/1.003842 = 0.02213: 82.7% – 87.1%
    assert en.values.tolist() == [
        ["Transactions", "1,200", "1,000", "+200", "–", "800", "+400", "–", "–", "–", "–", "–"],
        ["Virtual share (digital take-up)", "60.0%", "55.0%", "+5.0 pp", "–", "50.0%", "+10.0 pp", "60.0%",
         "0.024", "statistically significant", "< 0.001", "statistically significant"],
        ["CSAT (share scoring 4–5)", "85.0%", "83.0%", "+2.0 pp", "82.7% – 87.1%", "80.0%", "+5.0 pp", "90.0%",
         "0.223", "within normal variation", "0.003", "statistically significant"],
    ]
    ar = headline_view.headline_display(frame, "ar")
    assert ar.values.tolist()[0][:4] == ["المعاملات", "1,200", "1,000", "\u2066+200\u2069"]   # the sign before the digits
    assert ar.values.tolist()[2][3] == "\u2066+2.0\u2069 نقطة مئوية"
    assert ar.values.tolist()[2][9] == "ضمن التباين الطبيعي"


def test_headline_display_of_an_older_table_and_a_fall():
    # an older overview_headline.csv: no last-year tests, no interval; a fall in a count
    frame = pd.DataFrame({"metric": ["transactions", "csat"], "value": [31000.0, 0.8], "previous": [32000.0, 0.85],
                          "change": [-1000.0, -0.05], "p_value": [float("nan"), 0.0004]})
    shown = headline_view.headline_display(frame, "en")
    assert list(shown.columns) == ["metric", "value", "previous", "change", "p_value"]
    assert shown.values.tolist() == [["Transactions", "31,000", "32,000", "-1,000", "–"],
                                     ["CSAT (share scoring 4–5)", "80.0%", "85.0%", "-5.0 pp", "< 0.001"]]


def test_p_values_and_counts_for_readers():
    assert headline_view.fmt_p_value(0.00099) == "< 0.001"
    assert headline_view.fmt_p_value(0.001) == "0.001"
    assert headline_view.fmt_p_value(0.5) == "0.500"
    assert headline_view.fmt_p_value(float("nan")) == "–"
    assert headline_view.fmt_delta(2939.0, "count", "en") == "+2,939"
    assert headline_view.fmt_delta(0.0, "count", "en") == "+0"
    assert headline_view.metric_unit("csat") == "share" and headline_view.metric_unit("completion_rate") == "share"
    assert headline_view.metric_unit("transactions") == "count"


def test_significance_note_says_what_the_test_is(december):
    _, kpi = december
    note = headline_view.significance_note(kpi, "en")
    assert "two-proportion" in note and "α = 0.05" in note and "without correction" in note
    assert "same month last year" in note and "Benjamini–Hochberg" in note
    assert "α = 0.1" in headline_view.significance_note({"significance": {"alpha": 0.1, "correction": "none"}}, "ar")


def test_headline_without_surveys_has_no_csat_row_and_no_csat_sentence():
    # an entity that provides no surveys: the frames are empty, and the CSAT row is left out
    empty = pd.DataFrame({"csat": pd.Series([], dtype="Int64")})
    h = headline.headline(CUR, empty, PREV, empty, KPI, VIRTUAL, csat=False)
    assert list(h["metric"]) == ["transactions", "virtual_share"]
    pd.testing.assert_frame_equal(h, headline.headline(CUR, empty, PREV, empty, KPI, VIRTUAL).iloc[:2])
    said = headline_view.narrative(h, "en")
    assert said[:2] == ["There were 5 transactions, against 2 the month before (+150.0%).",
                        "Virtual channels carried 75.0% of completed transactions, against 50.0% the month before (+25.0 pp)."]
    assert not any("CSAT" in line for line in said)
    assert list(headline_view.headline_display(h, "ar")["metric"]) == [
        messages.t("metric.transactions", "ar"), messages.t("metric.virtual_share", "ar")]
