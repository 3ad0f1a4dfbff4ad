"""Periods in src/helpers/base/periods.py: month arithmetic and weeks, against months and days
counted by hand on a calendar and, for Monday weeks, Python's own ISO calendar."""

from datetime import date, timedelta

import pandas as pd
import pytest

from helpers.base import messages
from helpers.base.config import ConfigError, load_config, parse_period
from helpers.base.periods import (
    WEEKDAYS,
    PeriodError,
    kind_of,
    months_back,
    months_between,
    parse,
    shift_month,
    week_of,
    weeks_in_year,
)


def test_shift_month_within_and_across_years():
    assert shift_month("2024-03", 0) == "2024-03"
    assert shift_month("2024-03", 1) == "2024-04"
    assert shift_month("2024-12", 1) == "2025-01"
    assert shift_month("2024-01", -1) == "2023-12"
    assert shift_month("2024-03", -12) == "2023-03"
    assert shift_month("2024-03", -15) == "2022-12"
    assert shift_month("2024-11", 14) == "2026-01"


def test_shift_month_rejects_other_labels():
    for bad in ("2024-13", "2024-00", "2024-3", "2024", "2024-03-01"):
        with pytest.raises(PeriodError):
            shift_month(bad, 1)


def test_months_back_counts_and_order():
    assert months_back("2024-02", 3) == ["2023-12", "2024-01", "2024-02"]
    assert months_back("2024-02", 1) == ["2024-02"]
    assert months_back("2024-02", 0) == []
    assert months_back("2024-02", -2) == []
    assert len(months_back("2024-06", 12)) == 12
    assert months_back("2024-06", 12)[0] == "2023-07"


def test_months_between_inclusive_and_empty_when_reversed():
    assert months_between("2024-11", "2025-02") == ["2024-11", "2024-12", "2025-01", "2025-02"]
    assert months_between("2024-05", "2024-05") == ["2024-05"]
    assert months_between("2024-05", "2024-04") == []
    assert months_between("2023-12", "2024-01") == ["2023-12", "2024-01"]


# --- weeks: the first day of the week is the entity's (config calendar.week_starts) -------------
# Every date below was read off a printed calendar; 2024-06-11 is a Tuesday, 2023-12-31 a Sunday.

def test_a_sunday_week_holding_11_june_2024_is_9_to_15_june():
    week = week_of(date(2024, 6, 11), "Sun")
    assert (week.label, week.start, week.last) == ("2024-W24", date(2024, 6, 9), date(2024, 6, 15))
    assert parse("2024-W24", week_starts="Sun") == week
    assert week.start.strftime("%a") == "Sun" and week.last.strftime("%a") == "Sat"
    assert week.months == ["2024-06"] and week.month == "2024-06"
    assert week.end == pd.Timestamp("2024-06-15 23:59:59.999999")


def test_a_monday_week_is_the_iso_week():
    week = parse("2024-W24", week_starts="Mon")
    assert (week.start, week.last) == (date(2024, 6, 10), date(2024, 6, 16))
    assert week_of(date(2024, 6, 16), "Mon") == week          # a Sunday closes the ISO week
    assert week_of(date(2024, 6, 16), "Sun").label == "2024-W25"  # and opens the Sunday one


def test_monday_weeks_match_isocalendar_on_every_day_of_nine_years():
    day = date(2019, 1, 1)
    while day <= date(2027, 12, 31):
        iso_year, iso_week, iso_day = day.isocalendar()
        week = week_of(day, "Mon")
        assert week.label == f"{iso_year}-W{iso_week:02d}", day
        assert week.start == day - timedelta(days=iso_day - 1), day
        assert parse(week.label, week_starts="Mon").start == date.fromisocalendar(iso_year, iso_week, 1)
        day += timedelta(days=1)


def test_sunday_weeks_across_the_year_boundary():
    first = parse("2024-W01", week_starts="Sun")
    assert (first.start, first.last) == (date(2023, 12, 31), date(2024, 1, 6))
    assert first.months == ["2023-12", "2024-01"] and first.month == "2024-01"
    assert week_of(date(2023, 12, 31), "Sun") == first and week_of(date(2024, 1, 6), "Sun") == first
    last_2023 = week_of(date(2023, 12, 30), "Sun")
    assert (last_2023.label, last_2023.start) == ("2023-W52", date(2023, 12, 24))
    assert first.previous() == last_2023
    assert parse("2023-W01", week_starts="Sun").start == date(2023, 1, 1)
    # ISO puts 31 December 2023 (a Sunday) in 2023-W52 and starts 2024-W01 on Monday 1 January
    assert week_of(date(2023, 12, 31), "Mon").label == "2023-W52"
    assert parse("2024-W01", week_starts="Mon").start == date(2024, 1, 1)


def test_week_53_years_differ_with_the_first_day():
    # 2025 starts on a Wednesday: 53 Wednesdays (the middle of a Sunday week), 52 Thursdays
    w53 = parse("2025-W53", week_starts="Sun")
    assert (w53.start, w53.last) == (date(2025, 12, 28), date(2026, 1, 3))
    assert week_of(date(2026, 1, 3), "Sun") == w53
    assert parse("2026-W01", week_starts="Sun").start == date(2026, 1, 4)
    assert parse("2026-W01", week_starts="Sun").previous() == w53
    with pytest.raises(PeriodError, match="2025 has weeks 01 to 52"):
        parse("2025-W53", week_starts="Mon")
    # 2026 starts on a Thursday: ISO week 53, no Sunday week 53
    iso53 = parse("2026-W53", week_starts="Mon")
    assert (iso53.start, iso53.last) == (date(2026, 12, 28), date(2027, 1, 3))
    with pytest.raises(PeriodError, match="2026 has weeks 01 to 52"):
        parse("2026-W53", week_starts="Sun")
    # 2020 (a leap year starting on a Wednesday) has both
    assert parse("2020-W53", week_starts="Sun").start == date(2020, 12, 27)
    assert parse("2020-W53", week_starts="Mon").start == date(2020, 12, 28)
    assert [weeks_in_year(y, "Sun") for y in (2020, 2023, 2024, 2025, 2026)] == [53, 52, 52, 53, 52]
    assert [weeks_in_year(y, "Mon") for y in (2020, 2023, 2024, 2025, 2026)] == [53, 52, 52, 52, 53]


def test_same_week_last_year_takes_the_last_week_when_there_is_no_week_53():
    w53 = parse("2025-W53", week_starts="Sun")
    assert w53.same_period_last_year() == parse("2024-W52", week_starts="Sun")
    assert parse("2024-W52", week_starts="Sun").start == date(2024, 12, 22)
    june = parse("2024-W24", week_starts="Sun").same_period_last_year()
    assert (june.label, june.start, june.last) == ("2023-W24", date(2023, 6, 11), date(2023, 6, 17))
    assert parse("2020-W53", week_starts="Mon").same_period_last_year().label == "2019-W52"
    assert parse("2024-W24", week_starts="Sun").previous().start == date(2024, 6, 2)


@pytest.mark.parametrize("week_starts", WEEKDAYS)
def test_every_first_day_numbers_weeks_by_the_year_of_their_middle_day(week_starts):
    """Whatever the first day: each day is in exactly one week of seven days starting on that
    weekday; numbers run 01, 02 … and restart at 01 when the middle day enters a new year; a year
    has 53 weeks exactly when it holds 53 of the middle weekday (counted day by day)."""
    first_weekday = WEEKDAYS.index(week_starts)
    middle_weekday = (first_weekday + 3) % 7
    day, previous = date(2018, 12, 20), None
    while day <= date(2027, 1, 10):
        week = week_of(day, week_starts)
        assert week.start <= day <= week.last and (week.last - week.start).days == 6
        assert week.start.weekday() == first_weekday and week.week_start == week_starts
        assert parse(week.label, week_starts=week_starts) == week
        middle = week.start + timedelta(days=3)
        assert week.year_week[0] == middle.year
        if previous is not None and week != previous:
            assert week.start == previous.last + timedelta(days=1)
            (y0, n0), (y1, n1) = previous.year_week, week.year_week
            assert (y1, n1) == ((y0, n0 + 1) if y1 == y0 else (y0 + 1, 1))
            if y1 != y0:
                assert n0 == weeks_in_year(y0, week_starts)
        previous = week
        day += timedelta(days=1)
    for year in range(2019, 2027):
        days = [date(year, 1, 1) + timedelta(days=k) for k in range(366 if year % 4 == 0 else 365)]
        middles = sum(d.weekday() == middle_weekday for d in days)
        assert weeks_in_year(year, week_starts) == (53 if middles == 53 else 52), year


def test_a_week_label_needs_the_first_day_of_the_week():
    with pytest.raises(TypeError, match="week_starts"):
        parse("2024-W24")
    with pytest.raises(ValueError, match="first day of the week 'Sunday'"):
        parse("2024-W24", week_starts="Sunday")
    # other labels need no first day, and ignore one
    assert parse("2024-06", week_starts="Sun") == parse("2024-06")
    assert kind_of("2024-W24") == "week" and kind_of(" 2024-06 ") == "month" and kind_of("2024-06-11") == "day"
    for bad in ("2024-W00", "2024-W54", "2024-W5", "2024-02-30", "2024-13"):
        with pytest.raises(PeriodError):
            kind_of(bad)
    with pytest.raises(PeriodError, match="2024 has weeks 01 to 52"):
        parse("2024-W53", week_starts="Sun")


def test_week_titles_follow_the_first_day():
    sunday = parse("2024-W24", week_starts="Sun")
    assert messages.period_title(sunday, "en") == "Week 24, 2024 (2024-06-09 to 2024-06-15)"
    assert messages.period_title(sunday, "ar") == "الأسبوع 24، 2024 (من 2024-06-09 إلى 2024-06-15)"
    new_year = parse("2024-W01", week_starts="Sun")
    assert messages.period_title(new_year, "en") == "Week 1, 2024 (2023-12-31 to 2024-01-06)"
    iso = parse("2024-W01", week_starts="Mon")
    assert messages.period_title(iso, "en") == "Week 1, 2024 (2024-01-01 to 2024-01-07)"


def _root_with(tmp_path, calendar: str):
    (tmp_path / "config").mkdir(parents=True)
    (tmp_path / "config" / "entity.yaml").write_text(f"calendar: {calendar}\n", encoding="utf-8")
    return tmp_path


def test_the_entity_config_sets_the_first_day(tmp_path):
    assert load_config().week_starts == "Sun"                       # the model entity, Bahrain
    sunday = _root_with(tmp_path / "sun", "{week_starts: Sun}")
    monday = _root_with(tmp_path / "mon", "{week_starts: Mon}")
    unset = _root_with(tmp_path / "unset", "{working_days: [Sun]}")
    assert parse_period("2024-W24", sunday).start == date(2024, 6, 9)
    assert parse_period("2024-W24", monday).start == date(2024, 6, 10)
    assert load_config(unset).week_starts == "Mon" and parse_period("2024-W24", unset).start == date(2024, 6, 10)
    bad = _root_with(tmp_path / "bad", "{week_starts: Sunday}")
    with pytest.raises(ConfigError, match="calendar.week_starts is 'Sunday'"):
        parse_period("2024-W24", bad)
    # a month, day or year needs no configuration at all; a Period passes through
    assert parse_period("2024-06", tmp_path / "nowhere") == parse("2024-06")
    week = parse("2024-W24", week_starts="Sun")
    assert parse_period(week, tmp_path / "nowhere") is week
