from __future__ import annotations

import pytest

from nlp.normalize import MAX_CHARS, has_traditional, normalize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("３栋２单元５０１", "3栋2单元501"),
        ("Ｂ座电梯坏了", "B座电梯坏了"),
        ("Ｔ２０２６１１２２－０００７", "T20261122-0007"),
        ("电梯坏了！！！！", "电梯坏了!"),
        ("怎么回事？？？", "怎么回事?"),
        ("好的。。。。", "好的。"),
        ("等了好久……", "等了好久…"),
        ("电梯　　坏了", "电梯 坏了"),
        ("  电梯\n\n坏了\t ", "电梯 坏了"),
        ("電梯壞了", "电梯坏了"),
        ("樓上漏水", "楼上漏水"),
        ("电\u200b梯\ufeff坏了", "电梯坏了"),
        ("a\x00b\x07c", "abc"),
        ("", ""),
    ],
)
def test_normalize_examples(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_simplified_text_is_left_alone() -> None:
    text = "一直漏水，请尽快处理"
    assert not has_traditional(text)
    assert normalize(text) == "一直漏水,请尽快处理"  # full-width comma becomes half-width


def test_long_messages_are_capped() -> None:
    assert len(normalize("电梯坏了" * 5000)) == MAX_CHARS


def test_case_is_kept_for_addresses() -> None:
    assert normalize("b座") == "b座"
