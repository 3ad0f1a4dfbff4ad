"""The ground truth that only tests and validation read: true skills, each initiative's injected
effects in natural units, the CSAT dip and the models behind the data."""

from __future__ import annotations

import numpy as np

from ..base.periods import parse
from .case import SERVICES
from .initiatives import (
    COURTESY_CSAT,
    DIP,
    ESERV_CES,
    ESERV_CSAT,
    ESERV_SHARE,
    INITIATIVES,
    QMS_ABANDON,
    QMS_BOOKED,
    QMS_WAIT_FACTOR,
    SEEF_ASSISTED,
    SEEF_DIVERTED,
    START,
    VIDEO_SHARE,
    WHATSAPP_FROM_PHONE,
    WHATSAPP_SHARE,
)
from .staff import RAMP, RAMP_MONTHS, Employee
from .surveys import CSAT_BASE, CSAT_SKILL, CSAT_TREND_PER_MONTH, SVC_CSAT
from .tickets import HANDLE_SKILL, expected_virtual_share
from .working_days import Run


def _virtual_share_pp(initiative_id: str) -> float:
    day = np.array([START[initiative_id]])
    on, off = expected_virtual_share(day), expected_virtual_share(day, frozenset({initiative_id}))
    return round(float(100 * (on - off)[0]), 2)


def _initiative_effects(initiative_id: str) -> list[dict]:
    """The effects injected for one initiative, in natural units (pp = percentage points)."""
    virtual_share = {"outcome": "virtual_share", "unit": "pp of completed transactions, all centres",
                     "size": _virtual_share_pp(initiative_id), "centres": ["all"], "shape": "step from start_on"}
    if initiative_id == "INI-01":
        return [dict(virtual_share, channels=["whatsapp"],
                     note=f"new WhatsApp demand of {WHATSAPP_SHARE:.0%} of all transactions; "
                          f"{WHATSAPP_FROM_PHONE:.0%} of phone demand also moves to WhatsApp")]
    if initiative_id == "INI-02":
        return [{"outcome": "wait", "unit": "factor on walk-in queue wait (non-booked)", "size": QMS_WAIT_FACTOR,
                 "centres": ["seef", "tijjar"], "channels": ["walk_in"], "shape": "step from start_on",
                 "note": "median queue wait about 11 -> 6.6 minutes before busy-day effects"},
                {"outcome": "booked_share", "unit": "pp of walk-in tickets",
                 "size": round(100 * (QMS_BOOKED[1] - QMS_BOOKED[0]), 2), "centres": ["seef", "tijjar"],
                 "channels": ["walk_in"], "shape": "step from start_on"},
                {"outcome": "abandonment", "unit": "pp of non-booked walk-in tickets",
                 "size": round(100 * (QMS_ABANDON[1] - QMS_ABANDON[0]), 2), "centres": ["seef", "tijjar"],
                 "channels": ["walk_in"], "shape": "step from start_on"}]
    if initiative_id == "INI-03":
        return [dict(virtual_share, channels=["walk_in", "eservices"],
                     note="through Seef's walk-in demand moving to e-services"),
                {"outcome": "walk_in_demand", "unit": "percent of Seef walk-in demand",
                 "size": round(-100 * SEEF_DIVERTED, 2), "centres": ["seef"], "channels": ["walk_in"],
                 "shape": "step from start_on"},
                {"outcome": "assisted_digital_share", "unit": "pp of completed Seef walk-in tickets",
                 "size": round(100 * SEEF_ASSISTED, 2), "centres": ["seef"], "channels": ["walk_in"],
                 "shape": "step from start_on"}]
    if initiative_id == "INI-04":
        return [dict(virtual_share, channels=["eservices"],
                     note=f"new e-services demand of {ESERV_SHARE:.0%} of all transactions"),
                {"outcome": "csat", "unit": "pp top-box (4-5) on e-services responses", "size": 100 * ESERV_CSAT,
                 "centres": ["virtual"], "channels": ["eservices"], "shape": "step from start_on"},
                {"outcome": "ces", "unit": "probability an e-services CES answer is one point higher (capped at 7)",
                 "size": ESERV_CES, "centres": ["virtual"], "channels": ["eservices"], "shape": "step from start_on"}]
    if initiative_id == "INI-05":
        return [{"outcome": "csat", "unit": "pp top-box (4-5) on responses about staffed tickets",
                 "size": 100 * COURTESY_CSAT, "centres": ["all"],
                 "channels": ["walk_in", "phone", "whatsapp", "live_chat", "video_call", "email"],
                 "shape": "step from start_on, lasting after end_on"}]
    if initiative_id == "INI-06":
        return [dict(virtual_share, channels=["eservices"], note="no effect injected: a true null")]
    return [dict(virtual_share, channels=["video_call"],
                 note=f"new video-call demand of {VIDEO_SHARE:.1%} of all transactions; starts late, "
                      "few months of data after it")]


def ground_truth(run: Run, months: list[str], staff: list[Employee], scale: float) -> dict:
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
        expected_share[month] = round(float(expected_virtual_share(days).mean()), 4)
    return {
        "generator": "helpers.demo", "seed": run.seed, "scale": scale,
        "range": {"start": months[0], "end": months[-1]},
        "employees": employees,
        "skill_model": {
            "skill": "true latent per employee, N(0,1) for agents (seniors and supervisors a little higher)",
            "effective_skill": f"skill - {RAMP} * exp(-tenure_months / {RAMP_MONTHS})",
            "csat_top_box_pp_per_sd": 100 * CSAT_SKILL,
            "handle_time_factor": f"exp(-{HANDLE_SKILL} * effective_skill)",
            "case_mix": "appeals go six times as often to senior agents and the appeal desk; business support "
                        "twice as often to seniors; appeals cost 14 pp of top-box CSAT",
        },
        "csat_model": {
            "top_box": "linear probability: base + channel + centre + service + wait + contact outcome "
                       "+ skill + trend + initiatives + dip, clipped to [0.02, 0.99]",
            "base": CSAT_BASE, "trend_pp_per_month": 100 * CSAT_TREND_PER_MONTH,
            "service_pp": {s: round(100 * v, 2) for s, v in zip(SERVICES, SVC_CSAT)},
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
