"""The monthly self-assessment of each centre against the criteria catalogue: criteria that slip,
gaps with blockers and due dates, and the scripted criteria that follow the initiatives and the dip."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from ..base.periods import months_between, parse
from . import draws
from .case import CENTRES
from .working_days import ORIGIN, Run, last_working_day, month_index

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
    idx = month_index(month) + months - 1
    return parse(f"{2023 + idx // 12}-{idx % 12 + 1:02d}").last


def simulate_self_assessment(run: Run, rosters: dict[str, pd.DataFrame], last_month: str) -> dict[str, pd.DataFrame]:
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
        rng = draws.rng(run.seed, month, "self_assessment")
        m_idx = month_index(month)
        catalogue = cfg.catalogue(month).sort_values("criterion_id", kind="stable")
        assessed = last_working_day(cfg, month)
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
