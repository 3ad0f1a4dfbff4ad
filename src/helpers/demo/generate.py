"""Deterministic synthetic demo data for the model case, with the ground truth behind it.

``generate`` writes ``<out>/<YYYY-MM>/{tickets,surveys,feedback,staff,self_assessment}.csv`` and
``<out>/initiatives.csv`` following the raw data contract in DESIGN.md, and a ground-truth JSON
that tests and validation commands read (never a report): each employee's true skill, each
injected initiative effect in natural units and the deliberate CSAT dip.

Conventions the KPI, satisfaction and impact code can rely on
--------------------------------------------------------------
* **Self-service** (``eservices``): ``employee_id``, ``called_at`` and ``started_at`` are *null* (no
  queue, no agent); ``ended_at`` is when the customer submitted (completed) or gave up (abandoned).
  Wait and handle time are therefore null for self-service and it never enters service level.
* **Abandoned** (staffed channels): ``called_at`` and ``started_at`` are null and ``ended_at`` is when
  the customer left the queue, so time-to-abandon is ``ended_at - created_at`` (about a third of
  phone abandons are under 10 s).
* **No-show** (booked walk-in or video appointments): ``called_at``, ``started_at`` and ``ended_at``
  are null; ``created_at`` is the appointment time.
* Every ticket except self-service names an ``employee_id``, abandons and no-shows included: the
  agent it was routed or booked to (the contract allows null only for self-service).
* ``resolved_first_contact``: true/false for completed staffed tickets, false for transfers, null
  for referrals, abandons, no-shows and self-service.
* ``assisted_digital`` is true only on completed walk-in tickets.
* A ticket's timestamps all fall on its own working day; ``created_at`` is within opening hours
  (Ramadan hours in Ramadan). Survey responses and online feedback may arrive on any day of the
  week (customers answer from their phones); in-person and phone feedback only on working days.
* Surveys are filed by the month of ``submitted_at``: a response sent on the 1st about a ticket of
  the 31st sits in the next month's folder. The first month of a run carries such responses only
  when the previous month's tickets exist too (in the same run or already under ``out``), so a
  survey never points at a missing ticket.
* Feedback is a snapshot at the end of its month: a message not closed by then is ``open`` or
  ``in_progress`` with ``resolved_at`` null. Such a message is closed later, in the
  ``feedback_updates`` file of the month it closes in: after a further delay drawn for that
  message alone (from the seed and its id), within twelve months; 4% are never closed. A month
  with no such closing has no ``feedback_updates`` file.

Determinism: every random draw comes from a numpy Generator seeded by (seed, month, stream); the
staff roster and the self-assessment states are simulated forward from ``ORIGIN`` with one such
Generator per month. A month's files thus depend only on the seed and the months up to it, and a
longer range leaves earlier months byte-identical.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from ..base.config import Config, ConfigError, load_config
from ..base.messages import LANGS
from ..base.periods import months_between, parse

ORIGIN = "2023-01"
_ORIGIN_DAY = np.datetime64("2023-01-01")

TABLES = ("tickets", "surveys", "feedback", "feedback_updates", "staff", "self_assessment")
COLUMNS = {
    "tickets": ["ticket_id", "centre_id", "channel_id", "service_id", "employee_id", "customer_ref",
                "created_at", "booked", "called_at", "started_at", "ended_at", "outcome",
                "resolved_first_contact", "assisted_digital"],
    "surveys": ["response_id", "ticket_id", "centre_id", "channel_id", "service_id", "employee_id",
                "submitted_at", "csat", "nps", "ces", "comment"],
    "feedback": ["feedback_id", "received_at", "source", "kind", "centre_id", "channel_id", "service_id",
                 "employee_id", "category", "text", "status", "resolved_at", "substantiated"],
    "feedback_updates": ["feedback_id", "status", "resolved_at", "substantiated"],
    "staff": ["employee_id", "name_en", "name_ar", "centre_id", "role", "joined_on", "active"],
    "self_assessment": ["centre_id", "criterion_id", "assessed_on", "status", "evidence", "owner",
                        "reason", "blocker", "action", "due_on", "assessor_id"],
}
INITIATIVE_COLUMNS = ["initiative_id", "name_en", "name_ar", "start_on", "end_on", "centres", "channels",
                      "expected", "owner", "description"]

_STREAMS = {"staff": 1, "tickets": 2, "surveys": 3, "comments": 4, "kiosk": 5, "feedback": 6,
            "self_assessment": 7, "names": 8, "closing": 9}

# --- the model case --------------------------------------------------------------------------
CENTRES = ("seef", "tijjar", "virtual")
CHANNELS = ("walk_in", "phone", "whatsapp", "live_chat", "video_call", "email", "eservices")
SERVICES = ("wage_support", "training_grant", "business_support", "certificate", "account_update",
            "payment_enquiry", "general_enquiry", "appeal")
OUTCOMES = ("completed", "abandoned", "no_show", "transferred", "referred")
_WALK, _PHONE, _WHATSAPP, _CHAT, _VIDEO, _EMAIL, _ESERV = range(7)
_COMPLETED, _ABANDONED, _NO_SHOW, _TRANSFERRED, _REFERRED = range(5)
_APPEAL, _BUSINESS = SERVICES.index("appeal"), SERVICES.index("business_support")

# (centre, channel) cells that carry demand, in a fixed order.
_CELLS = ((0, _WALK), (1, _WALK), (2, _PHONE), (2, _WHATSAPP), (2, _CHAT), (2, _VIDEO), (2, _EMAIL), (2, _ESERV))
_CELL_CENTRE = np.array([c for c, _ in _CELLS])
_CELL_CHANNEL = np.array([ch for _, ch in _CELLS])
_CENTRE_KIND = ("walk_in", "walk_in", "virtual")

BASE_DAILY = 1500.0                                   # transactions per working day, all channels
_DOW = {6: 1.15, 0: 1.05, 1: 1.0, 2: 0.97, 3: 0.85}  # Sun..Thu (Python weekday numbers)
_SEASON = (1.05, 1.0, 1.0, 0.97, 1.0, 0.95, 0.9, 0.86, 1.06, 1.05, 1.02, 0.96)
_RAMADAN_VOLUME = 0.8
_POST_HOLIDAY_VOLUME = 1.15

# Hourly arrival weights (hour of day); opening hours from config mask them.
_HOURLY = {
    "walk_in": np.array([.2] * 8 + [.9, 1.3, 1.45, 1.35, 1.05, .95, .85, .6] + [.4] * 8),
    "live": np.array([.3] * 7 + [.45, .9, 1.3, 1.4, 1.3, 1.1, 1.05, 1.0, .95, .85, .7, .5] + [.3] * 5),
    "flat": np.array([.5] * 7 + [.7, 1.0, 1.1, 1.1, 1.1, 1.0, 1.0, 1.0, 1.0, .95, .9, .85] + [.6] * 5),
}
_CURVES = ("walk_in", "live", "flat")
_CHANNEL_CURVE = np.array([0, 1, 1, 1, 1, 2, 2])

# Per channel, in CHANNELS order.
_WAIT_MEDIAN_S = np.array([660.0, 14.0, 55.0, 35.0, 45.0, 2.2 * 3600, np.nan])
_WAIT_SIGMA = np.array([0.75, 1.0, 0.9, 0.9, 0.7, 0.8, 0.0])
_HANDLE_MEDIAN_S = np.array([540.0, 270.0, 420.0, 360.0, 720.0, 360.0, 360.0])
_ABANDON = np.array([0.045, 0.075, 0.05, 0.06, 0.03, 0.0, 0.08])
_TRANSFER = np.array([0.015, 0.04, 0.03, 0.03, 0.02, 0.03, 0.0])
_REFER = np.array([0.03, 0.02, 0.02, 0.02, 0.03, 0.03, 0.01])
_NO_SHOW_P = np.array([0.12, 0.0, 0.0, 0.0, 0.10, 0.0, 0.0])
_BOOKED_P = np.array([0.05, 0.0, 0.0, 0.0, 0.75, 0.0, 0.0])
_RESPONSE_RATE = np.array([0.22, 0.16, 0.28, 0.26, 0.25, 0.15, 0.19])
_CUSTOMER_NULL = np.array([0.06, 0.25, 0.03, 0.35, 0.02, 0.10, 0.0])
_CSAT_CHANNEL = np.array([0.0, -0.015, 0.02, 0.015, 0.02, -0.03, -0.02])
_CSAT_CENTRE = np.array([0.005, -0.015, 0.0])

# Service mix by channel (rows: CHANNELS, columns: SERVICES).
_SERVICE_MIX = np.array([
    [.18, .12, .14, .12, .12, .12, .12, .08],
    [.12, .08, .08, .06, .10, .22, .28, .06],
    [.10, .10, .06, .12, .12, .20, .28, .02],
    [.10, .10, .06, .12, .14, .20, .26, .02],
    [.20, .20, .25, .05, .05, .05, .05, .15],
    [.15, .05, .15, .10, .10, .15, .15, .15],
    [.15, .15, .05, .30, .25, .10, .00, .00],
])
# Per service, in SERVICES order: how hard it is.
_SVC_HANDLE = np.array([1.2, 1.1, 1.4, 0.8, 0.9, 0.8, 0.6, 1.8])
_SVC_CSAT = np.array([-0.015, 0.0, -0.035, 0.02, 0.01, -0.005, 0.02, -0.14])
_SVC_FCR = np.array([-0.04, -0.02, -0.08, 0.10, 0.08, 0.05, 0.10, -0.20])

_CSAT_BASE = 0.84
_CSAT_TREND_PER_MONTH = 0.0012
_CSAT_SKILL = 0.035        # top-box probability per SD of effective skill
_HANDLE_SKILL = 0.12       # handle time multiplied by exp(-0.12 * effective skill)
_RAMP = 0.8                # new joiners start this many SD weaker ...
_RAMP_MONTHS = 4.0         # ... and the gap shrinks by e every four months

# --- initiatives: the registry and the effects injected ----------------------------------------
INITIATIVES = (
    {"initiative_id": "INI-01", "name_en": "WhatsApp service channel", "name_ar": "إطلاق الخدمة عبر واتساب",
     "start_on": "2023-07-02", "end_on": "", "centres": "virtual", "channels": "whatsapp",
     "expected": "virtual_share:up", "owner": "it",
     "description": "Customers can make enquiries and follow up applications with an agent over WhatsApp."},
    {"initiative_id": "INI-02", "name_en": "Queue management and appointments",
     "name_ar": "نظام إدارة الانتظار وحجز المواعيد",
     "start_on": "2023-09-03", "end_on": "", "centres": "seef;tijjar", "channels": "walk_in",
     "expected": "wait:down", "owner": "customer_service",
     "description": "Electronic ticketing with SMS call-forward and online appointment booking at both walk-in centres."},
    {"initiative_id": "INI-03", "name_en": "Counter education campaign at Seef",
     "name_ar": "حملة التوعية بالخدمات الإلكترونية في مركز السيف",
     "start_on": "2023-11-05", "end_on": "", "centres": "seef", "channels": "walk_in;eservices",
     "expected": "virtual_share:up", "owner": "communications",
     "description": "Floor guides at Seef show waiting customers how to finish routine transactions on the e-services portal."},
    {"initiative_id": "INI-04", "name_en": "E-services portal redesign", "name_ar": "إعادة تصميم بوابة الخدمات الإلكترونية",
     "start_on": "2024-02-04", "end_on": "", "centres": "all", "channels": "eservices",
     "expected": "virtual_share:up", "owner": "it",
     "description": "Simpler forms, document upload from the phone and status tracking on the e-services portal."},
    {"initiative_id": "INI-05", "name_en": "Staff courtesy training", "name_ar": "برنامج تدريب الموظفين على فن التعامل",
     "start_on": "2024-05-05", "end_on": "2024-06-27", "centres": "all",
     "channels": "walk_in;phone;whatsapp;live_chat;video_call;email",
     "expected": "csat:up", "owner": "hr_training",
     "description": "Customer-care and courtesy workshop for all front-line staff, with mystery-shopper follow-up."},
    {"initiative_id": "INI-06", "name_en": "Employer e-newsletter", "name_ar": "النشرة الإلكترونية لأصحاب العمل",
     "start_on": "2024-07-14", "end_on": "2024-09-30", "centres": "all", "channels": "eservices",
     "expected": "virtual_share:up", "owner": "communications",
     "description": "Monthly e-mail to registered employers promoting the e-services portal."},
    {"initiative_id": "INI-07", "name_en": "Video-call service", "name_ar": "خدمة مكالمات الفيديو",
     "start_on": "2024-10-06", "end_on": "", "centres": "virtual", "channels": "video_call",
     "expected": "virtual_share:up", "owner": "customer_service",
     "description": "Booked video calls with an agent for complex cases such as business support and appeals."},
)
_START = {i["initiative_id"]: np.datetime64(i["start_on"]) for i in INITIATIVES}

_WHATSAPP_SHARE = 0.05        # INI-01: new demand share, plus a quarter of phone moves over
_WHATSAPP_FROM_PHONE = 0.25
_QMS_WAIT_FACTOR = 0.6        # INI-02: walk-in queue wait multiplied
_QMS_BOOKED = (0.05, 0.20)    # INI-02: walk-in booked share before, after
_QMS_ABANDON = (0.045, 0.025)  # INI-02: walk-in abandon probability before, after
_SEEF_DIVERTED = 0.12         # INI-03: share of Seef walk-in demand moved to e-services
_SEEF_ASSISTED = 0.08         # INI-03: added assisted-digital probability at Seef
_ESERV_SHARE = 0.06           # INI-04: new e-services demand share
_ESERV_CSAT = 0.04            # INI-04: e-services top-box probability
_ESERV_CES = 0.35             # INI-04: chance an e-services CES answer is one point higher
_COURTESY_CSAT = 0.03         # INI-05: staffed channels' top-box probability
_VIDEO_SHARE = 0.012          # INI-07: video-call demand share

DIP = {"centre_id": "tijjar", "months": ("2024-08",), "csat_pp": -9.0,
       "cause": "air-conditioning failure during renovation works"}
_DIP_CENTRE = CENTRES.index(DIP["centre_id"])

# --- staff -------------------------------------------------------------------------------------
_ROSTER_START = {"seef": {"supervisor": 1, "senior_agent": 2, "agent": 9},
                 "tijjar": {"supervisor": 1, "senior_agent": 2, "agent": 7},
                 "virtual": {"supervisor": 2, "senior_agent": 3, "agent": 12}}
_HEADCOUNT = {"seef": (11, 8), "tijjar": (9, 7), "virtual": (15, 24)}  # agents+seniors, Jan 2023 -> Dec 2024
_LEAVE_RATE = 0.012
_FIRST_M = ("Ahmed", "Mohammed", "Ali", "Hasan", "Hussain", "Abdulla", "Khalid", "Yusuf", "Ebrahim", "Jassim",
            "Salman", "Isa", "Mahmood", "Fawaz", "Nawaf", "Rashid", "Hamad", "Faisal", "Abbas", "Jaffar",
            "Mustafa", "Qassim")
_FIRST_M_AR = ("أحمد", "محمد", "علي", "حسن", "حسين", "عبدالله", "خالد", "يوسف", "إبراهيم", "جاسم",
               "سلمان", "عيسى", "محمود", "فواز", "نواف", "راشد", "حمد", "فيصل", "عباس", "جعفر",
               "مصطفى", "قاسم")
_FIRST_F = ("Fatima", "Maryam", "Zainab", "Noora", "Aisha", "Sara", "Latifa", "Hessa", "Amina", "Zahra",
            "Ruqaya", "Layla", "Dana", "Reem", "Shaikha", "Huda", "Asma", "Khadija", "Masooma", "Eman",
            "Hawra", "Bushra")
_FIRST_F_AR = ("فاطمة", "مريم", "زينب", "نورة", "عائشة", "سارة", "لطيفة", "حصة", "آمنة", "زهراء",
               "رقية", "ليلى", "دانة", "ريم", "شيخة", "هدى", "أسماء", "خديجة", "معصومة", "إيمان",
               "حوراء", "بشرى")
_FAMILY = ("Al Doseri", "Al Mahmood", "Al Sayed", "Al Hashimi", "Al Moawda", "Bukhammas", "Al Alawi", "Janahi",
           "Fakhro", "Al Zayani", "Al Binali", "Al Jalahma", "Al Musallam", "Al Shehabi", "Al Aradi",
           "Al Mannai", "Al Qassab", "Mattar", "Al Ansari", "Al Buainain", "Al Mulla", "Hubail", "Al Ghanem",
           "Al Kooheji", "Al Jowder", "Al Asfoor", "Al Haddad", "Al Aali", "Al Khaja", "Al Abbasi")
_FAMILY_AR = ("الدوسري", "المحمود", "السيد", "الهاشمي", "المعاودة", "بوخماس", "العلوي", "جناحي",
              "فخرو", "الزياني", "البنعلي", "الجلاهمة", "المسلم", "الشهابي", "العرادي",
              "المناعي", "القصاب", "مطر", "الأنصاري", "البوعينين", "الملا", "هبيل", "الغانم",
              "الكوهجي", "الجودر", "العصفور", "الحداد", "العالي", "الخاجة", "العباسي")


def _rng(seed: int, month: str, stream: str) -> np.random.Generator:
    """The Generator for one (seed, month, stream): the unit of determinism."""
    return np.random.default_rng(np.random.SeedSequence([seed, int(month[:4]), int(month[5:7]), _STREAMS[stream]]))


def _months_since_origin(days: np.ndarray) -> np.ndarray:
    return (days - _ORIGIN_DAY).astype("timedelta64[D]").astype(float) / 30.4375


def _on(initiative_id: str, days: np.ndarray, off: frozenset = frozenset()) -> np.ndarray:
    """Whether an initiative's injected effect is active on each day (a step from start_on)."""
    if initiative_id in off:
        return np.zeros(days.shape, dtype=bool)
    return days >= _START[initiative_id]


def _previous_month(month: str) -> str:
    return f"{parse(month).start - timedelta(days=1):%Y-%m}"


def _month_index(month: str) -> int:
    return (int(month[:4]) - 2023) * 12 + int(month[5:7]) - 1


# --- calendar ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Calendar:
    month: str
    all_days: np.ndarray      # datetime64[D], every day of the month
    days: np.ndarray          # datetime64[D], working days
    ramadan: np.ndarray       # bool per working day
    post_holiday: np.ndarray  # bool per working day
    hours: dict               # centre kind -> (open minute, close minute) arrays per working day


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def _calendar(cfg: Config, month: str) -> _Calendar:
    period = parse(month)
    all_days = [period.start + timedelta(days=i) for i in range((period.last - period.start).days + 1)]
    working = [d for d in all_days if cfg.is_working_day(d)]
    holidays = set(cfg.holidays)
    post = [any((d - timedelta(days=k)) in holidays for k in (1, 2, 3)) for d in working]
    hours = {}
    for kind in ("walk_in", "virtual"):
        pairs = [cfg.opening_hours(kind, d) for d in working]
        hours[kind] = (np.array([_minutes(o) for o, _ in pairs], dtype=np.int64),
                       np.array([_minutes(c) for _, c in pairs], dtype=np.int64))
    return _Calendar(month, np.array(all_days, dtype="datetime64[D]"), np.array(working, dtype="datetime64[D]"),
                     np.array([cfg.is_ramadan(d) for d in working], dtype=bool), np.array(post, dtype=bool), hours)


def _last_working_day(cfg: Config, month: str) -> date:
    d = parse(month).last
    while not cfg.is_working_day(d):
        d -= timedelta(days=1)
    return d


def _first_working_day(cfg: Config, month: str) -> date:
    d = parse(month).start
    while not cfg.is_working_day(d):
        d += timedelta(days=1)
    return d


# --- staff roster ------------------------------------------------------------------------------
@dataclass
class _Employee:
    employee_id: str
    name_en: str
    name_ar: str
    centre_id: str
    role: str
    joined_on: date
    skill: float
    appeal_desk: bool
    left_in: str | None = None


def _headcount_target(centre: str, month: str) -> int:
    first, last = _HEADCOUNT[centre]
    k = min(_month_index(month), 23) / 23
    return int(round(first + (last - first) * k))


def _simulate_staff(cfg: Config, seed: int, last_month: str) -> tuple[list[_Employee], dict[str, pd.DataFrame]]:
    """Every employee ever hired up to ``last_month`` and each month's roster frame.

    A roster lists everyone on the books that month; a leaver appears one last time with
    ``active`` false and serves nothing that month. ``eff`` is the effective skill that month:
    true skill less a new-joiner gap of ``_RAMP * exp(-tenure_months / _RAMP_MONTHS)``.
    """
    name_rng = _rng(seed, ORIGIN, "names")
    firsts = list(zip(_FIRST_M + _FIRST_F, _FIRST_M_AR + _FIRST_F_AR))
    pool = [(f[0] + " " + s[0], f[1] + " " + s[1]) for f in firsts for s in zip(_FAMILY, _FAMILY_AR)]
    order = name_rng.permutation(len(pool))
    names = iter(pool[i] for i in order)
    staff: list[_Employee] = []

    def hire(centre, role, joined, skill, appeal_desk=False):
        en, ar = next(names)
        staff.append(_Employee(f"E{1001 + len(staff)}", en, ar, centre, role, joined, float(skill), appeal_desk))

    rosters = {}
    for month in months_between(ORIGIN, last_month):
        rng = _rng(seed, month, "staff")
        if month == ORIGIN:
            for centre in CENTRES:
                for role, n in _ROSTER_START[centre].items():
                    lo, hi, mu, sd = {"supervisor": (2010, 2016, 0.4, 0.6), "senior_agent": (2012, 2018, 0.3, 0.8),
                                      "agent": (2014, 2022, 0.0, 1.0)}[role]
                    for k in range(n):
                        joined = date(int(rng.integers(lo, hi + 1)), 1, 1) + timedelta(days=int(rng.integers(0, 360)))
                        skill = float(np.clip(rng.normal(mu, sd), -2.5, 2.5))
                        hire(centre, role, joined, round(skill, 4), appeal_desk=(role == "agent" and k == 0))
        else:
            current = [e for e in staff if e.left_in is None and e.role != "supervisor"]
            leaves = rng.random(len(current)) < _LEAVE_RATE
            for e, gone in zip(current, leaves):
                if gone:
                    e.left_in = month
            joined = _first_working_day(cfg, month)
            for centre in CENTRES:
                working = sum(1 for e in staff if e.centre_id == centre and e.left_in is None and e.role != "supervisor")
                for _ in range(max(0, _headcount_target(centre, month) - working)):
                    hire(centre, "agent", joined, round(float(np.clip(rng.normal(0.0, 1.0), -2.5, 2.5)), 4))
        rosters[month] = _roster_frame(staff, month)
    return staff, rosters


def _roster_frame(staff: list[_Employee], month: str) -> pd.DataFrame:
    end = parse(month).last
    m_idx = _month_index(month)
    rows = []
    for e in staff:
        if e.joined_on > end or (e.left_in is not None and e.left_in < month):
            continue
        tenure = max(0, m_idx - ((e.joined_on.year - 2023) * 12 + e.joined_on.month - 1))
        eff = e.skill - _RAMP * math.exp(-tenure / _RAMP_MONTHS)
        rows.append({"employee_id": e.employee_id, "name_en": e.name_en, "name_ar": e.name_ar,
                     "centre_id": e.centre_id, "role": e.role, "joined_on": e.joined_on,
                     "active": e.left_in != month, "eff": eff, "appeal_desk": e.appeal_desk})
    return pd.DataFrame(rows).sort_values(["centre_id", "employee_id"], kind="stable").reset_index(drop=True)


# --- demand and outcomes -----------------------------------------------------------------------
def _demand_shares(days: np.ndarray, off: frozenset = frozenset()) -> np.ndarray:
    """Expected share of the day's demand in each ``_CELLS`` cell, shape (cells, days)."""
    t = _months_since_origin(days)
    v_base = np.clip(0.345 + 0.0045 * t, 0.0, 0.8)
    wa, es, vid, seef = (_on(i, days, off) for i in ("INI-01", "INI-04", "INI-07", "INI-03"))
    v = v_base + _WHATSAPP_SHARE * wa + _ESERV_SHARE * es + _VIDEO_SHARE * vid
    walk = 1.0 - v
    seef_walk, tijjar_walk = 0.55 * walk, 0.45 * walk
    moved = _SEEF_DIVERTED * seef_walk * seef
    phone = 0.44 * v_base
    return np.vstack([
        seef_walk - moved,
        tijjar_walk,
        phone * (1 - _WHATSAPP_FROM_PHONE * wa),
        (_WHATSAPP_SHARE + phone * _WHATSAPP_FROM_PHONE) * wa,
        0.14 * v_base,
        _VIDEO_SHARE * vid,
        0.09 * v_base,
        0.33 * v_base + _ESERV_SHARE * es + moved,
    ])


def _booked_probability(channel: np.ndarray, qms: np.ndarray) -> np.ndarray:
    p = _BOOKED_P[channel]
    return np.where(channel == _WALK, np.where(qms, _QMS_BOOKED[1], _QMS_BOOKED[0]), p)


def _outcome_probabilities(channel, booked, qms, load) -> np.ndarray:
    """P(outcome) per ticket, columns in OUTCOMES order; ``load`` scales walk-in and phone abandons."""
    ab = np.where(channel == _WALK, np.where(qms, _QMS_ABANDON[1], _QMS_ABANDON[0]), _ABANDON[channel])
    ab = np.where(booked & (channel == _WALK), 0.005, ab)
    ab = np.where((channel == _WALK) | (channel == _PHONE), ab * np.clip(load, 0.5, 2.0) ** 1.5, ab)
    ns = np.where(booked, _NO_SHOW_P[channel], 0.0)
    keep = 1.0 - ns
    tr, rf, ab = _TRANSFER[channel] * keep, _REFER[channel] * keep, ab * keep
    return np.column_stack([1.0 - ns - tr - rf - ab, ab, ns, tr, rf])


def _expected_virtual_share(days: np.ndarray, off: frozenset = frozenset()) -> np.ndarray:
    """Expected completed-virtual ÷ all completed per day, with the initiatives in ``off`` removed."""
    shares = _demand_shares(days, off)
    qms = _on("INI-02", days, off)
    virtual = np.zeros(days.shape)
    total = np.zeros(days.shape)
    for k, ch in enumerate(_CELL_CHANNEL):
        chan = np.full(days.shape, ch)
        pb = _booked_probability(chan, qms)
        done = (pb * _outcome_probabilities(chan, np.ones_like(qms), qms, 1.0)[:, 0]
                + (1 - pb) * _outcome_probabilities(chan, np.zeros_like(qms), qms, 1.0)[:, 0])
        total += shares[k] * done
        if ch != _WALK:
            virtual += shares[k] * done
    return virtual / total


# --- formatting --------------------------------------------------------------------------------
_HEX2 = np.array([f"{i:02x}" for i in range(256)])


def _fmt_datetime(seconds: np.ndarray) -> np.ndarray:
    """``YYYY-MM-DD HH:MM:SS`` from epoch seconds (local time); -1 gives ''."""
    stamps = seconds.astype("datetime64[s]")
    text = np.datetime_as_string(stamps, unit="s").astype("U19")
    text.view(np.uint32).reshape(-1, 19)[:, 10] = ord(" ")
    return np.where(seconds < 0, "", text)


def _fmt_bool(values: np.ndarray) -> np.ndarray:
    return np.where(values, "true", "false")


def _fmt_int(values: np.ndarray) -> np.ndarray:
    """Integers as text; negative means null."""
    return np.where(values < 0, "", values.astype(np.int64).astype(str))


def _ids(prefix: str, month: str, n: int, width: int) -> np.ndarray:
    numbers = np.strings.zfill(np.arange(1, n + 1).astype(str), width)
    return np.strings.add(f"{prefix}{month[2:4]}{month[5:7]}-", numbers)


def _take(rows: dict, index: np.ndarray) -> dict:
    """The same rows (a dict of equal-length arrays) at ``index``."""
    return {k: v[index] for k, v in rows.items()}


def _write_csv(frame: pd.DataFrame, path: Path, columns: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame[columns].to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


# --- the run context ---------------------------------------------------------------------------
@dataclass
class _Run:
    cfg: Config
    seed: int
    scale: float
    thresholds: np.ndarray                 # service-level threshold (s) per channel, nan for self-service
    names: dict = field(default_factory=dict)
    calendars: dict = field(default_factory=dict)

    def calendar(self, month: str) -> _Calendar:
        if month not in self.calendars:
            self.calendars[month] = _calendar(self.cfg, month)
        return self.calendars[month]


def _check_config(cfg: Config) -> None:
    for key, needed in (("centres", CENTRES), ("channels", CHANNELS), ("services", SERVICES)):
        missing = sorted(set(needed) - set(cfg.ids(key)))
        if missing:
            raise ConfigError(f"the demo generator models the Labour Fund case; config/entity.yaml lacks {key}: "
                              f"{', '.join(missing)}")
    for centre, kind in zip(CENTRES, _CENTRE_KIND):
        if cfg.centre_kind(centre) != kind:
            raise ConfigError(f"the demo generator expects centre {centre!r} to be of kind {kind!r}")


# --- tickets -----------------------------------------------------------------------------------
def _arrival_seconds(rng, curve, open_min, close_min) -> tuple[np.ndarray, np.ndarray]:
    """Seconds after midnight for each ticket, and the hour's busyness relative to the day's mean."""
    n = curve.size
    seconds = np.zeros(n, dtype=np.int64)
    busy = np.ones(n)
    key = curve.astype(np.int64) * 10**8 + open_min * 10**4 + close_min
    minute_hour = np.arange(1440) // 60
    for k in np.unique(key):
        rows = np.flatnonzero(key == k)
        c, o, cl = int(k // 10**8), int(k // 10**4 % 10**4), int(k % 10**4)
        weights = np.where((np.arange(1440) >= o) & (np.arange(1440) < cl), _HOURLY[_CURVES[c]][minute_hour], 0.0)
        minutes = rng.choice(1440, size=rows.size, p=weights / weights.sum())
        seconds[rows] = minutes * 60 + rng.integers(0, 60, rows.size)
        busy[rows] = weights[minutes] / weights[o:cl].mean()
    return seconds, busy


def _assign_employees(rng, centre, service, staffed, roster) -> tuple[np.ndarray, np.ndarray]:
    """Employee id and effective skill per ticket; appeals go mostly to seniors and the appeal desk."""
    employee = np.full(centre.size, "", dtype=object)
    eff = np.zeros(centre.size)
    for c_idx, c_id in enumerate(CENTRES):
        team = roster[(roster["centre_id"] == c_id) & roster["active"]]
        ids, skill = team["employee_id"].to_numpy(dtype=object), team["eff"].to_numpy(dtype=float)
        base = team["role"].map({"agent": 1.0, "senior_agent": 0.9, "supervisor": 0.15}).to_numpy(dtype=float)
        senior = (team["role"] == "senior_agent").to_numpy()
        desk = team["appeal_desk"].to_numpy(dtype=bool)
        for s_idx in range(len(SERVICES)):
            rows = np.flatnonzero(staffed & (centre == c_idx) & (service == s_idx))
            if rows.size == 0:
                continue
            w = base.copy()
            if s_idx == _APPEAL:
                w = w * np.where(senior | desk, 6.0, 1.0)
            elif s_idx == _BUSINESS:
                w = w * np.where(senior, 2.0, 1.0)
            pick = rng.choice(ids.size, size=rows.size, p=w / w.sum())
            employee[rows], eff[rows] = ids[pick], skill[pick]
    return employee, eff


def _lognormal(rng, median, sigma, size) -> np.ndarray:
    return np.exp(np.log(median) + sigma * rng.standard_normal(size))


def _tickets(run: _Run, month: str, roster: pd.DataFrame) -> dict:
    """One month of tickets with the hidden drivers (wait, skill, FCR) the surveys need."""
    rng = _rng(run.seed, month, "tickets")
    cal = run.calendar(month)
    days = cal.days
    n_days = days.size
    dow = np.array([_DOW.get(d.weekday(), 1.0) for d in days.astype(object)])
    demand = (BASE_DAILY * run.scale * dow * _SEASON[int(month[5:7]) - 1]
              * np.where(cal.ramadan, _RAMADAN_VOLUME, 1.0) * np.where(cal.post_holiday, _POST_HOLIDAY_VOLUME, 1.0)
              * (1 + 0.02 * _months_since_origin(days) / 12) * np.exp(rng.normal(0, 0.06, n_days)))
    counts = rng.poisson(demand[None, :] * _demand_shares(days))
    cell = np.repeat(np.repeat(np.arange(len(_CELLS)), n_days), counts.ravel())
    day = np.repeat(np.tile(np.arange(n_days), len(_CELLS)), counts.ravel())
    n = cell.size
    centre, channel = _CELL_CENTRE[cell], _CELL_CHANNEL[cell]
    walk, staffed = channel == _WALK, channel != _ESERV
    load = (demand / demand.mean())[day]
    dayt = days[day]
    t = _months_since_origin(dayt)

    kind_walk = centre < 2
    open_min = np.where(kind_walk, cal.hours["walk_in"][0][day], cal.hours["virtual"][0][day])
    close_min = np.where(kind_walk, cal.hours["walk_in"][1][day], cal.hours["virtual"][1][day])
    tod, busy = _arrival_seconds(rng, _CHANNEL_CURVE[channel], open_min, close_min)
    day_start = days.astype("datetime64[s]").astype(np.int64)[day]
    created = day_start + tod
    day_end = day_start + 86399

    service = np.zeros(n, dtype=np.int64)
    for ch in range(len(CHANNELS)):
        rows = np.flatnonzero(channel == ch)
        service[rows] = rng.choice(len(SERVICES), size=rows.size, p=_SERVICE_MIX[ch])

    qms = _on("INI-02", dayt)
    booked = rng.random(n) < _booked_probability(channel, qms)
    probs = _outcome_probabilities(channel, booked, qms, load)
    outcome = (rng.random(n)[:, None] > np.cumsum(probs, axis=1)[:, :-1]).sum(axis=1)

    median = np.where(walk, np.where(booked, 150.0, np.where(qms, 660.0 * _QMS_WAIT_FACTOR, 660.0)),
                      _WAIT_MEDIAN_S[channel])
    factor = np.select([walk, channel == _PHONE, channel == _EMAIL],
                       [load ** 1.5 * busy, load * busy ** 0.8, np.ones(n)], busy ** 0.5)
    wait = median * factor * np.exp(_WAIT_SIGMA[channel] * rng.standard_normal(n))
    gap = np.where(walk, rng.uniform(15, 90, n), 0.0)

    employee, eff = _assign_employees(rng, centre, service, staffed, roster)
    handle = (_HANDLE_MEDIAN_S[channel] * _SVC_HANDLE[service] * np.exp(-_HANDLE_SKILL * eff)
              * np.exp(0.45 * rng.standard_normal(n)))
    handle *= np.select([outcome == _TRANSFERRED, outcome == _REFERRED, outcome == _ABANDONED], [0.4, 0.6, 0.5], 1.0)
    u_ab = rng.random(n)
    abandon_after = np.select(
        [walk, channel == _PHONE, channel == _VIDEO],
        [wait * (0.2 + 0.8 * u_ab),
         np.where(u_ab < 0.33, 1 + 8.9 * rng.random(n), _lognormal(rng, 45.0, 0.8, n)),
         _lognormal(rng, 60.0, 0.6, n)],
        _lognormal(rng, 150.0, 0.8, n))
    fcr_draw = rng.random(n)
    assisted_draw = rng.random(n)
    null_ref = rng.random(n) < _CUSTOMER_NULL[channel]
    customer = np.floor(400_000 * rng.beta(0.7, 1.6, n)).astype(np.uint64)

    served = staffed & np.isin(outcome, (_COMPLETED, _TRANSFERRED, _REFERRED))
    w, g, h = np.round(wait), np.round(gap), np.maximum(1, np.round(handle))
    w = np.where(served, np.minimum(np.nan_to_num(w), np.maximum(0, day_end - created - g - h)), np.nan)
    h = np.where(served, np.maximum(1, np.minimum(h, day_end - created - np.nan_to_num(w) - g)), h)
    called = np.where(served, created + np.nan_to_num(w), -1).astype(np.int64)
    started = np.where(served, called + g, -1).astype(np.int64)
    ended = np.select(
        [served, staffed & (outcome == _ABANDONED), ~staffed],
        [started + h, np.minimum(created + np.maximum(1, np.round(abandon_after)), day_end),
         np.minimum(created + h, day_end)], -1).astype(np.int64)

    p_fcr = np.clip(0.80 + 0.03 * eff + _SVC_FCR[service], 0.3, 0.97)
    fcr = np.select([staffed & (outcome == _COMPLETED), outcome == _TRANSFERRED],
                    [(fcr_draw < p_fcr).astype(np.int64), np.zeros(n, dtype=np.int64)], -1)
    p_assist = 0.035 + 0.0008 * t + _SEEF_ASSISTED * ((centre == 0) & _on("INI-03", dayt))
    assisted = walk & (outcome == _COMPLETED) & (assisted_draw < p_assist)

    salt = np.uint64((run.seed * 0x9E3779B1 + 0x7F4A7C15) % 2**32)
    hashed = (customer * np.uint64(2654435761) + salt) % np.uint64(2**32)
    ref = "C-"
    for shift in (24, 16, 8, 0):
        ref = np.strings.add(ref, _HEX2[(hashed >> np.uint64(shift)) & np.uint64(255)])
    customer_ref = np.where(null_ref, "", ref)

    order = np.lexsort((channel, centre, created))
    rows = _take({
        "centre": centre, "channel": channel, "service": service, "employee": employee.astype(str),
        "customer_ref": customer_ref, "created": created, "booked": booked, "called": called,
        "started": started, "ended": ended, "outcome": outcome, "fcr": fcr, "assisted": assisted,
        "wait": w, "eff": eff, "day": dayt,
    }, order)
    rows["ticket_id"] = _ids("T", month, n, 6)
    return rows


def _ticket_rows(tk: dict) -> pd.DataFrame:
    """The contract's tickets table from the internal rows."""
    fcr = tk["fcr"]
    return pd.DataFrame({
        "ticket_id": tk["ticket_id"],
        "centre_id": np.array(CENTRES)[tk["centre"]],
        "channel_id": np.array(CHANNELS)[tk["channel"]],
        "service_id": np.array(SERVICES)[tk["service"]],
        "employee_id": tk["employee"],
        "customer_ref": tk["customer_ref"],
        "created_at": _fmt_datetime(tk["created"]),
        "booked": _fmt_bool(tk["booked"]),
        "called_at": _fmt_datetime(tk["called"]),
        "started_at": _fmt_datetime(tk["started"]),
        "ended_at": _fmt_datetime(tk["ended"]),
        "outcome": np.array(OUTCOMES)[tk["outcome"]],
        "resolved_first_contact": np.select([fcr == 1, fcr == 0], ["true", "false"], ""),
        "assisted_digital": _fmt_bool(tk["assisted"]),
    }, dtype=object)


# --- surveys and comments ----------------------------------------------------------------------
_NPS_GIVEN = np.array([  # rows: csat 1..5, columns: nps 0..10
    [.45, .25, .15, .10, .05, 0, 0, 0, 0, 0, 0],
    [.10, .10, .20, .25, .20, .10, .05, 0, 0, 0, 0],
    [0, 0, 0, .05, .10, .25, .30, .20, .10, 0, 0],
    [0, 0, 0, 0, 0, 0, .08, .25, .37, .20, .10],
    [0, 0, 0, 0, 0, 0, 0, 0, .08, .30, .62],
])
_CES_GIVEN = np.array([  # rows: csat 1..5, columns: ces 1..7
    [.60, .30, .10, 0, 0, 0, 0],
    [.25, .35, .30, .10, 0, 0, 0],
    [0, .10, .30, .35, .25, 0, 0],
    [0, 0, 0, .12, .38, .35, .15],
    [0, 0, 0, 0, .12, .35, .53],
])
_COMMENT_P = np.array([0.6, 0.6, 0.45, 0.22, 0.3])


def _draw_from(rng, table: np.ndarray, row: np.ndarray) -> np.ndarray:
    cdf = np.cumsum(table, axis=1)[row]
    return (rng.random(row.size)[:, None] > cdf[:, :-1]).sum(axis=1)


def _top_box_probability(run: _Run, centre, channel, service, wait, outcome, fcr, eff, day, months) -> np.ndarray:
    """P(CSAT 4–5): a linear-probability model, so every injected effect is in percentage points."""
    staffed = channel != _ESERV
    t = _months_since_origin(day)
    threshold = run.thresholds[channel]
    with np.errstate(invalid="ignore", divide="ignore"):
        wait_term = np.where(staffed & ~np.isnan(wait),
                             -0.05 * np.clip(np.log(np.maximum(wait, 1) / threshold), -0.4, 2.5), 0.0)
    contact = np.select(
        [outcome == _TRANSFERRED, outcome == _REFERRED, fcr == 1, fcr == 0], [-0.08, -0.12, 0.02, -0.10], 0.0)
    dip = (centre == _DIP_CENTRE) & np.isin(months, DIP["months"])
    p = (_CSAT_BASE + _CSAT_CHANNEL[channel] + _CSAT_CENTRE[centre] + _SVC_CSAT[service] + wait_term + contact
         + _CSAT_SKILL * eff + _CSAT_TREND_PER_MONTH * t
         + _COURTESY_CSAT * (staffed & _on("INI-05", day))
         + _ESERV_CSAT * (~staffed & _on("INI-04", day))
         + DIP["csat_pp"] / 100 * dip)
    return np.clip(p, 0.02, 0.99)


def _scores(rng, p_top: np.ndarray, service, channel, day) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSAT 1–5, NPS 0–10 and CES 1–7 (-1 = unanswered) consistent with the top-box probability."""
    n = p_top.size
    top = rng.random(n) < p_top
    u = rng.random(n)
    q5 = np.clip(0.55 + 1.2 * (p_top - 0.85), 0.2, 0.9)
    p3 = np.clip(0.5 + 1.5 * (p_top - 0.8), 0.2, 0.75)
    low = np.where(u < p3, 3, np.where(u < p3 + (1 - p3) * 0.55, 1, 2))
    csat = np.where(top, np.where(rng.random(n) < q5, 5, 4), low)
    nps = _draw_from(rng, _NPS_GIVEN, csat - 1)
    ces = _draw_from(rng, _CES_GIVEN, csat - 1) + 1
    hard = np.isin(service, (_APPEAL, _BUSINESS)) & (rng.random(n) < 0.35)
    easier = (channel == _ESERV) & _on("INI-04", day) & (rng.random(n) < _ESERV_CES)
    ces = np.clip(ces - hard + easier, 1, 7)
    nps = np.where(rng.random(n) < 0.12, -1, nps)
    ces = np.where(rng.random(n) < 0.18, -1, ces)
    return csat, nps, ces


def _surveys(run: _Run, month: str, tk: dict) -> tuple[dict, dict]:
    """Responses about ``month``'s tickets: (those submitted in the month, those spilling into the next)."""
    rng = _rng(run.seed, month, "surveys")
    channel, outcome = tk["channel"], tk["outcome"]
    eligible = np.select([outcome == _COMPLETED, outcome == _REFERRED, outcome == _TRANSFERRED], [1.0, 0.6, 0.4], 0.0)
    answered = rng.random(channel.size) < _RESPONSE_RATE[channel] * eligible
    sub = _take(tk, np.flatnonzero(answered))
    n = sub["channel"].size
    centre, channel, service, day = sub["centre"], sub["channel"], sub["service"], sub["day"]
    p_top = _top_box_probability(run, centre, channel, service, sub["wait"], sub["outcome"], sub["fcr"], sub["eff"],
                                 day, np.full(n, month))
    csat, nps, ces = _scores(rng, p_top, service, channel, day)
    delay = np.where(rng.random(n) < 0.85, _lognormal(rng, 360.0, 1.0, n), _lognormal(rng, 20 * 3600.0, 0.8, n))
    submitted = sub["ended"] + np.minimum(np.round(delay), 4 * 86400).astype(np.int64)
    comment = _comments(run, _rng(run.seed, month, "comments"), csat, centre, channel, service,
                        sub["wait"], sub["fcr"], sub["outcome"], month)
    rows = {"ticket_id": sub["ticket_id"], "centre": centre, "channel": channel, "service": service,
            "employee": sub["employee"], "submitted": submitted, "csat": csat, "nps": nps, "ces": ces,
            "comment": comment}
    next_start = parse(_next_month(month)).start_ts.value // 10**9
    spills = submitted >= next_start
    return _take(rows, np.flatnonzero(~spills)), _take(rows, np.flatnonzero(spills))


def _next_month(month: str) -> str:
    return f"{parse(month).last + timedelta(days=1):%Y-%m}"


def _kiosk_surveys(run: _Run, month: str, tk: dict) -> dict:
    """Responses left on the walk-in centres' feedback kiosks: no ticket, service or employee."""
    rng = _rng(run.seed, month, "kiosk")
    cal = run.calendar(month)
    done = tk["centre"][(tk["channel"] == _WALK) & (tk["outcome"] == _COMPLETED)]
    per_centre = [int(rng.poisson(0.012 * (done == c).sum())) for c in (0, 1)]
    centre = np.repeat([0, 1], per_centre)
    n = centre.size
    d = rng.integers(0, cal.days.size, n)
    o, c = cal.hours["walk_in"][0][d], cal.hours["walk_in"][1][d]
    submitted = (cal.days.astype("datetime64[s]").astype(np.int64)[d]
                 + (o * 60 + rng.random(n) * (c - o) * 60).astype(np.int64))
    day = cal.days[d]
    channel = np.full(n, _WALK)
    service = np.full(n, SERVICES.index("general_enquiry"))
    p_top = _top_box_probability(run, centre, channel, service, np.full(n, np.nan), np.full(n, _COMPLETED),
                                 np.full(n, -1), np.zeros(n), day, np.full(n, month))
    csat, nps, ces = _scores(rng, p_top, service, channel, day)
    comment = _comments(run, rng, csat, centre, channel, np.full(n, -1), np.full(n, np.nan), np.full(n, -1),
                        np.full(n, _COMPLETED), month)
    return {"ticket_id": np.full(n, ""), "centre": centre, "channel": channel, "service": np.full(n, -1),
            "employee": np.full(n, ""), "submitted": submitted, "csat": csat, "nps": nps, "ces": ces,
            "comment": comment}


def _survey_rows(month: str, parts: list[dict]) -> pd.DataFrame:
    """The contract's surveys table: carried-over, own and kiosk responses in submission order."""
    rows = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    rows = _take(rows, np.argsort(rows["submitted"], kind="stable"))
    service = rows["service"]
    return pd.DataFrame({
        "response_id": _ids("S", month, service.size, 6),
        "ticket_id": rows["ticket_id"].astype(str),
        "centre_id": np.array(CENTRES)[rows["centre"]],
        "channel_id": np.array(CHANNELS)[rows["channel"]],
        "service_id": np.where(service < 0, "", np.array(SERVICES)[np.maximum(service, 0)]),
        "employee_id": rows["employee"].astype(str),
        "submitted_at": _fmt_datetime(rows["submitted"]),
        "csat": _fmt_int(rows["csat"]),
        "nps": _fmt_int(rows["nps"]),
        "ces": _fmt_int(rows["ces"]),
        "comment": rows["comment"].astype(str),
    }, dtype=object)


# Comment templates by (language, topic). {m}: the wait in minutes; {channel}: the channel's name.
_TEMPLATES = {
    ("ar", "staff"): ["الموظف كان متعاوناً جداً وأنجز معاملتي بسرعة، شكراً له",
                      "تعامل راقٍ وابتسامة دائمة من الموظفة، بارك الله فيكم",
                      "أشكر الموظف على سعة صدره وشرحه الواضح للإجراءات",
                      "خدمة ممتازة واحترافية عالية، جزاكم الله خيراً",
                      "الموظفة قدمت لي كل المعلومات التي أحتاجها دون أي تعقيد"],
    ("ar", "speed"): ["خدمة سريعة ومنظمة، الانتظار لم يتجاوز {m}",
                      "أنجزت معاملتي في وقت قياسي، شكراً لكم",
                      "الإجراءات كانت سهلة وواضحة"],
    ("ar", "general_pos"): ["شكراً على الخدمة المميزة", "ممتاز", "تجربة رائعة، أتمنى أن تستمروا على هذا المستوى",
                            "كل الشكر والتقدير لفريق العمل", "خدمة ممتازة"],
    ("ar", "digital_pos"): ["الخدمة عبر {channel} سهلة وسريعة",
                            "أنجزت الطلب من البيت دون الحاجة لزيارة المركز",
                            "ما احتجت أروح المركز، كل شيء تم عن بعد"],
    ("ar", "portal_pos"): ["البوابة أصبحت أسهل بكثير من قبل", "رفع المستندات من الهاتف سهل جداً",
                           "قدمت الطلب إلكترونياً في أقل من ١٠ دقائق"],
    ("ar", "neutral"): ["الخدمة مقبولة لكن يمكن أن تكون أسرع", "لا بأس، لكن المعلومات لم تكن واضحة تماماً",
                        "جيدة بشكل عام"],
    ("ar", "wait"): ["انتظرت {m} حتى جاء دوري، الانتظار طويل جداً",
                     "عدد الموظفين قليل والانتظار تجاوز {m}",
                     "وقت الانتظار غير مقبول، يجب زيادة عدد الموظفين على الكاونترات"],
    ("ar", "wait_phone"): ["انتظرت على الخط فترة طويلة قبل أن يرد أحد", "الاتصال يتحول إلى الانتظار كل مرة"],
    ("ar", "process"): ["طلبوا مني مستندات إضافية ولم تنجز معاملتي", "اضطررت للتواصل أكثر من مرة لنفس الطلب",
                        "تم تحويلي من موظف لآخر دون حل للمشكلة", "الإجراءات معقدة وتحتاج إلى تبسيط"],
    ("ar", "staff_neg"): ["الموظف لم يكن ملماً بالإجراءات", "أسلوب التعامل غير لائق ويحتاج إلى تحسين"],
    ("ar", "digital"): ["الموقع بطيء والنظام يتعطل عند رفع المستندات",
                        "لم أستطع إكمال الطلب إلكترونياً بسبب خطأ في النظام",
                        "رسالة التحقق لم تصل إلى هاتفي"],
    ("ar", "facilities"): ["المكيفات لا تعمل والجو حار جداً داخل المركز", "المقاعد غير كافية والمكان مزدحم"],
    ("ar", "general_neg"): ["الخدمة تحتاج إلى تحسين", "غير راضٍ عن الخدمة", "تجربة سيئة للأسف"],
    ("en", "staff"): ["The employee was very helpful and finished my request quickly. Thank you!",
                      "Very polite and professional staff.", "Thanks to the officer who explained every step clearly.",
                      "Excellent service, well done to the team."],
    ("en", "speed"): ["Quick and well organised, I only waited {m}.", "Smooth and easy process.",
                      "Done in no time, thanks."],
    ("en", "general_pos"): ["Great service, thank you.", "Excellent", "Keep up the good work!", "Very good"],
    ("en", "digital_pos"): ["Using {channel} was easy and fast.",
                            "Did everything from home without visiting the centre, very convenient.",
                            "No need to go to the centre any more."],
    ("en", "portal_pos"): ["The portal is much easier now.", "Uploading documents from my phone was simple.",
                           "Applied online in under 10 minutes."],
    ("en", "neutral"): ["OK but could be faster.", "Fine, but the information was not very clear.", "Average."],
    ("en", "wait"): ["Waited {m} before my number was called. Far too long.",
                     "Too few counters open, I waited {m}.", "Waiting time is unacceptable."],
    ("en", "wait_phone"): ["I was on hold for a long time before anyone answered.", "Always put on hold."],
    ("en", "process"): ["They asked for more documents and my request is still not done.",
                        "I had to contact you several times for the same request.",
                        "I was transferred between staff and nothing was solved.", "The procedure is too complicated."],
    ("en", "staff_neg"): ["The employee did not know the procedure.", "Rude treatment, needs improvement."],
    ("en", "digital"): ["The website is slow and crashes when uploading documents.",
                        "Could not finish the application online because of a system error.",
                        "The OTP never arrived."],
    ("en", "facilities"): ["The air conditioning was not working and it was very hot inside.",
                           "Not enough seats and the hall was crowded."],
    ("en", "general_neg"): ["Service needs improvement.", "Not satisfied.", "Bad experience unfortunately."],
}
_GREETING = {"ar": ("السلام عليكم، ", "مساء الخير، ", "صباح الخير، "), "en": ("Hi, ", "Hello, ", "Good morning, ")}
_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
_ALEF = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا"})
_DIACRITICS = ("\u064e", "\u064f", "\u0650", "\u0651", "\u064e", "\u0652")
_NON_JOINING = set("اأإآدذرزوؤءة ")


def _minutes_phrase(minutes: int, lang: str, indic: bool) -> str:
    if lang == "en":
        return "1 minute" if minutes == 1 else f"{minutes} minutes"
    number = str(minutes).translate(_INDIC) if indic else str(minutes)
    if minutes == 1:
        return "دقيقة واحدة"
    if minutes == 2:
        return "دقيقتين"
    return f"{number} دقائق" if minutes <= 10 else f"{number} دقيقة"


def _vary_arabic(text: str, u: np.ndarray) -> str:
    """Spelling variants real comments carry: bare alef, final haa for taa marbuta, alef maqsura for
    final yaa, tatweel and diacritics (normalisation must undo them)."""
    if u[0] < 0.15:
        text = text.translate(_ALEF)
    if u[1] < 0.12:
        text = re.sub(r"ة\b", "ه", text)
    if u[2] < 0.10:
        text = re.sub(r"ي\b", "ى", text)
    words = text.split(" ")
    if u[3] < 0.10:
        k = int(u[6] * len(words))
        w = words[k]
        if len(w) >= 4 and w[1] not in _NON_JOINING:
            words[k] = w[:2] + "ـ" * (1 + int(u[7] * 4)) + w[2:]
    if u[4] < 0.10:
        k = int(u[8] * len(words))
        words[k] = "".join(ch + _DIACRITICS[(i + int(u[9] * 6)) % 6] if i % 2 == 0 and "\u0621" <= ch <= "\u064a"
                           else ch for i, ch in enumerate(words[k]))
    return " ".join(words)


def _comments(run: _Run, rng, csat, centre, channel, service, wait, fcr, outcome, month) -> np.ndarray:
    """Free-text comments ('' for none), Arabic or English, tied to the score and to what happened
    (a long wait, a transfer, the dip's broken air conditioning), with real-world spelling noise."""
    n = csat.size
    has = rng.random(n) < _COMMENT_P[csat - 1]
    draws = rng.random((n, 32))  # a fixed number per response keeps the stream aligned
    out = np.full(n, "", dtype=object)
    dip = centre == _DIP_CENTRE if month in DIP["months"] else np.zeros(n, dtype=bool)
    for i in np.flatnonzero(has):
        u = draws[i]
        ch = int(channel[i])
        lang = "ar" if u[0] < (0.7 if ch in (_WALK, _PHONE) else 0.6) else "en"
        waited = not np.isnan(wait[i])
        if csat[i] >= 4:
            if ch == _ESERV:
                topic = ("portal_pos", "digital_pos", "general_pos")[int(u[1] * 3)]
            elif ch != _WALK and u[1] < 0.1:
                topic = "digital_pos"
            else:
                topic = "staff" if u[1] < 0.5 else ("speed" if u[1] < 0.75 and waited else "general_pos")
        elif csat[i] == 3 and u[1] < 0.55:
            topic = "neutral"
        elif dip[i] and u[2] < 0.5:
            topic = "facilities"
        elif waited and wait[i] > 2 * run.thresholds[ch] and u[2] < 0.65:
            topic = "wait" if ch == _WALK else ("wait_phone" if ch == _PHONE else "general_neg")
        elif fcr[i] == 0 or outcome[i] in (_TRANSFERRED, _REFERRED):
            topic = "process" if u[2] < 0.7 else "general_neg"
        elif ch == _ESERV:
            topic = "digital" if u[2] < 0.7 else "process"
        else:
            topic = ("staff_neg", "process", "general_neg", "facilities" if ch == _WALK else "general_neg")[int(u[2] * 4)]
        options = _TEMPLATES[(lang, topic)]
        text = options[int(u[3] * len(options))]
        minutes = int(max(1, math.ceil(wait[i] / 60))) if waited else 1
        text = text.format(m=_minutes_phrase(minutes, lang, u[4] < 0.5),
                           channel=run.names[("channels", CHANNELS[ch], lang)])
        if u[5] < 0.004:  # the occasional long letter
            pool = [t for (lg, tp), ts in _TEMPLATES.items() if lg == lang and tp == topic for t in ts if "{" not in t]
            extra = [pool[int(x * len(pool))] for x in draws[i, 18:24]] if pool else []
            text = " ".join([text] + extra * 4)[:1990]
        if lang == "ar":
            text = _vary_arabic(text, u[8:18])
            if u[24] < 0.03:
                text += " thank you" if csat[i] >= 4 else " please improve"
        else:
            if u[24] < 0.08:
                text = text.lower().rstrip(".!")
            if u[25] < 0.03 and csat[i] >= 4:
                text += " شكراً"
        if u[26] < 0.08:
            text = _GREETING[lang][int(u[27] * 3)] + text
        if csat[i] >= 4 and u[28] < 0.05:
            text += " 👍"
        elif csat[i] >= 4 and u[28] < 0.12:
            text += " " + ("١٠/١٠" if lang == "ar" and u[29] < 0.5 else "10/10")
        out[i] = text
    return out


# --- feedback ----------------------------------------------------------------------------------
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


def _service_phrase(run: _Run, service: int, arabic: bool) -> str:
    """A service's name as it reads inside a sentence."""
    if service < 0:
        return "الخدمة" if arabic else "my request"
    name = run.names[("services", SERVICES[service], "ar" if arabic else "en")]
    return name if arabic else name[0].lower() + name[1:]


def _any_time(rng, cal: _Calendar, n: int) -> np.ndarray:
    """Moments on any day of the month, mostly between 07:00 and 23:00."""
    d = rng.integers(0, cal.all_days.size, n)
    secs = np.where(rng.random(n) < 0.9, 7 * 3600 + rng.random(n) * 16 * 3600, rng.random(n) * 86400)
    return cal.all_days.astype("datetime64[s]").astype(np.int64)[d] + secs.astype(np.int64)


def _office_time(rng, cal: _Calendar, kind: str, n: int) -> np.ndarray:
    d = rng.integers(0, cal.days.size, n)
    o, c = cal.hours[kind][0][d], cal.hours[kind][1][d]
    return cal.days.astype("datetime64[s]").astype(np.int64)[d] + (o * 60 + rng.random(n) * (c - o) * 60).astype(np.int64)


def _feedback(run: _Run, month: str, tk: dict, roster: pd.DataFrame) -> pd.DataFrame:
    """The month's complaints, compliments, suggestions and inquiries, as exported at month end.

    Volumes are per 1,000 of the centre's tickets. Compliments through the satisfaction system
    (and some others) name an employee, drawn in proportion to tickets served times
    ``exp(0.9 * effective skill)``, so better staff get more thanks; complaints about conduct name
    staff the other way round.
    """
    rng = _rng(run.seed, month, "feedback")
    cal = run.calendar(month)
    t = _month_index(month)
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
        handled, served = np.unique(tk["employee"][at & (tk["employee"] != "") & (tk["outcome"] == _COMPLETED)],
                                    return_counts=True)
        skill = np.array([eff[e] for e in handled])
        channels_any, n_any = np.unique(tk["channel"][at], return_counts=True)
        channels_staffed, n_staffed = np.unique(tk["channel"][at & (tk["channel"] != _ESERV)], return_counts=True)
        services_at = tk["service"][at]
        for kind in ("complaint", "compliment", "suggestion", "inquiry"):
            dip = kind == "complaint" and c_idx == _DIP_CENTRE and month in DIP["months"]
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
                                [ch_staffed, np.full(n, _ESERV)], ch_any)
            channel = np.where(walk_centre, _WALK, channel)
            channel = np.where(~names_staff & (rng.random(n) < 0.2), -1, channel)
            service = np.where(rng.random(n) < 0.25, -1, services_at[rng.integers(0, services_at.size, n)])
            no_centre = (np.isin(source, (_FEEDBACK_SOURCES.index("national_complaints_system"),
                                          _FEEDBACK_SOURCES.index("social_media")))
                         & ~names_staff & (rng.random(n) < 0.15))
            arabic = rng.random(n) < 0.7
            closes = received + np.round(_lognormal(rng, _RESOLUTION_MEDIAN_DAYS[kind], 0.9, n) * 86400).astype(np.int64)
            closed = closes <= month_end
            rejected = rng.random(n) < {"complaint": 0.12, "suggestion": 0.3}.get(kind, 0.0)
            status = np.where(closed, np.where(rejected, "rejected", "resolved"),
                              np.where((month_end - received) < 1.5 * 86400, "open", "in_progress"))
            valid = _fmt_bool(rng.random(n) < np.where(dip & (category == "facilities"), 0.9, 0.55))
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
    rows = _take(rows, np.argsort(rows["received"], kind="stable"))
    rows["feedback_id"] = _ids("F", month, rows["received"].size, 5)
    rows["received_at"] = _fmt_datetime(rows.pop("received"))
    rows["resolved_at"] = _fmt_datetime(rows.pop("resolved"))
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
    rng = np.random.default_rng(np.random.SeedSequence([seed, *digits, _STREAMS["closing"]]))
    never, delay, rejected, valid = rng.random(), _lognormal(rng, _CLOSING_MEDIAN_DAYS[kind], 0.8, 1)[0], \
        rng.random(), rng.random()
    if never < _NEVER_CLOSED_SHARE:
        return None
    status = "rejected" if rejected < _REJECTED_SHARE.get(kind, 0.0) else "resolved"
    substantiated = "" if kind != "complaint" else ("false" if status == "rejected" else _fmt_bool(valid < 0.55)[()])
    return month_end + 1 + int(round(delay * 86400)), status, str(substantiated)


def _feedback_updates(run: _Run, month: str, out: Path) -> pd.DataFrame:
    """This month's closings of messages left open at the end of an earlier month, read from the
    earlier months' feedback files under ``out`` (written earlier in this run or before it)."""
    start, end = parse(month).start_ts.value // 10**9, parse(month).end.value // 10**9
    rows = []
    earlier = month
    for _ in range(_CLOSING_LOOKBACK_MONTHS):
        earlier = _previous_month(earlier)
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
        "resolved_at": _fmt_datetime(np.array([r[0] for r in rows], dtype=np.int64)),
        "substantiated": [r[3] for r in rows]}, dtype=object)


# --- self-assessment ---------------------------------------------------------------------------
_PILLAR_OWNER = {"accessibility": "facilities", "quality_of_service": "customer_service",
                 "centre_environment": "facilities", "customer_management": "customer_service",
                 "administrative_procedures": "quality", "customer_feedback": "quality",
                 "digital_transformation": "it", "virtual_service": "customer_service"}
_BLOCKER_OWNER = {"budget": "finance", "procurement": "procurement", "external_approval": "quality",
                  "training": "hr_training", "it_system": "it"}
_BLOCKERS = ("budget", "procurement", "external_approval", "training", "it_system", "other", "none")
_BLOCKER_P = {  # pillar -> probabilities over _BLOCKERS for a new gap
    "accessibility": (.20, .20, .30, .0, .0, .15, .15),
    "quality_of_service": (.0, .0, .0, .40, .15, .20, .25),
    "centre_environment": (.25, .30, .15, .0, .0, .20, .10),
    "customer_management": (.10, .10, .0, .25, .30, .10, .15),
    "administrative_procedures": (.0, .0, .30, .20, .20, .0, .30),
    "customer_feedback": (.0, .0, .0, .30, .30, .10, .30),
    "digital_transformation": (.10, .15, .0, .10, .50, .0, .15),
    "virtual_service": (.10, .15, .0, .10, .50, .0, .15),
}
_DURATION = {"budget": (4, 8), "procurement": (3, 6), "external_approval": (3, 8), "training": (1, 3),
             "it_system": (2, 5), "other": (1, 3), "none": (1, 2)}
_REASON = {
    "budget": ("Not funded in this year's budget; request raised for the next budget cycle",
               "Budget approval pending with Finance"),
    "procurement": ("Tender issued; bids under evaluation by Procurement", "Purchase order awaiting supplier delivery"),
    "external_approval": ("Awaiting sign-off from the Information & eGovernment Authority",
                          "Awaiting approval from the supervising ministry"),
    "training": ("Not all front-line staff have completed the required course", "New joiners still to be trained"),
    "it_system": ("Change request with IT; integration not yet delivered", "Waiting for the scheduled system upgrade"),
    "other": ("Staff shortage this month", "Equipment fault reported"),
    "none": ("Implementation in progress", "Evidence being compiled for review"),
}
# Outside approvals for the premises come from other bodies than those for systems and procedures.
_PREMISES_PILLARS = ("accessibility", "centre_environment")
_PREMISES_APPROVAL = ("Awaiting approval from the building management", "Awaiting Civil Defence inspection")
_ACTION = {
    "budget": ("Include in next year's budget submission", "Seek reallocation from the operating budget"),
    "procurement": ("Follow up the tender award with Procurement", "Chase the supplier for a delivery date"),
    "external_approval": ("Escalate to the approving body through the Quality office",
                          "Submit the missing documents and book an inspection"),
    "training": ("Schedule remaining staff on the next course", "Run an in-house refresher session"),
    "it_system": ("Track the change request in the IT steering meeting", "Test the release in the next sprint"),
    "other": ("Cover the gap with staff from another centre", "Log with Facilities and follow up weekly"),
    "none": ("Complete the remaining steps this month", "Collect evidence and review with Quality"),
}
_EVIDENCE = {
    "accessibility": ("Photos of signage and access on file", "Website and app listing checked"),
    "quality_of_service": ("Mystery-shopper visit report", "Monthly KPI report"),
    "centre_environment": ("Facilities inspection checklist", "Photos of the waiting area"),
    "customer_management": ("Queue-system dashboard export", "Appointment system report"),
    "administrative_procedures": ("Approved procedure manual", "Monthly performance report"),
    "customer_feedback": ("Satisfaction survey report", "Complaints register"),
    "digital_transformation": ("Portal usage statistics", "Information-security audit note"),
    "virtual_service": ("Contact-centre wallboard report", "Business-continuity test record"),
}
# Criteria whose story follows the initiatives and the dip: (centre, criterion) -> [(from month,
# status, blocker, reason, action)]. The due date is the end of the month the next step starts.
_SCRIPTED = {
    ("seef", "CUS-01"): [("2023-01", "not_met", "budget", "Electronic queue system not yet funded",
                          "Budget request submitted with the business case"),
                         ("2023-04", "not_met", "procurement", "Queue-system tender under evaluation",
                          "Follow up the tender award with Procurement"),
                         ("2023-07", "partial", "it_system", "Queue system installed; SMS integration under test",
                          "Go live after acceptance testing"),
                         ("2023-09", "met", "none", "", "")],
    ("virtual", "VIR-01"): [("2023-01", "partial", "it_system", "WhatsApp not yet integrated with the contact centre",
                             "Launch WhatsApp on the contact-centre platform"),
                            ("2023-07", "met", "none", "", "")],
    ("virtual", "VIR-03"): [("2023-01", "not_met", "budget", "Video-call platform not in this year's budget",
                             "Include in next year's budget submission"),
                            ("2024-01", "not_met", "procurement", "Video-call platform tender under evaluation",
                             "Follow up the tender award with Procurement"),
                            ("2024-07", "partial", "it_system", "Video platform being integrated with the CRM",
                             "Pilot with booked appointments"),
                            ("2024-10", "met", "none", "", "")],
    ("seef", "DIG-02"): [("2023-01", "partial", "training", "Floor staff not yet trained to guide customers online",
                          "Train floor guides and launch the counter campaign"),
                         ("2023-11", "met", "none", "", "")],
    ("tijjar", "ENV-02"): [("2023-01", "met", "none", "", ""),
                           ("2024-08", "not_met", "procurement", "Air-conditioning units failed during renovation",
                            "Replacement units on emergency order"),
                           ("2024-10", "partial", "procurement", "Temporary cooling in place; new units awaited",
                            "Install the new units"),
                           ("2024-11", "met", "none", "", "")],
    ("seef", "ACC-02"): [("2023-01", "not_applicable", "none", "Parking is provided and run by the mall operator", "")],
    ("seef", "ENV-01"): [("2023-01", "not_met", "external_approval",
                          "More seating needs the mall operator's approval for extra floor space",
                          "Escalate the floor-space request to the mall management"),
                         ("2024-03", "partial", "procurement", "Floor space approved; seating being procured",
                          "Follow up the seating order with Procurement"),
                         ("2024-09", "met", "none", "", "")],
    ("tijjar", "ACC-02"): [("2023-01", "not_met", "budget", "Entrance ramp and reserved parking need building works",
                            "Include the works in next year's budget submission"),
                           ("2024-01", "not_met", "procurement", "Building works tender under evaluation",
                            "Follow up the tender award with Procurement"),
                           ("2024-06", "partial", "external_approval", "Works done; awaiting Civil Defence inspection",
                            "Book the inspection"),
                           ("2024-09", "met", "none", "", "")],
    ("tijjar", "DIG-03"): [("2023-01", "not_met", "budget", "Self-service kiosks not funded this year",
                            "Include kiosks in next year's budget submission"),
                           ("2024-04", "not_met", "procurement", "Kiosk purchase order awaiting supplier delivery",
                            "Chase the supplier for a delivery date"),
                           ("2024-11", "partial", "it_system", "Kiosks installed; integration with the portal under test",
                            "Go live after acceptance testing")],
}
_SCRIPTED[("tijjar", "CUS-01")] = _SCRIPTED[("seef", "CUS-01")]


@dataclass
class _Gap:
    status: str
    blocker: str
    remaining: int
    total: int
    due: date
    text: int


def _month_end_after(month: str, months: int) -> date:
    idx = _month_index(month) + months - 1
    return parse(f"{2023 + idx // 12}-{idx % 12 + 1:02d}").last


def _simulate_self_assessment(run: _Run, rosters: dict[str, pd.DataFrame], last_month: str) -> dict[str, pd.DataFrame]:
    """Each month's self-assessment per centre, simulated forward from ORIGIN.

    A met criterion slips with a small monthly hazard (lower at the virtual centre, and falling in
    2024 there); a gap gets a blocker whose resolution takes months (a budget or an outside
    approval longer than training), becomes partial half way, and is met when done. Due dates
    are planned at the start and sometimes overrun, so some are overdue.
    """
    cfg = run.cfg
    state: dict[tuple[str, str], _Gap | None] = {}
    out = {}
    for month in months_between(ORIGIN, last_month):
        rng = _rng(run.seed, month, "self_assessment")
        m_idx = _month_index(month)
        catalogue = cfg.catalogue(month).sort_values("criterion_id", kind="stable")
        assessed = _last_working_day(cfg, month)
        roster = rosters[month]
        rows = []
        for centre in CENTRES:
            kind = cfg.centre_kind(centre)
            crit = catalogue[catalogue["applies_to"].isin(["all", kind])]
            sups = sorted(roster[(roster["centre_id"] == centre) & (roster["role"] == "supervisor") & roster["active"]]
                          ["employee_id"])
            assessor = sups[m_idx % len(sups)]
            hazard = _slip_hazard(kind, month)
            u = rng.random((len(crit), 8))
            for j, (cid, pillar) in enumerate(zip(crit["criterion_id"], crit["pillar"])):
                key = (centre, cid)
                owner = _PILLAR_OWNER.get(pillar, "quality")
                script = _SCRIPTED.get(key)
                if script:
                    steps = [s for s in script if s[0] <= month]
                    start, status, blocker, reason, action = steps[-1]
                    later = [s[0] for s in script if s[0] > month]
                    due = None
                    if status not in ("met", "not_applicable"):
                        due = _month_end_after(later[0], 1) if later else _month_end_after(start, 3)
                    gap = _Gap(status, blocker, 0, 0, due, 0) if status not in ("met", "not_applicable") else None
                    rows.append(_assessment_row(centre, cid, assessed, status, pillar, owner, blocker,
                                                reason or None, action or None, due, assessor, u[j], month))
                    state[key] = gap
                    continue
                gap = state.get(key, "new")
                if gap == "new":
                    gap = None if u[j, 0] < _START_MET[kind] else _new_gap(pillar, month, u[j], first=True)
                elif gap is None:
                    if u[j, 0] < hazard:
                        gap = _new_gap(pillar, month, u[j], first=False)
                else:
                    gap.remaining -= 1
                    if gap.remaining <= 0:
                        gap = None
                    elif gap.remaining <= gap.total / 2:
                        gap.status = "partial"
                state[key] = gap
                if gap is None:
                    rows.append(_assessment_row(centre, cid, assessed, "met", pillar, owner, "none", None, None,
                                                None, assessor, u[j], month))
                else:
                    reasons, actions = _REASON[gap.blocker], _ACTION[gap.blocker]
                    if gap.blocker == "external_approval" and pillar in _PREMISES_PILLARS:
                        reasons = _PREMISES_APPROVAL
                    rows.append(_assessment_row(centre, cid, assessed, gap.status, pillar,
                                                _BLOCKER_OWNER.get(gap.blocker, owner), gap.blocker,
                                                reasons[gap.text % len(reasons)], actions[gap.text % len(actions)],
                                                gap.due, assessor, u[j], month))
        out[month] = pd.DataFrame(rows)
    return out


_START_MET = {"walk_in": 0.85, "virtual": 0.76}


def _slip_hazard(kind: str, month: str) -> float:
    """Monthly chance a met criterion slips. Walk-in centres slip more in the first months of a
    year (new findings after the annual evaluation) and recover towards the year end; the virtual
    centre tightens its controls in 2024 on the way to Platinum."""
    if kind == "walk_in":
        return 0.055 if int(month[5:7]) <= 4 else 0.04
    return 0.035 if month < "2024-01" else 0.012


def _new_gap(pillar: str, month: str, u: np.ndarray, first: bool) -> _Gap:
    p = np.array(_BLOCKER_P.get(pillar, (.15, .15, .15, .15, .15, .1, .15)))
    blocker = _BLOCKERS[int((u[1] > np.cumsum(p)[:-1]).sum())]
    lo, hi = _DURATION[blocker]
    total = lo + int(u[2] * (hi - lo + 1))
    overrun = 0 if u[3] < 0.6 else 1 + int(u[4] * 3)
    planned = max(1, total - overrun)
    status = "partial" if (first and u[5] < 0.55) or (not first and u[5] < 0.3) else "not_met"
    remaining = total if not first else max(1, int(total * (0.3 + 0.7 * u[6])))
    return _Gap(status, blocker, remaining, total, _month_end_after(month, planned), int(u[7] * 6))


def _assessment_row(centre, cid, assessed, status, pillar, owner, blocker, reason, action, due, assessor, u, month):
    evidence = None
    if status == "met" and u[5] < 0.85:
        options = _EVIDENCE.get(pillar, ("Supporting documents on file",))
        evidence = f"{options[int(u[6] * len(options))]} ({month})"
    elif status == "partial" and u[5] < 0.5:
        evidence = "Partial evidence on file"
    return {"centre_id": centre, "criterion_id": cid, "assessed_on": assessed.isoformat(), "status": status,
            "evidence": evidence or "", "owner": owner, "reason": reason or "", "blocker": blocker,
            "action": action or "", "due_on": due.isoformat() if due else "", "assessor_id": assessor}


# --- truth -------------------------------------------------------------------------------------
def _virtual_share_pp(initiative_id: str) -> float:
    day = np.array([_START[initiative_id]])
    on, off = _expected_virtual_share(day), _expected_virtual_share(day, frozenset({initiative_id}))
    return round(float(100 * (on - off)[0]), 2)


def _initiative_effects(initiative_id: str) -> list[dict]:
    """The effects injected for one initiative, in natural units (pp = percentage points)."""
    virtual_share = {"outcome": "virtual_share", "unit": "pp of completed transactions, all centres",
                     "size": _virtual_share_pp(initiative_id), "centres": ["all"], "shape": "step from start_on"}
    if initiative_id == "INI-01":
        return [dict(virtual_share, channels=["whatsapp"],
                     note=f"new WhatsApp demand of {_WHATSAPP_SHARE:.0%} of all transactions; "
                          f"{_WHATSAPP_FROM_PHONE:.0%} of phone demand also moves to WhatsApp")]
    if initiative_id == "INI-02":
        return [{"outcome": "wait", "unit": "factor on walk-in queue wait (non-booked)", "size": _QMS_WAIT_FACTOR,
                 "centres": ["seef", "tijjar"], "channels": ["walk_in"], "shape": "step from start_on",
                 "note": "median queue wait about 11 -> 6.6 minutes before busy-day effects"},
                {"outcome": "booked_share", "unit": "pp of walk-in tickets",
                 "size": round(100 * (_QMS_BOOKED[1] - _QMS_BOOKED[0]), 2), "centres": ["seef", "tijjar"],
                 "channels": ["walk_in"], "shape": "step from start_on"},
                {"outcome": "abandonment", "unit": "pp of non-booked walk-in tickets",
                 "size": round(100 * (_QMS_ABANDON[1] - _QMS_ABANDON[0]), 2), "centres": ["seef", "tijjar"],
                 "channels": ["walk_in"], "shape": "step from start_on"}]
    if initiative_id == "INI-03":
        return [dict(virtual_share, channels=["walk_in", "eservices"],
                     note="through Seef's walk-in demand moving to e-services"),
                {"outcome": "walk_in_demand", "unit": "percent of Seef walk-in demand",
                 "size": round(-100 * _SEEF_DIVERTED, 2), "centres": ["seef"], "channels": ["walk_in"],
                 "shape": "step from start_on"},
                {"outcome": "assisted_digital_share", "unit": "pp of completed Seef walk-in tickets",
                 "size": round(100 * _SEEF_ASSISTED, 2), "centres": ["seef"], "channels": ["walk_in"],
                 "shape": "step from start_on"}]
    if initiative_id == "INI-04":
        return [dict(virtual_share, channels=["eservices"],
                     note=f"new e-services demand of {_ESERV_SHARE:.0%} of all transactions"),
                {"outcome": "csat", "unit": "pp top-box (4-5) on e-services responses", "size": 100 * _ESERV_CSAT,
                 "centres": ["virtual"], "channels": ["eservices"], "shape": "step from start_on"},
                {"outcome": "ces", "unit": "probability an e-services CES answer is one point higher (capped at 7)",
                 "size": _ESERV_CES, "centres": ["virtual"], "channels": ["eservices"], "shape": "step from start_on"}]
    if initiative_id == "INI-05":
        return [{"outcome": "csat", "unit": "pp top-box (4-5) on responses about staffed tickets",
                 "size": 100 * _COURTESY_CSAT, "centres": ["all"],
                 "channels": ["walk_in", "phone", "whatsapp", "live_chat", "video_call", "email"],
                 "shape": "step from start_on, lasting after end_on"}]
    if initiative_id == "INI-06":
        return [dict(virtual_share, channels=["eservices"], note="no effect injected: a true null")]
    return [dict(virtual_share, channels=["video_call"],
                 note=f"new video-call demand of {_VIDEO_SHARE:.1%} of all transactions; starts late, "
                      "few months of data after it")]


def _truth(run: _Run, months: list[str], staff: list[_Employee], scale: float) -> dict:
    last = parse(months[-1]).last.isoformat()
    employees = {}
    for e in staff:
        if e.joined_on.isoformat() <= last:
            employees[e.employee_id] = {"centre_id": e.centre_id, "role": e.role, "skill": e.skill,
                                        "joined_on": e.joined_on.isoformat(), "left_in": e.left_in,
                                        "appeal_desk": e.appeal_desk}
    initiatives = [{"initiative_id": i["initiative_id"], "start_on": i["start_on"], "expected": i["expected"],
                    "effects": _initiative_effects(i["initiative_id"])}
                   for i in INITIATIVES if i["start_on"] <= last]
    expected_share = {}
    for month in months:
        days = run.calendar(month).days
        expected_share[month] = round(float(_expected_virtual_share(days).mean()), 4)
    return {
        "generator": "helpers.demo", "seed": run.seed, "scale": scale,
        "range": {"start": months[0], "end": months[-1]},
        "employees": employees,
        "skill_model": {
            "skill": "true latent per employee, N(0,1) for agents (seniors and supervisors a little higher)",
            "effective_skill": f"skill - {_RAMP} * exp(-tenure_months / {_RAMP_MONTHS})",
            "csat_top_box_pp_per_sd": 100 * _CSAT_SKILL,
            "handle_time_factor": f"exp(-{_HANDLE_SKILL} * effective_skill)",
            "case_mix": "appeals go six times as often to senior agents and the appeal desk; business support "
                        "twice as often to seniors; appeals cost 14 pp of top-box CSAT",
        },
        "csat_model": {
            "top_box": "linear probability: base + channel + centre + service + wait + contact outcome "
                       "+ skill + trend + initiatives + dip, clipped to [0.02, 0.99]",
            "base": _CSAT_BASE, "trend_pp_per_month": 100 * _CSAT_TREND_PER_MONTH,
            "service_pp": {s: round(100 * v, 2) for s, v in zip(SERVICES, _SVC_CSAT)},
        },
        "initiatives": initiatives,
        "csat_dip": {"centre_id": DIP["centre_id"], "months": list(DIP["months"]), "csat_pp": DIP["csat_pp"],
                     "cause": DIP["cause"], "in_range": any(m in months for m in DIP["months"]),
                     "applies_to": "responses about the centre's tickets created in the month, and its kiosk "
                                   "responses submitted in the month"},
        "virtual_share_expected": expected_share,
        "virtual_share_model": {
            "baseline": "virtual demand share 0.345 + 0.0045 * months since 2023-01 (a steady trend the "
                        "initiatives' steps sit on)",
            "expected_by_month": "virtual_share_expected: the mean over the month's working days of the "
                                 "expected completed-virtual share; assisted-digital walk-ins not counted",
        },
    }


# --- entry point -------------------------------------------------------------------------------
def generate(out: Path, *, seed: int = 7, start: str = "2023-01", end: str = "2024-12", scale: float = 1.0,
             truth: Path | None = None, cfg: Config | None = None) -> dict:
    """Write the demo raw data for ``start``..``end`` under ``out`` and the ground truth JSON.

    Returns a summary: months, rows per table, files written and the truth path.
    """
    cfg = cfg or load_config()
    _check_config(cfg)
    if start < ORIGIN:
        raise ValueError(f"the demo starts in {ORIGIN}; got start={start}")
    if int(seed) < 0 or scale <= 0:
        raise ValueError("seed must be >= 0 and scale > 0")
    months = months_between(start, end)
    if not months:
        raise ValueError(f"empty range {start}..{end}")
    out = Path(out)
    truth = Path(truth) if truth else out.parent / "truth" / "demo_truth.json"
    kpi = cfg.kpi["service_level"]["thresholds_seconds"]
    thresholds = np.array([float(kpi.get(cfg.channel_kind(ch), np.nan)) for ch in CHANNELS])
    run = _Run(cfg, int(seed), float(scale), thresholds)
    for key, ids in (("channels", CHANNELS), ("centres", CENTRES), ("services", SERVICES)):
        for item in ids:
            for lang in LANGS:
                run.names[(key, item, lang)] = cfg.name(key, item, lang)

    staff, rosters = _simulate_staff(cfg, run.seed, months[-1])
    assessments = _simulate_self_assessment(run, rosters, months[-1])

    carried = None
    previous = _previous_month(months[0])
    if previous >= ORIGIN and (out / previous / "tickets.csv").exists():
        carried = _surveys(run, previous, _tickets(run, previous, rosters[previous]))[1]

    rows = {t: 0 for t in TABLES}
    files = 0
    for month in months:
        folder = out / month
        tk = _tickets(run, month, rosters[month])
        own, spill = _surveys(run, month, tk)
        kiosk = _kiosk_surveys(run, month, tk)
        surveys = _survey_rows(month, [f for f in (carried, own, kiosk) if f is not None])
        carried = spill
        tables = {
            "tickets": _ticket_rows(tk),
            "surveys": surveys,
            "feedback": _feedback(run, month, tk, rosters[month]),
            "feedback_updates": _feedback_updates(run, month, out),
            "staff": _staff_rows(rosters[month]),
            "self_assessment": assessments[month],
        }
        for name, frame in tables.items():
            if name == "feedback_updates" and frame.empty:
                (folder / f"{name}.csv").unlink(missing_ok=True)  # an optional file: no rows, no file
                continue
            _write_csv(frame, folder / f"{name}.csv", COLUMNS[name])
            rows[name] += len(frame)
            files += 1

    last_day = parse(months[-1]).last.isoformat()
    registry = pd.DataFrame([i for i in INITIATIVES if i["start_on"] <= last_day], columns=INITIATIVE_COLUMNS)
    _write_csv(registry, out / "initiatives.csv", INITIATIVE_COLUMNS)
    truth.parent.mkdir(parents=True, exist_ok=True)
    truth.write_text(json.dumps(_truth(run, months, staff, scale), sort_keys=True, indent=2, ensure_ascii=False) + "\n",
                     encoding="utf-8")
    return {"months": months, "rows": rows, "initiatives": len(registry), "files": files + 1,
            "truth": str(truth), "seed": run.seed, "scale": run.scale}


def _staff_rows(roster: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "employee_id": roster["employee_id"].to_numpy(dtype=str),
        "name_en": roster["name_en"].to_numpy(dtype=str),
        "name_ar": roster["name_ar"].to_numpy(dtype=str),
        "centre_id": roster["centre_id"].to_numpy(dtype=str),
        "role": roster["role"].to_numpy(dtype=str),
        "joined_on": [d.isoformat() for d in roster["joined_on"]],
        "active": _fmt_bool(roster["active"].to_numpy(dtype=bool)),
    }, dtype=object)
