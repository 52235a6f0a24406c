"""A message that reports several problems, cut into the pieces that may each be a complaint.

Cut at sentence-final punctuation and before the words that start another complaint (还有, 另外, 而且 …).
At a comma or space only before a piece that says "also" (…，楼道灯也不亮) or starts at a building of its
own (…，桂花苑2栋路灯不亮) or asks something (…，低保怎么申请): "楼上漏水，把我家灯都泡坏了" is one problem told in two breaths, and so is
"楼上漏水，害得我家灯也不亮了" (what the problem did: CONSEQUENCE_WORDS). Whether a
piece is a problem of its own is for the router to say; this only cuts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from nlp.lexicon.clauses import (
    ALSO_NOT,
    ALSO_WORDS,
    BOTH_JOINERS,
    BOTH_MARKERS,
    BOTH_MAX_THING_CHARS,
    BUILDING_AT_END,
    BUILDING_AT_START,
    BUILDING_SAID,
    COMPLAINT_JOINERS,
    CONSEQUENCE_WORDS,
    MIN_CLAUSE_CHARS,
    QUESTION_WORDS,
    SAME_AGAIN_MAX_CHARS,
    SAME_AGAIN_WORDS,
    SENTENCE_ENDS,
)
from nlp.lexicon.problem_words import FILLER_CHARS

_CUT = re.compile(
    "[" + re.escape(SENTENCE_ENDS) + "]+|(?=" + "|".join(re.escape(w) for w in sorted(COMPLAINT_JOINERS, key=len,
                                                                                       reverse=True)) + ")"
)


_BREATH = re.compile(r"[，,、\s]+")
_OWN_BUILDING = re.compile(BUILDING_AT_START)
_ENDS_AT_BUILDING = re.compile(BUILDING_AT_END)
_BUILDING_SAID = re.compile(BUILDING_SAID)


def complaint_clauses(text: str) -> list[str]:
    """The pieces of ``text`` that may each be a complaint, in order; one piece when there is no cut."""
    pieces = [r.strip(" ，,、") for p in _CUT.split(text or "") for q in _cut_at_breaths(p) for r in _both(q)]
    return [p for p in pieces if len(p) >= MIN_CLAUSE_CHARS]


_BOTH = re.compile(
    "^(?P<first>.+?)(?:" + "|".join(map(re.escape, BOTH_JOINERS)) + ")"
    + f"(?P<second>[^，,。\\s]{{1,{BOTH_MAX_THING_CHARS}}}?)"
    + "(?:" + "|".join(map(re.escape, BOTH_MARKERS)) + ")(?P<state>.+)$"
)


def _both(piece: str) -> list[str]:
    """"A和B都坏了" as "A坏了" and "B坏了": two things in one state are two complaints (maybe of one kind)."""
    found = _BOTH.match(piece)
    if found is None:
        return [piece]
    state, first, second = found["state"], found["first"], found["second"]
    building = _OWN_BUILDING.match(second)
    if building is not None and _ENDS_AT_BUILDING.search(first):
        # "1栋和2栋的路灯都不亮了": the thing after the second building is the first one's too
        return [first + second[building.end():] + state, second + state]
    return [first + state, second + state]


def _says_also(part: str) -> bool:
    rest = part
    for phrase in ALSO_NOT:
        rest = rest.replace(phrase, " ")
    return any(w in rest for w in ALSO_WORDS) and not any(w in rest for w in CONSEQUENCE_WORDS)


def same_again(piece: str) -> bool:
    """A piece that names another building and says the thing before is in the same state there:
    "4栋的也坏了", "3栋也是". Its thing is the previous piece's (the router finds none in it)."""
    piece = piece.strip(" ，,、")
    found = _OWN_BUILDING.match(piece)
    if found is None or len(piece) > SAME_AGAIN_MAX_CHARS:
        return False
    rest = piece[found.end():]
    return _says_also(rest) or any(w in rest for w in SAME_AGAIN_WORDS)


def besides_the_address(piece: str, estates: Iterable[str] = ()) -> str:
    """The words of a piece besides its estate, building and fillers: the thing it is about.

    "幸福里灯是3栋的" -> "灯", "电梯在5栋" -> "电梯" (an answer placing each of several waiting reports)."""
    rest = piece
    for estate in sorted((e for e in estates if e), key=len, reverse=True):
        rest = rest.replace(estate, " ")
    rest = _BUILDING_SAID.sub(" ", rest)
    return "".join(ch for ch in rest if ch.isalnum() and not ch.isascii() and ch not in FILLER_CHARS)


def _asks(part: str) -> bool:
    """A part that asks something ("…，低保怎么申请"): a question of its own, not more of the problem."""
    return len(part) >= MIN_CLAUSE_CHARS and any(w in part for w in QUESTION_WORDS)


def _cut_at_breaths(piece: str) -> list[str]:
    """``piece`` cut at the commas and spaces before a part that is another problem's start."""
    parts: list[str] = []
    at = 0
    for pause in _BREATH.finditer(piece):
        following = piece[pause.end():]
        nxt = _BREATH.search(following)
        part = following[:nxt.start()] if nxt else following
        if at < pause.start() and (_says_also(part) or _OWN_BUILDING.match(part) or _asks(part)):
            parts.append(piece[at:pause.start()])
            at = pause.end()
    parts.append(piece[at:])
    return parts
