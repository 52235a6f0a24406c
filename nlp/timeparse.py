"""Chinese time expressions for reminders: 明天上午9点, 一个半小时后, 下周三晚上7点, 每周二四早上7点.

Pure: the caller passes `now` (an aware datetime in the deployment's zone, Asia/Shanghai;
a naive one is kept naive) and, for workday repeats, may pass its own `is_workday`;
nothing here reads the clock. Chinese numerals are converted with cn2an on captured
number groups only. Vocabulary lives in nlp/lexicon/time.py.

    result = parse_time("明天上午9点提醒我去社区打疫苗", now)    # now: Wed 2026-12-02 10:30
    result.when == Moment(datetime(2026, 12, 3, 9, 0, tzinfo=shanghai)); result.span == (0, 7)
    content("明天上午9点提醒我去社区打疫苗", result) == "提醒我去社区打疫苗"

What is found. A message is first masked (nlp/timemask.py): addresses, phone and ticket
numbers, prices, amounts and ages (3号楼, 2单元501, 13812345678, 交了300块, 80岁, 买了3斤)
are never read as times. Then the parts of a time phrase are found — a repeat (每天, 每周二四,
每月5号, 每个工作日, 每年1月5号), a relative amount (10分钟后, 一个半小时后, 三刻钟后, 过两天),
a day (明天, 大后天, 周五, 下周三, 12月18号, 12.18, 2027年1月5日, 下个月5号, 月底, 元旦, 中秋),
a part of the day (上午, 傍晚, 凌晨), a clock time (7点半, 八点一刻, 差五分八点, 19:30, 十点四十) or
"this time of day" (明天这个点) — and neighbouring parts (only spaces, commas or 的 between
them) make one phrase. A day followed, a few characters later in the same clause, by a time
of day joins it too (明天提醒我下午3点 → tomorrow 15:00; `parts` then holds two pieces).
The first phrase that makes a valid time is the result.

The rules, as a person means them (documented behaviour, relied on by tests):
- Relative amounts in minutes and hours are exact (now + amount, seconds kept). Amounts of
  days, weeks, months and years name a day (一周后 = the same weekday next week; 一个月后 = the
  same day of next month, clamped to its end; 半个月 = 15 days) at the default hour.
- A day without a time of day is at DEFAULT_HOUR (09:00) and flagged `date_only`; a part of
  the day without a clock is at its PERIOD_HOURS hour (今晚 → 20:00) and flagged `part_of_day`.
- Parts of the day turn a clock into 24-hour time: 下午/傍晚 3点 → 15:00; 中午1点 → 13:00;
  晚上/夜里 7点 → 19:00, 晚上12点 → 00:00 of the next day, 晚上1点 → 01:00 of the next day;
  半夜/深夜 likewise; 凌晨12点 → 00:00; 早上/上午 keep the hour.
- A bare clock hour (no part of the day): 13-23 and 0 are as said. 7-11 are the morning on
  a named future day (明天8点 → 08:00); 12 is noon; 1-6 are the afternoon (3点 → 15:00) and
  flagged ambiguous ("bare_hour") so the caller may ask. With no day, or with 今天, the
  first of the morning and evening readings still ahead is taken: 8点 said at 10:00 is
  20:00 today, said at 21:00 it is 08:00 tomorrow.
- No day named: a time already past today means tomorrow (早上8点 said at 10:00 → tomorrow
  08:00; 下午3点 said at 16:00 → tomorrow 15:00).
- A date without a year that is already past this year means next year (11月30日 said on
  12-02 → next year). A bare day of the month (5号) is this month's, or the next month that
  has it when already past (31号 said on 11-05 → 12-31). 下个月5号: the 5th of next month;
  月底 / 下个月底: that month's last day; 年底: December 31.
- Weekdays, in calendar weeks from Monday to Sunday: 这周三 / 本周三 is this week's Wednesday
  (possibly past); 下周三 is the Wednesday of next calendar week, so said on Wednesday 12-02
  it is 12-09, and said on Sunday 12-06 it is 12-09 as well (下周一 on a Sunday is tomorrow);
  下下周三 the week after. A bare 周三 is the next Wednesday after today: said on a Wednesday
  it is next week's, flagged ambiguous ("weekday_today"). 周末 is the Saturday. 下周 alone is
  next week's Monday, flagged "vague".
- Holidays are their next date on or after today (元旦 said on 12-31 → 01-01; 春节 said in
  March → next year's): 元旦, 劳动节, 国庆 and other fixed days; 春节, 元宵, 端午, 七夕, 中秋, 重阳,
  腊八, 除夕 by the lunar calendar and 清明, 冬至 by the solar terms (lunar-python).
- A named day (今天, a date, a holiday, 这周一) whose time is already past is returned as it
  is, flagged `past`: the caller refuses it with the reason rather than guessing.
- 左右, 前后, 多, 之前, 以后 … right after a time flag it "approximate".
- Repeats start at their first occurrence after now: 每天8点 said at 10:30 first fires
  tomorrow 08:00. Monthly days past a month's end fall on its last day (每月31号 → Feb 28).
  Workdays follow the Chinese holiday calendar with its 调休 make-up days (`is_workday`,
  default: the chinese_calendar package; Monday to Friday for years it does not cover yet).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from nlp import timecalendar
from nlp.lexicon import time as words
from nlp.numerals import cn2an
from nlp.timemask import mask

WorkdayCheck = Callable[[date], bool]

DEFAULT_HOUR = 9
"""A day without a time of day ("下周一提醒我交物业费") means 09:00."""

PERIOD_HOURS: dict[str, int] = {
    "small_hours": 5, "early": 7, "morning": 8, "forenoon": 9, "noon": 12,
    "afternoon": 15, "dusk": 18, "evening": 20, "night": 21, "late_night": 23,
}  # fmt: skip
"""The hour each kind of part of the day means when no clock time is given (凌晨 05:00 … 深夜 23:00)."""


class Freq(StrEnum):
    """How a recurrence repeats."""

    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    WORKDAYS = "workdays"
    YEARLY = "yearly"


class Precision(StrEnum):
    """How much of the time was said: a clock time, only a part of the day, or only a day."""

    MINUTE = "minute"
    PART_OF_DAY = "part_of_day"
    DAY = "day"


class Ambiguity(StrEnum):
    """Why the caller may want to ask before using the time."""

    BARE_HOUR = "bare_hour"  # 3点: 03:00 or 15:00? (15:00 was taken)
    WEEKDAY_TODAY = "weekday_today"  # 周三 said on a Wednesday: today or next week? (next week was taken)
    APPROXIMATE = "approximate"  # 8点左右, 周五前
    VAGUE = "vague"  # 下周: which day? (Monday was taken)


@dataclass(frozen=True)
class Moment:
    """A one-off time."""

    at: datetime


@dataclass(frozen=True)
class Recurrence:
    """A repeating time of day; `first` is its first occurrence after the `now` it was parsed at.

    weekdays: for WEEKLY, Monday = 0 … Sunday = 6, sorted. day: for MONTHLY and YEARLY, the
    day of the month (-1 = the last day; past a month's end means its last day). month: YEARLY.
    """

    freq: Freq
    first: datetime
    hour: int
    minute: int
    weekdays: tuple[int, ...] = ()
    day: int | None = None
    month: int | None = None

    def next_after(self, after: datetime, is_workday: WorkdayCheck | None = None) -> datetime:
        """The first occurrence strictly after `after` (in the zone of `first`).

        Raises:
            ValueError: no occurrence within 800 days (an is_workday that is never true).
        """
        check = is_workday or timecalendar.is_workday
        tz = self.first.tzinfo
        if tz is not None and after.tzinfo is not None:
            after = after.astimezone(tz)
        day = after.date()
        for _ in range(800):
            if self._falls_on(day, check):
                at = datetime.combine(day, time(self.hour, self.minute), tzinfo=tz)
                if at > after:
                    return at
            day += timedelta(days=1)
        raise ValueError(f"no {self.freq} occurrence after {after.isoformat()}")

    def _falls_on(self, day: date, is_workday: WorkdayCheck) -> bool:
        if self.freq is Freq.DAILY:
            return True
        if self.freq is Freq.WEEKLY:
            return day.weekday() in self.weekdays
        if self.freq is Freq.WORKDAYS:
            return is_workday(day)
        if self.freq is Freq.YEARLY and day.month != self.month:
            return False
        last = timecalendar.last_day(day.year, day.month)
        wanted = last if self.day is None or self.day == -1 else min(self.day, last)
        return day.day == wanted


@dataclass(frozen=True)
class TimeResult:
    """What parse_time() found.

    span: (start, end) of the whole time phrase in the text given; parts: the pieces actually
    consumed (one, or two when a day and a later time of day were joined: 明天提醒我下午3点).
    """

    when: Moment | Recurrence
    span: tuple[int, int]
    parts: tuple[tuple[int, int], ...]
    precision: Precision = Precision.MINUTE
    ambiguity: Ambiguity | None = None
    past: bool = False

    @property
    def first(self) -> datetime:
        """The moment, or the recurrence's first occurrence."""
        return self.when.at if isinstance(self.when, Moment) else self.when.first

    @property
    def date_only(self) -> bool:
        """Only a day was given: the time of day is DEFAULT_HOUR."""
        return self.precision is Precision.DAY

    @property
    def part_of_day(self) -> bool:
        """Only a part of the day was given: the time of day is its PERIOD_HOURS hour."""
        return self.precision is Precision.PART_OF_DAY


# -- Tokens: the parts of a time phrase ----------------------------------------------------------

_DAY_KINDS = frozenset({"day", "week", "date", "holiday"})


@dataclass
class _Token:
    kind: str  # every | rel | day | week | date | holiday | period | clock | now_clock | approx | invalid
    start: int
    end: int
    day: date | None = None
    period: str | None = None
    short_period: bool = False  # 早/晚/夜: must touch the day before it
    hour: int = 0  # clock: the hour as said (8 in 差五分八点)
    offset: int = 0  # clock: minutes from that hour (-5 in 差五分八点)
    bare_weak: bool = False  # 一点 alone is "a little"
    delta: timedelta | None = None
    freq: Freq | None = None
    weekdays: tuple[int, ...] = ()
    dom: int | None = None
    month: int | None = None
    ambiguity: Ambiguity | None = None
    approx_clock_only: bool = False


def _alt(items: Iterable[str]) -> str:
    """A regex alternation of literal words, longest first."""
    return "|".join(re.escape(w) for w in sorted(items, key=len, reverse=True))


_CN = words.NUMERAL_CHARS
_N = rf"(?:(?<![\d.])\d{{1,4}}|(?<![{_CN}])[{_CN}]{{1,5}})"
_HOUR = rf"(?:(?<![\d.:/])\d{{1,2}}(?!\d)|(?<![{_CN}{words.HOUR_NOT_AFTER}])[{_CN}]{{1,3}})"
_WEEK = _alt(words.WEEK_WORDS)
_WD_ALL = "".join(c for c in words.WEEKDAY_CHARS if not c.isdigit())
_WD_LIST = _WD_ALL.replace(words.WEEKDAY_NOT_IN_LISTS, "")
_WD_DIGIT = rf"[1-7](?![\d{words.WEEKDAY_DIGIT_NOT_BEFORE}])"
_WD_AFTER_WORD = rf"(?:[{_WD_ALL}]|{_WD_DIGIT})"
_WD_IN_LIST = rf"(?:[{_WD_LIST}]|{_WD_DIGIT})"
_SEP = rf"\s*(?:{_alt(words.LIST_SEPARATORS)})?\s*"
_RANGE = _alt(words.RANGE_WORDS)
_EVERY = rf"{words.EVERY}(?:{_alt(words.EVERY_LINK)})?"
_LINK = rf"(?:{words.LINKS})?"
_DAY_MARK = f"[{words.DAY_MARKS}]"
_MONTH_PREFIX = _alt(words.MONTH_PREFIXES)
_YEAR_WORD = _alt(words.YEAR_WORDS)
_PERIOD_WORDS = _alt(words.PERIODS)

_RE_EVERY = [
    re.compile(
        rf"{_EVERY}(?:{_WEEK})(?P<days>{_WD_AFTER_WORD}(?:{_SEP}(?:(?:{_WEEK}){_WD_AFTER_WORD}|{_WD_IN_LIST}))*)"
        rf"(?:\s*(?:{_RANGE})\s*(?:{_WEEK})?(?P<to>{_WD_AFTER_WORD}))?"
    ),
    re.compile(rf"{_EVERY}(?:{_WEEK}){words.WEEKEND}(?P<weekend>)"),
    # 周一到周五每天: a weekday range is a repeat when a daily word follows.
    re.compile(
        rf"(?:{_WEEK})(?P<rfrom>{_WD_AFTER_WORD})\s*(?:{_RANGE})\s*(?:{_WEEK})?(?P<rto>{_WD_AFTER_WORD})"
        rf"(?=\s*(?:{_alt(words.DAILY_WORDS)}))"
    ),
    re.compile(
        rf"{_EVERY}{words.MONTH_WORD}{_LINK}"
        rf"(?:(?P<mday>{_N})\s*{_DAY_MARK}|(?P<mend>{_alt(words.EVERY_MONTH_END_WORDS)}))"
    ),
    re.compile(rf"{_EVERY}{words.YEAR_WORD}{_LINK}(?P<yearly>)"),
    re.compile(rf"(?:{_EVERY})?(?:{_alt(words.WORKDAY_WORDS)})(?P<workdays>)"),
    re.compile(rf"(?P<daily>{_alt(words.DAILY_WORDS)})"),
    re.compile(rf"(?P<dailyp>{_alt(words.DAILY_PERIOD_WORDS)})"),
    re.compile(rf"{_EVERY}(?P<everyp>{_PERIOD_WORDS})"),
]
_RE_REL = re.compile(
    rf"(?P<pre>(?:{words.REL_BEFORE})\s*)?"
    rf"(?:(?P<n>{_N})\s*(?:{words.MEASURE}\s*)?(?P<half>{words.HALF}\s*)?(?:{words.MEASURE}\s*)?"
    rf"(?P<unit>{_alt(words.REL_UNITS)})(?:\s*(?P<n2>{_N})\s*(?:{_alt(words.REL_MINUTE_UNITS)}))?"
    rf"|{words.HALF}\s*(?:{words.MEASURE}\s*)?(?P<hunit>{_alt(words.REL_UNITS)})"
    rf"|(?P<q>{_N})\s*{words.QUARTER_HOUR})"
    rf"(?P<post>\s*(?:{words.REL_AFTER}))?"
)
_RE_DAY = re.compile(_alt(words.DAY_WORDS))
_RE_NOW_CLOCK = re.compile(_alt(words.NOW_CLOCK_WORDS))
_RE_WEEK = re.compile(
    rf"(?P<pre>{_alt(words.WEEK_PREFIXES)})?(?:{_WEEK})"
    rf"(?:(?P<d>{_WD_AFTER_WORD})|(?P<end>{words.WEEKEND})|(?P<vague>)(?![{words.WEEK_VAGUE_NOT_BEFORE}]))"
)
_RE_DATES = [
    re.compile(r"(?<![\d.])(?P<y>\d{4})(?P<s>[-/.])(?P<m>\d{1,2})(?P=s)(?P<d>\d{1,2})(?![\d.])"),
    re.compile(
        rf"(?:(?P<y>\d{{4}}|[{''.join(words.DIGIT_CHARS)}]{{4}})\s*{words.YEAR_MARK}\s*|(?P<yw>{_YEAR_WORD}){_LINK})?"
        rf"(?P<m>{_N})\s*{words.MONTH_MARK}(?:{words.MONTH_SUFFIX})?\s*(?P<d>{_N})\s*(?:{_DAY_MARK})?"
    ),
    re.compile(r"(?<![\d./:A-Za-z-])(?P<m>\d{1,2})(?P<s>[./])(?P<d>\d{1,2})(?![\d./%:-])"),
    re.compile(rf"(?P<mp>{_MONTH_PREFIX}){words.MONTH_MARK}{_LINK}\s*(?P<d>{_N})\s*{_DAY_MARK}"),
    re.compile(rf"(?P<mp>{_MONTH_PREFIX})?(?P<mend>{_alt(words.MONTH_END_WORDS)})"),
    re.compile(rf"(?P<mp>{_MONTH_PREFIX})?(?P<mstart>{_alt(words.MONTH_START_WORDS)})"),
    re.compile(rf"(?P<yw>{_YEAR_WORD})?{_LINK}(?P<yend>{_alt(words.YEAR_END_WORDS)})"),
    re.compile(
        rf"(?<![\d{words.MONTH_MARK}])(?P<d>\d{{1,2}})\s*{_DAY_MARK}(?!\d)"
        rf"|(?<![{_CN}{words.MONTH_MARK}])(?P<dc>[{_CN}]{{1,3}})\s*{words.DAY_MARK_FOR_CHINESE}"
    ),
]
_RE_HOLIDAY = re.compile(
    rf"(?:(?P<yw>{_YEAR_WORD}){_LINK})?"
    rf"(?P<name>{_alt(words.HOLIDAYS)}|{'|'.join(f'{n}(?={after})' for n, after in words.HOLIDAY_NEEDS_AFTER.items())})"
    rf"(?:{words.FESTIVAL_SUFFIX})?"
)
_RE_PERIOD = re.compile(
    rf"(?P<p>{_PERIOD_WORDS})|(?P<sp>[{''.join(words.SHORT_PERIODS)}])(?![{words.SHORT_PERIOD_NOT_BEFORE}])"
)


def _minutes_group(g: str) -> str:
    """Minutes before or after an hour (差一刻, 过5分), captured as <g>q (quarters) or <g>m."""
    return (
        rf"(?:(?P<{g}q>[{''.join(words.QUARTERS)}])\s*{words.QUARTER}(?!{words.MINUTE_TAIL})"
        rf"|(?P<{g}m>{_N})\s*{words.MINUTE_MARK}{words.MINUTE_TAIL}?)"
    )


_RE_CLOCK = re.compile(
    rf"(?:{words.TO_THE_HOUR}\s*{_minutes_group('to1')}\s*)?"
    rf"(?P<h>{_HOUR})\s*(?P<mark>{_alt(words.HOUR_MARKS)})(?![{words.HOUR_NOT_BEFORE}])"
    rf"(?:\s*(?:(?P<half>{words.HALF_PAST})"
    rf"|(?P<q>[{''.join(words.QUARTERS)}])\s*{words.QUARTER}(?!{words.MINUTE_TAIL})"
    rf"|(?P<sharp>{words.ON_THE_HOUR})"
    rf"|{words.PAST_THE_HOUR}\s*{_minutes_group('past')}"
    rf"|{words.TO_THE_HOUR}\s*{_minutes_group('to2')}"
    rf"|(?P<m>{_N})\s*{words.MINUTE_MARK}{words.MINUTE_TAIL}?"
    rf"|(?P<mw>(?<!\d)\d{{2}}(?!\d)|{words.MINUTE_WORDS})))?"
)
_RE_COLON = re.compile(r"(?<![\d:.])(?P<h>\d{1,2})\s*:\s*(?P<m>\d{2})(?::\d{2})?(?![\d:])")
_RE_APPROX = re.compile(rf"(?P<a>{_alt(words.APPROXIMATE)})(?![{words.APPROX_NOT_BEFORE}])")
_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_CLOSE_GAP = re.compile(rf"[\s{words.LINKS}{words.CLOSE_GAP_CHARS}]*")
_CLAUSE_END = re.compile(f"[{re.escape(''.join(words.CLAUSE_PUNCTUATION))}]")
FAR_GAP = 6
"""At most this many characters between a day and a later time of day joined to it (明天提醒我下午3点)."""


def _int(group: str) -> int | None:
    """A captured number group as an int (cn2an for Chinese numerals), None when it is not one."""
    if group.isdigit() and group.isascii():
        return int(group)
    try:
        return int(cn2an.cn2an(group, "smart"))
    except (ValueError, KeyError, TypeError):
        return None


# -- Builders: one match → one token, or None when the words name no real time -----------------


def _every(m: re.Match[str], now: datetime) -> _Token | None:
    g = m.groupdict()
    tok = _Token("every", m.start(), m.end())
    if g.get("days") is not None:
        days = [words.WEEKDAY_CHARS[c] for c in g["days"] if c in words.WEEKDAY_CHARS]
        if g.get("to"):
            days = list(range(days[-1], words.WEEKDAY_CHARS[g["to"]] + 1)) + days[:-1]
            if len(days) < 2:
                return None
        tok.freq, tok.weekdays = Freq.WEEKLY, tuple(sorted(set(days)))
    elif g.get("weekend") is not None:
        tok.freq, tok.weekdays = Freq.WEEKLY, (5, 6)
    elif g.get("rfrom") is not None:
        lo, hi = words.WEEKDAY_CHARS[g["rfrom"]], words.WEEKDAY_CHARS[g["rto"]]
        if hi <= lo:
            return None
        tok.freq, tok.weekdays = Freq.WEEKLY, tuple(range(lo, hi + 1))
    elif g.get("mday") is not None:
        dom = _int(g["mday"])
        if dom is None or not 1 <= dom <= 31:
            return None
        tok.freq, tok.dom = Freq.MONTHLY, dom
    elif g.get("mend") is not None:
        tok.freq, tok.dom = Freq.MONTHLY, -1
    elif g.get("yearly") is not None:
        tok.freq = Freq.YEARLY  # waits for a month and day
    elif g.get("workdays") is not None:
        tok.freq = Freq.WORKDAYS
    elif g.get("daily") is not None:
        tok.freq = Freq.DAILY
    elif g.get("dailyp") is not None:
        tok.freq, tok.period = Freq.DAILY, words.DAILY_PERIOD_WORDS[g["dailyp"]]
    else:
        tok.freq, tok.period = Freq.DAILY, words.PERIODS[g["everyp"]]
    return tok


def _rel(m: re.Match[str], now: datetime) -> _Token | None:
    if not (m.group("pre") or m.group("post")):
        return None  # 等了半小时, 这两天: an amount, not a time
    if m.group("q") is not None:
        quarters = _int(m.group("q"))
        return None if not quarters else _Token("rel", m.start(), m.end(), delta=timedelta(minutes=15 * quarters))
    if m.group("hunit") is not None:
        amount, unit = 0.5, m.group("hunit")
    else:
        n = _int(m.group("n"))
        if n is None:
            return None
        amount, unit = n + (0.5 if m.group("half") else 0), m.group("unit")
    name, per = words.REL_UNITS[unit]
    amount *= per
    if name in ("minutes", "hours"):
        delta = timedelta(**{name: amount})
        if m.group("n2"):
            extra = _int(m.group("n2"))
            if extra is None:
                return None
            delta += timedelta(minutes=extra)
        return _Token("rel", m.start(), m.end(), delta=delta) if delta else None
    today = now.date()
    if name == "days":
        if amount != int(amount):  # 半天, 两天半: hours
            return _Token("rel", m.start(), m.end(), delta=timedelta(days=amount))
        day = today + timedelta(days=int(amount))
    else:
        whole, frac = int(amount), amount - int(amount)
        moved = timecalendar.add_months(today, whole)
        if moved is None:
            return None
        day = moved + timedelta(days=15 if frac else 0)
    return _Token("day", m.start(), m.end(), day=day) if day > today else None


def _day_word(m: re.Match[str], now: datetime) -> _Token:
    offset, period = words.DAY_WORDS[m.group(0)]
    return _Token("day", m.start(), m.end(), day=now.date() + timedelta(days=offset), period=period)


def _week(m: re.Match[str], now: datetime) -> _Token | None:
    today = now.date()
    monday = today - timedelta(days=today.weekday())
    pre = m.group("pre")
    weeks = words.WEEK_PREFIXES[pre] if pre else None
    tok = _Token("week", m.start(), m.end())
    if m.group("vague") is not None:
        before = m.string[m.start() - 1 : m.start()]
        if weeks is None or weeks < 1 or (before and before in words.WEEK_VAGUE_NOT_AFTER):
            return None  # 这周, 周边, 看一下周报
        tok.day, tok.ambiguity = monday + timedelta(weeks=weeks), Ambiguity.VAGUE
        return tok
    target = 5 if m.group("end") is not None else words.WEEKDAY_CHARS[m.group("d")]
    if weeks is not None:
        tok.day = monday + timedelta(weeks=weeks, days=target)
    else:
        ahead = (target - today.weekday()) % 7
        if ahead == 0:
            ahead, tok.ambiguity = 7, Ambiguity.WEEKDAY_TODAY
        tok.day = today + timedelta(days=ahead)
    return tok


def _year_of(g: dict[str, str | None], today: date) -> int | None:
    if g.get("y"):
        y = g["y"]
        return int(y) if y.isdigit() and y.isascii() else int("".join(words.DIGIT_CHARS[c] for c in y))
    if g.get("yw"):
        return today.year + words.YEAR_WORDS[g["yw"]]
    return None


def _date(m: re.Match[str], now: datetime) -> _Token | None:
    g = m.groupdict()
    today = now.date()
    tok = _Token("date", m.start(), m.end())
    year = _year_of(g, today)
    months_ahead = words.MONTH_PREFIXES[g["mp"]] if g.get("mp") else 0
    if g.get("mend") is not None:
        moved = timecalendar.add_months(today.replace(day=1), months_ahead)
        if moved is None:
            return None
        tok.day = moved.replace(day=timecalendar.last_day(moved.year, moved.month))
    elif g.get("mstart") is not None:
        ahead = months_ahead if g.get("mp") else (0 if today.day == 1 else 1)
        tok.day = timecalendar.add_months(today.replace(day=1), ahead)
        tok.ambiguity = Ambiguity.APPROXIMATE
    elif g.get("yend") is not None:
        tok.day = date(year or today.year, 12, 31)
    elif g.get("m") is not None:
        month, dom = _int(g["m"]), _int(g["d"])
        if month is None or dom is None:
            return None
        tok.month, tok.dom = month, dom
        tok.day = _month_day(month, dom, year, today)
    elif g.get("mp") is not None:
        dom = _int(g["d"])
        first = timecalendar.add_months(today.replace(day=1), months_ahead)
        if dom is None or first is None or not 1 <= dom <= timecalendar.last_day(first.year, first.month):
            return None
        tok.day = first.replace(day=dom)
    else:
        dom = _int(g["d"] or g["dc"])
        if dom is None or not 1 <= dom <= 31:
            return None
        tok.day = _next_day_of_month(dom, today)
    return tok if tok.day is not None else None


def _next_day_of_month(dom: int, today: date) -> date | None:
    """The next date on or after today that is the dom-th of its month (31号 skips 30-day months)."""
    for ahead in range(13):
        first = timecalendar.add_months(today.replace(day=1), ahead)
        if first is not None and dom <= timecalendar.last_day(first.year, first.month):
            found = first.replace(day=dom)
            if found >= today:
                return found
    return None


def _month_day(month: int, dom: int, year: int | None, today: date) -> date | None:
    """A month and day: in the year given, else this year's, else (already past) next year's."""
    if not 1 <= month <= 12 or not 1 <= dom <= 31:
        return None
    for y in [year] if year is not None else [today.year, today.year + 1, today.year + 4]:
        if dom <= timecalendar.last_day(y, month):
            found = date(y, month, dom)
            if year is not None or found >= today:
                return found
    return None


def _holiday(m: re.Match[str], now: datetime) -> _Token | None:
    name = m.group("name")
    before = m.string[m.start("name") - 1] if m.start("name") else ""
    after = m.string[m.end() : m.end() + 1]
    if name in words.HOLIDAY_FOOD_NAMES and (
        (before and before in words.HOLIDAY_NOT_AFTER) or (after and after in words.HOLIDAY_FOOD_AFTER)
    ):
        return None  # 吃元宵, 买了元宵, 腊八粥
    kind, a, b = words.HOLIDAYS.get(name) or words.HOLIDAY_NEEDS_AFTER_TARGET[name]
    term = words.SOLAR_TERM_NAMES.get(name, "")
    today = now.date()
    year = _year_of(m.groupdict(), today)
    if year is None:
        day = timecalendar.next_holiday(kind, a, b, today, term)
    else:
        found = timecalendar.holiday_dates(kind, a, b, year, term)
        day = found[0] if found else None
    return _Token("holiday", m.start(), m.end(), day=day) if day else None


def _period(m: re.Match[str], now: datetime) -> _Token:
    if m.group("p"):
        return _Token("period", m.start(), m.end(), period=words.PERIODS[m.group("p")])
    tok = _Token("period", m.start(), m.end(), period=words.SHORT_PERIODS[m.group("sp")], short_period=True)
    # 早8点 stands alone; otherwise 早/晚 must touch a day (周五晚, 明天早) to be a part of the day.
    clock = _RE_CLOCK.match(m.string, m.end())
    following = _clock(clock, now) if clock is not None else None
    tok.bare_weak = following is None or following.bare_weak  # 早一点来: "a bit earlier"
    return tok


def _minutes(m: re.Match[str], g: str) -> int | None:
    if m.group(f"{g}q"):
        return words.QUARTERS[m.group(f"{g}q")]
    return _int(m.group(f"{g}m"))


def _clock(m: re.Match[str], now: datetime) -> _Token | None:
    hour = _int(m.group("h"))
    if hour is None or hour > 24:
        return None
    offset = 0
    if m.group("half"):
        offset = 30
    elif m.group("q"):
        offset = words.QUARTERS[m.group("q")]
    elif m.group("pastq") or m.group("pastm"):
        offset = _minutes(m, "past") or 0
    elif m.group("m") or m.group("mw"):
        offset = _int(m.group("m") or m.group("mw")) or 0
    elif m.group("to2q") or m.group("to2m"):
        offset = -(_minutes(m, "to2") or 0)
    if m.group("to1q") or m.group("to1m"):
        offset = -(_minutes(m, "to1") or 0)
    if offset > 59 or offset < -59 or (hour == 24 and offset > 0) or (hour == 0 and offset < 0):
        return None
    tok = _Token("clock", m.start(), m.end(), hour=hour, offset=offset)
    plain = m.end() - m.end("mark") == 0 and not (m.group("to1q") or m.group("to1m"))
    said = m.group("h")
    # 一点 alone is "a little"; 一时半会 "a while": such hours need a day or part of the day first.
    tok.bare_weak = (plain and said == words.HOUR_WEAK and m.group("mark") != words.HOUR_MARKS[0]) or (
        m.group("mark") == words.HOUR_MARK_FORMAL and not said.isdigit()
    )
    return tok


def _colon(m: re.Match[str], now: datetime) -> _Token | None:
    hour, minute = int(m.group("h")), int(m.group("m"))
    if hour > 24 or minute > 59 or (hour == 24 and minute):
        return None
    return _Token("clock", m.start(), m.end(), hour=hour, offset=minute)


def _now_clock(m: re.Match[str], now: datetime) -> _Token:
    return _Token("now_clock", m.start(), m.end())


def _approx(m: re.Match[str], now: datetime) -> _Token:
    return _Token("approx", m.start(), m.end(), ambiguity=Ambiguity.APPROXIMATE)


_GRAMMAR: list[tuple[re.Pattern[str], Callable[[re.Match[str], datetime], _Token | None]]] = [
    *((p, _every) for p in _RE_EVERY),
    (_RE_REL, _rel),
    (_RE_HOLIDAY, _holiday),
    *((p, _date) for p in _RE_DATES),
    (_RE_DAY, _day_word),
    (_RE_WEEK, _week),
    (_RE_NOW_CLOCK, _now_clock),
    (_RE_CLOCK, _clock),
    (_RE_COLON, _colon),
    (_RE_PERIOD, _period),
    (_RE_APPROX, _approx),
]


_SPOILERS = frozenset({_date, _clock, _colon})
"""Builders whose refusal means an impossible date or hour (2月30日, 25点), not "not a time"."""


def _tokens(masked: str, now: datetime) -> list[_Token]:
    """The parts of time phrases, left to right, longest first at each position, not overlapping."""
    found: list[_Token] = []
    pos = 0
    while pos < len(masked):
        best: _Token | None = None
        spoiled: _Token | None = None
        skip = 0
        for pattern, build in _GRAMMAR:
            m = pattern.match(masked, pos)
            if m is None or m.end() == pos:
                continue
            tok = build(m, now)
            if tok is None:
                if build in _SPOILERS and m.end() - pos > skip:
                    spoiled = _Token("invalid", pos, m.end())
                skip = max(skip, m.end() - pos)
            elif best is None or tok.end > best.end:
                best = tok
        if best is not None:
            found.append(best)
            pos = best.end
        else:
            if spoiled is not None:
                found.append(spoiled)
            pos += max(skip, 1)
    return found


# -- Phrases: neighbouring tokens that make one time ---------------------------------------------


@dataclass
class _Phrase:
    tokens: list[_Token] = field(default_factory=list)
    parts: list[list[int]] = field(default_factory=list)

    def has(self, *kinds: str) -> bool:
        return any(t.kind in kinds for t in self.tokens)

    def get(self, *kinds: str) -> _Token | None:
        return next((t for t in self.tokens if t.kind in kinds), None)

    @property
    def end(self) -> int:
        return self.tokens[-1].end

    def add(self, tok: _Token, *, new_part: bool) -> None:
        if new_part or not self.parts:
            self.parts.append([tok.start, tok.end])
        else:
            self.parts[-1][1] = tok.end
        self.tokens.append(tok)

    def accepts(self, tok: _Token, masked: str) -> bool | None:
        """True: joins as part of the same piece; None: joins as a new piece; False: does not join."""
        gap = masked[self.end : tok.start]
        close = _CLOSE_GAP.fullmatch(gap) is not None
        if tok.kind == "invalid" or self.has("invalid"):
            return close  # an impossible date or hour spoils the phrase around it (2月30日下午3点)
        last = self.tokens[-1]
        if tok.kind == "approx":
            return not gap and not self.has("approx", "rel") and last.kind != "every"
        if self.has("rel"):
            return False
        every = self.get("every")
        if tok.kind == "every":
            if not close or every is None or self.has(*_DAY_KINDS):
                return False
            pair = {every.freq, tok.freq}
            return Freq.DAILY in pair and len(pair) == 2 and Freq.YEARLY not in pair and not self.has("clock", "period")
        if tok.kind in _DAY_KINDS:
            if not close or self.has(*_DAY_KINDS, "now_clock"):
                return False
            if every is not None:
                return every.freq is Freq.YEARLY and tok.kind == "date" and tok.month is not None
            return not self.has("clock")
        if tok.kind == "now_clock":
            return close and self.has(*_DAY_KINDS) and not self.has("clock", "period", "every")
        if tok.kind == "period":
            if self.has("period", "clock", "now_clock") or any(t.period for t in self.tokens):
                return False
            if tok.short_period and tok.bare_weak:
                return not gap and last.kind in (*_DAY_KINDS, "every")
            if close:
                return True
            return self._far(gap)
        if tok.kind == "clock":
            if self.has("clock", "now_clock"):
                return False
            if tok.bare_weak:
                anchor = self.get("period")
                if not close or (anchor is None and not self.has(*_DAY_KINDS)) or (anchor and anchor.short_period):
                    return False
            if close:
                return True
            return self._far(gap)
        return False

    def _far(self, gap: str) -> bool | None:
        """A time of day a few characters after a bare day, in the same clause, joins it as a new piece."""
        if len(gap) > FAR_GAP or _CLAUSE_END.search(gap) or self.has("clock", "period", "every"):
            return False
        if any(t.period for t in self.tokens) or not self.has(*_DAY_KINDS):
            return False
        return None


def _phrases(tokens: list[_Token], masked: str) -> Iterator[_Phrase]:
    current: _Phrase | None = None
    for tok in tokens:
        if current is not None:
            joins = current.accepts(tok, masked)
            if joins is not False:
                current.add(tok, new_part=joins is None)
                continue
            yield current
            current = None
        if tok.kind in ("approx", "now_clock") or (tok.kind == "period" and tok.short_period and tok.bare_weak):
            continue
        if tok.kind == "clock" and tok.bare_weak:
            continue
        current = _Phrase()
        current.add(tok, new_part=True)
    if current is not None:
        yield current


# -- Resolution ------------------------------------------------------------------------------------

_MORNING = frozenset({"small_hours", "early", "morning", "forenoon"})
_EVENING = frozenset({"evening", "night"})


def _with_period(hour: int, period: str) -> tuple[int, int]:
    """(24-hour hour, days later) for a clock hour said with a part of the day."""
    if hour >= 13 or hour == 24:
        return (0, 1) if hour == 24 else (hour, 0)
    if period == "small_hours":
        return (0, 0) if hour == 12 else (hour, 0)
    if period in _MORNING:
        return hour, 0
    if period == "noon":
        return (hour + 12, 0) if 1 <= hour <= 5 else (hour, 0)
    if period in ("afternoon", "dusk"):
        return (hour + 12, 0) if hour < 12 else (hour, 0)
    if period in _EVENING:
        if 5 <= hour <= 11:
            return hour + 12, 0
        return (0, 1) if hour == 12 else (hour, 1)
    # late_night (半夜, 深夜)
    if 9 <= hour <= 11:
        return hour + 12, 0
    return (0, 1) if hour == 12 else (hour, 1)


def _bare_hours(hour: int) -> tuple[list[int], Ambiguity | None]:
    """Hours (24 = midnight that ends the day) a bare clock hour may mean, in order of preference."""
    if hour == 0 or hour >= 13:
        return [hour], None
    if hour == 12:
        return [12, 24], None
    if hour >= 7:
        return [hour, hour + 12], None
    return [hour + 12], Ambiguity.BARE_HOUR


def _at(day: date, hour: int, minutes: int, now: datetime) -> datetime:
    """day at hour:00 plus minutes (hour 24 is the next midnight), in now's zone."""
    base = datetime.combine(day, time(0), tzinfo=now.tzinfo)
    return base + timedelta(hours=hour, minutes=minutes)


def _resolve(phrase: _Phrase, now: datetime, is_workday: WorkdayCheck | None) -> TimeResult | None:
    if phrase.has("invalid"):
        return None
    ambiguities = {t.ambiguity for t in phrase.tokens if t.ambiguity}
    span = (phrase.tokens[0].start, phrase.end)
    parts = tuple((a, b) for a, b in phrase.parts)
    rel = phrase.get("rel")
    if rel is not None and rel.delta is not None:
        at = (now + rel.delta).replace(microsecond=0)
        return TimeResult(Moment(at), span, parts, ambiguity=_pick(ambiguities))

    every = phrase.get("every")
    dayish = phrase.get(*_DAY_KINDS)
    clock = phrase.get("clock")
    period = next((t.period for t in phrase.tokens if t.period), None)
    today = now.date()
    if every is not None and every.freq is Freq.YEARLY and (dayish is None or dayish.month is None):
        return None

    # The time of day: a list of candidate (hour, minutes) in order of preference.
    if phrase.has("now_clock"):
        precision, candidates = Precision.MINUTE, [(now.hour, now.minute)]
    elif clock is not None:
        precision = Precision.MINUTE
        if period is not None:
            hour, days_later = _with_period(clock.hour, period)
            candidates = [(hour + 24 * days_later, clock.offset)]
        else:
            hours, bare = _bare_hours(clock.hour)
            candidates = [(h, clock.offset) for h in hours]
            if bare:
                ambiguities.add(bare)
    elif period is not None:
        precision, candidates = Precision.PART_OF_DAY, [(PERIOD_HOURS[period], 0)]
    else:
        precision, candidates = Precision.DAY, [(DEFAULT_HOUR, 0)]
    ambiguity = _pick(ambiguities)

    if every is not None:
        hour, minutes = candidates[0]
        at_day = _at(today, hour, minutes, now)
        weekdays = every.weekdays
        if at_day.date() != today and weekdays:  # 每周五晚上12点 is Saturday 00:00
            weekdays = tuple(sorted((d + 1) % 7 for d in weekdays))
        rec = Recurrence(
            freq=every.freq, first=now, hour=at_day.hour, minute=at_day.minute, weekdays=weekdays,
            day=dayish.dom if dayish is not None else every.dom, month=dayish.month if dayish is not None else None,
        )  # fmt: skip
        rec = replace(rec, first=rec.next_after(now, is_workday))
        return TimeResult(rec, span, parts, precision, ambiguity)

    if dayish is not None:
        assert dayish.day is not None
        options = [_at(dayish.day, h, m, now) for h, m in candidates]
        at = options[0]
        if dayish.day == today and clock is not None and period is None:
            at = next((o for o in options if o > now), options[-1])
    else:
        options = [_at(today, h, m, now) for h, m in candidates]
        upcoming = [o for o in options if o > now]
        at = upcoming[0] if upcoming else options[0] + timedelta(days=1)
    return TimeResult(Moment(at), span, parts, precision, ambiguity, past=at <= now)


_AMBIGUITY_ORDER = (Ambiguity.VAGUE, Ambiguity.APPROXIMATE, Ambiguity.WEEKDAY_TODAY, Ambiguity.BARE_HOUR)


def _pick(found: set[Ambiguity]) -> Ambiguity | None:
    return next((a for a in _AMBIGUITY_ORDER if a in found), None)


# -- The API ----------------------------------------------------------------------------------------


def parse_time(text: str, now: datetime, *, is_workday: WorkdayCheck | None = None) -> TimeResult | None:
    """Find the first time phrase in a message and resolve it against now, or None.

    Args:
        text: the message, raw or normalised (nlp.normalize); spans index into it as given.
        now: the current time, aware (Asia/Shanghai) in production; results share its zone.
        is_workday: for 工作日 repeats, whether a date is a working day (default: the
            chinese_calendar package with its 调休 days).

    Returns:
        A TimeResult, or None when the text names no time (3号楼, 交了300块, 电梯坏了).
    """
    masked = mask(text.translate(_FULLWIDTH))
    for phrase in _phrases(_tokens(masked, now), masked):
        result = _resolve(phrase, now, is_workday)
        if result is not None:
            return result
    return None


def content(text: str, result: TimeResult) -> str:
    """The text with the time phrase cut out: what the reminder is about.

    Spaces close up and punctuation left dangling at either end goes ("19:30开会，提醒我" →
    "开会，提醒我"; "打这个电话，明天下午2点" → "打这个电话"). Filler such as 提醒我 / 叫我一下
    is the caller's to remove.
    """
    punctuation = "".join(words.CLAUSE_PUNCTUATION) + " "
    out, pos = "", 0
    for start, end in result.parts:
        out += text[pos:start]
        pos = end
        rest = text[pos:]
        if rest.startswith(words.LINKS) and (not out.strip() or out.rstrip()[-1] in punctuation):
            pos += len(words.LINKS)  # 明天下午3点的会 → 会
    out += text[pos:]
    out = re.sub(r"\s+", " ", out)
    out = re.sub(f"([{re.escape(punctuation.strip())}])\\s*[{re.escape(punctuation.strip())}]+", r"\1", out)
    return out.strip(punctuation)
