"""The initiatives registry and the effects injected for it, with the deliberate CSAT dip: sizes,
start days and whether an effect is on."""

from __future__ import annotations

import numpy as np

from .case import CENTRES

INITIATIVE_COLUMNS = ["initiative_id", "name_en", "name_ar", "start_on", "end_on", "centres", "channels",
                      "expected", "owner", "description"]

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
START = {i["initiative_id"]: np.datetime64(i["start_on"]) for i in INITIATIVES}

WHATSAPP_SHARE = 0.05        # INI-01: new demand share, plus a quarter of phone moves over
WHATSAPP_FROM_PHONE = 0.25
QMS_WAIT_FACTOR = 0.6        # INI-02: walk-in queue wait multiplied
QMS_BOOKED = (0.05, 0.20)    # INI-02: walk-in booked share before, after
QMS_ABANDON = (0.045, 0.025)  # INI-02: walk-in abandon probability before, after
SEEF_DIVERTED = 0.12         # INI-03: share of Seef walk-in demand moved to e-services
SEEF_ASSISTED = 0.08         # INI-03: added assisted-digital probability at Seef
ESERV_SHARE = 0.06           # INI-04: new e-services demand share
ESERV_CSAT = 0.04            # INI-04: e-services top-box probability
ESERV_CES = 0.35             # INI-04: chance an e-services CES answer is one point higher
COURTESY_CSAT = 0.03         # INI-05: staffed channels' top-box probability
VIDEO_SHARE = 0.012          # INI-07: video-call demand share

DIP = {"centre_id": "tijjar", "months": ("2024-08",), "csat_pp": -9.0,
       "cause": "air-conditioning failure during renovation works"}
DIP_CENTRE = CENTRES.index(DIP["centre_id"])


def on(initiative_id: str, days: np.ndarray, off: frozenset = frozenset()) -> np.ndarray:
    """Whether an initiative's injected effect is active on each day (a step from start_on)."""
    if initiative_id in off:
        return np.zeros(days.shape, dtype=bool)
    return days >= START[initiative_id]
