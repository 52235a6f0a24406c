"""A resident takes back their own report: withdrawing it (after a confirmation) or "不是一回事".

Intents: reports.withdraw ("不用修了，已经好了", "算了不报了", "单子撤了吧"),
         reports.split ("不是一回事": the report joined to a neighbour's ticket becomes its own)
Flow: reports.withdraw -> tickets.withdraw:confirm -> cancelled (or the resident leaves a shared ticket) / kept

The intents are not ``tickets.*``: the router's resolution phrases (已经好了, 不用修了) veto every
``tickets.*`` rule, and they are exactly what a withdrawal says.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.dialog.capability import Ctx
from bot.dialog.message import Reply
from handlers.community import people, places
from handlers.tickets import chat, service, texts
from handlers.tickets.capability import cap
from handlers.tickets.states import Flow
from models import OPEN_STATUSES, Building, Estate, Person, Ticket, TicketEvent, TicketReporter, TicketStatus

# -- withdrawing one's own report ----------------------------------------------------------------


@cap.intent("reports.withdraw")
def withdraw_report(ctx: Ctx) -> Reply:
    """Ask to confirm withdrawing the resident's open ticket (named, by its words, or the newest)."""
    person = people.find_person(ctx.db, ctx.msg)
    ticket = chat.target_ticket(ctx, person)
    if ticket is None and person is not None:
        worker_hint = _worker_withdrawing(ctx, person)
        if worker_hint is not None:
            return worker_hint
    if ticket is None or person is None:
        return Reply(texts.TICKET_NONE_OPEN)
    if ticket.status not in OPEN_STATUSES:
        status = service.status_name(ctx.db, ticket)
        return Reply(texts.WITHDRAW_NOT_OPEN.format(number=ticket.number, status=status))
    question = texts.WITHDRAW_ASK.format(number=ticket.number, category=service.category_name(ctx.db, ticket.category),
                                         location=ticket.location or texts.LOCATION_UNKNOWN)
    return Reply(question, next=Flow.WITHDRAW_CONFIRM, data={"ticket": ticket.number, "reason": ctx.msg.text or ""})


def _worker_withdrawing(ctx: Ctx, person: Person) -> Reply | None:
    """"撤销 T…" from staff or a grid member about a ticket they did not report: their own command, not the
    resident's withdrawal (关闭 for staff, 退回 for grid members). None when the sender is no worker or names
    no ticket."""
    number = ctx.match.slots.get("ticket_number") if ctx.match else None
    if not number:
        return None
    roles = people.roles_of(ctx.db, person, ctx.config.tickets.street_department)
    if not roles.is_worker:
        return None
    number = str(number).upper()
    if roles.staff_communities or roles.department_ids or roles.street:
        return Reply(texts.MEMBER_WITHDRAW_STAFF.format(number=number))
    return Reply(texts.MEMBER_WITHDRAW_MEMBER.format(number=number))


@cap.intent("tickets.cancel_after_report")
def cancel_after_report(ctx: Ctx) -> Reply:
    """"算了" right after a report was filed (nothing is asked then): the ticket exists, so offer to withdraw it.

    Asked by the cancel command (handlers/help) in a state; passes on in every state but the attach step."""
    if ctx.state != Flow.ATTACH:
        return Reply.pass_on()
    ticket = service.ticket_by_number(ctx.db, str(ctx.data.get("ticket", "")))
    person = people.find_person(ctx.db, ctx.msg)
    if ticket is None or person is None or ticket.status not in OPEN_STATUSES or not _reported_by(ctx, ticket, person):
        return Reply.pass_on()
    question = texts.WITHDRAW_ASK_AFTER_CANCEL.format(
        number=ticket.number, category=service.category_name(ctx.db, ticket.category),
        location=ticket.location or texts.LOCATION_UNKNOWN)
    return Reply(question, next=Flow.WITHDRAW_CONFIRM, data={"ticket": ticket.number, "reason": ctx.msg.text or ""})


def _reported_by(ctx: Ctx, ticket: Ticket, person: Person) -> bool:
    return ctx.db.scalar(select(TicketReporter.id).where(
        TicketReporter.ticket_id == ticket.id, TicketReporter.person_id == person.id).limit(1)) is not None


@cap.state(Flow.WITHDRAW_CONFIRM)
def confirm_withdrawal(ctx: Ctx) -> Reply:
    """"要撤销工单 T… 吗？": yes withdraws, no keeps it; a message that is something else is handled as such."""
    ticket = service.ticket_by_number(ctx.db, str(ctx.data.get("ticket", "")))
    person = people.find_person(ctx.db, ctx.msg)
    head = re.sub(r"[\s\W_]+", "", ctx.msg.text or "").lower()
    if ticket is None or person is None or not head:
        return chat.reroute(ctx)
    if head.startswith(texts.WITHDRAW_NO_PREFIXES):
        return Reply(texts.WITHDRAW_KEPT.format(number=ticket.number), end=True)
    if head.startswith(texts.WITHDRAW_YES_PREFIXES):
        if ticket.status not in OPEN_STATUSES:
            status = service.status_name(ctx.db, ticket)
            return Reply(texts.WITHDRAW_NOT_OPEN.format(number=ticket.number, status=status), end=True)
        return Reply(withdraw(ctx, person, ticket, str(ctx.data.get("reason", ""))), end=True)
    if ctx.understanding is not None and ctx.understanding.match is not None:
        return chat.reroute(ctx)
    return Reply(texts.WITHDRAW_KEPT.format(number=ticket.number), end=True)


def withdraw(ctx: Ctx, person: Person, ticket: Ticket, reason: str) -> str:
    """Cancel the ticket, or, when neighbours reported it too, only take this resident off it."""
    mine = ctx.db.scalar(select(TicketReporter).where(TicketReporter.ticket_id == ticket.id,
                                                      TicketReporter.person_id == person.id))
    others = [r for r in service.reporters(ctx.db, ticket) if r.person_id != person.id]
    if others:
        if mine is not None:
            ctx.db.delete(mine)
        service.add_event(ctx.db, ticket, "reporter_left", ctx.now, person, note=texts.EVENT_NOTE_REPORTER_LEFT.format(
            name=people.display_name(person), reason=reason))
        return texts.WITHDRAW_LEFT.format(number=ticket.number)
    ticket.status = TicketStatus.CANCELLED
    ticket.closed_at = ctx.now
    ticket.ack_due_at = None
    event = service.add_event(ctx.db, ticket, "withdrawn", ctx.now, person,
                              note=texts.EVENT_NOTE_WITHDRAWN.format(reason=reason))
    service.notify_workers(ctx.db, ctx.outbox, ctx.config, ticket, event, texts.TICKET_TASK_WITHDRAWN.format(
        number=ticket.number, category=service.category_name(ctx.db, ticket.category),
        location=ticket.location or texts.LOCATION_UNKNOWN, reason=reason))
    return texts.WITHDRAW_DONE.format(number=ticket.number)


# -- "不是一回事": a joined report becomes a ticket of its own --------------------------------------


@cap.intent("reports.split")
def split_report(ctx: Ctx) -> Reply:
    """Take the resident's report off the neighbour's ticket it joined and file it as its own, at once."""
    person = people.find_person(ctx.db, ctx.msg)
    row = None
    if person is not None:
        row = ctx.db.execute(
            select(TicketReporter, Ticket).join(Ticket, Ticket.id == TicketReporter.ticket_id)
            .where(TicketReporter.person_id == person.id, TicketReporter.original.is_(False),
                   Ticket.status.in_(OPEN_STATUSES))
            .order_by(TicketReporter.joined_at.desc(), TicketReporter.id.desc()).limit(1)
        ).first()
    if row is None or person is None:
        return Reply(texts.SPLIT_NOTHING)
    reporter, joined_ticket = row
    joined = ctx.db.scalar(select(TicketEvent).where(
        TicketEvent.ticket_id == joined_ticket.id, TicketEvent.kind == "joined", TicketEvent.actor_id == person.id,
    ).order_by(TicketEvent.id.desc()).limit(1))
    description = joined.note if joined is not None and joined.note else joined_ticket.description
    label = (joined.data or {}).get("location") if joined is not None else None
    ctx.db.delete(reporter)
    ctx.db.flush()
    place = _place_again(ctx, person, description, joined_ticket, label)
    outcome = service.report(ctx.db, ctx.outbox, ctx.config, person=person, msg=ctx.msg,
                             category=joined_ticket.category, description=description, place=place, now=ctx.now,
                             join=False)
    ticket = outcome.ticket
    service.add_event(ctx.db, joined_ticket, "unjoined", ctx.now, person, note=texts.EVENT_NOTE_UNJOINED.format(
        name=people.display_name(person), number=ticket.number))
    chat.open_attach_window(ctx, ticket)
    created = texts.TICKET_CREATED.format(
        number=ticket.number, category=service.category_name(ctx.db, ticket.category), location=place.label,
        handler=service.handler_text(ctx.db, ticket), due=service.local(ticket.accept_due_at or ctx.now, ctx.config.tz))
    return Reply(texts.SPLIT_DONE.format(old=joined_ticket.number, created=created))


def _place_again(ctx: Ctx, person: Person, description: str, joined: Ticket, label: str | None) -> places.Place:
    """Where the report said it was; else the place of the ticket it had joined (same building or place)."""
    understanding = ctx.services.understand(description) if description else None
    address = understanding.entities.address if understanding is not None else None
    if address is not None:
        place = places.resolve(ctx.db, address, chat.home_estate(ctx, person))
        if isinstance(place, places.Place):
            return place
    building = ctx.db.get(Building, joined.building_id) if joined.building_id else None
    estate = ctx.db.get(Estate, building.estate_id) if building is not None else None
    return places.Place(label=label or joined.location or texts.LOCATION_UNKNOWN, building=building, estate=estate,
                        unit=joined.unit)
