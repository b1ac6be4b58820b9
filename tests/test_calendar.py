"""Deadline arithmetic: Civil Code month rule and the official working-day calendar."""

from __future__ import annotations

import datetime as dt

import pytest

from policyengine.calendar import (
    CalendarUnavailable,
    add_period,
    add_working_days,
    fixed_date,
    is_working_day,
)
from policyengine.pack import FixedDate, Period

D = dt.date


@pytest.mark.parametrize(
    ("anchor", "months", "end"),
    [
        (D(2025, 1, 31), 1, D(2025, 2, 28)),
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2025, 8, 31), 6, D(2026, 2, 28)),
        (D(2025, 3, 15), 6, D(2025, 9, 15)),
        (D(2025, 12, 31), 12, D(2026, 12, 31)),
    ],
)
def test_month_periods_end_on_the_corresponding_day(
    anchor: dt.date, months: int, end: dt.date
) -> None:
    assert add_period(anchor, Period(months=months)) == end


def test_adjusted_workdays_and_holidays() -> None:
    assert is_working_day(D(2025, 9, 28))  # Sunday, worked for National Day
    assert not is_working_day(D(2025, 10, 1))
    assert not is_working_day(D(2025, 10, 8))
    assert is_working_day(D(2025, 10, 11))  # Saturday, worked
    assert add_working_days(D(2025, 9, 26), 5) == D(2025, 10, 10)
    assert add_working_days(D(2025, 10, 9), 1) == D(2025, 10, 10)


def test_a_year_without_official_data_is_refused() -> None:
    with pytest.raises(CalendarUnavailable, match="2099"):
        is_working_day(D(2099, 1, 5))


def test_fixed_dates() -> None:
    assert fixed_date(FixedDate(month=8, day="last", year="plan_year - 1"), 2025) == D(2025, 8, 31)
    assert fixed_date(FixedDate(month=2, day="last", year="x"), 2024) == D(2024, 2, 29)
    assert fixed_date(FixedDate(month=10, day=31, year="x"), 2025) == D(2025, 10, 31)
