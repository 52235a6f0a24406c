"""Where a report is, from everything the resident said: this message, the answers to "where is it?",
an address said a few messages before, "跟刚才一样" (the last report's place), else their home.

The parts of an address said apart make one ("幸福里" then "3栋"; "2栋1单元的电梯坏了" then "桂花苑");
a place in the estate that is no building (a gate, the garage, "4栋后面那块空地") is filed at estate level
(handlers/community/places.py).
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.dialog.capability import Ctx
from handlers.community import places
from models import InboundMessage, InboundStatus, Person
from nlp import places as place_words

EARLIER_MINUTES = 30  # an address said this recently (in a message that was no report) still counts
EARLIER_MESSAGES = 3


def text_of(ctx: Ctx) -> str:
    """The message's normalised text (what the address parser read)."""
    return ctx.understanding.text if ctx.understanding is not None else (ctx.msg.text or "")


def home(ctx: Ctx, person: Person) -> places.Place | None:
    return places.home_of(ctx.db, person.id)


def place_from(ctx: Ctx, person: Person) -> places.Place | places.Unresolved:
    """The place the report's words give (an address, a place in the estate, "跟刚才一样"), else the home.

    Without either, an address said in the resident's last few messages (not reports) is used with them.
    """
    text = text_of(ctx)
    if place_words.says_same_place(text):
        last = places.last_report_place(ctx.db, person.id)
        if last is not None:
            return last
    address = ctx.match.slots.get("address") if ctx.match else None
    own = home(ctx, person)
    estate_id = own.estate.id if own is not None and own.estate is not None else None
    place = places.locate(ctx.db, text, address, estate_id)
    if isinstance(place, places.Place):
        return place
    if own is not None and address is None and not place.needs_estate:
        return own
    earlier = said_before(ctx)
    if earlier:
        together = _together(ctx, [text, *earlier], estate_id)
        if together is not None:
            return together
    return place


def answered_place(ctx: Ctx, person: Person, address: Any) -> places.Place | places.Unresolved:
    """The place an answer to "where is it?" gives; else what it gives with the earlier answers and the report."""
    text = text_of(ctx)
    if place_words.says_same_place(text):
        last = places.last_report_place(ctx.db, person.id)
        if last is not None:
            return last
    own = home(ctx, person)
    estate_id = own.estate.id if own is not None and own.estate is not None else None
    said = estate_of_report(ctx)
    if said is not None and place_words.says_everywhere(text) and (address is None or not address.building):
        return places.Place(label=said.name, estate=said, route_grid_id=said.grid_id)  # "到处都是": the estate
    if said is not None and address is not None and address.building and not address.estate:
        # "在桂花苑的哪里？" answered "5栋": 桂花苑's 5栋 (or none), never another estate's
        address, estate_id = dataclasses.replace(address, estate=said.name), said.id
    place = places.locate(ctx.db, text, address, estate_id, free_text=True)
    if isinstance(place, places.Place):
        return place
    if said is not None and address is not None and address.building:
        return place  # no such building in the estate the report named: not looked for elsewhere
    earlier = [str(t) for t in reversed(ctx.data.get("said", []))] + [str(ctx.data.get("description", ""))]
    together = _together(ctx, [text, *earlier], estate_id)
    return together if together is not None else place


def completed_by_report(ctx: Ctx, place: places.Place | places.Unresolved, report: str,
                        estate_id: int | None) -> places.Place | places.Unresolved:
    """An answer that names no building ("幸福里") read with the report that did ("着火了 3栋2单元")."""
    if isinstance(place, places.Place) and place.building is not None or not report:
        return place
    together = _together(ctx, [text_of(ctx), report], estate_id)
    return together if together is not None and together.building is not None else place


def estate_of_report(ctx: Ctx) -> places.EstateInfo | None:
    """The estate the waiting report's own words named ("桂花苑有人遛狗不拴绳"), if any."""
    report = str(ctx.data.get("description", ""))
    address = ctx.services.understand(report).entities.address if report else None
    if address is None or not address.estate:
        return None
    return next((e for e in places.layout(ctx.db).estates.values() if e.name == address.estate), None)


def _together(ctx: Ctx, texts: list[str], estate_id: int | None) -> places.Place | None:
    understood = ctx.services.understand(" ".join(t for t in texts if t))
    found = places.locate(ctx.db, understood.text, understood.entities.address, estate_id)
    return found if isinstance(found, places.Place) else None


def said_before(ctx: Ctx) -> list[str]:
    """The resident's last few texts (newest first) of the last minutes that were no report or answer."""
    since = ctx.now - timedelta(minutes=EARLIER_MINUTES)
    rows = ctx.db.execute(
        select(InboundMessage.content, InboundMessage.intent)
        .where(InboundMessage.channel == ctx.msg.channel, InboundMessage.user_id == ctx.msg.user_id,
               InboundMessage.received_at >= since,
               InboundMessage.status.in_((InboundStatus.DONE, InboundStatus.DEFERRED)))
        .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc()).limit(EARLIER_MESSAGES)
    ).all()
    return [content for content, intent in rows if content and not (intent or "").startswith("tickets.")]


def remember_said(ctx: Ctx) -> list[str]:
    """The answers so far to "where is it?", this one included (the last three)."""
    return [*ctx.data.get("said", []), text_of(ctx)][-EARLIER_MESSAGES:]
