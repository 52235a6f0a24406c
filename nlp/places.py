"""Places in an estate that are not buildings: gates, squares, garages … and free text near a building.

Pure functions over normalised text. The caller gives the estate's own place names and
aliases (from the database); generic words (nlp.lexicon.places) are found in any estate.
A place word right after 单元/家/楼 … belongs to a building or a home ("单元门口",
"家门口"), not to the estate, and is not a place here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from nlp import lexicon
from nlp.lexicon import places as words

_CLAUSE_BREAK = re.compile(r"[\s,，。.!！?？;；、~～]+")


@dataclass(frozen=True)
class PlaceMention:
    """A place word found in a message.

    ``key``: the name it matched (a declared name or alias as given, or a generic word);
    ``kind``: the generic kind when the word is a generic one; ``phrase``: the resident's own
    words for the place ("4栋后面那块空地", "东门那边"), without the estate's name.
    """

    key: str
    kind: str | None
    phrase: str
    start: int
    end: int
    near_building: bool = False  # the phrase starts at the building address ("4栋后面那块空地")


def _generic() -> dict[str, str]:
    return {word: kind for kind, group in words.ESTATE_PLACE_WORDS.items() for word in group}


_GENERIC = _generic()


def _blocked(text: str, at: int) -> bool:
    before = text[max(0, at - 3):at]
    return any(before.endswith(w) for w in words.NOT_ESTATE_PLACE_BEFORE)


def find_place(text: str, names: Iterable[str] = (), estates: Iterable[str] = (),
               building_span: tuple[int, int] | None = None) -> PlaceMention | None:
    """The first (then longest) place word in ``text``: a declared name or alias, else a generic word.

    Args:
        text: normalised text.
        names: the estate's own place names and aliases.
        estates: estate names, cut from the phrase ("桂花苑东门那边" -> "东门那边").
        building_span: where a building address is in ``text``; the phrase starts there when only
            lead words stand between it and the place word ("4栋后面那块空地").
    """
    candidates: dict[str, str | None] = {name: None for name in names if name}
    # "幸福里小区主路上": the estate's name takes the 小区 of the alias 小区主路, so its rest stands for it.
    after_estate = {name[len(word):]: name for name in candidates for word in words.ESTATE_WORDS
                    if name.startswith(word) and len(name) - len(word) >= 2 and name[len(word):] not in candidates}
    for word, kind in _GENERIC.items():
        candidates.setdefault(word, kind)
    estates = sorted((e for e in estates if e), key=len, reverse=True)
    searched = text
    for estate in estates:  # 锦绣花园 is an estate, not a 花园 in it
        searched = searched.replace(estate, " " * len(estate))
    best = _first(searched, candidates) or _first(searched, dict.fromkeys(words.ESTATE_ANYWHERE, "other"))
    rest = _first(searched, dict.fromkeys(after_estate)) if after_estate else None
    if rest is not None and (best is None or rest[0] <= best[0]) and _estate_ends_at(text, rest[0], estates):
        best = (rest[0], rest[1], after_estate[rest[2]])
        candidates[best[2]] = None
    if best is None:
        return None
    start, end, key = best
    kind = candidates.get(key, "other")
    phrase, near = _phrase(text, start, end, estates, building_span)
    return PlaceMention(key, kind, phrase, start, end, near)


def _estate_ends_at(text: str, at: int, estates: Iterable[str]) -> bool:
    """An estate's name ending with 小区 ends at ``at``: said in full ("幸福里小区主路"), or by its short form
    ("幸福里主路", 幸福里 standing for 幸福里小区)."""
    estates = list(estates)
    full = {e for e in estates if e.endswith(words.ESTATE_WORDS)}
    return any(text.endswith(estate, 0, at) and (estate in full or any(estate + w in full for w in words.ESTATE_WORDS))
               for estate in estates)


def _first(searched: str, candidates: Mapping[str, str | None]) -> tuple[int, int, str] | None:
    """The earliest candidate in the text (the longest of those starting there)."""
    best: tuple[int, int, str] | None = None
    for word in candidates:
        at = searched.find(word)
        while at >= 0 and _blocked(searched, at):
            at = searched.find(word, at + 1)
        if at < 0:
            continue
        if best is None or at < best[0] or (at == best[0] and len(word) > best[1] - best[0]):
            best = (at, at + len(word), word)
    return best


def _phrase(text: str, start: int, end: int, estates: list[str],
            building_span: tuple[int, int] | None) -> tuple[str, bool]:
    """The place word with the words around it that still say where; and whether it starts at the building."""
    tail = end
    for _ in range(2):
        following = next((w for w in words.PLACE_TAIL_WORDS if text.startswith(w, tail)), None)
        if following is None:
            break
        tail += len(following)
    head = start
    if building_span is not None and building_span[1] <= start:
        between = text[building_span[1]:start]
        if len(between) <= 6 and _only_lead_words(between):
            head = building_span[0]
    phrase = _CLAUSE_BREAK.sub("", text[head:tail])
    for estate in estates:
        if phrase.startswith(estate):
            phrase = phrase[len(estate):]
    for word in words.ESTATE_WORDS:  # the label names the estate itself: "小区西门" -> 西门
        if phrase.startswith(word) and len(phrase) > len(word) + 1:
            phrase = phrase[len(word):]
    return phrase or text[start:end], head != start and building_span is not None and head == building_span[0]


def _only_lead_words(between: str) -> bool:
    rest = between.strip()
    while rest:
        lead = next((w for w in words.PLACE_LEAD_WORDS if rest.startswith(w)), None)
        if lead is None:
            return False
        rest = rest[len(lead):].strip()
    return True


def says_everywhere(text: str) -> bool:
    """"到处都是", "整个小区都是": the whole estate."""
    compact = _CLAUSE_BREAK.sub("", text)
    return any(phrase in compact for phrase in words.EVERYWHERE_PHRASES)


SOMEWHERE_IN_THE_ESTATE = frozenset(words.ESTATE_ANYWHERE)


def says_inside_a_building(text: str) -> bool:
    """The words name a part of a building (楼道, 楼梯间, 电梯 …), not a place outside in the estate."""
    return any(word in text for word in words.INSIDE_A_BUILDING)


def says_same_place(text: str) -> bool:
    """"跟刚才一样的地方", "还是那个地方": the place of the resident's last report."""
    compact = _CLAUSE_BREAK.sub("", text)
    return any(phrase in compact for phrase in words.SAME_PLACE_PHRASES)


def names_of(places: Mapping[str, Iterable[str]]) -> list[str]:
    """Every name and alias of ``{name: aliases}``, longest first."""
    found = {n for name, aliases in places.items() for n in (name, *aliases) if n}
    return sorted(found, key=len, reverse=True)


def place_label(estate: str, phrase: str) -> str:
    """The estate's name and the place words, without saying 小区 twice ("幸福里小区" + "小区里")."""
    for word in words.ESTATE_WORDS:
        if estate.endswith(word) and phrase.startswith(word):
            phrase = phrase[len(word):]
    return f"{estate}{phrase}"


def address_span(text: str, address_text: str) -> tuple[int, int] | None:
    """Where the address parser's matched text is in ``text`` (None when it is not there)."""
    if not address_text:
        return None
    at = text.find(address_text)
    return (at, at + len(address_text)) if at >= 0 else None


def short_forms(estate: str) -> list[str]:
    """An estate's name without its 小区/花园 … suffix, as residents often write it (幸福里小区 -> 幸福里)."""
    return [estate[: -len(suffix)] for suffix in lexicon.ADDRESS_ESTATE_SUFFIXES
            if estate.endswith(suffix) and len(estate) > len(suffix) + 1]


def leftover(text: str, estates: Iterable[str]) -> str:
    """The words of an answer besides the estate's name and fillers ("桂花苑 亭子下面" -> "亭子下面"); "" if none."""
    rest = text
    for estate in sorted(estates, key=len, reverse=True):
        rest = rest.replace(estate, " ")
    content = rest
    for filler in words.ANSWER_FILLERS:
        content = content.replace(filler, " ")
    if sum(1 for ch in content if 0x4E00 <= ord(ch) <= 0x9FFF) < 2:
        return ""
    kept = [part for part in _CLAUSE_BREAK.split(rest) if part]
    return "".join(_trim_fillers(part) for part in kept)


def _trim_fillers(part: str) -> str:
    """A part of an answer without fillers at its ends ("的 进门左手边那条小道呢" -> "进门左手边那条小道")."""
    trimmed = True
    while trimmed and part:
        trimmed = False
        for filler in words.ANSWER_FILLERS:
            if part.startswith(filler) and len(part) > len(filler):
                part, trimmed = part[len(filler):], True
            if part.endswith(filler) and len(part) > len(filler):
                part, trimmed = part[: -len(filler)], True
    return part if part not in words.ANSWER_FILLERS else ""


def only_names_a_place(text: str, keywords: Iterable[str]) -> bool:
    """Whether a report's keywords all sit in place words and nothing else says something is wrong.

    "幸福里停车场" or "桂花苑丰巢那" answering "where is it?" name a place, though 停车场 and 丰巢
    are also keywords of reports about them; "快递柜坏了" or "停车场有人乱停车" are reports.
    """
    found = [w for w in (*_GENERIC, *words.ESTATE_ANYWHERE) if w in text]
    keywords = [k for k in keywords if k]
    if not keywords or not all(any(k in w for w in found) for k in keywords):
        return False
    rest = text
    for word in sorted(found, key=len, reverse=True):
        rest = rest.replace(word, " ")
    return not any(state in rest for state in words.PROBLEM_STATE_WORDS)


def is_generic(word: str) -> bool:
    """A word any estate may have a place for (大门, 广场, 快递柜 …), unlike a declared name (幸福路, 中心广场)."""
    return word in _GENERIC or word in words.ESTATE_ANYWHERE
