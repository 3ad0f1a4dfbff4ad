"""The tables the demo writes and their text: table names and columns, the internal rows (dicts of
equal-length arrays), ids, CSV value formatting and writing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

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


def fmt_datetime(seconds: np.ndarray) -> np.ndarray:
    """``YYYY-MM-DD HH:MM:SS`` from epoch seconds (local time); -1 gives ''."""
    stamps = seconds.astype("datetime64[s]")
    text = np.datetime_as_string(stamps, unit="s").astype("U19")
    text.view(np.uint32).reshape(-1, 19)[:, 10] = ord(" ")
    return np.where(seconds < 0, "", text)


def fmt_bool(values: np.ndarray) -> np.ndarray:
    return np.where(values, "true", "false")


def fmt_int(values: np.ndarray) -> np.ndarray:
    """Integers as text; negative means null."""
    return np.where(values < 0, "", values.astype(np.int64).astype(str))


def ids(prefix: str, month: str, n: int, width: int) -> np.ndarray:
    numbers = np.strings.zfill(np.arange(1, n + 1).astype(str), width)
    return np.strings.add(f"{prefix}{month[2:4]}{month[5:7]}-", numbers)


def take(rows: dict, index: np.ndarray) -> dict:
    """The same rows (a dict of equal-length arrays) at ``index``."""
    return {k: v[index] for k, v in rows.items()}


def write_csv(frame: pd.DataFrame, path: Path, columns: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame[columns].to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
