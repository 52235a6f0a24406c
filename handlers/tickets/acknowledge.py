"""Every urgent alert is acknowledged by a person, or it goes further until one is.

An urgent ticket's alert goes to the on-duty grid member, the community staff and
the category's department at once (emergency.alert_everyone). Each push that was
really queued is a ``TicketAlert`` row, and only those count in what the resident
is told. Anyone alerted answers "收到 T…" (members.acknowledge); 接单, 处理中, 完成
and 报到 on the ticket count as well. The first acknowledgement stops the ladder,
and every acknowledgement is told to the reporters by name ("网格员李强已收到您的
紧急求助（工单 T…），正在赶来").

Nobody acknowledges within the category's urgent accept minutes (data/categories.yaml
``urgent_accept_minutes``, else ``tickets.urgent_accept_minutes``): the sweep
alerts the next person (an on-duty member of the ticket's grid not yet told, then
its other members, then the community's other grid members and staff) and the
street office, alerts again everyone told before who has not answered, and tells
the reporters that nobody has acknowledged yet, with the emergency numbers again.
It does so again every span until someone acknowledges or the ticket is closed.
While the ladder runs the ticket's accept deadline waits (escalation.active_deadline);
an acknowledgement that comes after it gives the accept step the category's span again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.config import Config
from bot.delivery.outbox import Outbox
from handlers.community.people import display_name, mask_phone, mask_phones_in
from handlers.tickets import deadlines, texts
from handlers.tickets.safety import numbers_for
from handlers.tickets.service import add_event, category_name, notify_reporters, push, reach, staff_of
from models import (
    OPEN_STATUSES,
    Department,
    Grid,
    GridMember,
    MemberRole,
    Person,
    Staff,
    Ticket,
    TicketAlert,
)

log = logging.getLogger(__name__)

MEMBER, STAFF, DEPARTMENT, STREET, NEXT, OTHER = "member", "staff", "department", "street", "next", "other"
VIA_ACK = "ack"


def ack_minutes(db: Session, config: Config, ticket: Ticket) -> int:
    """How long an alert may go unacknowledged: the category's urgent accept span."""
    return deadlines.policy_for(db, config, ticket.category, True).accept_minutes


def alerts_of(db: Session, ticket: Ticket) -> list[TicketAlert]:
    return list(db.scalars(select(TicketAlert).where(TicketAlert.ticket_id == ticket.id)
                           .order_by(TicketAlert.round, TicketAlert.id)))


def record_alert(db: Session, ticket: Ticket, person_id: int, rung: str, now: datetime, round_: int = 0) -> None:
    """Remember that ``person_id`` was alerted (their push was queued); once per person and ticket."""
    exists = db.scalar(select(TicketAlert.id).where(TicketAlert.ticket_id == ticket.id,
                                                    TicketAlert.person_id == person_id))
    if exists is None:
        db.add(TicketAlert(ticket_id=ticket.id, person_id=person_id, rung=rung, round=round_, alerted_at=now))
        db.flush()


def start(db: Session, config: Config, ticket: Ticket, alerted: dict[int, str], now: datetime) -> None:
    """The first alert went out to ``alerted`` (person id -> rung): the ladder waits for an answer from now."""
    for person_id, rung in alerted.items():
        record_alert(db, ticket, person_id, rung, now)
    ticket.ack_round = 0
    ticket.acknowledged_at = None
    ticket.ack_due_at = now + timedelta(minutes=ack_minutes(db, config, ticket))


# -- who comes next ----------------------------------------------------------------------------


def street_people(db: Session, config: Config) -> list[int]:
    office = db.scalar(select(Department).where(Department.code == config.tickets.street_department))
    return staff_of(db, None, department_id=office.id) if office is not None else []


def next_people(db: Session, ticket: Ticket) -> list[int]:
    """Everyone who could be asked next, nearest first: the ticket's grid, the community's grids, its staff."""
    order: list[int] = []
    if ticket.grid_id is not None:
        rows = db.scalars(select(GridMember).where(GridMember.grid_id == ticket.grid_id).order_by(GridMember.id))
        order += [r.person_id for r in sorted(rows, key=lambda r: (not r.on_duty, r.role != MemberRole.PRIMARY))]
    if ticket.community_id is not None:
        rows = db.scalars(select(GridMember).join(Grid, Grid.id == GridMember.grid_id)
                          .where(Grid.community_id == ticket.community_id).order_by(GridMember.id))
        order += [r.person_id for r in sorted(rows, key=lambda r: (not r.on_duty, r.role != MemberRole.PRIMARY))]
        order += staff_of(db, ticket.community_id)
    return list(dict.fromkeys(order))


def further_people(db: Session, config: Config, ticket: Ticket, told: set[int]) -> dict[int, str]:
    """The next reachable person not yet told, and the street office's staff not yet told."""
    more: dict[int, str] = {}
    following = next((p for p in next_people(db, ticket) if p not in told and reach(db, config, p)), None)
    if following is not None:
        more[following] = NEXT
    for person_id in street_people(db, config):
        if person_id not in told and person_id not in more and reach(db, config, person_id):
            more[person_id] = STREET
    return more


# -- names for people ----------------------------------------------------------------------------


def is_member(db: Session, person_id: int) -> bool:
    return db.scalar(select(GridMember.id).where(GridMember.person_id == person_id).limit(1)) is not None


def title(db: Session, person_id: int) -> str:
    """"网格员李强", "社区工作人员张主任", "燃气孙师傅", "街道陈科长": how the resident hears who it is."""
    person = db.get(Person, person_id)
    name = display_name(person)
    if is_member(db, person_id):
        return texts.ACK_WHO["member"].format(name=name)
    staff = db.scalar(select(Staff).where(Staff.person_id == person_id).order_by(Staff.id).limit(1))
    if staff is not None and staff.department_id is None:
        return texts.ACK_WHO["staff"].format(name=name)
    if staff is not None:
        department = db.get(Department, staff.department_id)
        return texts.ACK_WHO["department"].format(department=department.name if department else "", name=name)
    return texts.ACK_WHO["other"].format(name=name)


def joined_titles(db: Session, person_ids: list[int]) -> str:
    names = list(dict.fromkeys(title(db, p) for p in person_ids))
    if len(names) <= 1:
        return "".join(names)
    return texts.URGENT_WHO_LAST.format(first=texts.LIST_SEPARATOR.join(names[:-1]), last=names[-1])


def status_line(db: Session, ticket: Ticket, handlers: str) -> str:
    """Where the alert stands, honestly: who acknowledged, or whom it reached and that nobody answered yet."""
    alerts = alerts_of(db, ticket)
    acked = [a.person_id for a in sorted(alerts, key=lambda a: (a.acknowledged_at or a.alerted_at, a.id))
             if a.acknowledged_at is not None]
    if acked:
        return texts.URGENT_STATUS_ACKED.format(who=joined_titles(db, acked))
    if alerts and handlers:
        return texts.URGENT_STATUS_WAITING.format(handlers=handlers)
    if alerts:
        return texts.URGENT_STATUS_WAITING.format(handlers=joined_titles(db, [a.person_id for a in alerts]))
    return texts.URGENT_STATUS_NOBODY


# -- acknowledging -------------------------------------------------------------------------------


def was_alerted(db: Session, ticket: Ticket, person_id: int) -> bool:
    return db.scalar(select(TicketAlert.id).where(TicketAlert.ticket_id == ticket.id,
                                                  TicketAlert.person_id == person_id)) is not None


def acknowledge(db: Session, outbox: Outbox, config: Config, ticket: Ticket, person: Person, now: datetime,
                *, via: str = VIA_ACK, notify: bool = True) -> bool:
    """Record that ``person`` has the urgent ticket in hand; False when they had already said so.

    ``notify``: tell the reporters who it is (收到 does; 接单 and the others send their own notice).
    """
    if not ticket.urgent:
        return False
    row = db.scalar(select(TicketAlert).where(TicketAlert.ticket_id == ticket.id,
                                              TicketAlert.person_id == person.id))
    if row is None:  # a worker nobody alerted (no WeChat identity then, or asked by a colleague) answers
        row = TicketAlert(ticket_id=ticket.id, person_id=person.id, rung=OTHER, round=ticket.ack_round,
                          alerted_at=now)
        db.add(row)
    if row.acknowledged_at is not None:
        return False
    row.acknowledged_at, row.via = now, via
    first = ticket.acknowledged_at is None
    if first:
        ticket.acknowledged_at = now
        ticket.ack_due_at = None
        if ticket.accepted_at is None and ticket.accept_due_at is not None and ticket.accept_due_at <= now:
            # The ladder held the accept step back; whoever comes now gets the category's span to 接单.
            ticket.accept_due_at = deadlines.after(db, config, ticket, now, ack_minutes(db, config, ticket))
            ticket.reminded_key = None
    who = title(db, person.id)
    event = add_event(db, ticket, "acknowledged", now, person, note=who, via=via, first=first)
    if notify:
        note = texts.URGENT_NOTE_ACK_COMING if is_member(db, person.id) else texts.URGENT_NOTE_ACK_HANDLING
        notify_reporters(db, outbox, ticket, event, note.format(who=who, number=ticket.number))
    log.info("urgent ticket %s acknowledged by person %s (%s)", ticket.number, person.id, via)
    return True


# -- the ladder ------------------------------------------------------------------------------------


def sweep_unacknowledged(db: Session, outbox: Outbox, now: datetime, config: Config) -> int:
    """Take every urgent alert nobody acknowledged in time one step further; returns the steps taken."""
    query = (select(Ticket).where(Ticket.urgent.is_(True), Ticket.acknowledged_at.is_(None),
                                  Ticket.ack_due_at <= now, Ticket.status.in_(OPEN_STATUSES))
             .order_by(Ticket.id))
    if db.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)  # another worker's sweep takes the others
    steps = 0
    for ticket in db.scalars(query).all():
        if not _claim(db, ticket):
            continue
        advance(db, outbox, config, ticket, now)
        steps += 1
    return steps


def _claim(db: Session, ticket: Ticket) -> bool:
    """Take the ladder's next step only if no other sweep (or acknowledgement) took the row meanwhile."""
    matched = db.execute(
        update(Ticket)
        .where(Ticket.id == ticket.id, Ticket.ack_round == ticket.ack_round, Ticket.acknowledged_at.is_(None))
        .values(ack_round=ticket.ack_round + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    return matched == 1


def advance(db: Session, outbox: Outbox, config: Config, ticket: Ticket, now: datetime) -> int:
    """One step: the next person and the street, everyone told before again; the reporters hear of it.

    Returns how many pushes were queued.
    """
    round_ = ticket.ack_round + 1 if ticket.ack_round is not None else 1
    minutes = ack_minutes(db, config, ticket)
    alerts = alerts_of(db, ticket)
    told = {a.person_id for a in alerts}
    more = further_people(db, config, ticket, told)
    reporter = db.get(Person, ticket.reporter_id)
    text = texts.URGENT_ALERT_AGAIN.format(
        number=ticket.number, round=round_, category=category_name(db, ticket.category),
        location=ticket.location or texts.URGENT_LOCATION_ASKING, description=mask_phones_in(ticket.description),
        reporter=display_name(reporter), phone=mask_phone(reporter.phone if reporter else None), minutes=minutes)
    key = f"ticket:{ticket.number}:ack:{round_}"
    again = [a.person_id for a in alerts if a.acknowledged_at is None
             and push(db, outbox, config, a.person_id, "ticket_urgent", text, key=key)]
    new = [p for p in more if push(db, outbox, config, p, "ticket_urgent", text, key=key)]
    for person_id in new:
        record_alert(db, ticket, person_id, more[person_id], now, round_)
    ticket.ack_round = round_
    ticket.ack_due_at = now + timedelta(minutes=minutes)
    numbers = numbers_for(config, ticket.category)
    if new or again:
        who = joined_titles(db, new) if new else texts.ACK_RUNG_WORDS["again"]
        note = texts.EVENT_NOTE_ACK_ESCALATED.format(minutes=minutes, round=round_, who=who)
        resident = texts.URGENT_NOTE_NO_ACK.format(number=ticket.number, who=who, numbers=numbers)
    else:
        note = texts.EVENT_NOTE_ACK_NOBODY.format(minutes=minutes, round=round_)
        resident = texts.URGENT_NOTE_NO_ACK_NOBODY.format(number=ticket.number, numbers=numbers)
    event = add_event(db, ticket, "ack_escalated", now, note=note, round=round_, new=new, again=again)
    notify_reporters(db, outbox, ticket, event, resident)
    log.warning("urgent ticket %s: nobody acknowledged in %s min; step %s told %d new and %d again",
                ticket.number, minutes, round_, len(new), len(again))
    return len(new) + len(again)
