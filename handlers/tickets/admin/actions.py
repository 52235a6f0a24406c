"""What staff do to a ticket from the web: assign, transfer, escalate, recategorise, close, note.

Each action reuses the ticket domain (service, escalation, deadlines): it writes
a ticket event whose actor is ``admin:<username>``, and any message to residents
or workers goes into the outbox in the same transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.config import Config
from bot.delivery.outbox import Outbox
from handlers.community.people import display_name
from handlers.tickets import deadlines, escalation, service
from handlers.tickets.admin import texts
from models import OPEN_STATUSES, Category, Department, Person, Ticket, TicketEvent, TicketStatus

ADMIN = service.ADMIN_PREFIX


def _as_admin(event: TicketEvent, username: str) -> TicketEvent:
    event.actor = f"{ADMIN}{username}"
    return event


def assign_to(db: Session, outbox: Outbox, config: Config, ticket: Ticket, person: Person, username: str,
              now: datetime) -> TicketEvent:
    """Give the ticket to a member or staff: their task is pushed, the accept deadline starts afresh."""
    ticket.assignee_id = person.id
    ticket.department_id = None if ticket.escalation_level < escalation.DEPARTMENT else ticket.department_id
    ticket.status = TicketStatus.ASSIGNED
    ticket.accepted_at = None
    policy = deadlines.policy_for(db, config, ticket.category, ticket.urgent)
    ticket.accept_due_at = deadlines.after(db, config, ticket, now, policy.accept_minutes)
    ticket.reminded_key = None
    event = _as_admin(service.add_event(db, ticket, "assigned", now, note=display_name(person), assignee=person.id),
                      username)
    service.push_task(db, outbox, config, ticket, person.id, event)
    return event


def transfer_to(db: Session, outbox: Outbox, config: Config, ticket: Ticket, target: Person | Department,
                note: str, username: str, now: datetime) -> str:
    """转派 to a member or a department (its reachable staff get it); UserFacingError when nobody can be told."""
    event, name = service.transfer(db, outbox, config, ticket, None, target, note, now)  # type: ignore[arg-type]
    _as_admin(event, username)
    return name


def escalate(db: Session, outbox: Outbox, config: Config, ticket: Ticket, username: str, now: datetime) -> str:
    level = escalation.escalate(db, outbox, config, ticket, now, reason="admin", admin=username)
    return escalation.rung_name(db, config, ticket, level)


def change_category(db: Session, config: Config, ticket: Ticket, category: Category, username: str,
                    now: datetime, outbox: Outbox | None = None) -> TicketEvent:
    """Recategorise; a ticket whistled to the old category's department moves to the new one's (told, to report in)."""
    old, old_slug = service.category_name(db, ticket.category), ticket.category
    held_by_category = ticket.department_id is not None and ticket.department_id == _department_id_of(db, old_slug)
    ticket.category = category.slug
    event = _as_admin(service.add_event(db, ticket, "category_changed", now, note=f"{old} → {category.name}",
                                        old=old_slug, new=category.slug), username)
    new_department = _department_id_of(db, category.slug)
    if (outbox is not None and held_by_category and ticket.escalation_level == escalation.DEPARTMENT
            and new_department is not None and new_department != ticket.department_id):
        # Whistle again, to the new category's department: it gets the task and its own report-in deadline.
        ticket.department_id = None
        ticket.escalation_level = escalation.DEPARTMENT - 1
        escalation.escalate(db, outbox, config, ticket, now, reason="admin", admin=username)
    elif held_by_category and ticket.escalation_level < escalation.DEPARTMENT:
        ticket.department_id = None
    return event


def _department_id_of(db: Session, slug: str) -> int | None:
    from sqlalchemy import select

    from models import DepartmentCategory

    return db.scalar(select(DepartmentCategory.department_id).join(Category, Category.id == DepartmentCategory.category_id)
                     .where(Category.slug == slug).limit(1))


def close(db: Session, outbox: Outbox, ticket: Ticket, note: str, username: str, now: datetime) -> TicketEvent:
    """办结 by staff with a message every reporter receives."""
    if ticket.accepted_at is None:
        ticket.accepted_at = now
    ticket.status = TicketStatus.CLOSED
    ticket.done_at = ticket.done_at or now
    ticket.closed_at = now
    event = _as_admin(service.add_event(db, ticket, "closed", now, note=note), username)
    service.notify_reporters(db, outbox, ticket, event, texts.CLOSED_TO_RESIDENT.format(number=ticket.number, note=note))
    return event


def add_note(db: Session, outbox: Outbox, ticket: Ticket, note: str, public: bool, username: str,
             now: datetime, actor: Person | None = None) -> TicketEvent:
    """An internal note, or a message the reporters receive through the outbox."""
    event = service.add_event(db, ticket, "note_public" if public else "note", now, actor, note=note, internal=not public)
    if actor is None:
        _as_admin(event, username)
    if public:
        service.notify_reporters(db, outbox, ticket, event, texts.NOTE_TO_RESIDENT.format(number=ticket.number, note=note))
    return event


def is_open(ticket: Ticket) -> bool:
    return ticket.status in OPEN_STATUSES
