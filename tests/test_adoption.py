"""Digital take-up, progress, forecast/backtest and safeguard, worked out by hand on small frames."""

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from helpers.chapters import adoption, adoption_view
from helpers.measures import kpis

ST = kpis.KpiSettings(thresholds={"walk_in": 900.0, "phone": 20.0, "whatsapp": 60.0},
                      virtual_channels=("phone", "whatsapp", "eservices"), short_abandon_seconds=10)
NO_ASSIST = kpis.KpiSettings(**{**ST.__dict__, "assisted_counts": False})


def tickets(rows):
    """rows: (month-day, centre, channel, service, outcome, assisted)."""
    df = pd.DataFrame(rows, columns=["day", "centre_id", "channel_id", "service_id", "outcome", "assisted_digital"])
    df["created_at"] = pd.to_datetime(df.pop("day") + " 09:00").astype("datetime64[us]")
    df["assisted_digital"] = df["assisted_digital"].astype("boolean")
    return df


MARCH = tickets([
    ("2024-03-03", "seef", "walk_in", "cert", "completed", False),
    ("2024-03-03", "seef", "walk_in", "cert", "completed", False),
    ("2024-03-04", "seef", "walk_in", "wage", "completed", True),       # assisted digital
    ("2024-03-04", "tijjar", "walk_in", "wage", "completed", False),
    ("2024-03-05", "virtual", "phone", "cert", "completed", False),
    ("2024-03-05", "virtual", "phone", "wage", "completed", False),
    ("2024-03-05", "virtual", "phone", "wage", "abandoned", False),     # not completed: in no count
    ("2024-03-06", "virtual", "eservices", "cert", "completed", False),
    ("2024-03-06", "virtual", "whatsapp", "cert", "completed", True),   # virtual already: counted once
])


def test_take_up_and_its_parts_by_hand():
    r = adoption.take_up(MARCH, ST, []).iloc[0]
    # completed 8; on virtual channels: 2 phone + eservices + whatsapp = 4; assisted walk-in: 1
    assert (r.completed, r.virtual_channel, r.assisted_digital, r.digital) == (8, 4, 1, 5)
    assert r.virtual_share == pytest.approx(5 / 8)
    assert r.channel_share + r.assisted_share == pytest.approx(r.virtual_share)
    off = adoption.take_up(MARCH, NO_ASSIST, []).iloc[0]
    assert off.virtual_share == pytest.approx(4 / 8) and off.assisted_share == 0
    by = adoption.take_up(MARCH, ST, ["centre_id"]).set_index("centre_id")
    assert by.loc["seef", "virtual_share"] == pytest.approx(1 / 3) and by.loc["tijjar", "virtual_share"] == 0


def test_monthly_keeps_empty_months():
    feb_abandon = tickets([("2024-02-10", "virtual", "phone", "cert", "abandoned", False)])
    m = adoption.monthly(pd.concat([feb_abandon, MARCH], ignore_index=True), ST, "2024-01", "2024-03")
    assert list(m["month"]) == ["2024-01", "2024-02", "2024-03"]
    assert list(m["completed"]) == [0, 0, 8] and m["virtual_share"].isna().tolist() == [True, True, False]


def test_services_lag_against_the_month_and_last_year():
    last_year = tickets([
        ("2023-03-05", "virtual", "phone", "cert", "completed", False),
        ("2023-03-05", "seef", "walk_in", "wage", "completed", False),
    ])
    s = adoption.by_service(pd.concat([last_year, MARCH], ignore_index=True), ST, "2024-03", target=0.6)
    # wage: 3 completed, digital: assisted walk-in + phone = 2/3; cert: 5 completed, 3 digital = 3/5
    assert list(s["service_id"]) == ["cert", "wage"]               # lowest share first
    cert, wage = s.iloc[0], s.iloc[1]
    assert cert.virtual_share == pytest.approx(3 / 5) and wage.virtual_share == pytest.approx(2 / 3)
    assert cert.gap_overall == pytest.approx(3 / 5 - 5 / 8) and wage.gap_target == pytest.approx(2 / 3 - 0.6)
    assert cert.last_year_share == 1.0 and wage.change_year == pytest.approx(2 / 3)
    assert list(adoption.lagging(s, 0.0)["service_id"]) == ["cert"]
    assert adoption.lagging(s, 0.05).empty
    lines = adoption_view.service_sentences(s, "en", {"cert": "Certificates"}, threshold=0.01)
    assert "Certificates at 60.0% (-2.5 pp)" in lines[0]


def test_centre_mix_and_channel_mix():
    mix = adoption.centre_mix(MARCH, ST, "2024-03")
    seef = mix[mix["centre_id"] == "seef"]
    assert seef[["assisted", "completed"]].values.tolist() == [[False, 2], [True, 1]]
    assert seef["share_of_centre"].tolist() == pytest.approx([2 / 3, 1 / 3])
    assert seef["digital_route"].tolist() == [False, True]
    assert mix.groupby("centre_id")["share_of_centre"].sum().tolist() == pytest.approx([1, 1, 1])
    ly = tickets([("2023-03-05", "virtual", "phone", "cert", "completed", False)])
    cm = adoption.channel_mix(pd.concat([ly, MARCH], ignore_index=True), ST, "2024-03").set_index("channel_id")
    assert cm.loc["phone", "mix_share"] == pytest.approx(0.5) and cm.loc["phone", "last_year_mix_share"] == 1.0
    assert cm.loc["eservices", "change_year"] == pytest.approx(0.25)
    long = adoption.channel_mix_monthly(MARCH, ST, "2024-02", "2024-03")
    assert len(long) == 6 and long["completed"].sum() == 4 and long["mix_share"].isna().sum() == 3


def series(values, first="2023-01"):
    return pd.DataFrame({"month": [adoption.shift_month(first, i) for i in range(len(values))],
                         "virtual_share": values})


def test_progress_by_hand():
    s = series([0.40, 0.41, 0.42, 0.43, 0.44, 0.45])             # +1 pp a month
    assert adoption.recent_pace(s, "2023-06") == pytest.approx(0.01)
    p = adoption.progress(s, "2023-06", target=0.50, target_year=2023).iloc[0]
    # gap -5 pp, 6 months to December: needs 0.05/6 a month; the pace is 0.01 ≥ 0.0083: on track
    assert p.gap == pytest.approx(-0.05) and p.months_left == 6
    assert p.needed_pace == pytest.approx(0.05 / 6) and p.progress_status == "on_track"
    assert adoption.progress(s, "2023-06", 0.60, 2023).iloc[0].progress_status == "behind"    # needs 2.5 pp a month
    assert adoption.progress(s, "2023-06", 0.45, 2023).iloc[0].progress_status == "met"
    assert adoption.progress(s, "2023-06", 0.50, 2022).iloc[0].progress_status == "missed"
    assert math.isnan(adoption.progress(s, "2023-06", 0.45, 2023).iloc[0].needed_pace)
    # the forecast puts December's logit share at logit(0.5) ± 1: an even chance of 50%
    fc = pd.DataFrame({"month": ["2023-12"], "mean_logit": [0.0], "se_logit": [1.0]})
    assert adoption.progress(s, "2023-06", 0.50, 2023, fc).iloc[0].chance == pytest.approx(0.5)
    fc["mean_logit"] = 1.0                                           # one standard error above
    assert adoption.progress(s, "2023-06", 0.50, 2023, fc).iloc[0].chance == pytest.approx(0.8413, abs=1e-4)
    text = adoption_view.progress_sentences(adoption.progress(s, "2023-06", 0.50, 2023, fc), "en")
    assert "on track" in text[0] and "+0.8 pp a month" in text[0] and "about 84%" in text[1]


def test_horizons():
    assert adoption.year_end_horizon("2024-03") == 9
    assert adoption.year_end_horizon("2024-11") == 1
    assert adoption.year_end_horizon("2024-12") == 12
    assert adoption.month_range("2024-11", "2025-02") == ["2024-11", "2024-12", "2025-01", "2025-02"]


RISING = series(list(0.35 + 0.01 * np.arange(18) + 0.004 * np.sin(np.arange(18))))


def test_forecast_is_a_share_with_an_interval():
    f = adoption.forecast_share(RISING, "2024-06", 6)
    assert list(f["month"]) == ["2024-07", "2024-08", "2024-09", "2024-10", "2024-11", "2024-12"]
    assert (f["low"] < f["forecast"]).all() and (f["forecast"] < f["high"]).all()
    assert ((f["low"] > 0) & (f["high"] < 1)).all()
    assert (f["high"] - f["low"]).is_monotonic_increasing               # wider further ahead
    assert 0.50 < f["forecast"].iloc[0] < 0.56                          # the trend continues (last 0.52)
    assert adoption.forecast_share(RISING, "2023-11", 3).empty         # 11 months: too short


def test_backtest_origins_and_horizons_by_hand():
    s = RISING.iloc[:15]                                                  # 2023-01 .. 2024-03
    bt = adoption.backtest(s, "2024-03", horizon=3)
    # origins with ≥ 12 months up to them and before the last month: 2023-12, 2024-01, 2024-02
    assert bt.groupby("origin")["h"].max().to_dict() == {"2023-12": 3, "2024-01": 2, "2024-02": 1}
    summary = adoption.backtest_summary(bt)
    assert summary[["h", "origins"]].values.tolist() == [[1, 3], [2, 2], [3, 1]]
    assert summary["mae"].tolist() == pytest.approx(
        [bt[bt.h == h]["error"].abs().mean() for h in (1, 2, 3)])


def test_backtest_uses_only_data_up_to_each_origin():
    s = RISING.iloc[:16]
    bt = adoption.backtest(s, "2024-04", horizon=4)
    # each origin's forecast equals a forecast made from the truncated history alone
    for origin, rows in bt.groupby("origin"):
        alone = adoption.forecast_share(s[s["month"] <= origin], origin, len(rows))
        assert rows["forecast"].tolist() == pytest.approx(alone["forecast"].tolist(), abs=1e-12)
    # changing a later month never changes an earlier origin's forecasts, only its score
    changed = s.copy()
    changed.loc[changed["month"] == "2024-03", "virtual_share"] = 0.9
    bt2 = adoption.backtest(changed, "2024-04", horizon=4)
    early = bt["origin"] < "2024-03"
    assert bt.loc[early, "forecast"].tolist() == pytest.approx(bt2.loc[early, "forecast"].tolist(), abs=1e-12)
    assert not np.allclose(bt.loc[~early, "forecast"], bt2.loc[~early, "forecast"])


def test_forecast_with_backtest_headline():
    r = adoption.forecast_with_backtest(RISING, "2024-03")               # 15 months, horizon 9
    assert r.status == "ok" and r.horizon == 9 and len(r.forecast) == 9
    h, mae, origins = r.headline_error
    assert (h, origins) == (3, 1)                                         # the longest the history allows
    assert mae == pytest.approx(r.backtest[r.backtest.h == 3]["error"].abs().mean())
    text = adoption_view.forecast_sentences(r, "en")
    assert "2024-12" in text[0] and "3 months ahead" in text[1] and "9 months ahead" in text[1]
    short = adoption.forecast_with_backtest(RISING.iloc[:8], "2023-08")
    assert short.status == "too_short" and short.headline_error[2] == 0


def _served(channel, month, n, met):
    start = pd.Timestamp(f"{month}-05 09:00")
    rows = []
    for i in range(n):
        wait = 5 if i < met else 100                                    # phone threshold 20 s
        rows.append({"ticket_id": f"{channel}{month}{i}", "centre_id": "virtual", "channel_id": channel,
                     "service_id": "cert", "created_at": start, "booked": False, "called_at": None,
                     "started_at": start + pd.Timedelta(seconds=wait),
                     "ended_at": start + pd.Timedelta(seconds=wait + 60), "outcome": "completed",
                     "resolved_first_contact": True, "assisted_digital": False})
    return rows


def _responses(channel, month, n, top):
    return [{"channel_id": channel, "submitted_at": pd.Timestamp(f"{month}-10 10:00"),
             "csat": 5 if i < top else 2} for i in range(n)]


SAFEGUARD_KPI = {"csat": {"top_box": [4, 5], "confidence": 0.95},
                 "significance": {"alpha": 0.05, "correction": "fdr_bh"}}


def _safeguard_tickets() -> pd.DataFrame:
    rows = (_served("phone", "2023-03", 200, 180) + _served("phone", "2024-03", 300, 210)      # 90% -> 70%
            + _served("whatsapp", "2023-03", 100, 90) + _served("whatsapp", "2024-03", 200, 180)  # 90% -> 90%
            + _served("eservices", "2024-03", 10, 10))
    tk = pd.DataFrame(rows)
    for c in ("created_at", "started_at", "ended_at", "called_at"):
        tk[c] = pd.to_datetime(tk[c]).astype("datetime64[us]")
    return tk


def test_safeguard_verdicts():
    tk = _safeguard_tickets()
    sv = pd.DataFrame(_responses("phone", "2023-03", 100, 90) + _responses("phone", "2024-03", 100, 88)
                      + _responses("whatsapp", "2023-03", 50, 40) + _responses("whatsapp", "2024-03", 50, 41))
    kpi = SAFEGUARD_KPI
    g = adoption.safeguard(tk, sv, ST, kpi, ["2024-03"], ["2023-03"]).set_index("channel_id")
    assert g.loc["phone", "volume_change"] == pytest.approx(0.5)
    assert g.loc["phone", "service_level_then"] == 0.9 and g.loc["phone", "service_level_now"] == 0.7
    assert g.loc["phone", "verdict"] == "worse"
    assert g.loc["whatsapp", "verdict"] == "held" and g.loc["whatsapp", "csat_now"] == pytest.approx(0.82)
    assert g.loc["eservices", "verdict"] == "too_few"                  # no queue, no responses
    text = adoption_view.safeguard_sentences(g.reset_index(), ["2024-03"], ["2023-03"], "en", {"phone": "Phone"})
    assert "Phone (+50% completions): service got worse" in text[1]


def test_safeguard_says_better_only_when_no_figure_it_shows_moved_the_other_way():
    # the case: a channel called "better" while its service level fell
    rows = (_served("whatsapp", "2023-03", 400, 300) + _served("whatsapp", "2024-03", 600, 360)      # 75% -> 60%
            + _served("phone", "2023-03", 400, 300) + _served("phone", "2024-03", 600, 570))  # 75% -> 95%
    tk = pd.DataFrame(rows)
    for c in ("created_at", "started_at", "ended_at", "called_at"):
        tk[c] = pd.to_datetime(tk[c]).astype("datetime64[us]")
    # whatsapp: CSAT 50% -> 90% of 100 (a significant rise); phone: CSAT 90% -> 85% of 100 (not significant)
    sv = pd.DataFrame(_responses("whatsapp", "2023-03", 100, 50) + _responses("whatsapp", "2024-03", 100, 90)
                      + _responses("phone", "2023-03", 100, 90) + _responses("phone", "2024-03", 100, 85))
    g = adoption.safeguard(tk, sv, ST, SAFEGUARD_KPI, ["2024-03"], ["2023-03"]).set_index("channel_id")
    # whatsapp's service level fell significantly (300/400 -> 360/600): worse, whatever CSAT did
    assert g.loc["whatsapp", "verdict"] == "worse"
    # phone: service level rose significantly (p = 3e-20), CSAT fell by 5 points (p = 0.29): mixed, not better
    assert g.loc["phone", "service_level_p"] < 1e-6 and g.loc["phone", "csat_p"] > 0.2
    assert g.loc["phone", "verdict"] == "mixed"
    text = adoption_view.safeguard_sentences(g.reset_index(), ["2024-03"], ["2023-03"], "en", {"phone": "Phone"})
    phone = next(line for line in text if line.startswith("Phone"))
    assert phone.startswith("Phone (+50% completions): mixed — service level 95.0% (+20.0 pp)")
    assert "CSAT 85.0% (-5.0 pp)" in phone and "improved" not in phone
    assert adoption_view.safeguard_display(g.reset_index(), "ar")["verdict"].tolist() == ["متباينة", "تراجعت"]
    # the same rise with CSAT held at 90%: every figure agrees, and it is "better"
    sv_held = pd.DataFrame(_responses("phone", "2023-03", 100, 90) + _responses("phone", "2024-03", 100, 90))
    better = adoption.safeguard(tk[tk["channel_id"].eq("phone")], sv_held, ST, SAFEGUARD_KPI, ["2024-03"], ["2023-03"])
    assert better["verdict"].tolist() == ["better"]


def test_safeguard_without_surveys_rests_on_service_level_alone():
    # an entity that provides no surveys: the store gives an empty frame, and no CSAT column is shown
    no_surveys = pd.DataFrame({"channel_id": pd.Series([], dtype="str"),
                               "submitted_at": pd.Series([], dtype="datetime64[us]"),
                               "csat": pd.Series([], dtype="Int64")})
    g = adoption.safeguard(_safeguard_tickets(), no_surveys, ST, SAFEGUARD_KPI, ["2024-03"], ["2023-03"], csat=False)
    assert list(g.columns) == ["channel_id", "completed_then", "completed_now", "volume_change", "service_level_then",
                               "service_level_now", "service_level_p", "wait_p90_then", "wait_p90_now", "verdict"]
    assert g.set_index("channel_id")["verdict"].to_dict() == {"eservices": "too_few", "phone": "worse", "whatsapp": "held"}
    shown = adoption_view.safeguard_display(g, "en")
    assert list(shown.columns) == list(g.columns) and shown.loc[1, "service_level_now"] == "70.0%"
    text = adoption_view.safeguard_sentences(g, ["2024-03"], ["2023-03"], "en", {"phone": "Phone"})
    assert "Phone (+50% completions): service got worse" in text[1] and not any("CSAT" in line for line in text)
    trend = pd.DataFrame({"month": ["2024-02", "2024-03"], "channel_id": ["phone", "phone"], "completed": [10, 12],
                          "service_level": [0.8, 0.7], "wait_p90": [30.0, 40.0]})
    without = adoption.safeguard_trend(trend, no_surveys, SAFEGUARD_KPI, csat=False)
    assert list(without.columns) == ["month", "channel_id", "completed", "service_level", "wait_p90"]
    assert list(adoption.safeguard_trend(trend, no_surveys, SAFEGUARD_KPI).columns)[-2:] == ["csat", "responses"]
    fig = adoption_view.safeguard_chart(without, {"phone": "Phone"},
                                        titles={"completed": "Completed", "service_level": "Service level"})
    assert [ax.get_title() for ax in fig.axes] == ["Completed", "Service level"]
    plt.close(fig)


def test_safeguard_windows():
    have = adoption.month_range("2023-01", "2024-03")
    assert adoption.safeguard_windows("2024-03", have) == (["2024-01", "2024-02", "2024-03"],
                                                            ["2023-01", "2023-02", "2023-03"])
    # first year: compare with the first months of data
    assert adoption.safeguard_windows("2023-09", have) == (["2023-07", "2023-08", "2023-09"],
                                                            ["2023-01", "2023-02", "2023-03"])
    assert adoption.safeguard_windows("2023-03", have)[1] == []


def test_share_sentences_say_only_what_is_known():
    s = adoption.monthly(MARCH, ST, "2024-03", "2024-03")
    assert adoption_view.share_sentences(s, "2024-03", "en")[0] == \
        "Digital take-up was 62.5% of completed transactions."
    longer = pd.concat([series([0.5] * 12, first="2023-03").assign(channel_share=0.45, assisted_share=0.05),
                        s], ignore_index=True)
    text = adoption_view.share_sentences(longer, "2024-03", "en")
    assert text[0].endswith("against 50.0% the month before (+12.5 pp) and 50.0% a year before (+12.5 pp).")
    assert text[1] == ("Virtual channels carried 50.0%; staff-assisted digital transactions at the walk-in "
                       "centres added 12.5%.")
    assert text[2] == "Since 2023-03 the share has moved from 50.0% to 62.5%."
