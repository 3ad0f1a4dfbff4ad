"""Channel KPIs worked out by hand on a twelve-ticket day (see the comments for the arithmetic)."""

import math

import numpy as np
import pandas as pd
import pytest

from helpers.base.config import load_config
from helpers.chapters import kpis_view
from helpers.measures import kpis

ST = kpis.KpiSettings(thresholds={"walk_in": 900.0, "phone": 20.0}, virtual_channels=("phone", "eservices"),
                      variant="served_only", short_abandon_seconds=10, assisted_counts=True, version="t")
COLUMNS = ["ticket_id", "centre_id", "channel_id", "service_id", "created_at", "booked", "called_at",
           "started_at", "ended_at", "outcome", "resolved_first_contact", "assisted_digital"]


def frame(rows):
    """Tickets typed as the store returns them; times are HH:MM:SS on Sunday 3 March 2024."""
    df = pd.DataFrame(rows, columns=COLUMNS)
    for c in ("created_at", "called_at", "started_at", "ended_at"):
        df[c] = pd.to_datetime(["2024-03-03 " + v if isinstance(v, str) else None for v in df[c]]).astype("datetime64[us]")
    for c in ("booked", "resolved_first_contact", "assisted_digital"):
        df[c] = df[c].astype("boolean")
    return df


DAY = frame([
    # id    centre     channel      service  created     booked called      started     ended       outcome   fcr   assisted
    ("w1", "seef", "walk_in", "cert", "08:00:00", False, "08:05:00", "08:05:00", "08:15:00", "completed", True, False),
    ("w2", "seef", "walk_in", "cert", "08:00:00", False, "08:20:00", "08:20:00", "08:30:00", "completed", False, True),
    ("w3", "seef", "walk_in", "wage", "08:10:00", False, "08:25:00", "08:25:00", "08:45:00", "referred", True, False),
    ("w4", "seef", "walk_in", "wage", "09:00:00", True, None, None, None, "no_show", None, False),
    ("w5", "seef", "walk_in", "wage", "09:00:00", True, "09:01:00", "09:01:00", "09:11:00", "completed", None, False),
    ("w6", "seef", "walk_in", "cert", "09:00:00", False, None, None, "09:00:05", "abandoned", None, False),
    ("w7", "seef", "walk_in", "cert", "09:00:00", False, None, None, "09:20:00", "abandoned", None, False),
    ("p1", "virtual", "phone", "cert", "10:00:00", False, "10:00:15", "10:00:15", "10:05:15", "completed", True, False),
    ("p2", "virtual", "phone", "wage", "10:00:00", False, "10:01:00", "10:01:00", "10:04:00", "transferred", False, False),
    ("p3", "virtual", "phone", "wage", "10:00:00", False, None, None, "10:00:30", "abandoned", None, False),
    ("e1", "virtual", "eservices", "cert", "11:00:00", False, None, "11:00:00", "11:10:00", "completed", None, False),
    ("e2", "virtual", "eservices", "wage", "11:00:00", False, None, None, "11:02:00", "abandoned", None, False),
])


def row(table, **cut):
    sel = table
    for k, v in cut.items():
        sel = sel[sel[k] == v]
    assert len(sel) == 1, cut
    return sel.iloc[0]


def test_every_kpi_overall_by_hand():
    r = kpis.kpi_table(DAY, [], ST).iloc[0]
    assert (r.transactions, r.completed, r.referred, r.no_shows) == (12, 5, 1, 1)
    assert r.completion_rate == pytest.approx(6 / 11)          # (5 completed + 1 referred) / (12 - 1 no-show)
    # queued served waits: 15 60 60 300 900 1200 -> median (60+300)/2; P90 at rank 4.5 -> 900 + .5*300
    assert r.wait_p50 == pytest.approx(180) and r.wait_p90 == pytest.approx(1050)
    # ASA, the mean of the same waits: (15 + 60 + 60 + 300 + 900 + 1200) / 6 = 2535 / 6
    assert r.wait_mean == pytest.approx(422.5)
    assert (r.sl_met, r.sl_base) == (4, 6)                      # w1, w3 (exactly 900 s), w5, p1 within
    assert r.service_level == pytest.approx(4 / 6)
    # offered = 10 queued - w4 no-show - w6 short abandon (5 s); abandons w7, p3; e2 is self-service
    assert (r.offered, r.abandoned, r.short_abandons) == (8, 2, 1)
    assert r.abandonment == pytest.approx(0.25)
    assert r.handle_mean == pytest.approx((600 + 600 + 1200 + 600 + 300 + 180 + 600) / 7)
    assert r.no_show_rate == pytest.approx(0.5)                 # w4 of booked w4, w5
    assert r.fcr == pytest.approx(3 / 5)                        # known: w1 T w2 F w3 T p1 T p2 F
    assert r.virtual_share == pytest.approx(3 / 5)              # w2 (assisted), p1, e1 of 5 completed


def test_by_channel_and_the_channel_with_no_waiting():
    t = kpis.kpi_table(DAY, ["channel_id"], ST)
    assert list(t["channel_id"]) == ["eservices", "phone", "walk_in"]
    e = row(t, channel_id="eservices")
    # e-services has no queue: no wait, no service level, no abandonment; e2 counts against completion
    assert math.isnan(e.wait_p50) and math.isnan(e.wait_p90) and math.isnan(e.service_level)
    assert math.isnan(e.wait_mean)
    assert math.isnan(e.abandonment) and e.offered == 0
    assert e.completion_rate == pytest.approx(0.5) and e.handle_mean == pytest.approx(600)
    assert e.virtual_share == 1.0
    p = row(t, channel_id="phone")
    assert p.wait_p50 == pytest.approx(37.5) and p.wait_p90 == pytest.approx(15 + 0.9 * 45)
    assert p.wait_mean == pytest.approx((15 + 60) / 2)
    assert p.service_level == pytest.approx(0.5) and p.abandonment == pytest.approx(1 / 3)
    assert p.handle_mean == pytest.approx(240) and p.completion_rate == pytest.approx(1 / 3)
    w = row(t, channel_id="walk_in")
    # waits 60 300 900 1200: median 600, P90 at rank 2.7 -> 900 + .7*300
    assert w.wait_p50 == pytest.approx(600) and w.wait_p90 == pytest.approx(1110)
    assert w.wait_mean == pytest.approx((60 + 300 + 900 + 1200) / 4)
    assert w.service_level == pytest.approx(0.75) and w.abandonment == pytest.approx(1 / 5)
    assert w.completion_rate == pytest.approx(4 / 6) and w.virtual_share == pytest.approx(1 / 3)
    assert w.fcr == pytest.approx(2 / 3) and w.no_show_rate == pytest.approx(0.5)


def test_any_combination_of_cuts_adds_up():
    t = kpis.kpi_table(DAY, ["centre_id", "channel_id", "service_id"], ST)
    assert len(t) == 6 and t["transactions"].sum() == 12
    assert list(t[["centre_id", "channel_id", "service_id"]].itertuples(index=False, name=None)) == sorted(
        t[["centre_id", "channel_id", "service_id"]].itertuples(index=False, name=None))
    wc = row(t, channel_id="walk_in", service_id="cert")          # w1 w2 w6 w7
    assert wc.service_level == pytest.approx(0.5) and wc.abandonment == pytest.approx(1.0 / 3)
    s = kpis.kpi_table(DAY, ["service_id", "hour"], ST)
    assert row(s, service_id="wage", hour=9).transactions == 2     # w4 w5
    c = kpis.kpi_table(DAY, ["centre_id"], ST)
    # the virtual centre pools phone (threshold 20 s) and e-services (left out): 1 of 2
    assert row(c, centre_id="virtual").service_level == pytest.approx(0.5)


def test_offered_variant_counts_long_abandons_as_missed():
    st = kpis.KpiSettings(**{**ST.__dict__, "variant": "offered"})
    r = kpis.kpi_table(DAY, [], st).iloc[0]
    assert r.service_level == pytest.approx(4 / 8)             # 6 served + w7, p3
    with pytest.raises(ValueError):
        kpis.KpiSettings(thresholds={}, virtual_channels=(), variant="answered")


def test_assisted_digital_rule_from_config():
    st = kpis.KpiSettings(**{**ST.__dict__, "assisted_counts": False})
    assert kpis.kpi_table(DAY, [], st).iloc[0].virtual_share == pytest.approx(2 / 5)


def test_no_traffic():
    empty = DAY.iloc[:0]
    r = kpis.kpi_table(empty, [], ST)
    assert len(r) == 1 and r.iloc[0].transactions == 0
    assert all(math.isnan(r.iloc[0][c]) for c in kpis.KPI_COLUMNS)
    assert kpis.kpi_table(empty, ["centre_id", "month"], ST).empty


def test_all_abandoned():
    gone = frame([
        ("a1", "virtual", "phone", "cert", "10:00:00", False, None, None, "10:00:40", "abandoned", None, False),
        ("a2", "virtual", "phone", "cert", "10:00:00", False, None, None, "10:02:00", "abandoned", None, False),
        ("a3", "virtual", "phone", "cert", "10:00:00", False, None, None, "10:00:03", "abandoned", None, False),
    ])
    r = kpis.kpi_table(gone, ["channel_id"], ST).iloc[0]
    assert r.abandonment == 1.0 and (r.offered, r.short_abandons) == (2, 1)
    assert math.isnan(r.service_level) and math.isnan(r.wait_p90) and math.isnan(r.handle_mean)
    assert math.isnan(r.wait_mean)
    assert r.completion_rate == 0.0 and math.isnan(r.virtual_share)
    st = kpis.KpiSettings(**{**ST.__dict__, "variant": "offered"})
    assert kpis.kpi_table(gone, [], st).iloc[0].service_level == 0.0


def test_settings_from_the_entity_config():
    st = kpis.settings(load_config())
    assert st.thresholds["walk_in"] == 900 and st.thresholds["whatsapp"] == 60
    assert "eservices" not in st.thresholds and "eservices" in st.virtual_channels
    assert st.variant in ("served_only", "offered") and st.version


def test_calendar_keys():
    c = kpis.with_calendar(DAY.iloc[:1], ["month", "day", "weekday", "hour"])
    assert c.iloc[0][["month", "day", "weekday", "hour"]].tolist() == ["2024-03", "2024-03-03", 7, 8]
    assert np.isnan(kpis.abandon_seconds(DAY).iloc[0]) and kpis.abandon_seconds(DAY).iloc[5] == 5


def test_month_against_its_history():
    trend = pd.DataFrame({"month": ["2023-03", "2023-12", "2024-01", "2024-02", "2024-03"],
                          "transactions": [100, 120, 90, 110, 150], "service_level": [0.7, 0.8, 0.6, 0.9, 0.85]})
    for c in kpis.SUMMARY_METRICS:
        if c not in trend:
            trend[c] = np.nan
    s = kpis.summary(trend, "2024-03", {"service_level": {"target": 0.8}}).set_index("metric")
    sl, tx = s.loc["service_level"], s.loc["transactions"]
    assert (sl.value, sl.previous, sl.last_year, sl.target) == (0.85, 0.9, 0.7, 0.8)
    assert sl.change_year == pytest.approx(0.15)
    assert sl.mean_12m == pytest.approx((0.7 + 0.8 + 0.6 + 0.9) / 4)           # the 12 months before
    assert (sl.low_12m, sl.high_12m) == (0.6, 0.9)
    assert tx.change_year == pytest.approx(0.5)                                   # relative for volume
    assert math.isnan(s.loc["fcr", "value"]) and math.isnan(s.loc["fcr", "target"])
    shown = kpis_view.summary_display(s.reset_index(), "en").set_index("metric")
    assert shown.loc["Service level", "change_year"] == "+15.0 pp"
    assert shown.loc["Transactions", "change_year"] == "+50.0%"
    # waits and handle time pool phone seconds with walk-in minutes: the rows say so
    pooled = [m for m in shown.index if m.endswith(", all channels pooled (moves with the channel mix)")]
    assert pooled == ["Wait (mean: average speed of answer), all channels pooled (moves with the channel mix)",
                      "Wait (median), all channels pooled (moves with the channel mix)",
                      "Wait (90th percentile), all channels pooled (moves with the channel mix)",
                      "Handle time (mean), all channels pooled (moves with the channel mix)"]
    assert "Service level" in shown.index
    ar = kpis_view.summary_display(s.reset_index(), "ar")["metric"].tolist()
    assert "الانتظار (الوسيط)، لجميع القنوات مجتمعة (يتغير بتغير مزيج القنوات)" in ar
    lines = kpis_view.summary_sentences(s.reset_index(), "en")
    assert lines[0].startswith("Service level was 85.0%, meeting the 80.0% target")


def test_monthly_trend_and_pivot():
    two = pd.concat([DAY, DAY.assign(created_at=DAY["created_at"] - pd.Timedelta(days=366),
                                     started_at=DAY["started_at"] - pd.Timedelta(days=366),
                                     ended_at=DAY["ended_at"] - pd.Timedelta(days=366),
                                     called_at=DAY["called_at"] - pd.Timedelta(days=366))], ignore_index=True)
    t = kpis.monthly_trend(two, ST, "2024-03", by=["channel_id"])
    assert sorted(t["month"].unique()) == ["2023-03", "2024-03"] and len(t) == 6
    assert kpis.monthly_trend(two, ST, "2024-03", months=11)["month"].unique().tolist() == ["2024-03"]
    p = kpis_view.pivot_display(t, "service_level", "en")
    assert list(p.columns) == ["channel_id", "2023-03", "2024-03"]
    assert p.set_index("channel_id").loc["walk_in", "2024-03"] == "75.0%"
    assert len(kpis.in_month(two, "2023-03")) == 12


def test_prepared_measures_give_the_same_kpis():
    prepared = kpis.prepare(DAY, ST)
    assert "month" in prepared and prepared.attrs["kpi_settings"] == ST
    sub = prepared["channel_id"] != "phone"
    pd.testing.assert_frame_equal(kpis.kpi_table(prepared[sub.to_numpy()], ["centre_id", "service_id"], ST),
                                  kpis.kpi_table(DAY[sub.to_numpy()], ["centre_id", "service_id"], ST))
    # other settings never reuse the prepared measures
    offered = kpis.KpiSettings(**{**ST.__dict__, "variant": "offered"})
    assert kpis.kpi_table(prepared, [], offered).iloc[0].service_level == pytest.approx(4 / 8)
    assert kpis.period_labels(DAY["created_at"].iloc[:2], "D").tolist() == ["2024-03-03", "2024-03-03"]


# --- average speed of answer (ASA) ---------------------------------------------------------------

QUEUE = frame([
    # waits 10, 20, 30 and 300 s on the phone; the rest are not served on a queue
    ("q1", "virtual", "phone", "cert", "10:00:00", False, "10:00:10", "10:00:10", "10:02:00", "completed", True, False),
    ("q2", "virtual", "phone", "cert", "10:00:00", False, "10:00:20", "10:00:20", "10:03:00", "transferred", None, False),
    ("q3", "virtual", "phone", "wage", "10:00:00", False, "10:00:30", "10:00:30", "10:01:00", "referred", None, False),
    ("q4", "virtual", "phone", "wage", "10:00:00", False, "10:05:00", "10:05:00", "10:09:00", "completed", True, False),
    # abandoned after 10 minutes: a wait, but not a served one
    ("q5", "virtual", "phone", "wage", "10:00:00", False, None, None, "10:10:00", "abandoned", None, False),
    # completed without a service start: not served, no wait
    ("q6", "virtual", "phone", "wage", "10:00:00", False, None, None, "10:20:00", "completed", None, False),
    # self-service has no queue: left out even though started after creation
    ("q7", "virtual", "eservices", "cert", "10:00:00", False, None, "10:30:00", "10:31:00", "completed", None, False),
])


def test_asa_is_the_mean_wait_of_served_queued_tickets():
    r = kpis.kpi_table(QUEUE, [], ST).iloc[0]
    # waits 10, 20, 30, 300: mean 90 (the long wait pulls it far above the median, 25)
    assert r.wait_mean == pytest.approx(90.0) and r.wait_p50 == pytest.approx(25.0)
    assert r.queued_served == 4
    # pooled per cut exactly like the mean handle time: the mean of the cut's tickets, unrounded
    by = kpis.kpi_table(QUEUE, ["service_id"], ST).set_index("service_id")
    assert by.loc["cert", "wait_mean"] == pytest.approx(15.0)          # q1 10, q2 20
    assert by.loc["wage", "wait_mean"] == pytest.approx(165.0)         # q3 30, q4 300
    assert by.loc["cert", "handle_mean"] == pytest.approx((110 + 160 + 60) / 3)   # q7's handle time counts
    by_channel = kpis.kpi_table(QUEUE, ["channel_id"], ST).set_index("channel_id")
    assert by_channel["wait_mean"].isna().tolist() == [True, False]        # e-services, phone
    assert kpis.KPI_COLUMNS.index("wait_mean") + 1 == kpis.KPI_COLUMNS.index("wait_p50")
    assert "wait_mean" in kpis.SHOWN_COLUMNS and "wait_mean" in kpis.SUMMARY_METRICS
    assert kpis.HIGHER_IS_BETTER["wait_mean"] is False


def test_asa_for_readers():
    table = kpis.kpi_table(QUEUE, [], ST)
    # one unit per measure (config units): a wait pooled over channel kinds in minutes, a phone wait in seconds
    assert kpis_view.kpi_display(table, "en", ["wait_mean", "wait_p50"]).iloc[0].tolist() == ["1.5 min", "0.4 min"]
    phone = kpis.kpi_table(QUEUE, ["channel_id"], ST).query("channel_id == 'phone'")
    assert kpis_view.kpi_display(phone, "en", ["wait_mean", "wait_p50"]).iloc[0].tolist() == ["90 s", "25 s"]
    assert kpis_view.kpi_display(table.assign(wait_mean=[600.0]), "ar", ["wait_mean"]).iloc[0, 0] == "10.0 دقيقة"
    trend = pd.DataFrame({"month": ["2024-03"], "transactions": [7]})
    for c in kpis.SUMMARY_METRICS:
        if c not in trend:
            trend[c] = np.nan
    trend[["wait_mean", "wait_p50", "wait_p90"]] = [[90.0, 25.0, 600.0]]
    s = kpis.summary(trend, "2024-03", {})
    en = kpis_view.summary_sentences(s, "en")
    # the month's wait pools every channel kind: one unit (config units.pooled, minutes), not "90 s" beside "10.0 min"
    assert en == ["Customers waited 1.5 min on average (average speed of answer); half waited 0.4 min or less, "
                  "and one in ten more than 10.0 min."]
    ar = kpis_view.summary_sentences(s, "ar")[0]
    assert ar.startswith("بلغ متوسط انتظار المتعاملين 1.5 دقيقة (متوسط سرعة الرد)")
