"""Deadline arithmetic: months, calendar days and working days on the official PRC calendar.

Periods follow the Civil Code: counting starts the day after the anchor (第二百零一条); a period
in months or years ends on the corresponding day of the final month, or on its last day when the
month is shorter (第二百零二条). Working days are Monday to Friday except statutory holidays, plus
the adjusted weekend workdays (调休) announced each year; the `chinesecalendar` package carries
that official schedule. For a year it does not cover yet, the answer is unknown, not a guess.

A recurring duty falls due at the end of calendar periods: 31 December for every year, 30 June
and 31 December for half-years, the last day of March, June, September and December for quarters.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt

import chinese_calendar

from .expressions import add_months
from .pack import FixedDate, Period, Recurrence


class CalendarUnavailable(Exception):
    """The official working-day calendar does not cover the year asked about."""


def is_working_day(day: dt.date) -> bool:
    """Whether `day` is a working day on the official PRC calendar."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError as exc:
        raise CalendarUnavailable(
            f"the official holiday calendar for {day.year} is not available "
            f"(chinesecalendar covers the years it has data for; upgrade it when a new year's "
            f"schedule is announced)"
        ) from exc


def add_working_days(anchor: dt.date, count: int) -> dt.date:
    """The `count`-th working day after `anchor` (the anchor day itself is not counted)."""
    day = anchor
    remaining = count
    while remaining > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def next_working_day(day: dt.date) -> dt.date:
    """`day` itself if it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def add_period(anchor: dt.date, period: Period) -> dt.date:
    """The last day of `period` counted from `anchor`."""
    if period.years is not None:
        return add_months(anchor, 12 * period.years)
    if period.months is not None:
        return add_months(anchor, period.months)
    if period.days is not None:
        return anchor + dt.timedelta(days=period.days)
    assert period.working_days is not None
    return add_working_days(anchor, period.working_days)


def fixed_date(fixed: FixedDate, year: int) -> dt.date:
    """The calendar date `fixed` in `year` ('last' = the month's last day)."""
    last = _calendar.monthrange(year, fixed.month)[1]
    day = last if fixed.day == "last" else min(int(fixed.day), last)
    return dt.date(year, fixed.month, day)


MAX_DUE_DATES = 400
"""Most due dates one recurring deadline computes (a century of quarters); a stretch of time
longer than that is an error, not a silently shortened list."""


def period_ends(every: Recurrence, first: dt.date, last: dt.date) -> list[dt.date]:
    """The last day of every period from the one holding `first` through the one holding `last`.

    Always at least the end of the period holding `first`: a duty that starts owes its first
    report even when the stretch ends (or is recorded as ending) before that period is over.
    """
    months = every.months
    start = _period_index(first, months)
    stop = max(start, _period_index(last, months))
    if stop - start >= MAX_DUE_DATES:
        raise ValueError(
            f"{stop - start + 1:,} due dates from {first} to {last}; at most "
            f"{MAX_DUE_DATES} are computed"
        )
    return [period_end(index, months) for index in range(start, stop + 1)]


def period_start(every: Recurrence, day: dt.date) -> dt.date:
    """The first day of the period holding `day`."""
    year, month = divmod(_period_index(day, every.months) * every.months, 12)
    return dt.date(year, month + 1, 1)


def period_end(index: int, months: int) -> dt.date:
    """The last day of period `index` (counted in periods of `months` from year 0)."""
    year, month = divmod(index * months + months - 1, 12)
    return dt.date(year, month + 1, _calendar.monthrange(year, month + 1)[1])


def _period_index(day: dt.date, months: int) -> int:
    return (day.year * 12 + day.month - 1) // months
