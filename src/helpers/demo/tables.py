"""The tables the demo writes and their text: table names and columns, the internal rows (dicts of
equal-length arrays) and ids. Values are formatted and files written by ``data.rawcsv`` (imported from there by each simulator), the one
raw-CSV writer (the database snapshot uses it too, so the same rows give the same bytes)."""

from __future__ import annotations

import numpy as np

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


def ids(prefix: str, month: str, n: int, width: int) -> np.ndarray:
    numbers = np.strings.zfill(np.arange(1, n + 1).astype(str), width)
    return np.strings.add(f"{prefix}{month[2:4]}{month[5:7]}-", numbers)


def take(rows: dict, index: np.ndarray) -> dict:
    """The same rows (a dict of equal-length arrays) at ``index``."""
    return {k: v[index] for k, v in rows.items()}
