"""Feedback rates, thank-you messages, resolution and the follow-up list, worked out by hand."""

import math

import pandas as pd
import pytest

from helpers.chapters import feedback as F
from helpers.chapters import feedback_view as view

END = pd.Timestamp("2024-03-31 23:59:59")


def fb(rows):
    frame = pd.DataFrame(rows, columns=["feedback_id", "received_at", "source", "kind", "centre_id", "channel_id",
                                        "employee_id", "category", "text", "status", "resolved_at", "substantiated"])
    frame["received_at"] = pd.to_datetime(frame["received_at"])
    frame["resolved_at"] = pd.to_datetime(frame["resolved_at"])
    return frame.astype({"substantiated": "boolean"})


FB = fb([
    # complaint closed in 2 days, valid
    ("f1", "2024-03-01 10:00", "email", "complaint", "seef", "walk_in", None, "waiting_time", "Long wait", "resolved", "2024-03-03 10:00", True),
    # complaint closed in 8 days (late), not valid
    ("f2", "2024-03-02 10:00", "phone", "complaint", "seef", "walk_in", None, "staff_conduct", "Rude", "rejected", "2024-03-10 10:00", False),
    # complaint open since 20 March: 11.6 days old at the end → past a 5-day SLA
    ("f3", "2024-03-20 10:00", "national_complaints_system", "complaint", "virtual", "phone", None, "digital_channel", "App down", "open", None, None),
    # complaint received 30 March: not yet due
    ("f4", "2024-03-30 10:00", "email", "complaint", "virtual", "phone", None, "process", "Slow", "in_progress", None, None),
    # complaint closed after the period's end: still open as of END
    ("f5", "2024-03-10 10:00", "email", "complaint", None, None, None, "other", "No call back", "resolved", "2024-04-02 10:00", True),
    ("f6", "2024-03-05 10:00", "satisfaction_system", "compliment", "seef", "walk_in", "E1", "staff_conduct", "Thanks Ali", "resolved", "2024-03-05 12:00", None),
    ("f7", "2024-03-06 10:00", "satisfaction_system", "compliment", "seef", "walk_in", "E1", "staff_conduct", "Thanks again", "resolved", "2024-03-06 12:00", None),
    ("f8", "2024-03-07 10:00", "email", "compliment", "virtual", "phone", "E2", "information", "Clear answer", "resolved", "2024-03-07 12:00", None),
    ("f9", "2024-03-08 10:00", "satisfaction_system", "compliment", "virtual", "phone", "E9", "staff_conduct", "Thanks", "resolved", "2024-03-08 12:00", None),
    ("f10", "2024-03-09 10:00", "satisfaction_system", "suggestion", "seef", "walk_in", None, "facilities", "More seats", "open", None, None),
    ("f11", "2024-03-09 11:00", "email", "inquiry", "seef", "walk_in", None, "information", "Documents?", "resolved", "2024-03-09 12:00", None),
])
TICKETS = pd.DataFrame({"ticket_id": [f"t{i}" for i in range(10)],
                        "centre_id": ["seef"] * 4 + ["virtual"] * 6,
                        "channel_id": ["walk_in"] * 4 + ["phone"] * 6})


def test_as_of_reopens_items_closed_later():
    a = F.as_of(FB, END).set_index("feedback_id")
    assert a.loc["f5", "status"] == "in_progress" and pd.isna(a.loc["f5", "resolved_at"])
    assert pd.isna(a.loc["f5", "substantiated"])
    assert a.loc["f1", "status"] == "resolved"
    # received by 5 March: f1, f2, f6; f1 was closed on the 3rd, so it stays closed
    early = F.as_of(FB, pd.Timestamp("2024-03-05 23:59:59")).set_index("feedback_id")
    assert list(early.index) == ["f1", "f2", "f6"]
    assert early.loc["f2", "status"] == "in_progress" and early.loc["f1", "status"] == "resolved"


def test_rates_per_thousand_by_centre_by_hand():
    r = F.rates(FB, TICKETS, "centre_id").set_index("centre_id")
    # seef: 2 complaints, 1 suggestion, 2 compliments over 4 transactions
    assert r.loc["seef", "complaints"] == 2 and r.loc["seef", "complaints_per_1000"] == 500
    assert r.loc["seef", "suggestions_per_1000"] == 250 and r.loc["seef", "compliments"] == 2
    # virtual: 2 complaints, 2 compliments over 6 transactions; f5 has no centre: left out; inquiries not counted
    assert r.loc["virtual", "complaints_per_1000"] == pytest.approx(1000 * 2 / 6)
    assert list(r.index) == ["seef", "virtual"]


def test_rates_by_category_use_all_transactions():
    r = F.rates(FB, TICKETS, "category").set_index("category")
    assert r.loc["staff_conduct", "transactions"] == 10
    assert r.loc["staff_conduct", "complaints"] == 1 and r.loc["staff_conduct", "compliments"] == 3
    assert r.loc["staff_conduct", "compliments_per_1000"] == 300


def test_thank_yous_are_compliments_through_the_satisfaction_system():
    assert list(F.thank_yous(FB)["feedback_id"]) == ["f6", "f7", "f9"]
    trend = F.thank_you_trend(FB, ["2024-02", "2024-03"])
    assert list(trend["thank_yous"]) == [0, 3]
    by = F.thank_you_by(FB, "centre_id", ["seef", "tijjar", "virtual"])
    assert list(by["thank_yous"]) == [2, 0, 1]


def test_thanks_are_counted_per_centre_and_channel_never_per_person():
    # f6, f7 (seef, walk-in, both naming E1) and f9 (virtual, phone, naming E9); f8 came by e-mail
    by_centre = F.thank_you_by(FB, "centre_id", ["seef", "tijjar", "virtual"])
    assert by_centre.to_dict("records") == [{"centre_id": "seef", "thank_yous": 2},
                                            {"centre_id": "tijjar", "thank_yous": 0},
                                            {"centre_id": "virtual", "thank_yous": 1}]
    by_channel = F.thank_you_by(FB[FB["centre_id"].eq("seef")], "channel_id", ["walk_in"])
    assert by_channel.to_dict("records") == [{"channel_id": "walk_in", "thank_yous": 2}]


def test_resolution_by_hand():
    r = F.resolution(F.as_of(FB, END), END, 5).iloc[0]
    # complaints f1..f5; closed f1 (2 days) and f2 (8 days); f5 is open as of END
    assert r["complaints"] == 5 and r["closed"] == 2
    assert r["median_days"] == 5.0 and r["p90_days"] == pytest.approx(2 + 0.9 * 6)
    # due: f1, f2 (closed), f3 (11.6 days), f5 (21.6 days); f4 (1.6 days) not yet
    assert r["due"] == 4 and r["within_sla"] == 1 and r["within_sla_share"] == 0.25
    # decisions: f1 true, f2 false (f5's comes after the end)
    assert r["decided"] == 2 and r["substantiated"] == 1 and r["substantiated_rate"] == 0.5
    by = F.resolution(F.as_of(FB, END), END, 5, by="centre_id").set_index("centre_id")
    assert by.loc["seef", "closed"] == 2 and by.loc["virtual", "closed"] == 0
    assert math.isnan(by.loc["virtual", "median_days"])


def test_follow_up_lists_open_complaints_past_sla_with_owner():
    owners = F.category_owners(pd.DataFrame({"id": ["digital_channel", "other"], "owner": ["it", "customer_service"]}))
    f = F.follow_up(F.as_of(FB, END), END, 5, owners)
    assert list(f["feedback_id"]) == ["f5", "f3"]            # oldest first
    assert list(f["age_days"]) == [21, 11]
    assert list(f["owner"]) == ["customer_service", "it"]
    assert f.loc[1, "centre_id"] == "virtual"


def test_follow_up_masks_the_text_in_the_frame_itself():
    rows = fb([("c1", "2024-03-01 10:00", "email", "complaint", "seef", "walk_in", None, "other",
                "Call me on 3912 3456 or write to sara.ali@mail.bh, my CPR is 880101234.\nStill waiting",
                "open", None, None)])
    f = F.follow_up(rows, END, 5, {})
    # digit runs of 6+ (with spaces or dashes) and anything around an @ become •••; lines joined
    assert f.loc[0, "text"] == "Call me on ••• or write to ••• my CPR is •••. Still waiting"
    assert view.follow_up_display(f, "en").loc[0, "text"] == f.loc[0, "text"]
    # short numbers are kept: they are days, counts, office numbers, not identifiers
    short = F.follow_up(fb([("c2", "2024-03-01 10:00", "email", "complaint", "seef", "walk_in", None, "other",
                             "Waited 45 minutes at counter 3", "open", None, None)]), END, 5, {})
    assert short.loc[0, "text"] == "Waited 45 minutes at counter 3"


def test_period_lines_count_the_period_s_thank_yous():
    a = F.as_of(FB, END)
    follow = F.follow_up(a, END, 5, {})
    lines = view.period_lines(a, TICKETS, follow, END, 5, "en")
    # f6, f7 and f9 are compliments through the satisfaction system; f8 came by e-mail
    assert "3 thank-you" in lines[0]
    assert lines == view.feedback_lines(F.rates(a, TICKETS), F.resolution(a, END, 5), follow, 3, 5, "en")


def test_feedback_lines_read_the_figures():
    a = F.as_of(FB, END)
    total = F.rates(a, TICKETS)
    assert list(total.columns)[:2] == ["transactions", "complaints"] and len(total) == 1
    lines = view.feedback_lines(total, F.resolution(a, END, 5), F.follow_up(a, END, 5, {}), 3, 5, "en")
    # 5 complaints over 10 transactions = 500 per 1,000; 3 thank-you messages
    assert lines[0].startswith("5 complaints (500.0 per 1,000") and "3 thank-you" in lines[0]
    assert "25.0%" in lines[1] and "50.0%" in lines[1]
    assert "2 complaints" in lines[2]


def test_follow_up_lines_and_displays():
    a = F.as_of(FB, END)
    follow = F.follow_up(a, END, 5, {})
    assert view.follow_up_lines(follow, 5, "en", rows=1) == [
        "2 complaints are still open past the 5-day deadline and need follow-up.",
        "The 1 oldest are shown; the table's file lists them all."]
    assert view.follow_up_lines(follow.iloc[:0], 5, "en", rows=1) == ["No complaint is open past the 5-day deadline."]
    shown = view.follow_up_display(follow, "ar", rows=1)
    assert len(shown) == 1 and shown.loc[0, "status"] == "قيد المعالجة"
    res = view.resolution_display(F.resolution(a, END, 5), "en")
    assert res.loc[0, "within_sla_share"] == "25.0%" and res.loc[0, "median_days"] == "5.0"
    assert view.rates_display(F.rates(a, TICKETS, "centre_id"), "en").loc[0, "complaints_per_1000"] == "500.0"
