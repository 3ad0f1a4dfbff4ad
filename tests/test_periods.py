"""Month arithmetic in src/helpers/base/periods.py, against months counted by hand on a calendar."""

import pytest

from helpers.base.periods import PeriodError, months_back, months_between, shift_month


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
