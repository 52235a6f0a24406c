"""Staff fix what the duplicate check got wrong: merge a duplicate into another ticket, split a joined report off.

merge: the duplicate's reporters (and photos) move to the ticket that stays, the
duplicate is cancelled with a "merged into" event, its reporters and its worker
are told through the outbox. split: a neighbour's report that joined a ticket but
is about something else becomes its own ticket (their words and place from the
"joined" event), assigned like a new report; the resident is told its number.
Both are written to both tickets' histories; the caller writes the audit log.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.config import Config
from bot.delivery.outbox import Outbox
from bot.errors import UserFacingError
from handlers.community.people import display_name
from handlers.tickets import deadlines, service
from handlers.tickets.admin import texts
from models import (
    OPEN_STATUSES,
    Building,
    Category,
    Estate,
    Person,
    Ticket,
    TicketEvent,
    TicketMedia,
    TicketReporter,
    TicketStatus,
)


def _as_admin(event: TicketEvent, username: str) -> TicketEvent:
    event.actor = f"{service.ADMIN_PREFIX}{username}"
    return event


def _estate_of(db: Session, ticket: Ticket) -> int | None:
    if ticket.building_id is not None:
        return db.scalar(select(Building.estate_id).where(Building.id == ticket.building_id))
    return ticket.estate_id


def _estate_name(db: Session, estate_id: int | None) -> str:
    estate = db.get(Estate, estate_id) if estate_id is not None else None
    return estate.name if estate is not None else texts.UNKNOWN_ESTATE


def _category_name(db: Session, slug: str) -> str:
    return db.scalar(select(Category.name).where(Category.slug == slug)) or slug


def _check_same_matter(db: Session, duplicate: Ticket, into: Ticket) -> None:
    """Only one matter may be merged: same estate, same urgency, same category (staff change it first)."""
    here, there = _estate_of(db, duplicate), _estate_of(db, into)
    if here != there:
        raise UserFacingError(texts.ERR_MERGE_ESTATE.format(number=duplicate.number, into=into.number,
                                                            here=_estate_name(db, here),
                                                            there=_estate_name(db, there)))
    if bool(duplicate.urgent) != bool(into.urgent):
        urgent, other = (duplicate, into) if duplicate.urgent else (into, duplicate)
        raise UserFacingError(texts.ERR_MERGE_URGENT.format(urgent=urgent.number, other=other.number))
    if duplicate.category != into.category:
        raise UserFacingError(texts.ERR_MERGE_CATEGORY.format(number=duplicate.number, into=into.number,
                                                              here=_category_name(db, duplicate.category),
                                                              there=_category_name(db, into.category)))


def merge(db: Session, outbox: Outbox, config: Config, duplicate: Ticket, into: Ticket, username: str,
          now: datetime) -> TicketEvent:
    """Merge ``duplicate`` into ``into`` (both open); returns the duplicate's "merged_into" event."""
    if duplicate.id == into.id:
        raise UserFacingError(texts.ERR_MERGE_SAME.format(number=duplicate.number))
    if into.status not in OPEN_STATUSES:
        raise UserFacingError(texts.ERR_MERGE_CLOSED.format(number=into.number))
    _check_same_matter(db, duplicate, into)
    on_target = set(db.scalars(select(TicketReporter.person_id).where(TicketReporter.ticket_id == into.id)))
    moved = []
    for r in service.reporters(db, duplicate):
        if r.person_id not in on_target:
            db.add(TicketReporter(ticket_id=into.id, person_id=r.person_id, channel=r.channel, account=r.account,
                                  recipient=r.recipient, original=False, joined_at=now))
            moved.append(r.person_id)
    photos = db.execute(update(TicketMedia).where(TicketMedia.ticket_id == duplicate.id)
                        .values(ticket_id=into.id)).rowcount
    worker = duplicate.assignee_id
    duplicate.status = TicketStatus.CANCELLED
    duplicate.closed_at = now
    duplicate.ack_due_at = None
    event = _as_admin(service.add_event(db, duplicate, "merged_into", now, into=into.number,
                                        note=texts.MERGED_INTO_NOTE.format(number=into.number)), username)
    _as_admin(service.add_event(db, into, "merged_from", now, source=duplicate.number, reporters=moved, media=photos,
                                note=texts.MERGED_FROM_NOTE.format(number=duplicate.number,
                                                                   description=duplicate.description)), username)
    service.notify_reporters(db, outbox, duplicate, event,
                             texts.MERGED_TO_RESIDENT.format(number=duplicate.number, into=into.number))
    if worker is not None and worker != into.assignee_id:
        service.push(db, outbox, config, worker, "ticket_update",
                     texts.MERGED_TO_WORKER.format(number=duplicate.number, into=into.number),
                     key=f"ticket:{duplicate.number}:event:{event.id}:worker")
    return event


def split(db: Session, outbox: Outbox, config: Config, ticket: Ticket, person_id: int, username: str,
          now: datetime) -> Ticket:
    """The joined report of ``person_id`` becomes a ticket of its own (same category and building), assigned."""
    reporter = db.scalar(select(TicketReporter).where(TicketReporter.ticket_id == ticket.id,
                                                      TicketReporter.person_id == person_id))
    if reporter is None or reporter.original:
        raise UserFacingError(texts.ERR_SPLIT_NOT_JOINED.format(number=ticket.number))
    joined = db.scalar(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "joined",
                                                 TicketEvent.actor_id == person_id)
                       .order_by(TicketEvent.id.desc()).limit(1))
    description = joined.note if joined is not None and joined.note else ticket.description
    location = (joined.data or {}).get("location") if joined is not None else None
    person = db.get(Person, person_id)
    new = Ticket(
        community_id=ticket.community_id, category=ticket.category, building_id=ticket.building_id,
        grid_id=ticket.grid_id, location=location or ticket.location, description=description,
        reporter_id=person_id, channel=reporter.channel, status=TicketStatus.QUEUED, urgent=False,
        created_at=now, updated_at=now,
    )
    deadlines.set_initial(db, config, new, now)
    new.number = service.next_number(db, now, config.tz)
    db.add(new)
    db.flush()
    db.add(TicketReporter(ticket_id=new.id, person_id=person_id, channel=reporter.channel, account=reporter.account,
                          recipient=reporter.recipient, original=True, joined_at=reporter.joined_at))
    db.delete(reporter)
    service.add_event(db, new, "created", now, person, note=description, location=new.location,
                      channel=reporter.channel)
    event = _as_admin(service.add_event(db, new, "split_from", now, source=ticket.number,
                                        note=texts.SPLIT_FROM_NOTE.format(number=ticket.number)), username)
    _as_admin(service.add_event(db, ticket, "split", now, person=person_id, into=new.number,
                                note=texts.SPLIT_NOTE.format(name=display_name(person), number=new.number)), username)
    service.notify_reporters(db, outbox, new, event,
                             texts.SPLIT_TO_RESIDENT.format(old=ticket.number, number=new.number,
                                                            description=description))
    service.assign(db, outbox, config, new, now)
    return new
