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


def test_quiet_hours_end_is_found_on_either_side_of_midnight() -> None:
    """`sweep --in` moves a time inside the quiet hours to their end (it would otherwise hold every ordinary step)."""
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    from bot.workcalendar import quiet_until

    tz = ZoneInfo("Asia/Shanghai")
    start, end = time(21, 0), time(8, 0)
    assert quiet_until(datetime(2026, 12, 4, 5, 20, tzinfo=tz), start, end, tz) == datetime(2026, 12, 4, 8, 0, tzinfo=tz)
    assert quiet_until(datetime(2026, 12, 4, 22, 0, tzinfo=tz), start, end, tz) == datetime(2026, 12, 5, 8, 0, tzinfo=tz)
    assert quiet_until(datetime(2026, 12, 4, 12, 0, tzinfo=tz), start, end, tz) is None
    assert quiet_until(datetime(2026, 12, 4, 12, 0, tzinfo=tz), start, start, tz) is None
