"""`sweep --in 26h`: a relative time, so README examples work on any date."""

from __future__ import annotations

from datetime import timedelta

import click
import pytest

from bot.cli.sweep import parse_duration


@pytest.mark.parametrize(("text", "expected"), [
    ("26h", timedelta(hours=26)), ("90m", timedelta(minutes=90)), ("2d", timedelta(days=2)),
    ("1d2h30m", timedelta(days=1, hours=2, minutes=30)), (" 3H ", timedelta(hours=3)),
])
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "26", "h", "26x", "tomorrow", "-3h"])
def test_nonsense_is_refused(text: str) -> None:
    with pytest.raises(click.BadParameter):
        parse_duration(text)
