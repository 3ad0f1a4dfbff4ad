"""The daily report's calendar, baseline, alert rule and hourly load, worked out by hand."""

from datetime import date

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from helpers.base.config import load_config
from helpers.chapters import daily, daily_view
from helpers.measures import kpis

CFG = load_config()
ST = kpis.KpiSettings(thresholds={"walk_in": 900.0, "phone": 20.0}, virtual_channels=("phone", "eservices"),
                      short_abandon_seconds=10)
RULE = daily.rules({"daily": {"baseline_weeks": 4, "min_transactions": 20, "z": 2.0}})


def test_day_status_from_the_calendar():
    assert daily.day_status(CFG, "2024-03-05").working                       # Tuesday
    friday = daily.day_status(CFG, "2024-03-08")
    assert (friday.working, friday.reason) == (False, "weekend")
    eid = daily.day_status(CFG, "2024-04-10")
    assert eid.reason == "holiday" and eid.holiday("en") == "Eid al-Fitr" and eid.holiday("ar") == "عيد الفطر"


def test_baseline_skips_holidays_and_days_without_data():
    every_day = pd.date_range("2024-04-01", "2024-06-30").date
    # Tuesday 25 June 2024: 18 June is Eid al-Adha, so the four are 21 May to 11 June
    assert daily.baseline_days(CFG, "2024-06-25", every_day) == [
        date(2024, 5, 21), date(2024, 5, 28), date(2024, 6, 4), date(2024, 6, 11)]
    # data starts on 1 June: only two earlier Tuesdays (4 and 11 June) are usable
    june = [d for d in every_day if d >= date(2024, 6, 1)]
    assert daily.baseline_days(CFG, "2024-06-25", june) == [date(2024, 6, 4), date(2024, 6, 11)]
    assert daily.history_start("2024-03-05") == "2023-12"


def _tickets(day, channel, n, wait, abandoned=0):
    t0 = pd.Timestamp(f"{day} 09:00")
    rows = []
    for i in range(n):
        gone = i < abandoned
        rows.append({"centre_id": "virtual" if channel == "phone" else "seef", "channel_id": channel,
                     "service_id": "cert", "created_at": t0 + pd.Timedelta(minutes=i), "booked": False,
                     "called_at": None, "started_at": None if gone else t0 + pd.Timedelta(minutes=i, seconds=wait),
                     "ended_at": t0 + pd.Timedelta(minutes=i, seconds=wait + 120),
                     "outcome": "abandoned" if gone else "completed", "resolved_first_contact": None,
                     "assisted_digital": False})
    return rows


def frame(rows):
    df = pd.DataFrame(rows)
    for c in ("created_at", "called_at", "started_at", "ended_at"):
        df[c] = pd.to_datetime(df[c]).astype("datetime64[us]")
    for c in ("booked", "resolved_first_contact", "assisted_digital"):
        df[c] = df[c].astype("boolean")
    return df


def test_comparison_by_hand():
    # two baseline Tuesdays with 20 phone calls each (all within 20 s), today 30 with 10 slow ones
    tk = frame(_tickets("2024-02-20", "phone", 20, 5) + _tickets("2024-02-27", "phone", 20, 5)
               + _tickets("2024-03-05", "phone", 20, 5) + _tickets("2024-03-05", "phone", 10, 60)
               + _tickets("2024-03-12", "phone", 99, 5))                      # after the day: never read
    c = daily.comparison(tk, "2024-03-05", [date(2024, 2, 20), date(2024, 2, 27)], ST).iloc[0]
    assert (c.transactions, c.transactions_base, c.baseline_days) == (30, 20.0, 2)
    assert c.service_level == pytest.approx(20 / 30) and c.service_level_base == 1.0
    assert c.handle_mean == pytest.approx(120) and c.handle_mean_base == pytest.approx(120)


def comp(**values):
    base = {"centre_id": "seef", "channel_id": "walk_in", "transactions": 40, "transactions_base": 40.0,
            "service_level": 0.9, "service_level_base": 0.9, "wait_p50": 300.0, "wait_p50_base": 300.0,
            "wait_p90": 600.0, "wait_p90_base": 600.0, "abandonment": 0.05, "abandonment_base": 0.05,
            "no_show_rate": 0.1, "no_show_rate_base": 0.1, "handle_mean": 600.0, "handle_mean_base": 600.0,
            "sl_base": 100, "queued_served": 100, "served": 100, "offered": 100, "appointments": 50}
    return pd.DataFrame([{**base, **values}])


def metrics(frame):
    return daily.alerts(frame, RULE)["metric"].tolist()


def test_alert_rule_by_hand():
    assert metrics(comp()) == []
    # volume +50% on a baseline of 40: z = 20 / sqrt(40) = 3.2 -> alert; on a baseline of 10: too small
    assert metrics(comp(transactions=60)) == ["transactions"]
    assert metrics(comp(transactions=15, transactions_base=10.0)) == []
    assert metrics(comp(transactions=5)) == ["transactions"]                 # a channel gone quiet
    # service level 90% -> 70% with 100 served: 20 pp > 10 pp and z = .2/.03 = 6.7
    assert metrics(comp(service_level=0.7)) == ["service_level"]
    # 90% -> 75% with 20 served: 15 pp, se = sqrt(.09/20) = .067, z = 2.24 -> alert; with 19: not judged
    assert metrics(comp(service_level=0.75, sl_base=20)) == ["service_level"]
    assert metrics(comp(service_level=0.75, sl_base=19)) == []
    # 90% -> 78% with 20 served: 12 pp but z = 1.79 -> noise
    assert metrics(comp(service_level=0.78, sl_base=20)) == []
    assert metrics(comp(service_level=0.95)) == []                           # better is never an alert
    assert metrics(comp(wait_p90=1000.0)) == ["wait_p90"]                   # +67% > 50%
    assert metrics(comp(handle_mean=720.0)) == []                           # +20% < 25%
    # abandonment 5% -> 12% of 100: 7 pp, se = .0218, z = 3.2
    assert metrics(comp(abandonment=0.12)) == ["abandonment"]
    assert metrics(comp(no_show_rate=0.3)) == ["no_show_rate"]
    a = daily.alerts(comp(service_level=0.7, transactions=60), RULE)
    assert a[["metric", "direction"]].values.tolist() == [["transactions", "up"], ["service_level", "down"]]
    assert a.iloc[1]["change"] == pytest.approx(-0.2)


def test_hourly_load_fills_the_grid():
    tk = frame(_tickets("2024-03-05", "phone", 3, 5) + _tickets("2024-03-05", "walk_in", 1, 5))
    tk.loc[2, "created_at"] = pd.Timestamp("2024-03-05 11:30")
    h = daily.hourly_load(tk, "2024-03-05")
    assert h[["centre_id", "channel_id", "hour", "arrivals"]].values.tolist() == [
        ["seef", "walk_in", 9, 1], ["seef", "walk_in", 10, 0], ["seef", "walk_in", 11, 0],
        ["virtual", "phone", 9, 2], ["virtual", "phone", 10, 0], ["virtual", "phone", 11, 1]]
    assert h["workload_minutes"].sum() == pytest.approx(4 * 2)
    assert daily.hourly_load(tk, "2024-03-06").empty
    assert list(daily_view.hourly_display(h).columns) == ["centre_id", "channel_id", "09", "10", "11"]


def test_what_readers_see():
    status = daily.day_status(CFG, "2024-04-10")
    assert daily_view.notice(status, pd.DataFrame(columns=["channel_id", "centre_id"]), ST, "en") == [
        "Public holiday (Eid al-Fitr): the centres are closed, so there is no daily report."]
    friday = daily.day_status(CFG, "2024-03-08")
    portal = pd.DataFrame({"channel_id": ["eservices", "eservices"], "centre_id": ["virtual", "virtual"]})
    text = daily_view.notice(friday, portal, ST, "ar")
    assert "الجمعة" in text[0] and "2" in text[1]
    c = comp(service_level=0.7)
    shown = daily_view.display_comparison(c, daily.alerts(c, RULE), "en")
    assert shown.loc[0, "service_level"] == "70.0% (90.0%) ⚠" and shown.loc[0, "transactions"] == "40 (40)"
    lines = daily_view.alert_sentences(daily.alerts(c, RULE), "en", {"seef": "Seef Mall"}, {"walk_in": "Walk-in"})
    assert lines == ["Seef Mall · Walk-in: service level 70.0% against 90.0% (-20.0 pp)."]
    assert daily_view.alert_sentences(daily.alerts(comp(), RULE), "en", {}, {}) == ["Nothing is out of line."]


def test_report_sections_on_a_working_day_with_alerts():
    tk = frame(_tickets("2024-02-20", "phone", 20, 5) + _tickets("2024-02-27", "phone", 20, 5)
               + _tickets("2024-03-05", "phone", 20, 5) + _tickets("2024-03-05", "phone", 10, 60))
    r = daily_view.report(tk, "2024-03-05", CFG, "en", {"virtual": "Virtual"}, {"phone": "Phone"})
    assert r.reported and r.base_days == [date(2024, 2, 20), date(2024, 2, 27)]
    assert r.notice == ["30 transactions across 1 centres."]
    (compared,) = r.comparison
    assert compared.lines == daily_view.baseline_sentence(r.base_days, "en")
    assert [(p.heading, p.name) for p in compared.tables] == [("daily.h.channels", "daily_channels"),
                                                              ("daily.h.centres", "daily_centres")]
    channels = compared.tables[0].frame.iloc[0]
    assert (channels.transactions, channels.transactions_base) == (30, 20.0)
    # 30 against 20 (+50%, z = 10/√20 = 2.2); service level 20/30 against 100%; P90 wait 60 s against 5 s
    (alerted,) = r.alerts
    (listed,) = alerted.tables
    assert listed.name == "daily_alerts" and listed.frame["metric"].tolist() == ["transactions", "service_level",
                                                                                 "wait_p90"]
    assert alerted.lines[1] == "Virtual · Phone: service level 66.7% against 100.0% (-33.3 pp)."
    (load,) = r.load
    assert [p.name for p in load.tables] == ["daily_hourly"] and r.hourly["arrivals"].sum() == 30
    ((fig, name),) = load.figures
    assert name == "daily_load" and fig.axes[0].get_title() == "Arrivals by hour"
    plt.close(fig)


def test_report_shows_no_empty_alerts_table_and_nothing_on_a_closed_day():
    quiet = frame(_tickets("2024-02-27", "phone", 20, 5) + _tickets("2024-03-05", "phone", 20, 5))
    r = daily_view.report(quiet, "2024-03-05", CFG, "en", {}, {})
    (alerted,) = r.alerts
    assert alerted.lines == ["Nothing is out of line."] and alerted.tables == []
    # no earlier Tuesday: no comparison, so no claim that nothing is out of line either
    first = daily_view.report(frame(_tickets("2024-03-05", "phone", 20, 5)), "2024-03-05", CFG, "en", {}, {})
    assert first.alerts[0].lines == daily_view.baseline_sentence([], "en") and first.alerts[0].tables == []
    for made in (r, first):
        plt.close(made.load[0].figures[0][0])
    # Friday: the notice with the portal's traffic and nothing else (no section, no figure)
    friday = daily_view.report(frame(_tickets("2024-03-08", "eservices", 2, 5)), "2024-03-08", CFG, "en", {}, {})
    assert not friday.reported and (friday.comparison, friday.alerts, friday.load) == ([], [], [])
    assert friday.notice[0].startswith("Friday is not a working day") and "2" in friday.notice[1]
    assert friday.hourly.empty
    # a working day without tickets: the notice only
    empty = daily_view.report(quiet.iloc[:0], "2024-03-05", CFG, "en", {}, {})
    assert empty.notice == ["No transactions are recorded for this working day."] and not empty.reported
