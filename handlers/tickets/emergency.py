"""The urgent fast path: safety first, then an urgent ticket everyone hears about at once.

Intents: tickets.urgent
Flow: tickets.urgent:ask_location

The reply always starts with the category's safety instructions and the
emergency numbers (119 / 120 / 110, the gas company's line from
``emergency.gas_company_phone``). The ticket is opened in the same request —
with the place if the message or the resident's home says it; otherwise the
location is asked for afterwards, never before the safety text. The grid
member, the community staff and the category's department are all notified
at once, and the accept deadline is in minutes.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from bot.dialog.capability import Ctx
from bot.dialog.message import Reply
from handlers.community import people, places
from handlers.tickets import escalation, media, service, texts
from handlers.tickets.capability import cap
from handlers.tickets.chat import home_estate, place_from, remember_phone
from handlers.tickets.states import Flow
from models import Person, Ticket

log = logging.getLogger(__name__)


def safety_text(ctx: Ctx, category: str | None) -> tuple[str, str]:
    instructions = texts.SAFETY_INSTRUCTIONS.get(category or "", texts.URGENT_DEFAULT_INSTRUCTIONS)
    phone = ctx.config.emergency.gas_company_phone
    gas = texts.EMERGENCY_GAS_LINE.format(phone=phone) if phone else ""
    return instructions, texts.EMERGENCY_NUMBERS.format(gas=gas)


@cap.intent("tickets.urgent")
def report_emergency(ctx: Ctx) -> Reply:
    """Open an urgent ticket, alert member + staff + department, and tell the resident what to do now."""
    category = getattr(ctx.match, "category", None) or "public_facilities"
    log.warning("urgent message category=%s channel=%s", category, ctx.msg.channel)
    person = people.person_for(ctx.db, ctx.msg, ctx.now)
    remember_phone(ctx, person)
    found = place_from(ctx, person)
    place = found if isinstance(found, places.Place) else places.Place(label="")
    outcome = service.report(ctx.db, ctx.outbox, ctx.config, person=person, msg=ctx.msg, category=category,
                             description=ctx.msg.text, place=place, now=ctx.now, urgent=True)
    ticket = outcome.ticket
    handlers = alert_everyone(ctx, ticket) if not (outcome.joined or outcome.repeat) else _handlers_text(ctx, ticket)
    notified = _notified(handlers)
    instructions, numbers = safety_text(ctx, category)
    if not place.label:
        return Reply(texts.URGENT_CREATED_ASK_LOCATION.format(
            instructions=instructions, numbers=numbers, number=ticket.number, notified=notified),
            next=Flow.URGENT_ASK_LOCATION, data={"ticket": ticket.number})
    return Reply(texts.URGENT_CREATED.format(
        instructions=instructions, numbers=numbers, number=ticket.number, location=ticket.location,
        notified=notified, due=service.local(ticket.accept_due_at or ctx.now, ctx.config.tz)), end=True)


def alert_everyone(ctx: Ctx, ticket: Ticket) -> str:
    """Member (already pushed by assignment), community staff and the department, in this transaction.

    Returns who was actually told, in words for the resident ("网格员、社区值班人员和物业").
    """
    db, config = ctx.db, ctx.config
    reporter = db.get(Person, ticket.reporter_id)
    department = escalation.owning_department(db, ticket)
    staff_ids = [p for p in service.staff_of(db, ticket.community_id) if p != ticket.assignee_id]
    contacts = service.staff_of(db, None, department_id=department.id) if department is not None else []
    department_ids = [p for p in contacts if p != ticket.assignee_id and p not in staff_ids]
    if department is not None and any(service.reach(db, config, p) for p in contacts):
        ticket.department_id = department.id  # alerted and asked to respond: the ticket is theirs too
    event = service.add_event(db, ticket, "urgent_alert", ctx.now, notified=staff_ids + department_ids)
    text = texts.URGENT_ALERT.format(
        number=ticket.number, category=service.category_name(db, ticket.category),
        location=ticket.location or texts.URGENT_LOCATION_ASKING, description=people.mask_phones_in(ticket.description),
        reporter=people.display_name(reporter), phone=people.mask_phone(reporter.phone if reporter else None),
        due=service.local(ticket.accept_due_at or ctx.now, config.tz))
    key = f"ticket:{ticket.number}:event:{event.id}"
    staff_told = [service.push(db, ctx.outbox, config, p, "ticket_urgent", text, key=key) for p in staff_ids]
    department_told = [service.push(db, ctx.outbox, config, p, "ticket_urgent", text, key=key) for p in department_ids]
    member_told = ticket.assignee_id is not None and service.reach(db, config, ticket.assignee_id) is not None
    told_department = department is not None and (any(department_told) or (
        member_told and ticket.assignee_id in contacts))
    handlers = _who(member=member_told and ticket.assignee_id not in contacts, staff=any(staff_told),
                    department=department.name if department is not None and told_department else None)
    event.note = handlers
    event.data = {**(event.data or {}), "handlers": handlers}
    return handlers


def _who(*, member: bool, staff: bool, department: str | None) -> str:
    """"网格员、社区值班人员和物业" from who was actually told; empty when nobody was."""
    parts = [w for w, told in ((texts.URGENT_WHO_MEMBER, member), (texts.URGENT_WHO_STAFF, staff),
                               (department or "", department is not None)) if told]
    if len(parts) <= 1:
        return "".join(parts)
    return texts.URGENT_WHO_LAST.format(first=texts.LIST_SEPARATOR.join(parts[:-1]), last=parts[-1])


def _notified(handlers: str) -> str:
    return texts.URGENT_NOTIFIED.format(handlers=handlers) if handlers else texts.URGENT_NOTIFIED_NOBODY


def _handlers_text(ctx: Ctx, ticket: Ticket) -> str:
    """Who the ticket's urgent alert reached (for a neighbour joining it)."""
    from models import TicketEvent

    row = ctx.db.scalar(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id,
                                                  TicketEvent.kind == "urgent_alert").order_by(TicketEvent.id))
    return str((row.data or {}).get("handlers", "")) if row else ""


@cap.state(Flow.URGENT_ASK_LOCATION)
def answer_urgent_location(ctx: Ctx) -> Reply:
    """Add the place to the urgent ticket, bring in the grid member it now has, tell everyone alerted."""
    ticket = service.ticket_by_number(ctx.db, ctx.data.get("ticket", ""))
    if ticket is None:
        return Reply(texts.TICKET_NONE_OPEN, end=True)
    person = people.person_for(ctx.db, ctx.msg, ctx.now)
    if ctx.msg.kind == "location" and ctx.msg.location is not None:
        label = ctx.msg.location.label or texts.LOCATION_PIN_UNNAMED
        media.attach(ctx.db, ticket, ctx.msg, person, ctx.now)
    else:
        address = ctx.understanding.entities.address if ctx.understanding else None
        place = places.resolve(ctx.db, address, home_estate(ctx, person)) if address else None
        label = place.label if isinstance(place, places.Place) else (ctx.msg.text or "").strip()
        if isinstance(place, places.Place) and place.building is not None and ticket.building_id is None:
            ticket.building_id, ticket.unit, ticket.room = place.building.id, place.unit, place.room
            ticket.grid_id = ticket.grid_id or place.grid_id
    if not label:
        return Reply(texts.TICKET_ASK_LOCATION.format(category=service.category_name(ctx.db, ticket.category)),
                     next=Flow.URGENT_ASK_LOCATION)
    ticket.location = label
    note = texts.EVENT_NOTE_LOCATION.format(label=label)
    event = service.add_event(ctx.db, ticket, "detail", ctx.now, person, note=note)
    member_told = False
    if ticket.assignee_id is None and service.on_duty_member(ctx.db, ticket.grid_id) is not None:
        member = service.assign(ctx.db, ctx.outbox, ctx.config, ticket, ctx.now)  # the task, place included
        member_told = member is not None and service.reach(ctx.db, ctx.config, member.id) is not None
    alerted = set(_alerted(ctx, ticket)) | ({ticket.assignee_id} if ticket.assignee_id and not member_told else set())
    text = texts.TICKET_TASK_DETAIL.format(number=ticket.number, note=note)
    told = {person_id for person_id in sorted(alerted)
            if service.push(ctx.db, ctx.outbox, ctx.config, person_id, "ticket_urgent", text,
                            key=f"ticket:{ticket.number}:event:{event.id}")}
    department = escalation.owning_department(ctx.db, ticket)
    contacts = set(service.staff_of(ctx.db, None, department_id=department.id)) if department else set()
    staff = set(service.staff_of(ctx.db, ticket.community_id))
    members = told - contacts - staff
    handlers = _who(member=member_told or bool(members), staff=bool(told & staff),
                    department=department.name if department is not None and told & contacts else None)
    if not handlers:
        return Reply(texts.URGENT_LOCATION_SAVED_NOBODY.format(location=label, number=ticket.number), end=True)
    return Reply(texts.URGENT_LOCATION_SAVED.format(location=label, number=ticket.number, handlers=handlers),
                 end=True)


def _alerted(ctx: Ctx, ticket: Ticket) -> list[int]:
    from models import TicketEvent

    row = ctx.db.scalar(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id,
                                                  TicketEvent.kind == "urgent_alert"))
    return list(row.data.get("notified", [])) if row else []
