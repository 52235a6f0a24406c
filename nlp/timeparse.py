"""Chinese time expressions for reminders: 明天上午9点, 后天下午三点半, 下周一, 10分钟后, 每天早上7点.

Pure: the caller passes `now` (timezone-aware or naive, kept as given); nothing here reads
the clock. Numerals are converted with cn2an on the captured groups only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import cn2an

from nlp import lexicon

_NUM = rf"(?:\d{{1,4}}|[{lexicon.TIME_NUMERALS}]{{1,4}})"
_HALF = lexicon.TIME_HALF
_UNITS = "|".join(lexicon.TIME_UNITS)
_WEEK = "|".join(lexicon.TIME_WEEK_WORDS)
_WEEKDAY_CHARS = "".join(lexicon.TIME_WEEKDAYS)
_HOUR_MARKS = "|".join(lexicon.TIME_HOUR_MARKS)
_QUARTER = "|".join(lexicon.TIME_QUARTER_WORDS)
_RELATIVE = re.compile(
    rf"(?P<n>{_NUM}|{_HALF})\s*(?:{lexicon.TIME_MEASURE_WORD})?\s*(?P<unit>{_UNITS})(?:{lexicon.TIME_AFTER_PATTERN})"
)
_DAY = re.compile("|".join(lexicon.TIME_DAY_OFFSETS))
_WEEKDAY = re.compile(
    rf"(?P<every>{lexicon.TIME_EVERY})?(?P<next>{lexicon.TIME_WEEK_PREFIX_PATTERN})?"
    rf"(?:{_WEEK})(?P<d>[{_WEEKDAY_CHARS}1-7])"
)
_DATE = re.compile(
    rf"(?P<m>{_NUM})\s*{lexicon.TIME_MONTH_MARK}\s*(?P<d>{_NUM})\s*[{lexicon.TIME_DAY_OF_MONTH_MARKS}]"
)
_DAILY = re.compile("|".join(lexicon.TIME_DAILY_WORDS))
_PERIOD = re.compile("|".join(lexicon.TIME_PERIOD_HOURS))
_CLOCK = re.compile(
    rf"(?P<h>{_NUM})\s*(?:{_HOUR_MARKS})\s*"
    rf"(?:(?P<half>{_HALF})|(?P<quarter>{_QUARTER})|(?P<min>{_NUM})\s*{lexicon.TIME_MINUTE_MARK}?)?"
)
_WEEKDAYS = lexicon.TIME_WEEKDAYS
_PM = lexicon.TIME_PM_WORDS
DEFAULT_HOUR = 9
"""A day without a clock time ("下周一提醒我交物业费") means 09:00."""


@dataclass(frozen=True)
class TimeSpec:
    """When to fire; repeat is None, "daily" or "weekly"."""

    when: datetime
    repeat: str | None = None


def _int(group: str) -> int:
    return int(group) if group.isdigit() else int(cn2an.cn2an(group, "smart"))


def parse_time(text: str, now: datetime) -> TimeSpec | None:
    """Parse the first time expression in normalised text relative to now, or None."""
    rel = _RELATIVE.search(text)
    if rel:
        n = 0.5 if rel.group("n") == lexicon.TIME_HALF else _int(rel.group("n"))
        unit = rel.group("unit")
        delta = timedelta(**{lexicon.TIME_UNITS[unit]: n})
        return TimeSpec((now + delta).replace(microsecond=0))

    day: datetime | None = None
    repeat: str | None = None
    if _DAILY.search(text):
        repeat = "daily"
    elif (m := _DAY.search(text)) is not None:
        word = m.group(0)
        day = now + timedelta(days=lexicon.TIME_DAY_OFFSETS[word])
    elif (m := _WEEKDAY.search(text)) is not None:
        d = m.group("d")
        target = int(d) - 1 if d.isdigit() else _WEEKDAYS[d]
        if m.group("every"):
            repeat = "weekly"
        days = (target - now.weekday()) % 7
        if m.group("next") and m.group("next").startswith(lexicon.TIME_NEXT_MARK):
            days = 7 - now.weekday() + target  # the weekday of next calendar week
        elif days == 0 and not m.group("every"):
            days = 7
        day = now + timedelta(days=days)
    elif (m := _DATE.search(text)) is not None:
        month, dom = _int(m.group("m")), _int(m.group("d"))
        try:
            day = now.replace(month=month, day=dom)
            if day.date() < now.date():
                day = day.replace(year=now.year + 1)
        except ValueError:
            return None

    clock = _CLOCK.search(text)
    period = _PERIOD.search(text)
    if clock is None and day is None and repeat is None:
        return None
    hour, minute = DEFAULT_HOUR, 0
    if clock is not None:
        hour = _int(clock.group("h"))
        if clock.group("half"):
            minute = 30
        elif clock.group("quarter"):
            minute = 15
        elif clock.group("min"):
            minute = _int(clock.group("min"))
        if hour > 23 or minute > 59:
            return None
    elif period is not None:
        hour = lexicon.TIME_PERIOD_HOURS[period.group(0)]
    if period is not None and clock is not None:
        word = period.group(0)
        if (word in _PM and hour < 12) or (word == lexicon.TIME_NOON and hour < 6):
            hour += 12
    base = day or now
    when = base.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if day is None and when <= now:
        when += timedelta(days=1)  # "提醒我下午三点" said at 16:00 means tomorrow
    return TimeSpec(when, repeat)
