"""The table of time expressions (timeparse_cases.yaml) through nlp.timeparse.parse_time.

Case ids are ``<group>-<n>`` (``dates-07``) or ``none-<n>``; a failure prints the text.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from nlp.timeparse import Freq, Moment, Recurrence, parse_time

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
