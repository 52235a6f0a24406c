"""Calendar facts for nlp/timeparse.py: month arithmetic, holidays' dates and working days.

Lunar festivals, the lunar New Year's Eve and solar terms come from lunar-python; working days
(with the 调休 make-up days) from the chinese_calendar package by default. Both are imported
on first use, so loading the parser stays cheap. Pure: no clock is read here.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date, timedelta

WorkdayCheck = Callable[[date], bool]


def last_day(year: int, month: int) -> int:
    """The number of days in the month."""
    return calendar.monthrange(year, month)[1]


def add_months(day: date, months: int, *, clamp: bool = True) -> date | None:
    """The same day `months` later; past the month's end it is clamped (or None when clamp is False)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    if not 1 <= year <= 9999:
        return None
    if day.day > last_day(year, month):
        if not clamp:
            return None
        return date(year, month, last_day(year, month))
    return date(year, month, day.day)


def is_workday(day: date) -> bool:
    """Whether `day` is a working day in mainland China, 调休 included (chinese_calendar).

    Years the installed calendar does not cover yet fall back to Monday to Friday: the
    State Council publishes each year's holidays in the November before.
    """
    import chinese_calendar

    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


def _lunar_to_solar(year: int, month: int, day: int) -> date:
    from lunar_python import Lunar

    solar = Lunar.fromYmd(year, month, day).getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def _lunar_eve(lunar_year: int) -> date:
    """The last day of the lunar year: the day before the next year's first day (除夕)."""
    return _lunar_to_solar(lunar_year + 1, 1, 1) - timedelta(days=1)


def _solar_term(year: int, month: int, name: str) -> date | None:
    from lunar_python import Solar

    for dom in range(1, last_day(year, month) + 1):
        if Solar.fromYmd(year, month, dom).getLunar().getJieQi() == name:
            return date(year, month, dom)
    return None


def _nth_sunday(year: int, month: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(6 - first.weekday()) % 7 + 7 * (n - 1))


def holiday_dates(kind: str, a: int, b: int, year: int, term: str = "") -> list[date]:
    """The holiday's dates that fall in the Gregorian `year`, earliest first (a lunar one may fall twice).

    Args:
        kind, a, b: a spec from nlp.lexicon.time.HOLIDAYS.
        term: the solar term's name for kind "term".
    """
    if kind == "solar":
        return [date(year, a, b)]
    if kind == "nth_weekday":
        return [_nth_sunday(year, a, b)]
    if kind == "term":
        found = _solar_term(year, a, term)
        return [found] if found else []
    # A lunar date of lunar year Y falls in Gregorian year Y or Y + 1 (late festivals, 除夕).
    dates = (_lunar_eve(y) if kind == "lunar_eve" else _lunar_to_solar(y, a, b) for y in (year - 1, year))
    return sorted(d for d in dates if d is not None and d.year == year)


def next_holiday(kind: str, a: int, b: int, today: date, term: str = "") -> date | None:
    """The holiday's first date on or after today."""
    for year in (today.year, today.year + 1, today.year + 2):
        for found in holiday_dates(kind, a, b, year, term):
            if found >= today:
                return found
    return None
