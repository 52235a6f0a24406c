"""Whether two problem descriptions talk about the same object: a pure lexical comparison.

Digits, Latin letters, punctuation, the words of the place (``ignore``) and
place/filler words (nlp/lexicon/problem_words.py) are removed; what is left is
compared as character bigrams (robust to jieba's segmentation of colloquial
text). Two descriptions share an object when they share a bigram, or when
either has nothing left to compare ("坏了" says no more than its category).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from nlp.lexicon.problem_words import DISTINCT_OBJECTS, ESTATE_SUFFIXES, FILLER_CHARS, PLACE_WORDS, UNIT_LEVEL_WORDS

_NOT_HAN = re.compile(r"[^\u4e00-\u9fff]+")
_PLACE = sorted(PLACE_WORDS, key=len, reverse=True)


def problem_bigrams(text: str, ignore: Iterable[str] = ()) -> set[str]:
    """The character bigrams that carry a description's object."""
    words = set(ignore)
    words |= {w.removesuffix(suffix) for w in ignore for suffix in ESTATE_SUFFIXES if w.endswith(suffix)}
    for word in sorted((w for w in words if len(w) > 1), key=len, reverse=True):
        text = text.replace(word, " ")
    for word in _PLACE:
        text = text.replace(word, " ")
    grams: set[str] = set()
    for run in _NOT_HAN.split(text):
        for i in range(len(run) - 1):
            pair = run[i:i + 2]
            if pair[0] not in FILLER_CHARS and pair[1] not in FILLER_CHARS:
                grams.add(pair)
    return grams


def same_object(first: str, second: str, ignore: Iterable[str] = ()) -> bool:
    """True when the two descriptions share a problem word, or one has none to compare."""
    named_a, named_b = _objects_named(first), _objects_named(second)
    if named_a and named_b and not named_a & named_b:
        return False  # 路灯 and 楼道灯: two things, though both are "lighting"
    ignore = tuple(ignore)
    a, b = problem_bigrams(first, ignore), problem_bigrams(second, ignore)
    return not a or not b or bool(a & b)


def _objects_named(text: str) -> set[int]:
    """Which of the DISTINCT_OBJECTS groups the text names."""
    return {at for at, group in enumerate(DISTINCT_OBJECTS) if any(word in (text or "") for word in group)}


def unit_level(text: str) -> bool:
    """True when the description is about something each unit has of its own (楼道灯, 单元门)."""
    return any(word in (text or "") for word in UNIT_LEVEL_WORDS)
