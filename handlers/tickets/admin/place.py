"""Correcting a ticket's place from the web (位置更正): the estate, building, unit, room and a spot in words.

The new place is checked against the estates and buildings we know, and written with a ``place_changed``
event that keeps the old and the new place. Who holds the ticket does not change unless the staff ask
for it (``reassign``): then the grid follows the new place and the ticket goes to that grid's on-duty
member (else the staff queue), as a new report there would; the previous holder is told they need not go.
Without it the holder keeps the ticket and is told where it really is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import Config
from bot.delivery.outbox import Outbox
from bot.errors import UserFacingError
from handlers.tickets import service
from handlers.tickets.admin import texts
from models import OPEN_STATUSES, Building, Estate, EstatePlace, Ticket, TicketEvent
from nlp import lexicon
from nlp.address import Address
from nlp.places import place_label

MAX_SPOT = 40
_ROOM = re.compile(r"[0-9A-Za-z-]{1,8}")


@dataclass(frozen=True)
class NewPlace:
    estate: Estate
    building: Building | None
    unit: str | None
    room: str | None
    spot: str
    label: str


def _strip(value: str, endings: tuple[str, ...]) -> str:
    value = re.sub(r"\s+", "", value or "")
    for ending in sorted(endings, key=len, reverse=True):
        if value.endswith(ending) and len(value) > len(ending):
            return value[: -len(ending)]
    return value


def read_form(db: Session, form: Any) -> NewPlace:
    """The place the form names, checked.

    Raises:
        UserFacingError: what is wrong with it, in words the staff can act on.
    """
    estate_id = str(form.get("estate") or "").strip()
    estate = db.get(Estate, int(estate_id)) if estate_id.isdigit() else None
    if estate is None:
        raise UserFacingError(texts.ERR_PLACE_ESTATE)
    number = _strip(str(form.get("building") or ""), lexicon.ADDRESS_BUILDING_WORDS).upper()
    unit = _strip(str(form.get("unit") or ""), (lexicon.ADDRESS_UNIT_WORD,)) or None
    room = _strip(str(form.get("room") or ""), (lexicon.ADDRESS_ROOM_WORD,)) or None
    spot = re.sub(r"\s+", " ", str(form.get("spot") or "")).strip()
    building = None
    if number:
        building = db.scalar(select(Building).where(Building.estate_id == estate.id, Building.number == number))
        if building is None:
            known = db.scalars(select(Building.number).where(Building.estate_id == estate.id).order_by(Building.id))
            raise UserFacingError(texts.ERR_PLACE_BUILDING.format(
                estate=estate.name, building=number, known=texts.PLACE_LIST_SEPARATOR.join(known) or texts.PLACE_NONE))
    if (unit or room) and building is None:
        raise UserFacingError(texts.ERR_PLACE_NEEDS_BUILDING)
    if unit and building is not None and building.units and unit not in building.units:
        raise UserFacingError(texts.ERR_PLACE_UNIT.format(
            estate=estate.name, building=building.number, unit=unit,
            known=texts.PLACE_LIST_SEPARATOR.join(building.units)))
    if room and not _ROOM.fullmatch(room):
        raise UserFacingError(texts.ERR_PLACE_ROOM)
    if len(spot) > MAX_SPOT:
        raise UserFacingError(texts.ERR_PLACE_SPOT.format(limit=MAX_SPOT))
    label = Address(estate=estate.name, building=building.number if building else None, unit=unit, room=room).label()
    return NewPlace(estate, building, unit, room, spot, place_label(label, spot) if spot else label)


def _facts(ticket: Ticket) -> dict[str, Any]:
    return {"location": ticket.location, "estate_id": ticket.estate_id, "building_id": ticket.building_id,
            "unit": ticket.unit, "room": ticket.room, "place_id": ticket.place_id, "grid_id": ticket.grid_id}


def correct(db: Session, outbox: Outbox, config: Config, ticket: Ticket, new: NewPlace, reassign: bool,
            username: str, now: datetime) -> TicketEvent:
    """Move the ticket to ``new``; with ``reassign`` the grid and the holder follow it (open tickets only).

    Raises:
        UserFacingError: the place is the one the ticket has already.
    """
    building_id = new.building.id if new.building else None
    if (building_id == ticket.building_id and new.unit == ticket.unit and new.room == ticket.room
            and (building_id is not None or ticket.estate_id == new.estate.id)
            and (not new.spot or new.label == ticket.location)):
        raise UserFacingError(texts.ERR_PLACE_SAME)
    old = _facts(ticket)
    ticket.building_id, ticket.unit, ticket.room, ticket.location = building_id, new.unit, new.room, new.label
    ticket.estate_id = new.estate.id if new.building is None else None  # as a report files it (estate level only)
    ticket.community_id = new.estate.community_id
    if ticket.place_id is not None and (new.building is not None or db.scalar(
            select(EstatePlace.estate_id).where(EstatePlace.id == ticket.place_id)) != new.estate.id):
        ticket.place_id = None  # the declared place (东门 …) was the wrong one
    grid_id = new.building.grid_id if new.building is not None else new.estate.grid_id
    moving = reassign and ticket.status in OPEN_STATUSES
    event = service.add_event(db, ticket, "place_changed", now, note=texts.PLACE_CHANGED_NOTE.format(
        old=old["location"] or texts.PLACE_UNKNOWN, new=new.label), old=old, new={**_facts(ticket), "grid_id": grid_id},
        reassign=moving)
    event.actor = f"{service.ADMIN_PREFIX}{username}"
    holder = ticket.assignee_id
    if moving:
        ticket.grid_id = grid_id
        member = service.on_duty_member(db, grid_id)
        if member is None or member.id != holder:
            _fresh_accept_deadline(db, config, ticket, now)
            service.assign(db, outbox, config, ticket, now, member=member)
            if holder is not None:
                service.push(db, outbox, config, holder, "ticket_task", texts.PLACE_MOVED_TO_WORKER.format(
                    number=ticket.number, location=new.label), key=f"ticket:{ticket.number}:event:{event.id}")
            return event
    if holder is not None and ticket.status in OPEN_STATUSES:
        service.push(db, outbox, config, holder, "ticket_task", texts.PLACE_TO_WORKER.format(
            number=ticket.number, location=new.label, old=old["location"] or texts.PLACE_UNKNOWN),
            key=f"ticket:{ticket.number}:event:{event.id}")
    return event


def _fresh_accept_deadline(db: Session, config: Config, ticket: Ticket, now: datetime) -> None:
    """The new holder gets the category's full time to accept, as after a transfer."""
    from handlers.tickets import deadlines

    policy = deadlines.policy_for(db, config, ticket.category, ticket.urgent)
    ticket.accept_due_at = deadlines.after(db, config, ticket, now, policy.accept_minutes)
    ticket.accepted_at = None
    ticket.reminded_key = None
