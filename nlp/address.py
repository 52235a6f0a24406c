"""Residential addresses (building / unit / room) found in a resident's message.

Forms: 3栋2单元501, 三号楼二单元, 5幢1501室, 三栋二单元五零一 (rooms read digit by digit), 9-2-301, 2号楼东单元, B座, 3号楼, 12栋,
幸福里小区3栋, 1单元302室, 十二栋, 二十三号楼. Chinese numerals are converted with cn2an
only inside the captured number groups: run on a whole message cn2an rewrites 一直 to 1直.
Words that merely look numeric are not addresses: 一楼 / 15楼 is a floor, 3号 a date,
501 alone a number; a room needs a building or unit before it, or 室 after it.
Voice input's 4动 / 4洞 / 4懂 read as 4栋 only before a unit, a room or what is wrong there (4动2单元, 4动电梯坏了);
动不动, 一动不动 and a bare "4动" stay words.
Estate (小区) names come from the caller (the database knows them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from nlp import lexicon
from nlp.numerals import cn2an

_CN = f"[{lexicon.ADDRESS_NUMERALS}]"
_CN_DIGIT = f"[{''.join(lexicon.ADDRESS_DIGITS)}]"
_SIDE = f"[{lexicon.ADDRESS_SIDES}]"
_BUILDING = "|".join(lexicon.ADDRESS_BUILDING_WORDS)
_NO = lexicon.ADDRESS_NUMBER_MARK
_UNIT = lexicon.ADDRESS_UNIT_WORD
_ROOM = lexicon.ADDRESS_ROOM_WORD
_ROOM_SUFFIX = "|".join((*lexicon.ADDRESS_ROOM_WORDS, _NO))
_ENDINGS = lexicon.ADDRESS_BUILDING_ENDINGS
_ADDRESS = re.compile(
    rf"""
    (?<![0-9A-Za-z])
    (?:
        (?P<b>\d{{1,3}}|[A-Za-z]|{_CN}{{1,4}})
        \s*(?P<bs>{_BUILDING}|{_NO}(?=\s*(?:\d{{1,2}}|{_CN}{{1,3}}|{_SIDE})\s*{_UNIT}))
        \s*[,，-]?\s*
    )?
    (?:
        (?P<u>\d{{1,2}}|{_CN}{{1,3}}|{_SIDE})\s*{_UNIT}
        \s*[,，-]?\s*
        |
        (?<=[{_ENDINGS}-])(?P<ud>\d{{1,2}})\s*-\s*(?=\d{{3,5}}(?!\d))
    )?
    (?:
        (?P<r>\d{{3,5}}(?!\d)|{_CN_DIGIT}{{3,5}}(?!{_CN}))\s*(?P<rsuf>{_ROOM_SUFFIX})?
        |
        (?P<rs>\d{{1,5}}|{_CN_DIGIT}{{1,5}})\s*{_ROOM}
    )?
    """,
    re.VERBOSE,
)
_DASHED = re.compile(r"(?<![\dA-Za-z-])(\d{1,3})-(\d{1,2})-(\d{3,5})(?![\d-])")
_HOMOPHONES = lexicon.ADDRESS_BUILDING_HOMOPHONES
_SOUNDS_LIKE_BUILDING = f"[{_HOMOPHONES}]"
# A unit (2单元, 二单元, 东单元), a unit-room (2-502) or a room (502, not 500元) right after the building.
_UNIT_OR_ROOM_AHEAD = rf"""\s*[,，]?\s*(?:(?:\d{{1,2}}|{_CN}{{1,3}}|{_SIDE})\s*{_UNIT}|\d{{1,2}}-\d{{3,5}}(?!\d)
    |\d{{3,5}}(?![\d{lexicon.ADDRESS_NOT_ROOM_AFTER}]))"""
_PROBLEM_AHEAD = (f"{lexicon.ADDRESS_AFTER_BUILDING_PARTICLE}?(?:"
                  + "|".join(map(re.escape, lexicon.ADDRESS_AFTER_BUILDING_WORDS)) + ")")
_HOMOPHONE_BUILDING = re.compile(
    rf"""
    (?<![0-9A-Za-z.])\d{{1,3}}(?={_SOUNDS_LIKE_BUILDING}(?:{_UNIT_OR_ROOM_AHEAD}|{_PROBLEM_AHEAD}))
    |
    (?<!{_CN}){_CN}{{1,4}}(?={_SOUNDS_LIKE_BUILDING}{_UNIT_OR_ROOM_AHEAD})
    """,
    re.VERBOSE,
)


def _building_word_for_homophones(text: str) -> str:
    """4动2单元 / 4洞502 / 4懂电梯坏了 -> 4栋…: the same length, so spans found in it fit the original text.

    Chinese numerals (四动二单元) need a unit or room after them: 一动就亮 and 一动不动 are no buildings."""
    if not any(ch in _HOMOPHONES for ch in text):
        return text
    chars = list(text)
    for m in _HOMOPHONE_BUILDING.finditer(text):
        chars[m.end()] = lexicon.ADDRESS_BUILDING_WORD
    return "".join(chars)
_ESTATE_SUFFIXES = lexicon.ADDRESS_ESTATE_SUFFIXES


@dataclass(frozen=True)
class Address:
    """A building/unit/room address; parts are normalised ("3", "B", "东", "501")."""

    estate: str | None = None
    building: str | None = None
    unit: str | None = None
    room: str | None = None
    text: str = ""

    def label(self) -> str:
        """A canonical display form: 幸福里3栋2单元501室, B座, 2栋东单元."""
        parts: list[str] = []
        if self.estate:
            parts.append(self.estate)
        if self.building:
            lettered = self.building.isalpha() and self.building.isascii()
            suffix = lexicon.ADDRESS_LETTER_BUILDING_WORD if lettered else lexicon.ADDRESS_BUILDING_WORD
            parts.append(f"{self.building}{suffix}")
        if self.unit:
            parts.append(f"{self.unit}{lexicon.ADDRESS_UNIT_WORD}")
        if self.room:
            parts.append(f"{self.room}{lexicon.ADDRESS_ROOM_WORD}")
        return "".join(parts)


def _number(group: str) -> str:
    """Convert a captured numeral group to digits; letters and 东/西 stay as they are."""
    if group.isdigit() and group.isascii():
        return str(int(group)) if len(group) <= 2 else group
    if group.isascii():
        return group.upper()
    if len(group) == 1 and group in lexicon.ADDRESS_SIDES:
        return group
    return str(cn2an.cn2an(group, "smart"))


def _room(group: str) -> str:
    """A room number as digits: 501 stays, 五零一 (read digit by digit) becomes 501."""
    if group.isascii():
        return group
    return "".join(lexicon.ADDRESS_DIGITS[ch] for ch in group)


def _find_estate(text: str, estates: Iterable[str]) -> tuple[str, int, int] | None:
    """The longest estate name (or its name without 小区) occurring in text."""
    best: tuple[str, int, int] | None = None
    for name in estates:
        forms = [name]
        for suffix in _ESTATE_SUFFIXES:
            if name.endswith(suffix) and len(name) > len(suffix) + 1:
                forms.append(name[: -len(suffix)])
        for form in forms:
            at = text.find(form)
            if at < 0:
                continue
            end = at + len(form)
            for suffix in _ESTATE_SUFFIXES:
                if text.startswith(suffix, end):
                    end += len(suffix)
                    break
            if best is None or len(form) > best[2] - best[1] or (at < best[1] and len(form) == best[2] - best[1]):
                best = (name, at, end)
    return best


_HINTS = frozenset(lexicon.ADDRESS_HINTS + "-")


def _parts_of(m: re.Match[str]) -> tuple[str | None, str | None, str | None, int, int] | None:
    b, u = m.group("b"), m.group("u") or (m.group("ud") if m.group("b") else None)
    explicit_room = m.group("rsuf") in lexicon.ADDRESS_ROOM_WORDS
    room = m.group("r") if (b or u or explicit_room) else None
    room = room or m.group("rs")
    room = _room(room) if room else None
    if not (b or u or room):
        return None
    return _number(b) if b else None, _number(u) if u else None, room, m.start(), m.start() + len(m.group(0).rstrip(" ,，-"))


def _find_parts(text: str) -> tuple[str | None, str | None, str | None, int, int] | None:
    if not any(ch in _HINTS for ch in text):  # cheap pre-check: no address marker at all
        return None
    dashed = _DASHED.search(text)
    found = [parts for m in _ADDRESS.finditer(text) if (parts := _parts_of(m)) is not None]
    for first, (building, unit, room, start, end) in enumerate(found):
        if dashed and dashed.start() < start:
            break
        # "幸福里五栋电梯坏了 五栋二单元的": the same building said again with its unit fills the unit in
        for again, more_unit, more_room, _, _ in found[first + 1:]:
            if building is not None and again == building and (unit is None or unit == more_unit):
                unit, room = unit or more_unit, room or more_room
        return building, unit, room, start, end
    if dashed:
        b, u, r = dashed.groups()
        return str(int(b)), str(int(u)), r, dashed.start(), dashed.end()
    return None


def parse_address(text: str, estates: Iterable[str] = ()) -> Address | None:
    """Find the first address in a normalised message, or None.

    Args:
        text: normalised text (see nlp.normalize).
        estates: estate (小区) names known to this deployment.
    """
    estate = _find_estate(text, estates)
    parts = _find_parts(_building_word_for_homophones(text))  # spans index ``text`` too: same length
    if parts is None:
        if estate is None:
            return None
        name, start, end = estate
        return Address(estate=name, text=text[start:end])
    building, unit, room, start, end = parts
    if estate is not None:
        name, e_start, e_end = estate
        if 0 <= start - e_end <= 2:  # adjacent: "幸福里小区3栋", "幸福里 3栋"
            start = e_start
        return Address(name, building, unit, room, text[start:end])
    return Address(None, building, unit, room, text[start:end])
