"""Chinese time expressions for reminders: 明天上午9点, 后天下午三点半, 下周一, 10分钟后, 每天早上7点.

Pure: the caller passes `now` (timezone-aware or naive, kept as given); nothing here reads
the clock. Numerals are converted with cn2an on the captured groups only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import cn2an

_NUM = r"(?:\d{1,4}|[零〇一二两三四五六七八九十]{1,4})"
_RELATIVE = re.compile(rf"(?P<n>{_NUM}|半)\s*(?:个)?\s*(?P<unit>分钟|小时|钟头|天)(?:之?后|以后)")
_DAY = re.compile(r"大后天|后天|明天|明早|明晚|今天|今早|今晚|今晚上")
_WEEKDAY = re.compile(r"(?P<every>每)?(?P<next>下个?|这个?|本)?(?:周|星期|礼拜)(?P<d>[一二三四五六日天1-7])")
_DATE = re.compile(rf"(?P<m>{_NUM})\s*月\s*(?P<d>{_NUM})\s*[日号]")
_DAILY = re.compile(r"每天|每日|天天")
_PERIOD = re.compile(r"凌晨|早上|早晨|上午|中午|下午|傍晚|晚上|夜里|今早|今晚|明早|明晚")
_CLOCK = re.compile(rf"(?P<h>{_NUM})\s*(?:点|时|:)\s*(?:(?P<half>半)|(?P<quarter>一刻|1刻)|(?P<min>{_NUM})\s*分?)?")
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_PM = ("下午", "傍晚", "晚上", "夜里", "今晚", "明晚")
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
        n = 0.5 if rel.group("n") == "半" else _int(rel.group("n"))
        unit = rel.group("unit")
        delta = {"分钟": timedelta(minutes=n), "天": timedelta(days=n)}.get(unit, timedelta(hours=n))
        return TimeSpec((now + delta).replace(microsecond=0))

    day: datetime | None = None
    repeat: str | None = None
    if _DAILY.search(text):
        repeat = "daily"
    elif (m := _DAY.search(text)) is not None:
        word = m.group(0)
        offset = 3 if word == "大后天" else 2 if word == "后天" else 1 if word.startswith("明") else 0
        day = now + timedelta(days=offset)
    elif (m := _WEEKDAY.search(text)) is not None:
        d = m.group("d")
        target = int(d) - 1 if d.isdigit() else _WEEKDAYS[d]
        if m.group("every"):
            repeat = "weekly"
        days = (target - now.weekday()) % 7
        if m.group("next") and m.group("next").startswith("下"):
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
        hour = {"凌晨": 6, "中午": 12, "下午": 15, "傍晚": 18}.get(period.group(0), 20 if period.group(0) in _PM else 8)
    if period is not None and clock is not None:
        word = period.group(0)
        if (word in _PM and hour < 12) or (word == "中午" and hour < 6):
            hour += 12
    base = day or now
    when = base.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if day is None and when <= now:
        when += timedelta(days=1)  # "提醒我下午三点" said at 16:00 means tomorrow
    return TimeSpec(when, repeat)
