"""The annual review: each area's numbers worked out by hand on small frames, its sentences when a
year is partly processed or has no year before, and the executed review's sections on the demo."""

import json
import math

import numpy as np
import pandas as pd
import pytest

from helpers.base.periods import parse
from helpers.chapters import annual, annual_view, initiatives
from helpers.measures import kpis

YEAR = parse("2024")
# 2024-01 and 2024-02 processed; of the year before only 2023-02
SCOPE = annual.scope(YEAR, ["2023-02", "2024-01", "2024-02", "2025-01"])
ALONE = annual.scope(YEAR, ["2024-01", "2024-02"])       # no year before at all
NAN = float("nan")


def test_the_scope_names_the_months_in_and_those_compared():
    assert SCOPE.months == ("2024-01", "2024-02")
    assert SCOPE.compared == ("2024-02",) and SCOPE.previous == ("2023-02",)
    assert (ALONE.compared, ALONE.previous, ALONE.last_year, ALONE.last) == ((), (), "2023", "2024-02")
    assert annual.scope(YEAR, ["2023-05"]).last == "2024-12"
    assert annual.history_since(YEAR) == "2023-01"


def test_pair_puts_the_same_month_a_year_before_beside_each_month():
    monthly = pd.DataFrame({"month": ["2023-01", "2023-02", "2024-01", "2024-02"], "transactions": [5, 7, 11, 13]})
    out = annual.pair(monthly, SCOPE, ["transactions"])
    assert list(out["month"]) == ["2024-01", "2024-02"]
    assert list(out["transactions"]) == [11, 13]
    # 2023-01 is in the frame but not in the store's compared months: not compared
    assert math.isnan(out["transactions_last_year"][0]) and out["transactions_last_year"][1] == 7


# --- volumes ------------------------------------------------------------------------------------

MONTHLY = pd.DataFrame({"month": ["2023-02", "2024-01", "2024-02"], "transactions": [100, 50, 120],
                        "completed": [90, 40, 100], "sl_met": [30, 10, 60], "sl_base": [60, 20, 80]})
BY_CHANNEL = pd.DataFrame({"month": ["2023-02", "2023-02", "2024-01", "2024-02", "2024-02"],
                           "channel_id": ["phone", "walk_in", "walk_in", "walk_in", "whatsapp"],
                           "transactions": [40, 60, 50, 90, 30], "completed": [35, 55, 40, 75, 25]})


def test_volumes_and_their_change_on_the_compared_months_only():
    sums = annual.totals(MONTHLY, SCOPE, ["transactions"])
    # the year: 50 + 120; compared (February only): 120 against 100 a year before
    assert sums == {"transactions": 170.0, "transactions_compared": 120.0, "transactions_last_year": 100.0}
    assert annual.relative_change(120, 100) == pytest.approx(0.2)
    channels = annual.volumes_by(BY_CHANNEL, SCOPE, "channel_id").set_index("channel_id")
    assert channels.loc["walk_in", "transactions"] == 140 and channels.loc["walk_in", "completed"] == 115
    assert channels.loc["walk_in", "change_year"] == pytest.approx(90 / 60 - 1)     # February against February
    assert channels.loc["phone", "transactions"] == 0 and channels.loc["phone", "change_year"] == pytest.approx(-1)
    assert math.isnan(channels.loc["whatsapp", "transactions_last_year"])           # new: nothing to compare
    assert math.isnan(channels.loc["whatsapp", "change_year"])
    # like with like: the February set beside February a year before (the chart's and table's bars)
    assert channels.loc["walk_in", "transactions_compared"] == 90 and channels.loc["walk_in", "transactions_last_year"] == 60
    alone = annual.volumes_by(BY_CHANNEL, ALONE, "channel_id")
    assert alone["change_year"].isna().all() and alone["transactions_last_year"].isna().all()


def test_a_ratio_is_pooled_over_the_months_not_averaged():
    s = annual.ratio_summary(MONTHLY, SCOPE, "sl_met", "sl_base")
    assert s["value"] == pytest.approx(70 / 100)               # (10 + 60) / (20 + 80), not (0.5 + 0.75) / 2
    assert s["compared"] == pytest.approx(60 / 80) and s["last_year"] == pytest.approx(30 / 60)
    assert s["change"] == pytest.approx(0.25)
    alone = annual.ratio_summary(MONTHLY, ALONE, "sl_met", "sl_base")
    assert alone["value"] == pytest.approx(0.7) and math.isnan(alone["last_year"]) and math.isnan(alone["change"])


# --- digital take-up ------------------------------------------------------------------------------

def test_take_up_per_month_against_last_year_and_the_target():
    series = pd.DataFrame({"month": ["2023-02", "2024-01", "2024-02"], "completed": [10, 10, 20],
                           "digital": [2, 6, 8]}).assign(virtual_share=lambda f: f["digital"] / f["completed"])
    out = annual.take_up(series, SCOPE, 0.6)
    assert list(out["virtual_share"]) == pytest.approx([0.6, 0.4])
    assert math.isnan(out["change_year"][0]) and out["change_year"][1] == pytest.approx(0.4 - 0.2)
    assert list(out["target"]) == [0.6, 0.6]
    s = annual.ratio_summary(series, SCOPE, "digital", "completed")
    assert (s["value"], s["change"]) == (pytest.approx(14 / 30), pytest.approx(0.4 - 0.2))


# --- satisfaction -----------------------------------------------------------------------------------

KPI = {"csat": {"top_box": [4, 5], "confidence": 0.95, "target": 0.9},
       "nps": {"promoters": [9, 10], "detractors": [0, 6]}}


def surveys(rows):
    return pd.DataFrame(rows, columns=["month", "csat", "nps", "ces"]).astype(
        {"csat": "Int64", "nps": "Int64", "ces": "Int64"})


SURVEYS = surveys([("2023-02", 5, 10, 6), ("2023-02", 2, 3, 2),
                   ("2024-01", 5, 9, 7), ("2024-01", 4, 7, 5), ("2024-01", 1, 0, 3), ("2024-01", 5, 10, 5),
                   ("2024-02", 3, 8, 4), ("2024-02", 4, 9, 6)])
TICKETS = pd.DataFrame({"month": ["2023-02", "2024-01", "2024-01", "2024-02"],
                        "outcome": ["completed", "completed", "abandoned", "completed"]})


def test_csat_nps_and_ces_per_month_with_intervals_and_last_year():
    out = annual.satisfaction_monthly(SURVEYS, TICKETS, SCOPE, KPI).set_index("month")
    jan, feb = out.loc["2024-01"], out.loc["2024-02"]
    assert jan["responses"] == 4 and jan["csat"] == pytest.approx(3 / 4)      # 5, 4, 5 of 5, 4, 1, 5
    assert jan["nps"] == pytest.approx(100 * (2 - 1) / 4)                     # 9, 10 promote; 0 detracts
    assert jan["ces"] == pytest.approx(5.0)                                   # (7 + 5 + 3 + 5) / 4
    assert feb["csat"] == pytest.approx(0.5) and feb["nps"] == pytest.approx(50.0) and feb["ces"] == pytest.approx(5.0)
    assert feb["csat_last_year"] == pytest.approx(0.5) and feb["nps_last_year"] == pytest.approx(0.0)
    assert feb["ces_last_year"] == pytest.approx(4.0)
    assert np.isnan(jan["csat_last_year"])                                    # January 2023 was not processed
    # Wilson 95% for 3 of 4, by the formula: (p + z²/2n ± z√(p(1−p)/n + z²/4n²)) / (1 + z²/n)
    z, p, n = 1.959963984540054, 0.75, 4
    denom = 1 + z * z / n
    centre, half = (p + z * z / (2 * n)) / denom, z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    assert (jan["csat_low"], jan["csat_high"]) == (pytest.approx(centre - half), pytest.approx(centre + half))
    # CES t interval: sd of 7, 5, 3, 5 is √(8/3); t(3) at 97.5% is 3.182446
    assert jan["ces_high"] - jan["ces"] == pytest.approx(3.182446305 * math.sqrt(8 / 3) / 2)


def test_the_year_pools_every_response():
    year = annual.satisfaction_year(SURVEYS, TICKETS, SCOPE, KPI).set_index("which")
    assert year.loc["year", "responses"] == 6 and year.loc["year", "csat"] == pytest.approx(4 / 6)
    assert year.loc["compared", "csat"] == pytest.approx(0.5) and year.loc["last_year", "csat"] == pytest.approx(0.5)
    assert year.loc["year", "completed"] == 2                                  # the abandoned ticket is not completed


# --- service level and waits -----------------------------------------------------------------------

ST = kpis.KpiSettings(thresholds={"walk_in": 900.0, "phone": 20.0}, virtual_channels=("phone",), version="t")


def tickets(rows):
    """(channel, created, wait in seconds); each ticket served and completed."""
    out = []
    for i, (channel, created, wait) in enumerate(rows):
        start = pd.Timestamp(created) + pd.Timedelta(seconds=wait)
        out.append({"ticket_id": f"t{i}", "centre_id": "seef", "channel_id": channel, "service_id": "cert",
                    "created_at": pd.Timestamp(created), "booked": False, "called_at": start, "started_at": start,
                    "ended_at": start + pd.Timedelta(minutes=5), "outcome": "completed",
                    "resolved_first_contact": True, "assisted_digital": False})
    df = pd.DataFrame(out)
    for c in ("booked", "resolved_first_contact", "assisted_digital"):
        df[c] = df[c].astype("boolean")
    return kpis.prepare(df, ST)


def test_service_level_and_mean_wait_per_channel_against_last_year():
    t = tickets([("walk_in", "2024-01-07 08:00", 300), ("walk_in", "2024-01-08 08:00", 1200),
                 ("walk_in", "2023-01-09 08:00", 600), ("phone", "2024-01-07 09:00", 10)])
    sc = annual.scope(YEAR, ["2023-01", "2024-01"])
    out = annual.service_by_channel(t, ST, sc).set_index("channel_id")
    assert out.loc["walk_in", "service_level"] == pytest.approx(0.5)       # 300 s within 900, 1,200 s not
    assert out.loc["walk_in", "wait_mean"] == pytest.approx(750.0)
    assert out.loc["walk_in", "service_level_last_year"] == pytest.approx(1.0)
    assert out.loc["walk_in", "wait_mean_last_year"] == pytest.approx(600.0)
    assert out.loc["phone", "wait_mean"] == pytest.approx(10.0) and math.isnan(out.loc["phone", "wait_mean_last_year"])
    monthly = annual.monthly_kpis(t, ST)
    service = annual.service_monthly(monthly, sc, 0.8)
    assert list(service["service_level"]) == pytest.approx([2 / 3])           # 300 and 10 s met, 1,200 s not
    assert list(service["service_level_last_year"]) == pytest.approx([1.0]) and list(service["target"]) == [0.8]
    # a year only partly matched a year before (2024-02 has no twin): no per-channel last year at all,
    # rather than a whole year against one month
    partly = annual.service_by_channel(tickets([("walk_in", "2024-02-07 08:00", 60), *[
        ("walk_in", "2024-01-07 08:00", 300), ("walk_in", "2023-01-09 08:00", 600)]]), ST,
        annual.scope(YEAR, ["2023-01", "2024-01", "2024-02"])).set_index("channel_id")
    assert partly.loc["walk_in", "wait_mean"] == pytest.approx(180.0)
    assert math.isnan(partly.loc["walk_in", "wait_mean_last_year"])
    waits = annual.waits_monthly(annual.monthly_kpis(t, ST, ["channel_id"]), sc, ["walk_in"])
    assert waits.to_dict("records") == [{"channel_id": "walk_in", "month": "2024-01", "wait_mean": 750.0,
                                         "wait_mean_last_year": 600.0}]


# --- complaints and thank-you messages --------------------------------------------------------------

def test_complaints_and_thank_yous_per_thousand_transactions():
    fb = pd.DataFrame({"month": ["2023-02", "2024-01", "2024-01", "2024-01", "2024-02", "2024-02"],
                       "kind": ["complaint", "complaint", "complaint", "compliment", "compliment", "compliment"],
                       "source": ["email", "phone", "email", "satisfaction_system", "email", "satisfaction_system"]})
    monthly = pd.DataFrame({"month": ["2023-02", "2024-01", "2024-02"], "transactions": [500, 2000, 4000]})
    counts = annual.feedback_counts(fb, monthly)
    # an emailed compliment is no thank-you message
    assert counts.to_dict("list") == {"month": ["2023-02", "2024-01", "2024-02"], "transactions": [500, 2000, 4000],
                                      "complaints": [1, 2, 0], "thank_yous": [0, 1, 1]}
    out = annual.feedback_monthly(counts, SCOPE).set_index("month")
    assert out.loc["2024-01", "complaints_per_1000"] == pytest.approx(1.0)
    assert out.loc["2024-01", "thank_yous_per_1000"] == pytest.approx(0.5)
    assert out.loc["2024-02", "complaints_per_1000_last_year"] == pytest.approx(2.0)   # 1 of 500
    assert math.isnan(out.loc["2024-01", "complaints_per_1000_last_year"])
    rate = annual.ratio_summary(counts, SCOPE, "complaints", "transactions", 1000)
    assert rate["value"] == pytest.approx(2 / 6) and rate["change"] == pytest.approx(0 - 2.0)


# --- initiatives ----------------------------------------------------------------------------------

def init(iid, start, end=None):
    return initiatives.Initiative(iid, f"{iid} en", f"{iid} ar", pd.Timestamp(start),
                                  None if end is None else pd.Timestamp(end), ("all",), ("all",), (("csat", "up"),))


def test_the_recap_keeps_the_initiatives_in_force_during_the_year():
    ran_out, during, later, joint = (init("A", "2022-03-01", "2023-12-31"), init("B", "2023-06-01"),
                                     init("C", "2025-01-05"), init("D", "2023-05-01", "2024-01-01"))
    assert [annual.in_force(i, YEAR) for i in (ran_out, during, later, joint)] == [False, True, False, True]
    est = [initiatives.Estimate(initiatives.Group("csat", members, "up"), "its", verdict, 6, 3)
           for members, verdict in (((ran_out,), "achieved"), ((during,), "not_detected"),
                                    ((ran_out, joint), "achieved"))]
    a = initiatives.Assessment(pd.Timestamp("2024-12-01"), [ran_out, during, joint], [e.group for e in est], est, [],
                               pd.DataFrame())
    recap = annual.initiatives_recap(a, YEAR)
    assert list(recap["initiative_id"]) == ["B", "A+D"] and list(recap["finding"]) == ["not_detected", "achieved"]
    assert list(recap.columns) == annual.RECAP_COLUMNS
    assert annual_view.initiative_lines(recap, a, "en", "2024")[0].startswith("3 initiatives were in force during 2024")


# --- recognition ------------------------------------------------------------------------------------

AWARDS = pd.DataFrame(
    [("2024-01", "seef", "top", 1, "E1", "Ali", "علي"), ("2024-01", "seef", "thanked", 1, "E1", "Ali", "علي"),
     ("2024-02", "seef", "top", 1, "E1", "Ali", "علي"), ("2024-01", "seef", "top", 2, "E2", "Sara", "سارة"),
     ("2024-02", "seef", "improved", 1, "E3", "Huda", "هدى"), ("2024-02", "tijjar", "top", 1, "E4", "Isa", "عيسى")],
    columns=annual.AWARD_COLUMNS)


def test_highlights_count_months_recognised_and_keep_ties():
    top = annual.highlights(AWARDS, places=2)
    # seef: E1 in 2 months (top twice, thanked once); E2 and E3 one month each share second place
    assert top[["centre_id", "employee_id", "months_recognised", "top", "improved", "thanked"]].values.tolist() == [
        ["seef", "E1", 2, 2, 0, 1], ["seef", "E2", 1, 1, 0, 0], ["seef", "E3", 1, 0, 1, 0],
        ["tijjar", "E4", 1, 1, 0, 0]]
    assert list(annual.highlights(AWARDS, places=1)["employee_id"]) == ["E1", "E4"]
    by_month = annual.awards_by_month(AWARDS, SCOPE, ["seef", "tijjar", "virtual"])
    assert by_month["staff"].tolist() == [2, 0, 0, 2, 1, 0]    # seef Jan: E1, E2; Feb: E1, E3; tijjar Feb: E4


# --- words ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a_year_without_a_year_before_says_so_and_shows_no_nan(lang):
    lines = annual_view.scope_lines(ALONE, lang)
    assert "2023" in lines[0] and ("no year-on-year" in lines[0] if lang == "en" else "لا مقارنة" in lines[0])
    v = annual.Volumes(annual.volumes(MONTHLY, ALONE), annual.volumes_by(BY_CHANNEL, ALONE, "channel_id"),
                       annual.totals(MONTHLY, ALONE, annual.VOLUME_COLUMNS))
    said = annual_view.volume_lines(v, ALONE, lang)[0]
    assert "170" in said
    assert ("2023 has no data to compare with" if lang == "en" else "لا بيانات لعام 2023") in said
    shown = annual_view.by_channel_display(v.by_channel, lang).to_string()
    for text in [said, shown]:
        assert "nan" not in text.lower() and "None" not in text


def test_a_partial_year_names_its_months_and_what_is_compared():
    line = annual_view.scope_lines(SCOPE, "en")[0]
    assert line == ("This review covers the 2 months of 2024 processed so far: January, February. Year-on-year "
                    "changes compare only the months whose month of 2023 is processed (February 2023).")
    v = annual.Volumes(annual.volumes(MONTHLY, SCOPE), annual.volumes_by(BY_CHANNEL, SCOPE, "channel_id"),
                       annual.totals(MONTHLY, SCOPE, annual.VOLUME_COLUMNS))
    assert annual_view.volume_lines(v, SCOPE, "en") == [
        "January to February 2024: 170 transactions, 140 of them completed, +20.0% against the same months of 2023."]


# --- the executed review on the small demo (2024-01 and 2024-02, no 2023) ------------------------------

HEADINGS = {"en": ["Volumes", "Digital take-up", "Satisfaction: CSAT, NPS and CES", "Service level and waits",
                   "Complaints and thank-you messages", "Initiatives of the year",
                   "Readiness for the national evaluation", "Classification per centre",
                   "Staff recognition highlights"],
            "ar": ["حجم المعاملات", "استخدام القنوات الرقمية", "الرضا: نسبة الرضا وصافي نقاط الترويج وسهولة الخدمة",
                   "مستوى الخدمة وأوقات الانتظار", "الشكاوى ورسائل الشكر", "مبادرات العام", "الجاهزية للتقييم الوطني",
                   "التصنيف لكل مركز", "أبرز حالات تقدير الموظفين"]}
FIGURES = ["annual_volumes", "annual_take_up", "annual_satisfaction", "annual_service", "annual_feedback",
           "annual_initiatives", "annual_trend", "annual_recognition"]


@pytest.mark.e2e
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_review_has_each_area_with_a_sentence_a_table_and_a_figure(demo_run, lang):
    from helpers.base.messages import render_markdown

    report = demo_run / "reports" / "2024"
    nb = json.loads((report / lang / "30_annual.ipynb").read_text(encoding="utf-8"))
    headings = [line.lstrip("#").strip() for c in nb["cells"] if c["cell_type"] == "markdown"
                for line in render_markdown("".join(c["source"]), lang, YEAR).splitlines() if line.startswith("#")]
    assert [h for h in headings if h in HEADINGS[lang]] == HEADINGS[lang]
    for name in FIGURES:
        assert (report / "figures" / lang / f"{name}.svg").stat().st_size > 0, name
    for name in ("annual_volumes", "annual_take_up", "annual_satisfaction", "annual_service", "annual_feedback",
                 "annual_initiatives", "annual_standing", "annual_recognition"):
        assert (report / "tables" / f"{name}.csv").exists(), name
    shown = json.dumps([o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])],
                       ensure_ascii=False)
    assert '"output_type": "error"' not in shown
    said = {"en": "The store holds no month of 2023, so there is no year-on-year comparison.",
            "ar": "لا يحتوي المخزن على أي شهر من عام 2023، فلا مقارنة بالعام السابق."}[lang]
    assert said in shown
    outputs = [o.get("data", {}) for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]
    text = " ".join("".join(d.get("text/markdown", "")) + "".join(d.get("text/html", "")) for d in outputs)
    assert not any(word in text.split() for word in ("nan", "NaN", "None", "inf"))
    assert "nan%" not in text and "nan " not in text
