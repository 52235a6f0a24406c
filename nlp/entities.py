"""Entities in a message: address, phone numbers, ticket numbers, urgency words.

Pure functions over normalised text; nothing here knows about rules or intents.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from nlp.address import Address, parse_address
from nlp.lexicon import URGENCY_WORDS

# Mainland mobiles: 11 digits starting 13-19, residents write "138 1234 5678" or "138-1234-5678".
_MOBILE = re.compile(r"(?<![\d-])(?:\+?86[\s-]?)?(1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?![\d-])")
# Landlines: area code then 7-8 digits: 010-12345678, (0571)88886666, 0755 8888 6666.
# Area codes 010 and 02x have three digits, all others four.
_LANDLINE = re.compile(r"(?<![\d-])[(（]?(0(?:[12]\d|[3-9]\d{2}))[)）]?[\s-]?(\d{3,4})[\s-]?(\d{4})(?![\d-])")
# T + 8-digit date + - + at least 4 digits; residents type t, spaces or no dash.
_TICKET = re.compile(r"(?<![A-Za-z0-9])[Tt]\s*(\d{8})\s*[-_—]?\s*(\d{4,})(?!\d)")


@dataclass(frozen=True)
class Entities:
    """What extract_entities() found; empty tuples/None when absent."""

    address: Address | None = None
    phones: tuple[str, ...] = ()
    ticket_numbers: tuple[str, ...] = ()
    urgency_words: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable form for explain() and logs (phones are not masked here)."""
        address = None
        if self.address is not None:
            a = self.address
            address = {
                "estate": a.estate,
                "building": a.building,
                "unit": a.unit,
                "room": a.room,
                "text": a.text,
                "label": a.label(),
            }
        return {
            "address": address,
            "phones": list(self.phones),
            "ticket_numbers": list(self.ticket_numbers),
            "urgency_words": list(self.urgency_words),
        }


def _valid_date(digits: str) -> bool:
    month, day = int(digits[4:6]), int(digits[6:8])
    return 2000 <= int(digits[:4]) <= 2099 and 1 <= month <= 12 and 1 <= day <= 31


def find_ticket_numbers(text: str) -> tuple[str, ...]:
    """Ticket numbers in canonical form (T20261122-0007), in order, without duplicates."""
    found: list[str] = []
    for date, seq in _TICKET.findall(text):
        if _valid_date(date):
            number = f"T{date}-{seq}"
            if number not in found:
                found.append(number)
    return tuple(found)


def find_phones(text: str) -> tuple[str, ...]:
    """Mobile numbers as 11 digits, landlines as AREA-NUMBER, in order of appearance."""
    spans: list[tuple[int, str]] = []
    ticket_spans = [m.span() for m in _TICKET.finditer(text)]

    def inside_ticket(pos: int) -> bool:
        return any(s <= pos < e for s, e in ticket_spans)

    for m in _MOBILE.finditer(text):
        if not inside_ticket(m.start()):
            spans.append((m.start(), "".join(m.groups())))
    for m in _LANDLINE.finditer(text):
        number = m.group(2) + m.group(3)
        if len(number) in (7, 8) and not inside_ticket(m.start()):
            spans.append((m.start(), f"{m.group(1)}-{number}"))
    seen: list[str] = []
    for _, phone in sorted(spans):
        if phone not in seen:
            seen.append(phone)
    return tuple(seen)


def find_urgency_words(text: str) -> tuple[str, ...]:
    """Urgency words present, longest first; a word inside a longer found one is skipped."""
    found: list[str] = []
    for word in URGENCY_WORDS:
        if word in text and not any(word in longer for longer in found):
            found.append(word)
    return tuple(found)


def extract_entities(text: str, estates: Iterable[str] = ()) -> Entities:
    """Extract every entity from normalised text.

    Args:
        text: normalised text (nlp.normalize.normalize).
        estates: estate (小区) names known to this deployment.
    """
    has_digits = any(ch.isdigit() for ch in text)  # most messages have none: skip the regexes
    tickets = find_ticket_numbers(text) if has_digits else ()
    # Remove ticket numbers before looking for addresses so their digits cannot be misread.
    scrubbed = _TICKET.sub(lambda m: " " * len(m.group(0)), text) if tickets else text
    return Entities(
        address=parse_address(scrubbed, estates),
        phones=find_phones(text) if has_digits else (),
        ticket_numbers=tickets,
        urgency_words=find_urgency_words(text),
    )
