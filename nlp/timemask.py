"""Hide what only looks like a time before nlp/timeparse.py reads a message.

Addresses (3号楼, 12栋, 2单元501, 3-2-501, 5楼), phone and ticket numbers (13812345678,
0571-88886666, T20261122-0007), amounts, prices and ages (交了300块, 买了3.5斤, 80岁, 三个人,
38.5度) are replaced by MASK characters of the same length, so every index into the masked
text is an index into the original and the time grammar never sees them. Pure.
"""

from __future__ import annotations

import re

from nlp.lexicon import time as words

MASK = "\x00"
"""Stands for one hidden character: matches no part of the time grammar."""

_CN = f"[{words.NUMERAL_CHARS}]"
_NUM = rf"(?:(?<![\d.])\d+(?:\.\d+)?|(?<!{_CN}){_CN}+)"


def _alternation(items: tuple[str, ...]) -> str:
    return "|".join(re.escape(item) for item in sorted(items, key=len, reverse=True))


_PATTERNS = [
    re.compile(r"[Tt]\s*\d{8}\s*[-_]?\s*\d{3,}"),  # ticket numbers
    re.compile(r"(?<![\d:-])\d{3,4}(?:[-\s]\d{3,4}){1,2}(?![\d:])"),  # 0571-88886666, 138 1234 5678
    re.compile(r"\d{5,}"),  # mobiles, long room and account numbers
    re.compile(r"(?<![\d:.-])\d{1,3}-\d{1,3}(?:-\d{1,5})?(?![\d:.-])"),  # 3-2-501, 3-501
    # 2号3单元: a bare 号 is a building only when a unit follows.
    re.compile(rf"{_NUM}\s*{words.DAY_MARK_FOR_CHINESE}(?=\s*(?:\d{{1,2}}|{_CN}{{1,3}})\s*{words.UNIT_WORD})"),
    re.compile(
        rf"(?:{_NUM}|(?<![A-Za-z])[A-Za-z])\s*(?:{_alternation(words.ADDRESS_UNITS)})"
        rf"(?:(?<=[{words.ROOM_AFTER}])\s*-?\s*\d{{2,5}}(?:{_alternation(words.ROOM_SUFFIXES)})?)?"
    ),
    # 住3号: where someone lives, not the 3rd (but 记住3号交费 is).
    re.compile(rf"(?<![{words.RESIDE_NOT_AFTER}]){words.RESIDE_VERB}\s*{_NUM}\s*{words.DAY_MARK_FOR_CHINESE}"),
    re.compile(rf"[{words.CURRENCY_SIGNS}]\s*{_NUM}"),
    re.compile(rf"{_NUM}\s*(?:{words.QUANTITY_MEASURE}\s*)?(?:{_alternation(words.QUANTITY_UNITS)})"),
]


def mask(text: str) -> str:
    """Return text with addresses, phone numbers, amounts and ages replaced by MASK, same length."""
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: MASK * len(m.group(0)), text)
    return text
