"""The staff roster: hires, leavers and new joiners' ramp-up, simulated forward from ``ORIGIN``, and
the staff table."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from ..base.config import Config
from ..base.periods import months_between, parse
from ..data.rawcsv import fmt_bool
from . import draws
from .case import CENTRES
from .working_days import ORIGIN, first_working_day, month_index

RAMP = 0.8                # new joiners start this many SD weaker ...
RAMP_MONTHS = 4.0         # ... and the gap shrinks by e every four months

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


@dataclass
class Employee:
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
    k = min(month_index(month), 23) / 23
    return int(round(first + (last - first) * k))


def simulate_staff(cfg: Config, seed: int, last_month: str) -> tuple[list[Employee], dict[str, pd.DataFrame]]:
    """Every employee ever hired up to ``last_month`` and each month's roster frame.

    A roster lists everyone on the books that month; a leaver appears one last time with
    ``active`` false and serves nothing that month. ``eff`` is the effective skill that month:
    true skill less a new-joiner gap of ``RAMP * exp(-tenure_months / RAMP_MONTHS)``.
    """
    name_rng = draws.rng(seed, ORIGIN, "names")
    firsts = list(zip(_FIRST_M + _FIRST_F, _FIRST_M_AR + _FIRST_F_AR))
    pool = [(f[0] + " " + s[0], f[1] + " " + s[1]) for f in firsts for s in zip(_FAMILY, _FAMILY_AR)]
    order = name_rng.permutation(len(pool))
    names = iter(pool[i] for i in order)
    staff: list[Employee] = []

    def hire(centre, role, joined, skill, appeal_desk=False):
        en, ar = next(names)
        staff.append(Employee(f"E{1001 + len(staff)}", en, ar, centre, role, joined, float(skill), appeal_desk))

    rosters = {}
    for month in months_between(ORIGIN, last_month):
        rng = draws.rng(seed, month, "staff")
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
            joined = first_working_day(cfg, month)
            for centre in CENTRES:
                working = sum(1 for e in staff if e.centre_id == centre and e.left_in is None and e.role != "supervisor")
                for _ in range(max(0, _headcount_target(centre, month) - working)):
                    hire(centre, "agent", joined, round(float(np.clip(rng.normal(0.0, 1.0), -2.5, 2.5)), 4))
        rosters[month] = _roster_frame(staff, month)
    return staff, rosters


def _roster_frame(staff: list[Employee], month: str) -> pd.DataFrame:
    end = parse(month).last
    m_idx = month_index(month)
    rows = []
    for e in staff:
        if e.joined_on > end or (e.left_in is not None and e.left_in < month):
            continue
        tenure = max(0, m_idx - ((e.joined_on.year - 2023) * 12 + e.joined_on.month - 1))
        eff = e.skill - RAMP * math.exp(-tenure / RAMP_MONTHS)
        rows.append({"employee_id": e.employee_id, "name_en": e.name_en, "name_ar": e.name_ar,
                     "centre_id": e.centre_id, "role": e.role, "joined_on": e.joined_on,
                     "active": e.left_in != month, "eff": eff, "appeal_desk": e.appeal_desk})
    return pd.DataFrame(rows).sort_values(["centre_id", "employee_id"], kind="stable").reset_index(drop=True)


def staff_rows(roster: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "employee_id": roster["employee_id"].to_numpy(dtype=str),
        "name_en": roster["name_en"].to_numpy(dtype=str),
        "name_ar": roster["name_ar"].to_numpy(dtype=str),
        "centre_id": roster["centre_id"].to_numpy(dtype=str),
        "role": roster["role"].to_numpy(dtype=str),
        "joined_on": [d.isoformat() for d in roster["joined_on"]],
        "active": fmt_bool(roster["active"].to_numpy(dtype=bool)),
    }, dtype=object)
