"""Reporting periods: day ``YYYY-MM-DD``, week ``YYYY-Www``, month ``YYYY-MM``, year ``YYYY``.

The as-of rule: a report for period P may read any record up to ``P.end`` and none after.

Weeks follow the entity's first day of the week (config ``calendar.week_starts``, ``Mon`` … ``Sun``,
read by ``base.config``; this module reads no file, so a week label is parsed with ``week_starts``
given). The rule generalises ISO 8601 to any first day:

- a week is the seven days from its first day;
- it belongs to the year holding its middle day (first day + 3) and week ``01`` is the first
  such week of that year: the week holding 4 January. Weeks count on from there, so a year has
  52 weeks, or 53 when it has 53 of the middle weekday;
- with ``Mon`` this is exactly the ISO 8601 week (``date.isocalendar``); with ``Sun`` week
  ``2024-W01`` is 2023-12-31 … 2024-01-06 and ``2024-W24`` is 2024-06-09 … 2024-06-15.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pandas as pd

KINDS = ("day", "week", "month", "year")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")   # index = date.weekday()
ISO_WEEK_START = "Mon"

_PATTERNS = {
    "day": re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"),
    "week": re.compile(r"^(\d{4})-W(\d{2})$"),
    "month": re.compile(r"^(\d{4})-(\d{2})$"),
    "year": re.compile(r"^(\d{4})$"),
}
_FORMS = "YYYY-MM-DD (day), YYYY-Www (week), YYYY-MM (month) or YYYY (year)"


class PeriodError(ValueError):
    """A period label that is not one of the four forms."""


@dataclass(frozen=True, order=True)
class Period:
    start: date          # first day, inclusive
    last: date           # last day, inclusive
    kind: str
    label: str
    week_start: str | None = None   # a week's first weekday (``WEEKDAYS``); None for other kinds

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

    @property
    def year_week(self) -> tuple[int, int]:
        """A week's ``(year, number)`` under its own first day (the module's rule)."""
        if self.kind != "week":
            raise ValueError(f"{self.label} is a {self.kind}, not a week")
        return _year_week(self.start)

    def previous(self) -> "Period":
        """The period of the same kind just before this one (a week: the seven days before)."""
        if self.kind == "day":
            return parse(f"{self.start - timedelta(days=1):%Y-%m-%d}")
        if self.kind == "week":
            return week_of(self.start - timedelta(days=7), self.week_start)
        if self.kind == "month":
            d = self.start - timedelta(days=1)
            return parse(f"{d:%Y-%m}")
        return parse(f"{self.start.year - 1}")

    def same_period_last_year(self) -> "Period":
        """The same day, week number, month or year one year earlier; 29 February gives 28
        February, and week 53 gives the last week of a year that has only 52."""
        if self.kind == "day":
            try:
                return parse(f"{self.start.replace(year=self.start.year - 1):%Y-%m-%d}")
            except ValueError:  # 29 February
                return parse(f"{self.start.year - 1}-02-28")
        if self.kind == "week":
            year, number = self.year_week
            number = min(number, weeks_in_year(year - 1, self.week_start))
            return parse(f"{year - 1}-W{number:02d}", week_starts=self.week_start)
        if self.kind == "month":
            return parse(f"{self.start.year - 1}-{self.start.month:02d}")
        return parse(f"{self.start.year - 1}")

    def __str__(self) -> str:
        return self.label


def check_week_start(week_starts: str) -> str:
    """``week_starts`` itself when it is one of ``WEEKDAYS`` (``Mon`` … ``Sun``); else ValueError."""
    if week_starts not in WEEKDAYS:
        raise ValueError(f"first day of the week {week_starts!r}: use one of {', '.join(WEEKDAYS)}")
    return week_starts


def _year_week(first_day: date) -> tuple[int, int]:
    # the week's middle day decides its year; weeks 01, 02 … have their middle day on days
    # 1–7, 8–14 … of that year
    middle = first_day + timedelta(days=3)
    return middle.year, (middle.timetuple().tm_yday - 1) // 7 + 1


def _first_week_start(year: int, week_starts: str) -> date:
    """The first day of week 01 of ``year``: the week holding 4 January."""
    jan4 = date(year, 1, 4)
    return jan4 - timedelta(days=(jan4.weekday() - WEEKDAYS.index(week_starts)) % 7)


def weeks_in_year(year: int, week_starts: str) -> int:
    """52 or 53: how many weeks ``year`` has when weeks start on ``week_starts``."""
    check_week_start(week_starts)
    return (_first_week_start(year + 1, week_starts) - _first_week_start(year, week_starts)).days // 7


def week_of(day: date, week_starts: str) -> Period:
    """The week (``YYYY-Www``) holding ``day`` when weeks start on ``week_starts``."""
    check_week_start(week_starts)
    day = pd.Timestamp(day).date()
    first = day - timedelta(days=(day.weekday() - WEEKDAYS.index(week_starts)) % 7)
    year, number = _year_week(first)
    return Period(first, first + timedelta(days=6), "week", f"{year}-W{number:02d}", week_starts)


def kind_of(label) -> str:
    """Which kind of period ``label`` is (``day``, ``week``, ``month``, ``year``), without placing
    a week in the calendar (that takes the first day of the week: ``parse``). A day, month or
    year must exist; a week number must be 01–53. Raises PeriodError otherwise."""
    text = str(label).strip()
    m = _PATTERNS["week"].match(text)
    if m:
        if not 1 <= int(m[2]) <= 53:
            raise PeriodError(f"{text!r} is not a real week: weeks are numbered 01 to 53")
        return "week"
    return parse(text).kind


def parse(label, *, week_starts: str | None = None) -> Period:
    """Parse a period label; raises PeriodError with the accepted forms.

    A week label needs ``week_starts`` (the entity's ``calendar.week_starts``; ``Mon`` gives ISO
    8601 weeks): without it a week cannot be placed, and TypeError says so. Other labels ignore
    it. ``base.config.parse_period`` parses with the entity's setting.
    """
    text = str(label).strip()
    if week_starts is not None:
        check_week_start(week_starts)
    for kind, pattern in _PATTERNS.items():
        m = pattern.match(text)
        if not m:
            continue
        try:
            if kind == "day":
                d = date(int(m[1]), int(m[2]), int(m[3]))
                return Period(d, d, kind, text)
            if kind == "week":
                return _week(int(m[1]), int(m[2]), week_starts, text)
            if kind == "month":
                start = date(int(m[1]), int(m[2]), 1)
                nxt = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
                return Period(start, nxt - timedelta(days=1), kind, text)
            y = int(m[1])
            return Period(date(y, 1, 1), date(y, 12, 31), kind, text)
        except (ValueError, OverflowError) as exc:
            raise PeriodError(f"{text!r} is not a real {kind}: {exc}") from None
    raise PeriodError(f"{text!r} is not a period; use {_FORMS}")


def _week(year: int, number: int, week_starts: str | None, text: str) -> Period:
    if week_starts is None:
        raise TypeError(f"week {text!r}: parse it with week_starts (the entity's calendar.week_starts), "
                        "e.g. base.config.parse_period")
    count = weeks_in_year(year, week_starts)
    if not 1 <= number <= count:
        raise ValueError(f"with weeks starting on {week_starts}, {year} has weeks 01 to {count}")
    start = _first_week_start(year, week_starts) + timedelta(weeks=number - 1)
    return Period(start, start + timedelta(days=6), "week", text, week_starts)


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
