from __future__ import annotations

from datetime import datetime

import pytest

from nlp.timeparse import TimeSpec, parse_time

NOW = datetime(2026, 11, 22, 10, 0)  # a Sunday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("明天上午9点提醒我去打疫苗", TimeSpec(datetime(2026, 11, 23, 9, 0))),
        ("后天下午三点半", TimeSpec(datetime(2026, 11, 24, 15, 30))),
        ("后天早上八点提醒我去体检", TimeSpec(datetime(2026, 11, 24, 8, 0))),
        ("下周一提醒我交物业费", TimeSpec(datetime(2026, 11, 23, 9, 0))),
        ("周五去交医保", TimeSpec(datetime(2026, 11, 27, 9, 0))),
        ("10分钟后提醒我关火", TimeSpec(datetime(2026, 11, 22, 10, 10))),
        ("半小时后", TimeSpec(datetime(2026, 11, 22, 10, 30))),
        ("两小时后提醒我", TimeSpec(datetime(2026, 11, 22, 12, 0))),
        ("每天早上7点提醒我", TimeSpec(datetime(2026, 11, 23, 7, 0), "daily")),
        ("每天晚上8点提醒我吃药", TimeSpec(datetime(2026, 11, 22, 20, 0), "daily")),
        ("提醒我下午三点去社区拿材料", TimeSpec(datetime(2026, 11, 22, 15, 0))),
        ("提醒我早上八点", TimeSpec(datetime(2026, 11, 23, 8, 0))),  # 08:00 has passed today
        ("明天晚上7点15分", TimeSpec(datetime(2026, 11, 23, 19, 15))),
        ("12月1号上午10点", TimeSpec(datetime(2026, 12, 1, 10, 0))),
        ("每周三下午2点", TimeSpec(datetime(2026, 11, 25, 14, 0), "weekly")),
        ("中午12点", TimeSpec(datetime(2026, 11, 22, 12, 0))),
        ("明天去银行", TimeSpec(datetime(2026, 11, 23, 9, 0))),
    ],
)
def test_parse_time(text: str, expected: TimeSpec) -> None:
    assert parse_time(text, NOW) == expected


@pytest.mark.parametrize("text", ["电梯坏了", "我一直在等", "3栋2单元501", "25点", ""])
def test_no_time(text: str) -> None:
    assert parse_time(text, NOW) is None
