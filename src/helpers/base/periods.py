"""Reporting periods: day ``YYYY-MM-DD``, ISO week ``YYYY-Www``, month ``YYYY-MM``, year ``YYYY``.

The as-of rule: a report for period P may read any record up to ``P.end`` and none after.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pandas as pd

KINDS = ("day", "week", "month", "year")

_PATTERNS = {
    "day": re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"),
    "week": re.compile(r"^(\d{4})-W(\d{2})$"),
    "month": re.compile(r"^(\d{4})-(\d{2})$"),
    "year": re.compile(r"^(\d{4})$"),
}


class PeriodError(ValueError):
    """A period label that is not one of the four forms."""


@dataclass(frozen=True, order=True)
class Period:
    start: date          # first day, inclusive
    last: date           # last day, inclusive
    kind: str
    label: str

    @property
    def end(self) -> pd.Timestamp:
        """The last instant of the period (local time): records at or before it are in scope."""
        return pd.Timestamp(datetime.combine(self.last, time(23, 59, 59, 999999)))

    @property
    def start_ts(self) -> pd.Timestamp:
        return pd.Timestamp(self.start)

    @property
    def months(self) -> list[str]:
        """The ``YYYY-MM`` months this period touches, in order."""
        out, d = [], self.start.replace(day=1)
        while d <= self.last:
            out.append(f"{d:%Y-%m}")
            d = (d.replace(day=28) + timedelta(days=4)).replace(day=1)
        return out

    @property
    def month(self) -> str:
        """The month holding the period's last day: the store's as-of month."""
        return f"{self.last:%Y-%m}"

    def previous(self) -> "Period":
        """The period of the same kind just before this one."""
        if self.kind == "day":
            return parse(f"{self.start - timedelta(days=1):%Y-%m-%d}")
        if self.kind == "week":
            y, w, _ = (self.start - timedelta(days=7)).isocalendar()
            return parse(f"{y}-W{w:02d}")
        if self.kind == "month":
            d = self.start - timedelta(days=1)
            return parse(f"{d:%Y-%m}")
        return parse(f"{self.start.year - 1}")

    def same_period_last_year(self) -> "Period":
        if self.kind == "day":
            try:
                return parse(f"{self.start.replace(year=self.start.year - 1):%Y-%m-%d}")
            except ValueError:  # 29 February
                return parse(f"{self.start.year - 1}-02-28")
        if self.kind == "week":
            y, w, _ = self.start.isocalendar()
            w = min(w, date(y - 1, 12, 28).isocalendar()[1])
            return parse(f"{y - 1}-W{w:02d}")
        if self.kind == "month":
            return parse(f"{self.start.year - 1}-{self.start.month:02d}")
        return parse(f"{self.start.year - 1}")

    def __str__(self) -> str:
        return self.label


def parse(label: str) -> Period:
    """Parse a period label; raises PeriodError with the accepted forms."""
    text = str(label).strip()
    for kind, pattern in _PATTERNS.items():
        m = pattern.match(text)
        if not m:
            continue
        try:
            if kind == "day":
                d = date(int(m[1]), int(m[2]), int(m[3]))
                return Period(d, d, kind, text)
            if kind == "week":
                start = date.fromisocalendar(int(m[1]), int(m[2]), 1)
                return Period(start, start + timedelta(days=6), kind, text)
            if kind == "month":
                start = date(int(m[1]), int(m[2]), 1)
                nxt = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
                return Period(start, nxt - timedelta(days=1), kind, text)
            y = int(m[1])
            return Period(date(y, 1, 1), date(y, 12, 31), kind, text)
        except ValueError as exc:
            raise PeriodError(f"{text!r} is not a real {kind}: {exc}") from None
    raise PeriodError(
        f"{text!r} is not a period; use YYYY-MM-DD (day), YYYY-Www (ISO week), YYYY-MM (month) or YYYY (year)"
    )


def months_between(first: str, last: str) -> list[str]:
    """Every ``YYYY-MM`` from first to last inclusive."""
    a, b = parse(first), parse(last)
    return Period(a.start, b.last, "range", f"{first}..{last}").months


def _month_index(month: str) -> int:
    """Months since year 0 of a ``YYYY-MM`` label; raises PeriodError for anything else."""
    text = str(month).strip()
    m = _PATTERNS["month"].match(text)
    if not m or not 1 <= int(m[2]) <= 12:
        raise PeriodError(f"{text!r} is not a month; use YYYY-MM")
    return int(m[1]) * 12 + int(m[2]) - 1


def shift_month(month: str, n: int) -> str:
    """The ``YYYY-MM`` month ``n`` calendar months after ``month`` (before it when ``n`` < 0)."""
    idx = _month_index(month) + n
    return f"{idx // 12:04d}-{idx % 12 + 1:02d}"


def months_back(month: str, n: int) -> list[str]:
    """The ``n`` calendar months ending with ``month`` (inclusive), oldest first; empty when n <= 0."""
    return [shift_month(month, -k) for k in range(n - 1, -1, -1)]
