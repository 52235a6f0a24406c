"""The table of time expressions (timeparse_cases.yaml) through nlp.timeparse.parse_time.

Case ids are ``<group>-<n>`` (``dates-07``) or ``none-<n>``; a failure prints the text.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from nlp import timecalendar
from nlp.timeparse import Freq, Moment, Recurrence, content, parse_time

TZ = ZoneInfo("Asia/Shanghai")
TABLE = yaml.safe_load((Path(__file__).with_name("timeparse_cases.yaml")).read_text(encoding="utf-8"))
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def local(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=TZ)


def _cases() -> list[Any]:
    params = []
    for group, cases in TABLE["groups"].items():
        for n, case in enumerate(cases, 1):
            params.append(pytest.param(case, id=f"{group}-{n:02d}"))
    return params


def _negatives() -> list[Any]:
    return [pytest.param(text, id=f"none-{n:02d}") for n, text in enumerate(TABLE["must_not_parse"], 1)]


def test_the_table_is_big_enough() -> None:
    assert len(_cases()) + len(_negatives()) >= 150
    assert len(_negatives()) >= 30


@pytest.mark.parametrize("case", _cases())
def test_expression(case: dict[str, Any]) -> None:
    text = case["text"]
    assert isinstance(text, str), f"quote this text in the YAML: {text!r}"
    now = local(case.get("now", TABLE["now"]))
    result = parse_time(text, now)
    assert result is not None, f"{text!r} did not parse"
    if "at" in case:
        assert result.when == Moment(local(case["at"])), text
    else:
        when = result.when
        assert isinstance(when, Recurrence), f"{text!r}: {when}"
        assert when.freq == Freq(case["every"]), text
        assert when.first == local(case["first"]), text
        assert when.weekdays == tuple(DAYS.index(d) for d in case.get("days", ())), text
        assert when.day == case.get("day"), text
        assert when.month == case.get("month"), text
    flags = {
        "date_only": result.date_only,
        "part_of_day": result.part_of_day,
        "ambiguous": result.ambiguity.value if result.ambiguity else None,
        "past": result.past,
    }
    expected = {
        "date_only": case.get("date_only", False),
        "part_of_day": case.get("part_of_day", False),
        "ambiguous": case.get("ambiguous"),
        "past": case.get("past", False),
    }
    assert flags == expected, text
    if "span" in case:
        assert text[result.span[0] : result.span[1]] == case["span"]


@pytest.mark.parametrize("text", _negatives())
def test_not_a_time(text: str) -> None:
    assert isinstance(text, str), f"quote this text in the YAML: {text!r}"
    assert parse_time(text, local(TABLE["now"])) is None, text


# -- The API around the table ---------------------------------------------------------------------

NOW = local(TABLE["now"])  # Wednesday 2026-12-02 10:30


def test_span_and_parts_index_the_text_as_given() -> None:
    text = "明天提醒我下午3点去拿报告"
    result = parse_time(text, NOW)
    assert result is not None
    assert result.span == (0, 9) and result.parts == ((0, 2), (5, 9))
    assert content(text, result) == "提醒我去拿报告"


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("明天下午3点的会记得提醒我", "会记得提醒我"),
        ("提醒我 明天下午3点 去拿药", "提醒我 去拿药"),
        ("开会，明天下午3点，别忘了", "开会，别忘了"),
        ("明天上午9点", ""),
    ],
)
def test_content_closes_up_what_is_left(text: str, rest: str) -> None:
    result = parse_time(text, NOW)
    assert result is not None
    assert content(text, result) == rest


def test_relative_minutes_keep_seconds_and_zone() -> None:
    now = NOW.replace(second=42, microsecond=123)
    result = parse_time("10分钟后", now)
    assert result is not None and result.first == now.replace(minute=40, microsecond=0)
    assert result.first.tzinfo is TZ


def test_a_naive_now_gives_naive_times() -> None:
    result = parse_time("明天上午9点", NOW.replace(tzinfo=None))
    assert result is not None and result.first == datetime(2026, 12, 3, 9, 0)


def test_workdays_follow_the_calendar_given() -> None:
    holidays = {date(2026, 12, 3), date(2026, 12, 4)}
    result = parse_time("每个工作日早上8点", NOW, is_workday=lambda d: d.weekday() < 5 and d not in holidays)
    assert result is not None and isinstance(result.when, Recurrence)
    assert result.first == datetime(2026, 12, 7, 8, 0, tzinfo=TZ)
    nxt = result.when.next_after(result.first, is_workday=lambda d: d.weekday() < 5)
    assert nxt == datetime(2026, 12, 8, 8, 0, tzinfo=TZ)


def test_the_default_workday_calendar_knows_tiaoxiu() -> None:
    assert timecalendar.is_workday(date(2026, 10, 10))  # a Saturday worked for the National Day break
    assert not timecalendar.is_workday(date(2026, 10, 5))  # a Monday off
    assert timecalendar.is_workday(date(2099, 6, 1)) is True  # a Monday in a year the calendar lacks


@pytest.mark.parametrize(
    ("text", "after", "expected"),
    [
        ("每周二四早上7点", "2026-12-03 07:00", "2026-12-08 07:00"),
        ("每周二四早上7点", "2026-12-08 07:00", "2026-12-10 07:00"),
        ("每月31号", "2027-01-31 09:00", "2027-02-28 09:00"),
        ("每月31号", "2027-02-28 09:00", "2027-03-31 09:00"),
        ("每月月底", "2027-02-01 00:00", "2027-02-28 09:00"),
        ("每年1月5号", "2027-01-05 09:00", "2028-01-05 09:00"),
        ("每天晚上8点", "2026-12-02 20:00", "2026-12-03 20:00"),
    ],
)
def test_next_occurrence(text: str, after: str, expected: str) -> None:
    result = parse_time(text, NOW)
    assert result is not None and isinstance(result.when, Recurrence)
    assert result.when.next_after(local(after)) == local(expected)


def test_a_recurrence_that_never_falls_says_so() -> None:
    result = parse_time("每个工作日", NOW, is_workday=lambda d: d.weekday() < 5)
    assert result is not None and isinstance(result.when, Recurrence)
    with pytest.raises(ValueError):
        result.when.next_after(NOW, is_workday=lambda d: False)


def test_holidays_by_the_lunar_calendar_and_solar_terms() -> None:
    assert timecalendar.next_holiday("lunar_eve", 0, 0, date(2026, 12, 2)) == date(2027, 2, 5)
    assert timecalendar.next_holiday("lunar", 12, 8, date(2027, 1, 16)) == date(2028, 1, 4)
    assert timecalendar.holiday_dates("term", 4, 0, 2028, "清明") == [date(2028, 4, 4)]
