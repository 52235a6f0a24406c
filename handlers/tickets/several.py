"""Several problems in one message: the further complaints besides the one the message was routed to.

"幸福里2栋电梯门关不上 还有楼道灯也坏了" is routed as a whole to one category; each piece the message
is cut into (nlp.clauses) is routed again, and a piece that is a report of another kind is a further
complaint, filed as its own ticket at the place its piece names ("…，桂花苑2栋路灯也不亮", "还有垃圾房…"),
else at the message's place (or asked about once that is known).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from bot.dialog.capability import Ctx
from handlers.community import places
from nlp import places as place_words
from nlp.clauses import besides_the_address, complaint_clauses, same_again

REPORT_INTENT = "tickets.create"
MAX_FURTHER = 3  # a long rant is not cut into a pile of tickets


class Pieces(NamedTuple):
    """What the pieces of one message say: the routed report's place and piece, and the further complaints."""

    own: places.Place | None  # the place the piece reporting the message's category names
    own_at: int | None  # that piece's position among the reports (None: no piece reports that category)
    further: list[dict[str, Any]]  # each with "at", its piece's position among the reports
    own_words: str | None = None  # that piece's words (the routed ticket's description beside the others)


def further_complaints(ctx: Ctx, category: str, estate_id: int | None = None) -> list[dict[str, Any]]:
    """The message's complaints of other kinds than ``category``, in order.

    Each is {"category", "description", "at"} and, when its own piece names a place, "place" (places.as_data);
    ``estate_id``: where a piece's bare building ("3栋…") is, the message's estate.
    """
    return read_pieces(ctx, category, estate_id).further


def read_pieces(ctx: Ctx, category: str, estate_id: int | None) -> Pieces:
    """The place the piece reporting ``category`` names, and the further complaints (``further_complaints``).

    "幸福里2栋楼道灯坏了，5栋电梯也不动了" is routed as a whole to 电梯 (the higher priority): its place is
    5栋's, not the first one the message names. Each piece is routed once. A kind already reported is
    another complaint only at another place its own piece names ("幸福里3栋电梯坏了，4栋的也坏了")."""
    reports = list(_reports_in_pieces(ctx, estate_id))
    own_at = next((at for at, (kind, _, _) in enumerate(reports) if kind == category), None)
    own = reports[own_at][2] if own_at is not None else None
    found: list[dict[str, Any]] = []
    seen = {(category, own.label if own is not None else None)}
    kinds = {category}
    for at, (kind, piece, place) in enumerate(reports):
        where = place.label if place is not None else None
        if (kind, where) in seen or (kind in kinds and where is None):
            continue
        seen.add((kind, where))
        kinds.add(kind)
        found.append({"category": kind, "description": piece, "at": at,
                      **({"place": places.as_data(place)} if place else {})})
    return Pieces(own, own_at, found[:MAX_FURTHER], reports[own_at][1] if own_at is not None else None)


def said_after(complaint: dict[str, Any], pieces: Pieces) -> bool:
    """Whether ``complaint``'s piece comes after the routed report's (unknown: taken as after)."""
    return pieces.own_at is None or int(complaint.get("at", 0)) > pieces.own_at


def _reports_in_pieces(ctx: Ctx, estate_id: int | None) -> Iterator[tuple[str, str, places.Place | None]]:
    """(category, piece, the place the piece names) of each piece routed to a report, when there are several.

    A piece that names only another building in the same state ("…，4栋的也坏了", "3栋也是") reports the
    kind of the piece before it, at its own building."""
    pieces = complaint_clauses(ctx.msg.text or "")
    if len(pieces) < 2:
        return
    before: str | None = None
    for piece in pieces:
        understood = ctx.services.understand(piece)
        match = getattr(understood, "match", None)
        kind = match.slots.get("category") if match is not None and match.intent == REPORT_INTENT else None
        if not kind and match is None and before is not None and same_again(piece):
            kind = before
        if not kind:
            continue
        before = kind
        own = places.locate(ctx.db, understood.text, understood.entities.address, estate_id)
        yield kind, piece, own if isinstance(own, places.Place) else None


def in_order_said(routed: dict[str, Any], further: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The routed report and the further complaints in the order the message said them.

    "幸福里2栋楼道灯坏了，5栋电梯也不动了" is routed to 电梯, but the resident said the light first. A routed
    report no piece reports (``"at"`` None) comes first."""
    def position(complaint: dict[str, Any]) -> int:
        at = complaint.get("at")
        return -1 if at is None else int(at)

    return sorted([routed, *further], key=position)


def places_said(ctx: Ctx, reports: list[dict[str, Any]], answered: places.Place) -> list[places.Place | None]:
    """The place each waiting report's own piece of an answer to "where?" names, in the order of ``reports``.

    "电梯是5栋的 灯是3栋的" while 电梯 and 照明 both wait: 5栋 is the lift's and 3栋 the light's. A piece
    is a report's when its words besides the address (灯) are in that report's words and no other's; an
    estate not said is ``answered``'s. All None unless at least two reports get a place this way."""
    nothing: list[places.Place | None] = [None] * len(reports)
    pieces = complaint_clauses(ctx.msg.text or "")
    if len(pieces) < 2 or len(reports) < 2:
        return nothing
    said = _words_of(reports)
    estate_id = answered.estate.id if answered.estate is not None else None
    found = list(nothing)
    for piece in pieces:
        understood = ctx.services.understand(piece)
        address = understood.entities.address
        if address is None or not address.building:
            continue
        thing = _thing_in(understood.text, address)
        owners = [i for i, words in enumerate(said) if thing and thing in words]
        if len(owners) != 1 or found[owners[0]] is not None:
            continue
        there = places.locate(ctx.db, understood.text, address, estate_id)
        found[owners[0]] = there if isinstance(there, places.Place) else None
    return found if sum(p is not None for p in found) >= 2 else nothing


def _words_of(reports: list[dict[str, Any]]) -> list[str]:
    """Each report's own words: the one whose description is the whole message, less the others' pieces."""
    said = [str(r.get("description", "")) for r in reports]
    own = []
    for words in said:
        for other in said:
            if other and other != words:
                words = words.replace(other, " ")
        own.append(words)
    return own


def _thing_in(text: str, address: Any) -> str:
    """The words of a piece besides its address and fillers ("灯是3栋的" -> "灯")."""
    estate = address.estate or ""
    return besides_the_address(text, [estate, *place_words.short_forms(estate)])


def own_place(ctx: Ctx, complaint: dict[str, Any]) -> places.Place | None:
    """The place a further complaint's own words named (None: it is where the message is)."""
    kept = complaint.get("place")
    return places.from_data(ctx.db, kept) if isinstance(kept, dict) else None
