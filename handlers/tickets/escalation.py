"""社区吹哨、部门报到: reminders before deadlines, the escalation ladder, and the one deadline sweep.

The ladder (``Ticket.escalation_level``):
    0  the assignee (grid member) or the staff queue
    1  community staff
    2  the category's department (吹哨); it must 报到 before ``report_in_due_at``
    3  the 街道 office (``tickets.street_department``)

``sweep_ticket_deadlines`` is the worker's single job for all of it: it reminds
the holder before the active deadline, escalates one rung when it passes, asks
reporters to rate finished tickets and closes unanswered ones as 默认满意.
Non-urgent tickets wait out the quiet hours (``tickets.quiet_start``/``quiet_end``), and a
resident's updates from one sweep go out as one message (``notify.ResidentBatch``).
Every step writes a ticket event; state changes make a second run at the same
``now`` find nothing to do, and outbox keys keep a message from being queued twice.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from bot.config import Config
from bot.delivery.outbox import Outbox
from handlers.community.people import Roles, display_name, mask_phone, mask_phones_in
from handlers.tickets import deadlines, texts
from handlers.tickets.service import (
    actor_name,
    add_event,
    category_name,
    events_of,
    local,
    notify_reporters,
    push,
    reach,
    staff_of,
)
from models import OPEN_STATUSES, Category, Department, DepartmentCategory, Person, Ticket, TicketEvent, TicketStatus

log = logging.getLogger(__name__)
TOP = 3
STAFF, DEPARTMENT, STREET = 1, 2, 3


# -- who holds the ticket ------------------------------------------------------------------


def owning_department(db: Session, ticket: Ticket) -> Department | None:
    """The department the ticket was transferred to, else the one owning its category."""
    if ticket.department_id is not None:
        return db.get(Department, ticket.department_id)
    return db.scalar(select(Department).join(DepartmentCategory, DepartmentCategory.department_id == Department.id)
                     .join(Category, Category.id == DepartmentCategory.category_id)
                     .where(Category.slug == ticket.category))


def street(db: Session, config: Config) -> Department | None:
    return db.scalar(select(Department).where(Department.code == config.tickets.street_department))


def rung_people(db: Session, config: Config, ticket: Ticket, level: int) -> list[int]:
    """Who is responsible at ``level`` (person ids, in a stable order)."""
    if level >= STREET:
        office = street(db, config)
        return staff_of(db, None, department_id=office.id) if office else []
    if level == DEPARTMENT:
        department = owning_department(db, ticket)
        people = staff_of(db, None, department_id=department.id) if department else []
        if ticket.reported_in_at is not None and ticket.assignee_id is not None:
            people = [ticket.assignee_id]
        return people
    if level == STAFF:
        people = staff_of(db, ticket.community_id)
        return people + ([ticket.assignee_id] if ticket.assignee_id and ticket.assignee_id not in people else [])
    return [ticket.assignee_id] if ticket.assignee_id else staff_of(db, ticket.community_id)


def may_report_in(db: Session, config: Config, ticket: Ticket, roles: Roles) -> bool:
    """报到 is the whistled department's act: its staff, or the street's once the ticket is at the street rung."""
    if ticket.department_id is not None and ticket.department_id in roles.department_ids:
        return True
    if ticket.escalation_level >= STREET:
        office = street(db, config)
        return office is not None and office.id in roles.department_ids
    return False


def _reachable(db: Session, config: Config, people: list[int]) -> list[int]:
    """Those of ``people`` a push can reach (a WeChat or WeCom identity)."""
    return [p for p in people if reach(db, config, p) is not None]


def _nobody_at(db: Session, config: Config, ticket: Ticket, level: int) -> str | None:
    """Why rung ``level`` cannot take the ticket (a history note), or None when someone there can be told."""
    if level == DEPARTMENT:
        department = owning_department(db, ticket)
        if department is None:
            return texts.EVENT_NOTE_RUNG_NO_DEPARTMENT
        office = street(db, config)
        if office is not None and department.id == office.id:
            return texts.EVENT_NOTE_RUNG_IS_STREET  # one rung, one push: the street is told once, as the street
        if not _reachable(db, config, staff_of(db, None, department_id=department.id)):
            return texts.EVENT_NOTE_RUNG_NOBODY.format(rung=department.name)
        return None
    if not _reachable(db, config, rung_people(db, config, ticket, level)):
        return texts.EVENT_NOTE_RUNG_NOBODY.format(rung=rung_name(db, config, ticket, level))
    return None


def rung_name(db: Session, config: Config, ticket: Ticket, level: int) -> str:
    if level == DEPARTMENT:
        department = owning_department(db, ticket)
        return department.name if department else texts.ESCALATION_DEPARTMENT_FALLBACK
    if level >= STREET:
        office = street(db, config)
        return office.name if office else texts.ESCALATION_RUNGS[STREET]
    return texts.ESCALATION_RUNGS.get(level, "")


# -- deadlines -----------------------------------------------------------------------------


def active_deadline(ticket: Ticket) -> tuple[str, datetime] | None:
    """(stage, due) the holder is working against now; None when paused or closed."""
    if ticket.status not in OPEN_STATUSES or ticket.status == TicketStatus.WAITING or ticket.paused_at is not None:
        return None
    if ticket.escalation_level >= DEPARTMENT and ticket.reported_in_at is None and ticket.report_in_due_at:
        return "report_in", ticket.report_in_due_at
    if ticket.accepted_at is None:
        if ticket.urgent and ticket.acknowledged_at is None and ticket.ack_due_at is not None:
            return None  # nobody acknowledged the alert yet: the acknowledgement ladder runs (acknowledge.py)
        return ("accept", ticket.accept_due_at) if ticket.accept_due_at else None
    return ("resolve", ticket.resolve_due_at) if ticket.resolve_due_at else None


def _span(db: Session, config: Config, ticket: Ticket, stage: str,
          policies: deadlines.Policies | None = None) -> int:
    policy = (policies or deadlines.Policies(db, config)).of(ticket.category, ticket.urgent)
    return {"accept": policy.accept_minutes, "resolve": policy.resolve_minutes,
            "report_in": config.tickets.report_in_minutes}[stage]


def _lead(db: Session, config: Config, ticket: Ticket, stage: str, policies: deadlines.Policies) -> timedelta:
    return timedelta(minutes=min(config.tickets.remind_before_minutes,
                                 _span(db, config, ticket, stage, policies) / 2))


def _stamp(at: datetime) -> str:
    return at.strftime("%Y%m%d%H%M")


# -- the sweep -------------------------------------------------------------------------------


MAX_STEPS_PER_TICKET = 2 * TOP + 2  # every rung's escalation and a reminder or two: a bound, not a target


def sweep_ticket_deadlines(db: Session, outbox: Outbox, now: datetime, config: Config) -> int:
    """Remind, escalate, ask for ratings and close unrated tickets as of ``now``; returns steps taken.

    Urgent alerts nobody acknowledged in time go one step further first (acknowledge.py).

    A ticket climbs every rung whose deadline passed by ``now`` in one run (a
    worker that was down, or ``sweep --at`` far ahead); each rung is stamped
    at the deadline it missed. Concurrent sweeps are safe on both databases:
    each step first claims the ticket's row with a conditional UPDATE, and
    only the sweep whose UPDATE matched goes on.
    """
    from handlers.tickets import acknowledge, rating
    from handlers.tickets.notify import ResidentBatch

    batch = ResidentBatch(outbox)  # a resident hears once per sweep, however many of their tickets moved
    steps = acknowledge.sweep_unacknowledged(db, batch, now, config)  # type: ignore[arg-type]
    policies = deadlines.Policies(db, config)  # every category's deadlines, read once per sweep
    quiet = deadlines.quiet_until(config, now) is not None
    for ticket in _due_tickets(db, now, config):
        if quiet and not ticket.urgent:
            continue  # quiet hours: the first sweep after them takes the step
        for _ in range(MAX_STEPS_PER_TICKET):
            taken = _step(db, batch, config, ticket, now, policies)  # type: ignore[arg-type]
            if not taken:
                break
            steps += taken
    steps += rating.sweep_ratings(db, batch, config, now)  # type: ignore[arg-type]
    batch.flush()
    return steps


def _due_tickets(db: Session, now: datetime, config: Config) -> list[Ticket]:
    """Open tickets whose *active* deadline (``active_deadline``) is within reminding distance.

    An accepted ticket keeps its past ``accept_due_at`` for the record; that is
    no reason to read and lock it again on every sweep.
    """
    horizon = now + timedelta(minutes=config.tickets.remind_before_minutes)
    awaiting_report_in = and_(Ticket.escalation_level >= DEPARTMENT, Ticket.reported_in_at.is_(None),
                              Ticket.report_in_due_at.is_not(None))
    due = or_(
        and_(awaiting_report_in, Ticket.report_in_due_at <= horizon),
        and_(~awaiting_report_in, Ticket.accepted_at.is_(None), Ticket.accept_due_at <= horizon),
        and_(~awaiting_report_in, Ticket.accepted_at.is_not(None), Ticket.resolve_due_at <= horizon),
    )
    query = (select(Ticket).where(Ticket.status.in_(OPEN_STATUSES), Ticket.status != TicketStatus.WAITING,
                                  Ticket.paused_at.is_(None), due)
             .order_by(Ticket.id))
    if db.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)  # another worker's sweep takes the others
    return list(db.scalars(query).all())


def _claim(db: Session, ticket: Ticket) -> bool:
    """Take the ticket's next step: True only if its row still is as this sweep read it.

    The UPDATE waits for a concurrent sweep's write (SQLite's single writer,
    PostgreSQL's row lock) and then matches nothing if that sweep already
    took the step, so a step is taken once however many sweeps race.
    """
    key = Ticket.reminded_key.is_(None) if ticket.reminded_key is None else Ticket.reminded_key == ticket.reminded_key
    matched = db.execute(
        update(Ticket)
        .where(Ticket.id == ticket.id, Ticket.escalation_level == ticket.escalation_level,
               Ticket.status == ticket.status, key)
        .values(reminded_key=Ticket.reminded_key)
        .execution_options(synchronize_session=False)
    ).rowcount
    if matched != 1:
        log.info("ticket %s: another sweep took this step", ticket.number)
        return False
    return True


def _step(db: Session, outbox: Outbox, config: Config, ticket: Ticket, now: datetime,
          policies: deadlines.Policies) -> int:
    active = active_deadline(ticket)
    if active is None:
        return 0
    stage, due = active
    if now >= due:
        if ticket.escalation_level >= TOP:
            key = f"top:{stage}:{_stamp(due)}"
            if ticket.reminded_key == key or not _claim(db, ticket):
                return 0
            ticket.reminded_key, ticket.overdue = key, True
            add_event(db, ticket, "overdue", now, note=texts.ESCALATION_REASONS[stage], stage=stage)
            return 1
        if not _claim(db, ticket):
            return 0
        # As of the missed deadline: the next rung's own deadline runs from there.
        missed_at = max(due, ticket.escalated_at) if ticket.escalated_at else due
        held = None if ticket.urgent else deadlines.quiet_until(config, missed_at)
        if held is not None and held <= now:
            missed_at = held  # missed during quiet hours: the next rung's time runs from the morning
        escalate(db, outbox, config, ticket, missed_at, reason=stage)
        return 1
    if now >= due - _lead(db, config, ticket, stage, policies):
        key = f"{stage}:{_stamp(due)}"
        if ticket.reminded_key == key or not _claim(db, ticket):
            return 0
        ticket.reminded_key = key
        remind(db, outbox, config, ticket, stage, due, now)
        return 1
    return 0


def remind(db: Session, outbox: Outbox, config: Config, ticket: Ticket, stage: str, due: datetime,
           now: datetime) -> int:
    people = rung_people(db, config, ticket, ticket.escalation_level)
    add_event(db, ticket, "reminded", now, note=texts.REMINDER_WHAT[stage], stage=stage, due=due.isoformat())
    text = texts.REMINDER.format(number=ticket.number, category=category_name(db, ticket.category),
                                 location=ticket.location or texts.LOCATION_UNKNOWN, due=local(due, config.tz),
                                 what=texts.REMINDER_WHAT[stage])
    return sum(push(db, outbox, config, p, "ticket_reminder", text,
                    key=f"ticket:{ticket.number}:remind:{stage}:{_stamp(due)}") for p in people)


# -- climbing and stepping down -------------------------------------------------------------


def escalate(db: Session, outbox: Outbox, config: Config, ticket: Ticket, now: datetime, *, reason: str,
             actor: Person | None = None, admin: str = "") -> int:
    """Move one rung up, give the rung its deadline, tell it.

    A rung nobody can be told about (the category has no department, or the
    department no reachable staff) is skipped with a ``rung_skipped`` event;
    the resident hears of the escalation only when someone was actually told.
    """
    if ticket.escalation_level >= TOP:
        return ticket.escalation_level
    stage_missed = reason in ("accept", "resolve", "report_in")
    if stage_missed:
        ticket.overdue = True
    level = ticket.escalation_level + 1
    while level < TOP:
        why = _nobody_at(db, config, ticket, level)
        if why is None:
            break
        add_event(db, ticket, "rung_skipped", now, note=why, level=level)  # history says why it jumped
        level += 1
    ticket.escalation_level = level
    ticket.escalated_at = now
    ticket.reminded_key = None
    cal = deadlines.calendar(db, config, now)
    if level == DEPARTMENT:
        department = owning_department(db, ticket)
        ticket.department_id = department.id if department else None
        ticket.reported_in_at = None
        ticket.report_in_due_at = deadlines.after(db, config, ticket, now, config.tickets.report_in_minutes, cal)
        due = ticket.report_in_due_at
    else:
        stage = "accept" if ticket.accepted_at is None else "resolve"
        due = deadlines.after(db, config, ticket, now, _span(db, config, ticket, stage), cal)
        if level >= STREET and ticket.report_in_due_at is not None and ticket.reported_in_at is None:
            ticket.report_in_due_at = due
        elif stage == "accept":
            ticket.accept_due_at = due
        else:
            ticket.resolve_due_at = due
    name = rung_name(db, config, ticket, level)
    event = add_event(db, ticket, "escalated", now, actor, note=texts.EVENT_NOTE_ESCALATED.format(
                          reason=texts.ESCALATION_REASONS[reason], rung=name),
                      level=level, reason=reason, **({"admin": admin} if admin else {}))
    if admin:
        event.actor = f"admin:{admin}"
    recipients, told = _reachable(db, config, rung_people(db, config, ticket, level)), name
    if not recipients:  # even the street has nobody: community staff must not be left out
        recipients, told = _reachable(db, config, staff_of(db, ticket.community_id)), texts.ESCALATION_RUNGS[STAFF]
        add_event(db, ticket, "rung_skipped", now, note=texts.EVENT_NOTE_RUNG_FALLBACK.format(rung=name), level=level)
    text = _escalation_text(db, config, ticket, level, reason, name, due)
    for person_id in recipients:
        push(db, outbox, config, person_id, "ticket_escalation", text,
             key=f"ticket:{ticket.number}:escalate:{level}:{_stamp(now)}")
    if recipients:  # never tell the resident that somebody took over when nobody was told
        notify_reporters(db, outbox, ticket, event, texts.TICKET_NOTE_ESCALATED.format(number=ticket.number,
                                                                                       rung=told))
    log.info("ticket %s escalated to level %s (%s)", ticket.number, level, reason)
    return level


def deescalate(db: Session, config: Config, ticket: Ticket, now: datetime, admin: str) -> int:
    """An admin steps the ticket down one rung (e.g. escalated by mistake); nobody is messaged."""
    if ticket.escalation_level <= 0:
        return 0
    ticket.escalation_level -= 1
    if ticket.escalation_level < DEPARTMENT:
        ticket.report_in_due_at = None
    ticket.reminded_key = None
    event = add_event(db, ticket, "deescalated", now, note=texts.EVENT_NOTE_DEESCALATED.format(
                          rung=rung_name(db, config, ticket, ticket.escalation_level) or texts.ROLE_MEMBER),
                      level=ticket.escalation_level, admin=admin)
    event.actor = f"admin:{admin}"
    return ticket.escalation_level


def report_in(db: Session, outbox: Outbox, config: Config, ticket: Ticket, person: Person, now: datetime) -> datetime:
    """报到: the department takes the ticket and gets its own resolve deadline."""
    ticket.reported_in_at = now
    ticket.assignee_id = person.id
    if ticket.accepted_at is None:
        ticket.accepted_at = now
    if ticket.status in (TicketStatus.QUEUED, TicketStatus.ASSIGNED):
        ticket.status = TicketStatus.ACCEPTED
    ticket.reminded_key = None
    ticket.resolve_due_at = deadlines.after(db, config, ticket, now, _span(db, config, ticket, "resolve"))
    department = owning_department(db, ticket)
    name = department.name if department else texts.ESCALATION_DEPARTMENT_FALLBACK
    event = add_event(db, ticket, "reported_in", now, person, note=name, department=ticket.department_id)
    notify_reporters(db, outbox, ticket, event, texts.TICKET_NOTE_REPORTED_IN.format(number=ticket.number,
                                                                                     department=name))
    return ticket.resolve_due_at


def event_name(e: TicketEvent) -> str:
    """A history line's name: an escalation by hand or after a resident's 不满意 is not called 超时升级, and a
    missed deadline's is named by the rung it reached (超时升级 to staff, 社区吹哨, 街道督办)."""
    if e.kind == "escalated":
        data = e.data or {}
        named = (texts.ESCALATION_EVENT_NAMES.get(data.get("reason", ""))
                 or texts.ESCALATION_LEVEL_EVENT_NAMES.get(data.get("level")))
        if named:
            return named
    return texts.TICKET_EVENT_NAMES.get(e.kind, e.kind)


def _escalation_text(db: Session, config: Config, ticket: Ticket, level: int, reason: str, name: str,
                     due: datetime) -> str:
    reporter = db.get(Person, ticket.reporter_id)
    history = "\n".join(
        f"{local(e.at, config.tz)} {actor_name(e)} {event_name(e)}"
        + (f"：{mask_phones_in(e.note)}" if e.note else "")
        for e in events_of(db, ticket)[-8:]
    )
    return texts.ESCALATED.format(
        title=texts.ESCALATED_TITLE_MANUAL if reason == "admin" and level == 1 else texts.ESCALATED_TITLES[level],
        number=ticket.number,
        urgent=texts.TICKET_TASK_URGENT_MARK if ticket.urgent else "", reason=texts.ESCALATION_REASONS[reason],
        rung=name, category=category_name(db, ticket.category), location=ticket.location or texts.LOCATION_UNKNOWN,
        description=mask_phones_in(ticket.description), reporter=display_name(reporter),
        phone=mask_phone(reporter.phone if reporter else None), history=history,
        action=texts.ESCALATED_ACTIONS[level].format(due=local(due, config.tz), number=ticket.number),
    )


def overdue_condition(now: datetime):  # type: ignore[no-untyped-def]
    """Open tickets past their active deadline, as SQL (statistics)."""
    return and_(Ticket.status.in_(OPEN_STATUSES), Ticket.paused_at.is_(None), or_(
        and_(Ticket.accepted_at.is_(None), Ticket.accept_due_at < now),
        and_(Ticket.accepted_at.is_not(None), Ticket.resolve_due_at < now),
        and_(Ticket.escalation_level >= DEPARTMENT, Ticket.reported_in_at.is_(None), Ticket.report_in_due_at < now),
    ))
