"""Feedback: complaints, compliments, suggestions and inquiries as exported at the end of their
month, and the later closings of those left open (``feedback_updates``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..base.periods import parse
from ..data.rawcsv import fmt_bool, fmt_datetime
from . import draws
from .case import CENTRES, CHANNELS, COMPLETED, ESERV, SERVICES, WALK
from .initiatives import DIP, DIP_CENTRE, INITIATIVES
from .tables import COLUMNS, ids, take
from .working_days import ORIGIN, Calendar, Run, month_index, previous_month

_FEEDBACK_SOURCES = ("national_complaints_system", "satisfaction_system", "email", "social_media", "in_person", "phone")
_SOURCE_P = {  # kind -> probabilities over _FEEDBACK_SOURCES
    "complaint": (.35, .05, .15, .10, .20, .15),
    "compliment": (.00, .70, .10, .10, .05, .05),
    "suggestion": (.35, .25, .20, .10, .10, .00),
    "inquiry": (.10, .00, .35, .30, .10, .15),
}
_CATEGORY_P = {  # kind -> {category: probability}
    "complaint": {"waiting_time": .28, "staff_conduct": .15, "process": .25, "facilities": .10,
                  "digital_channel": .10, "information": .08, "other": .04},
    "compliment": {"staff_conduct": .80, "process": .10, "information": .10},
    "suggestion": {"process": .30, "digital_channel": .30, "facilities": .20, "information": .15, "other": .05},
    "inquiry": {"information": .60, "process": .30, "other": .10},
}
_FEEDBACK_TEXT = {
    ("complaint", "waiting_time"): ("أشتكي من طول فترة الانتظار في {centre}، انتظرت أكثر من ساعة",
                                    "Complaint about the long wait at {centre}; I waited over an hour."),
    ("complaint", "staff_conduct"): ("تعامل الموظف في {centre} لم يكن لائقاً ولم يستمع لطلبي",
                                     "The staff member at {centre} was rude and did not listen."),
    ("complaint", "process"): ("تأخر الرد على طلب {service} لأكثر من أسبوعين دون أي تحديث",
                               "My {service} application has had no update for over two weeks."),
    ("complaint", "facilities"): ("التكييف معطل في {centre} والمكان غير مريح",
                                  "The air conditioning at {centre} is not working and the hall is uncomfortable."),
    ("complaint", "digital_channel"): ("البوابة الإلكترونية لا تقبل رفع الملفات منذ يومين",
                                       "The portal has rejected my uploads for two days."),
    ("complaint", "information"): ("حصلت على معلومات متضاربة من القنوات المختلفة بخصوص {service}",
                                   "I got conflicting information about {service} from different channels."),
    ("complaint", "other"): ("لم يتم التواصل معي كما وُعدت", "Nobody called me back as promised."),
    ("compliment", "staff_conduct"): ("شكراً للموظف الذي خدمني في {centre} على أسلوبه الراقي وتعاونه",
                                      "Big thanks to the officer who served me at {centre}; very professional."),
    ("compliment", "process"): ("شكراً على سرعة إنجاز طلب {service}", "Thank you for processing my {service} request so quickly."),
    ("compliment", "information"): ("شكراً على وضوح المعلومات وسرعة الرد", "Thanks for the clear information and quick reply."),
    ("suggestion", "process"): ("أقترح إرسال رسالة نصية عند اكتمال الطلب", "Please send an SMS when an application is completed."),
    ("suggestion", "digital_channel"): ("أقترح إضافة خدمة الدفع الإلكتروني في التطبيق",
                                        "Suggest adding online payment to the app."),
    ("suggestion", "facilities"): ("أقترح توفير مقاعد إضافية وركن للأطفال في {centre}",
                                   "Suggest more seats and a children's corner at {centre}."),
    ("suggestion", "information"): ("أقترح نشر دليل مبسط لخدمة {service}", "Suggest a simple guide to {service}."),
    ("suggestion", "other"): ("أقترح تمديد ساعات العمل", "Please extend the opening hours."),
    ("inquiry", "information"): ("ما هي المستندات المطلوبة لطلب {service}؟", "What documents are needed for {service}?"),
    ("inquiry", "process"): ("كم تستغرق معالجة طلب {service}؟", "How long does a {service} request take?"),
    ("inquiry", "other"): ("هل يمكنني تحديث بياناتي عبر واتساب؟", "Can I update my details through WhatsApp?"),
}
_RESOLUTION_MEDIAN_DAYS = {"complaint": 2.2, "compliment": 0.8, "suggestion": 4.0, "inquiry": 0.4}


def _service_phrase(run: Run, service: int, arabic: bool) -> str:
    """A service's name as it reads inside a sentence."""
    if service < 0:
        return "الخدمة" if arabic else "my request"
    name = run.names[("services", SERVICES[service], "ar" if arabic else "en")]
    return name if arabic else name[0].lower() + name[1:]


def _any_time(rng, cal: Calendar, n: int) -> np.ndarray:
    """Moments on any day of the month, mostly between 07:00 and 23:00."""
    d = rng.integers(0, cal.all_days.size, n)
    secs = np.where(rng.random(n) < 0.9, 7 * 3600 + rng.random(n) * 16 * 3600, rng.random(n) * 86400)
    return cal.all_days.astype("datetime64[s]").astype(np.int64)[d] + secs.astype(np.int64)


def _office_time(rng, cal: Calendar, kind: str, n: int) -> np.ndarray:
    d = rng.integers(0, cal.days.size, n)
    o, c = cal.hours[kind][0][d], cal.hours[kind][1][d]
    return cal.days.astype("datetime64[s]").astype(np.int64)[d] + (o * 60 + rng.random(n) * (c - o) * 60).astype(np.int64)


def feedback(run: Run, month: str, tk: dict, roster: pd.DataFrame) -> pd.DataFrame:
    """The month's complaints, compliments, suggestions and inquiries, as exported at month end.

    Volumes are per 1,000 of the centre's tickets. Compliments through the satisfaction system
    (and some others) name an employee, drawn in proportion to tickets served times
    ``exp(0.9 * effective skill)``, so better staff get more thanks; complaints about conduct name
    staff the other way round.
    """
    rng = draws.rng(run.seed, month, "feedback")
    cal = run.calendar(month)
    t = month_index(month)
    month_end = parse(month).end.value // 10**9
    courtesy = month >= INITIATIVES[4]["start_on"][:7]
    rates = {"complaint": (1.5 * (1 - 0.01 * t), 0.8), "compliment": (2.0 + 0.06 * t + 0.6 * courtesy,) * 2,
             "suggestion": (0.5, 0.5), "inquiry": (1.0, 1.0)}
    eff = dict(zip(roster["employee_id"], roster["eff"]))
    parts = []
    for c_idx, c_id in enumerate(CENTRES):
        at = tk["centre"] == c_idx
        n_tickets = int(at.sum())
        walk_centre = c_idx < 2
        handled, served = np.unique(tk["employee"][at & (tk["employee"] != "") & (tk["outcome"] == COMPLETED)],
                                    return_counts=True)
        skill = np.array([eff[e] for e in handled])
        channels_any, n_any = np.unique(tk["channel"][at], return_counts=True)
        channels_staffed, n_staffed = np.unique(tk["channel"][at & (tk["channel"] != ESERV)], return_counts=True)
        services_at = tk["service"][at]
        for kind in ("complaint", "compliment", "suggestion", "inquiry"):
            dip = kind == "complaint" and c_idx == DIP_CENTRE and month in DIP["months"]
            n = int(rng.poisson(rates[kind][0 if walk_centre else 1] * (2.5 if dip else 1.0) * n_tickets / 1000))
            if n == 0 or handled.size == 0:
                continue
            p_src = np.array(_SOURCE_P[kind], dtype=float)
            if not walk_centre:
                p_src[_FEEDBACK_SOURCES.index("in_person")] = 0.0
            source = rng.choice(len(_FEEDBACK_SOURCES), size=n, p=p_src / p_src.sum())
            cats = np.array(list(_CATEGORY_P[kind]))
            p_cat = np.array(list(_CATEGORY_P[kind].values()))
            if not walk_centre:
                p_cat = np.where(cats == "facilities", 0.0, p_cat)
            if dip:
                p_cat = np.where(cats == "facilities", 1.5, p_cat)
            category = cats[rng.choice(cats.size, size=n, p=p_cat / p_cat.sum())]
            received = np.select([source == _FEEDBACK_SOURCES.index("in_person"), source == _FEEDBACK_SOURCES.index("phone")],
                                 [_office_time(rng, cal, "walk_in", n), _office_time(rng, cal, "virtual", n)],
                                 _any_time(rng, cal, n))
            named = rng.random(n)
            if kind == "compliment":
                names_staff = (source == _FEEDBACK_SOURCES.index("satisfaction_system")) | (named < 0.4)
            elif kind == "complaint":
                names_staff = (category == "staff_conduct") & (named < 0.5)
            else:
                names_staff = np.zeros(n, dtype=bool)
            w = served * np.exp((0.9 if kind == "compliment" else -0.9) * skill)
            employee = np.where(names_staff, handled[rng.choice(handled.size, size=n, p=w / w.sum())], "")
            ch_staffed = channels_staffed[rng.choice(channels_staffed.size, size=n, p=n_staffed / n_staffed.sum())]
            ch_any = channels_any[rng.choice(channels_any.size, size=n, p=n_any / n_any.sum())]
            channel = np.select([names_staff | (category == "waiting_time"), category == "digital_channel"],
                                [ch_staffed, np.full(n, ESERV)], ch_any)
            channel = np.where(walk_centre, WALK, channel)
            channel = np.where(~names_staff & (rng.random(n) < 0.2), -1, channel)
            service = np.where(rng.random(n) < 0.25, -1, services_at[rng.integers(0, services_at.size, n)])
            no_centre = (np.isin(source, (_FEEDBACK_SOURCES.index("national_complaints_system"),
                                          _FEEDBACK_SOURCES.index("social_media")))
                         & ~names_staff & (rng.random(n) < 0.15))
            arabic = rng.random(n) < 0.7
            closes = received + np.round(draws.lognormal(rng, _RESOLUTION_MEDIAN_DAYS[kind], 0.9, n)
                                         * 86400).astype(np.int64)
            closed = closes <= month_end
            rejected = rng.random(n) < {"complaint": 0.12, "suggestion": 0.3}.get(kind, 0.0)
            status = np.where(closed, np.where(rejected, "rejected", "resolved"),
                              np.where((month_end - received) < 1.5 * 86400, "open", "in_progress"))
            valid = fmt_bool(rng.random(n) < np.where(dip & (category == "facilities"), 0.9, 0.55))
            substantiated = (np.select([status == "resolved", status == "rejected"], [valid, "false"], "")
                             if kind == "complaint" else np.full(n, ""))
            text = [_FEEDBACK_TEXT[(kind, cat)][0 if ar else 1].format(
                centre=run.names[("centres", c_id, "ar" if ar else "en")], service=_service_phrase(run, sv, ar))
                for cat, ar, sv in zip(category, arabic, service)]
            parts.append({
                "received": received, "source": np.array(_FEEDBACK_SOURCES)[source], "kind": np.full(n, kind),
                "centre_id": np.where(no_centre, "", c_id),
                "channel_id": np.where(no_centre | (channel < 0), "", np.array(CHANNELS)[np.maximum(channel, 0)]),
                "service_id": np.where(service < 0, "", np.array(SERVICES)[np.maximum(service, 0)]),
                "employee_id": employee.astype(str), "category": category, "text": np.array(text, dtype=str),
                "status": status, "resolved": np.where(closed, closes, -1), "substantiated": substantiated,
            })
    if not parts:
        return pd.DataFrame({c: np.array([], dtype=str) for c in COLUMNS["feedback"]})
    rows = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    rows = take(rows, np.argsort(rows["received"], kind="stable"))
    rows["feedback_id"] = ids("F", month, rows["received"].size, 5)
    rows["received_at"] = fmt_datetime(rows.pop("received"))
    rows["resolved_at"] = fmt_datetime(rows.pop("resolved"))
    return pd.DataFrame(rows, dtype=object)


_CLOSING_MEDIAN_DAYS = {"complaint": 12.0, "compliment": 3.0, "suggestion": 20.0, "inquiry": 5.0}
_REJECTED_SHARE = {"complaint": 0.12, "suggestion": 0.3}
_CLOSING_LOOKBACK_MONTHS = 12
_NEVER_CLOSED_SHARE = 0.04


def _closing(seed: int, feedback_id: str, kind: str, month_end: int) -> tuple[int, str, str] | None:
    """When and how a message still open at the end of its month closes: (epoch seconds, status,
    substantiated) or None when it never does. Drawn from (seed, the message's id) alone, so it
    does not depend on which months a run generates."""
    digits = [int(part) for part in feedback_id[1:].split("-")]
    rng = np.random.default_rng(np.random.SeedSequence([seed, *digits, draws.STREAMS["closing"]]))
    never, delay, rejected, valid = rng.random(), draws.lognormal(rng, _CLOSING_MEDIAN_DAYS[kind], 0.8, 1)[0], \
        rng.random(), rng.random()
    if never < _NEVER_CLOSED_SHARE:
        return None
    status = "rejected" if rejected < _REJECTED_SHARE.get(kind, 0.0) else "resolved"
    substantiated = "" if kind != "complaint" else ("false" if status == "rejected" else fmt_bool(valid < 0.55)[()])
    return month_end + 1 + int(round(delay * 86400)), status, str(substantiated)


def feedback_updates(run: Run, month: str, out: Path) -> pd.DataFrame:
    """This month's closings of messages left open at the end of an earlier month, read from the
    earlier months' feedback files under ``out`` (written earlier in this run or before it)."""
    start, end = parse(month).start_ts.value // 10**9, parse(month).end.value // 10**9
    rows = []
    earlier = month
    for _ in range(_CLOSING_LOOKBACK_MONTHS):
        earlier = previous_month(earlier)
        path = out / earlier / "feedback.csv"
        if earlier < ORIGIN or not path.is_file():
            break
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        still_open = frame[frame["status"].isin(("open", "in_progress"))]
        earlier_end = parse(earlier).end.value // 10**9
        for feedback_id, kind in zip(still_open["feedback_id"], still_open["kind"]):
            closing = _closing(run.seed, feedback_id, kind, earlier_end)
            if closing is not None and start <= closing[0] <= end:
                rows.append((closing[0], feedback_id, closing[1], closing[2]))
    rows.sort()
    return pd.DataFrame({
        "feedback_id": [r[1] for r in rows], "status": [r[2] for r in rows],
        "resolved_at": fmt_datetime(np.array([r[0] for r in rows], dtype=np.int64)),
        "substantiated": [r[3] for r in rows]}, dtype=object)
