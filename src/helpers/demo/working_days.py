"""Months and the working calendar: month arithmetic from ``ORIGIN``, each month's working days,
Ramadan, post-holiday days and opening hours, and ``Run``, the context every simulator takes
(config, seed, scale, service-level thresholds, entity names and the month calendars)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from ..base.config import Config
from ..base.periods import parse

ORIGIN = "2023-01"
_ORIGIN_DAY = np.datetime64("2023-01-01")


def months_since_origin(days: np.ndarray) -> np.ndarray:
    return (days - _ORIGIN_DAY).astype("timedelta64[D]").astype(float) / 30.4375


def previous_month(month: str) -> str:
    return f"{parse(month).start - timedelta(days=1):%Y-%m}"


def month_index(month: str) -> int:
    return (int(month[:4]) - 2023) * 12 + int(month[5:7]) - 1


@dataclass(frozen=True)
class Calendar:
    month: str
    all_days: np.ndarray      # datetime64[D], every day of the month
    days: np.ndarray          # datetime64[D], working days
    ramadan: np.ndarray       # bool per working day
    post_holiday: np.ndarray  # bool per working day
    hours: dict               # centre kind -> (open minute, close minute) arrays per working day


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def _calendar(cfg: Config, month: str) -> Calendar:
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
    return Calendar(month, np.array(all_days, dtype="datetime64[D]"), np.array(working, dtype="datetime64[D]"),
                    np.array([cfg.is_ramadan(d) for d in working], dtype=bool), np.array(post, dtype=bool), hours)


def last_working_day(cfg: Config, month: str) -> date:
    d = parse(month).last
    while not cfg.is_working_day(d):
        d -= timedelta(days=1)
    return d


def first_working_day(cfg: Config, month: str) -> date:
    d = parse(month).start
    while not cfg.is_working_day(d):
        d += timedelta(days=1)
    return d


@dataclass
class Run:
    cfg: Config
    seed: int
    scale: float
    thresholds: np.ndarray                 # service-level threshold (s) per channel, nan for self-service
    names: dict = field(default_factory=dict)
    calendars: dict = field(default_factory=dict)

    def calendar(self, month: str) -> Calendar:
        if month not in self.calendars:
            self.calendars[month] = _calendar(self.cfg, month)
        return self.calendars[month]
