"""The ticket life cycle: numbers, duplicates, assignment, member actions, events and notifications.

Every change writes a TicketEvent (who, when, what) and queues its messages
in the caller's transaction, so a ticket and the news about it commit together.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.cache import cached, watch_tables
from bot.config import Config
from bot.db import hold_lock
from bot.delivery.outbox import Outbox
from bot.dialog.message import IncomingMessage
from bot.errors import UserFacingError
from bot.prepared import Prepared, attach_loaded, detached_row, insert_as_loaded, unsaved, values_of
from handlers.community.people import display_name, mask_phone, mask_phones_in
from handlers.community.places import Place, grid_name, layout
from handlers.tickets import texts
from handlers.tickets.states import Flow
from models import (
    OPEN_STATUSES,
    Category,
    Community,
    Department,
    DepartmentCategory,
    GridMember,
    Identity,
    IdentityKind,
    MemberRole,
    Person,
    Staff,
    Ticket,
    TicketDayCounter,
    TicketEvent,
    TicketReporter,
    TicketStatus,
)
from nlp import overlap

log = logging.getLogger(__name__)
watch_tables("categories", "communities")
SYSTEM = "system"


class _Unset:
    """No value given: look it up."""


_UNSET = _Unset()


ADMIN_PREFIX = "admin:"


# -- numbers ---------------------------------------------------------------------------


def next_number(db: Session, now: datetime, tz: ZoneInfo) -> str:
    """T + local date + - + the day's sequence (at least 4 digits), e.g. T20261122-0007.

    The counter row is created if missing and incremented with UPDATE … RETURNING in
    the caller's transaction: the row lock serialises concurrent reports on
    PostgreSQL, SQLite's single writer does the same, and a rolled-back report
    gives its number back. Because every report of the day waits for that lock
    until the holder commits, callers take the number as late as they can:
    after their reads, just before the inserts that need it (``report``).
    """
    day = now.astimezone(tz).strftime("%Y%m%d")
    value = _NEXT_NUMBER.scalar(db, {"day": day})
    return f"T{day}-{value:04d}"


def _next_number(insert: Any) -> Any:
    """One statement: create the day's row at 1, or add one to it, and return the value."""
    table = TicketDayCounter.__table__  # Core, not ORM-enabled: cheaper per execution
    statement = insert(table).values(day=bindparam("day"), value=1)
    return statement.on_conflict_do_update(index_elements=["day"], set_={"value": table.c.value + 1}
                                           ).returning(table.c.value)


_NEXT_NUMBER = Prepared({"postgresql": _next_number(pg_insert), "sqlite": _next_number(sqlite_insert)})


# -- lookups ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _CategoryInfo:
    name: str
    dedupe_scope: str


def _categories(db: Session) -> dict[str, _CategoryInfo]:
    """Every category's display name and duplicate scope, read once per process until one changes."""
    def load(session: Session) -> dict[str, _CategoryInfo]:
        rows = session.execute(select(Category.slug, Category.name, Category.dedupe_scope))
        return {slug: _CategoryInfo(name or slug, scope or "building") for slug, name, scope in rows}

    return cached(db, "tickets.categories", load)


def category_name(db: Session, slug: str) -> str:
    info = _categories(db).get(slug)
    return info.name if info is not None else slug


_BY_NUMBER = select(Ticket).where(Ticket.number == bindparam("number"))


def ticket_by_number(db: Session, number: str) -> Ticket | None:
    return db.scalar(_BY_NUMBER, {"number": number.upper()})


def local(dt: datetime, tz: ZoneInfo) -> str:
    return dt.astimezone(tz).strftime(texts.LOCAL_TIME_FORMAT)


def reporters(db: Session, ticket: Ticket) -> list[TicketReporter]:
    return list(db.scalars(select(TicketReporter).where(TicketReporter.ticket_id == ticket.id).order_by(TicketReporter.id)))


def open_tickets_of_reporter(db: Session, person_id: int) -> list[Ticket]:
    return list(db.scalars(
        select(Ticket).join(TicketReporter, TicketReporter.ticket_id == Ticket.id)
        .where(TicketReporter.person_id == person_id, Ticket.status.in_(OPEN_STATUSES))
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
    ))


def tickets_of_reporter(db: Session, person_id: int, limit: int = 10) -> list[Ticket]:
    return list(db.scalars(
        select(Ticket).join(TicketReporter, TicketReporter.ticket_id == Ticket.id)
        .where(TicketReporter.person_id == person_id)
        .order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(limit)
    ))


def tasks_of(db: Session, person_id: int) -> list[Ticket]:
    """A member's open tickets: urgent ones first, then oldest first."""
    return list(db.scalars(
        select(Ticket).where(Ticket.assignee_id == person_id, Ticket.status.in_(OPEN_STATUSES))
        .order_by(Ticket.urgent.desc(), Ticket.created_at, Ticket.id)
    ))


def community_queue(db: Session, community_ids: set[int]) -> list[Ticket]:
    """The 社区待派 queue of these communities: open tickets nobody holds (urgent first, then oldest first)."""
    if not community_ids:
        return []
    return list(db.scalars(
        select(Ticket).where(Ticket.community_id.in_(community_ids), Ticket.status == TicketStatus.QUEUED,
                             Ticket.assignee_id.is_(None))
        .order_by(Ticket.urgent.desc(), Ticket.created_at, Ticket.id)
    ))


def events_of(db: Session, ticket: Ticket) -> list[TicketEvent]:
    return list(db.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)))


def closed_unresolved(ticket: Ticket) -> bool:
    """Closed without the work being done: staff's 关闭 (a false alarm, nothing to do). A closed ticket that was
    done (rated, closed by default, or 办结 on the admin page) has ``done_at``."""
    return ticket.status == TicketStatus.CLOSED and ticket.done_at is None


def handed_on_to(db: Session, ticket: Ticket, person_id: int) -> str | None:
    """Whom the open ticket went to when ``person_id`` transferred it (转派) and someone else holds it now;
    None while it is theirs (or was never theirs to hand on)."""
    if ticket.status not in OPEN_STATUSES or ticket.assignee_id in (None, person_id):
        return None
    moves = list(db.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id,
                                                      TicketEvent.kind == "transferred").order_by(TicketEvent.id)))
    if not any(e.actor_id == person_id for e in moves):
        return None
    return str((moves[-1].data or {}).get("to") or display_name(db.get(Person, ticket.assignee_id)))


def location_for_workers(db: Session, ticket: Ticket) -> str:
    """The ticket's place as workers read it: a unit its building does not have (幸福里4栋9单元) is marked to be
    checked (the resident was told the address was not found). Reads the per-process building copy."""
    location = ticket.location or texts.LOCATION_UNKNOWN
    building = layout(db).buildings.get(ticket.building_id) if ticket.building_id and ticket.unit else None
    if building is not None and building.units and ticket.unit not in building.units:
        return texts.LOCATION_UNIT_UNVERIFIED.format(location=location, unit=ticket.unit)
    return location


def status_name(db: Session, ticket: Ticket) -> str:
    """The status in words for residents and workers: 已关闭 with the reason for a ticket closed unresolved."""
    if closed_unresolved(ticket):
        reason = db.scalar(select(TicketEvent.note).where(TicketEvent.ticket_id == ticket.id,
                                                          TicketEvent.kind == "closed")
                           .order_by(TicketEvent.id.desc()).limit(1))
        return texts.TICKET_STATUS_CLOSED_BECAUSE.format(reason=reason) if reason else texts.TICKET_STATUS_CLOSED
    if ticket.status == TicketStatus.ASSIGNED and ticket.department_id is not None and ticket.assignee_id \
            in staff_of(db, None, department_id=ticket.department_id):
        department = db.get(Department, ticket.department_id)  # transferred: a department's contact holds it
        if department is not None:
            return texts.TICKET_STATUS_ASSIGNED_TO_DEPARTMENT.format(department=department.name)
    return texts.TICKET_STATUS_NAMES.get(ticket.status, ticket.status)


# -- events and messages -----------------------------------------------------------------


def add_event(db: Session, ticket: Ticket, kind: str, now: datetime, actor: Person | None = None,
              note: str = "", flush: bool = True, **data: object) -> TicketEvent:
    """Record what happened; ``flush=False`` leaves the insert to the next flush (when nobody needs its id yet)."""
    event = TicketEvent(ticket_id=ticket.id, at=now, actor_id=actor.id if actor else None,
                        actor=display_name(actor) if actor else SYSTEM, kind=kind, note=note, data=dict(data))
    db.add(event)
    ticket.updated_at = now
    if flush:
        db.flush()
    return event


def actor_name(event: TicketEvent) -> str:
    """Who did it, in words for people: the stored ``system`` / ``admin:NAME`` stay in the log and the API."""
    if event.actor == SYSTEM:
        return texts.ACTOR_SYSTEM
    if event.actor.startswith(ADMIN_PREFIX):
        return texts.ACTOR_ADMIN.format(name=event.actor[len(ADMIN_PREFIX):])
    return event.actor


def reach(db: Session, config: Config, person_id: int) -> tuple[str, str, str] | None:
    """(channel, account, recipient) to push to a member: WeCom when they have it, else the Official Account."""
    rows = db.execute(select(Identity.kind, Identity.value).where(Identity.person_id == person_id)
                      .order_by(Identity.id))
    return _reach_of(config, rows)


def _reach_of(config: Config, identities: Any) -> tuple[str, str, str] | None:
    """``reach`` from (kind, value) pairs in id order (None pairs skipped)."""
    found = {kind: value for kind, value in identities if kind is not None}
    if IdentityKind.WECOM in found:
        return "wecom_app", config.wecom_account_id, found[IdentityKind.WECOM]
    if IdentityKind.OPENID in found:
        return "official_account", config.account_id, found[IdentityKind.OPENID]
    return None


def push(db: Session, outbox: Outbox, config: Config, person_id: int, kind: str, text: str, key: str,
         target: tuple[str, str, str] | None | _Unset = _UNSET) -> bool:
    """Queue ``text`` for a member or staff; ``target``: their ``reach`` when the caller read it already."""
    if isinstance(target, _Unset):
        target = reach(db, config, person_id)
    if target is None:
        log.warning("person %s has no WeChat or WeCom identity; %s not pushed", person_id, kind)
        return False
    channel, account, recipient = target
    outbox.text(channel=channel, account=account, recipient=recipient, kind=kind, text=text,
                key=f"{key}:{channel}:{recipient}")
    return True


def notify_reporters(db: Session, outbox: Outbox, ticket: Ticket, event: TicketEvent, text: str,
                     skip_person: int | None = None) -> int:
    """Tell every reporter (the first and all who joined) in plain words, on the channel they used."""
    sent = 0
    for r in reporters(db, ticket):
        if r.person_id == skip_person:
            continue
        outbox.text(channel=r.channel, account=r.account, recipient=r.recipient, kind="ticket_update",
                    text=text, key=f"ticket:{ticket.number}:event:{event.id}:to:{r.person_id}")
        sent += 1
    return sent


def staff_of(db: Session, community_id: int | None, department_id: int | None = None) -> list[int]:
    query = select(Staff.person_id)
    if department_id is not None:
        query = query.where(Staff.department_id == department_id)
    else:
        query = query.where(Staff.department_id.is_(None))
        if community_id is not None:
            query = query.where(Staff.community_id == community_id)
    return list(dict.fromkeys(db.scalars(query.order_by(Staff.id))))


# -- reporting ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    ticket: Ticket
    joined: bool = False  # joined a neighbour's open ticket
    repeat: bool = False  # the same person reported the same problem again
    # Who got it: also keeps the Person in the session's (weak) identity map for the reply's lookup.
    assignee: Person | None = None


def _community_id(db: Session, place: Place) -> int | None:
    if place.estate is not None:
        return place.estate.community_id
    return cached(db, "tickets.first_community",
                  lambda session: session.scalar(select(Community.id).order_by(Community.id).limit(1)))


JOIN_LOCK = "tickets.join"  # bot.db.hold_lock scope of reports that may join one another


def join_key(category: str, community_id: int | None) -> str:
    """Reports that could ever join one ticket share this key: the same category in the same community.

    Deliberately coarser than the duplicate rule (building, unit, window …), so
    the rule can change without the lock missing a pair; it only serialises
    simultaneous reports of one category in one community, for a few milliseconds each.
    """
    return f"{community_id}:{category}"


def find_duplicate(db: Session, config: Config, category: str, place: Place, now: datetime,
                   urgent: bool = False, description: str = "") -> Ticket | None:
    """The open ticket a report joins, or None.

    An ordinary report joins an ordinary ticket of the same category in the same
    building (or unit, per category; something each unit has of its own, 楼道灯, never
    joins another unit's), or at the same declared place of an estate
    (its east gate, its garage), within ``tickets.duplicate_window_minutes``.
    An urgent report joins only an urgent ticket of the same category and the same
    place (building, unit and room alike) from the last ``tickets.urgent_join_minutes``:
    a collapse must never vanish into an older pothole ticket, and two people hurt
    in two flats are two emergencies. Neither kind ever joins the other.

    An ordinary report with a ``description`` joins only a ticket about the same
    object (nlp/overlap.py): an e-bike charging in the corridor is not the
    neighbour's clutter ticket, though both are 消防通道 in 3栋.
    """
    if urgent:
        return _urgent_duplicate(db, config, category, place, now)
    window = config.tickets.duplicate_window_minutes
    if window <= 0:
        return None
    if place.building is None:
        # A place that is no building joins only at the same declared place (桂花苑东门 with 桂花苑东门).
        if place.place_id is None:
            return None
        where = Ticket.place_id == place.place_id
    else:
        where = Ticket.building_id == place.building.id
    info = _categories(db).get(category)
    scope = info.dedupe_scope if info is not None else "building"
    query = select(Ticket).where(
        Ticket.category == category,
        where,
        Ticket.status.in_(OPEN_STATUSES),
        Ticket.urgent.is_(False),
        Ticket.created_at >= now - timedelta(minutes=window),
    )
    if scope == "unit" and place.building is not None:
        # Two reports that both leave the unit out are taken as the same one;
        # a report without a unit never joins a ticket that names one.
        query = query.where(Ticket.unit == place.unit if place.unit is not None else Ticket.unit.is_(None))
    elif place.building is not None and place.unit is not None and overlap.unit_level(description):
        # Something each unit has of its own (楼道灯 in 3栋1单元) is another problem than the same kind in
        # another unit (3栋2单元's stair light); said without a unit, on either side, it may be the same.
        query = query.where(Ticket.unit.is_(None) | (Ticket.unit == place.unit))
    candidates = db.scalars(query.order_by(Ticket.created_at).limit(20)).all()
    if not description:
        return candidates[0] if candidates else None
    ignore = _place_words(place)
    return next((t for t in candidates if overlap.same_object(t.description or "", description, ignore)), None)


def _place_words(place: Place) -> tuple[str, ...]:
    """The estate's and the place's own words, which say where and not what."""
    words = [place.label]
    estate = place.estate or (place.building.estate if place.building is not None else None)
    if estate is not None:
        words.append(estate.name)
    return tuple(words)


def _urgent_duplicate(db: Session, config: Config, category: str, place: Place, now: datetime) -> Ticket | None:
    window = config.tickets.urgent_join_minutes
    if place.building is None or window <= 0:
        return None
    query = select(Ticket).where(
        Ticket.urgent.is_(True),
        Ticket.category == category,
        Ticket.building_id == place.building.id,
        Ticket.unit == place.unit if place.unit is not None else Ticket.unit.is_(None),
        Ticket.room == place.room if place.room is not None else Ticket.room.is_(None),
        Ticket.status.in_(OPEN_STATUSES),
        Ticket.created_at >= now - timedelta(minutes=window),
    )
    return db.scalar(query.order_by(Ticket.created_at).limit(1))


def _add_reporter(db: Session, ticket: Ticket, person: Person, msg: IncomingMessage, now: datetime,
                  original: bool, flush: bool = True) -> None:
    db.add(TicketReporter(ticket_id=ticket.id, person_id=person.id, channel=msg.channel, account=msg.account,
                          recipient=msg.user_id, original=original, joined_at=now))
    if flush:
        db.flush()


def report(db: Session, outbox: Outbox, config: Config, *, person: Person, msg: IncomingMessage, category: str,
           description: str, place: Place, now: datetime, urgent: bool = False, join: bool = True) -> Outcome:
    """File a report: join a neighbour's open ticket, or open, assign and push a new one.

    The duplicate check and the new ticket happen under the join lock, so two
    neighbours reporting at once (even to two processes) make one ticket.
    ``join=False``: the resident said it is not the same problem ("不是一回事"): always a ticket of its own.
    """
    community_id = _community_id(db, place)
    hold_lock(db, JOIN_LOCK, join_key(category, community_id))
    duplicate = find_duplicate(db, config, category, place, now, urgent=urgent,
                               description=description) if join else None
    if duplicate is not None:
        already = db.scalar(select(TicketReporter.id).where(
            TicketReporter.ticket_id == duplicate.id, TicketReporter.person_id == person.id))
        if already is not None:
            return Outcome(duplicate, repeat=True)
        _add_reporter(db, duplicate, person, msg, now, original=False)
        event = add_event(db, duplicate, "joined", now, person, note=description, location=place.label)
        notify_reporters(db, outbox, duplicate, event,
                         texts.TICKET_NOTE_JOINED.format(number=duplicate.number), skip_person=person.id)
        return Outcome(duplicate, joined=True)

    from handlers.tickets import deadlines

    ticket = unsaved(
        Ticket, community_id=community_id, category=category,
        building_id=place.building.id if place.building else None, grid_id=place.grid_id,
        estate_id=place.estate.id if place.estate_level else None, place_id=place.place_id,
        unit=place.unit, room=place.room, location=place.label, description=description,
        reporter_id=person.id, channel=msg.channel, status=TicketStatus.QUEUED, urgent=urgent,
        created_at=now, updated_at=now,
    )
    deadlines.set_initial(db, config, ticket, now)  # per category; urgent ones in minutes
    # Everything the new ticket needs is read before its number: the day's counter row stays locked
    # from next_number until this transaction commits, and every other report waits for it.
    member, target = _on_duty_member_and_reach(db, config, ticket.grid_id)
    if member is not None:
        ticket.status, ticket.assignee_id = TicketStatus.ASSIGNED, member.id  # inserted assigned: no UPDATE
    ticket.number = next_number(db, now, config.tz)
    insert_as_loaded(db, ticket)
    _record_opening(db, outbox, config, ticket, person, msg, now, place, member, target)
    return Outcome(ticket, assignee=member)


# Prepared statements on the Table (bot/prepared.py): a report is the webhook's hot path.
_REPORTERS, _EVENTS = TicketReporter.__table__, TicketEvent.__table__
_INSERT_REPORTER = Prepared(insert(_REPORTERS).values(values_of(
    _REPORTERS, ("ticket_id", "person_id", "channel", "account", "recipient", "original", "joined_at"))))
_INSERT_EVENT = Prepared(insert(_EVENTS).values(values_of(
    _EVENTS, ("ticket_id", "at", "actor_id", "actor", "kind", "note", "data"))).returning(_EVENTS.c.id))


def _record_opening(db: Session, outbox: Outbox, config: Config, ticket: Ticket, person: Person,
                    msg: IncomingMessage, now: datetime, place: Place, member: Person | None,
                    target: tuple[str, str, str] | None) -> None:
    """A new ticket's reporter, its two events (created; assigned or queued) and the push, in four statements.

    The same rows as ``_add_reporter`` + ``add_event`` + ``assign`` write (each one ORM flush of its own),
    written with prepared INSERTs: the report is the hot path of the webhook.
    """
    _INSERT_REPORTER.execute(db, {
        "ticket_id": ticket.id, "person_id": person.id, "channel": msg.channel, "account": msg.account,
        "recipient": msg.user_id, "original": True, "joined_at": now})
    created = {"ticket_id": ticket.id, "at": now, "actor_id": person.id, "actor": display_name(person),
               "kind": "created", "note": ticket.description or "",
               "data": {"location": place.label, "channel": msg.channel}}
    if member is None:
        follow = {"kind": "queued", "note": texts.EVENT_NOTE_QUEUED, "data": {}}
    else:
        follow = {"kind": "assigned", "note": display_name(member), "data": {"assignee": member.id}}
    follow.update(ticket_id=ticket.id, at=now, actor_id=None, actor=SYSTEM)
    _INSERT_EVENT.execute(db, created)
    # The row as inserted, without reading it back (detached: the pushes below read its id).
    event = detached_row(TicketEvent, {"id": _INSERT_EVENT.scalar(db, follow), **follow})
    if member is None:
        for staff_id in staff_of(db, ticket.community_id):
            push_task(db, outbox, config, ticket, staff_id, event)
    else:
        push_task(db, outbox, config, ticket, member.id, event, target=target)


def assign(db: Session, outbox: Outbox, config: Config, ticket: Ticket, now: datetime,
           member: Person | None | _Unset = _UNSET, target: tuple[str, str, str] | None | _Unset = _UNSET,
           ) -> Person | None:
    """Building → grid → the on-duty primary (else an on-duty backup) → else the staff queue.

    ``member`` and ``target`` (their ``reach``): when the caller looked them up already.
    """
    if isinstance(member, _Unset):
        member = on_duty_member(db, ticket.grid_id)
    if member is None:
        ticket.status = TicketStatus.QUEUED
        ticket.assignee_id = None
        event = add_event(db, ticket, "queued", now, note=texts.EVENT_NOTE_QUEUED)
        for staff_id in staff_of(db, ticket.community_id):
            push_task(db, outbox, config, ticket, staff_id, event)
        return None
    ticket.status = TicketStatus.ASSIGNED
    ticket.assignee_id = member.id
    event = add_event(db, ticket, "assigned", now, note=display_name(member), assignee=member.id)
    push_task(db, outbox, config, ticket, member.id, event, target=target)
    return member


def on_duty_member(db: Session, grid_id: int | None) -> Person | None:
    if grid_id is None:
        return None
    rows = db.execute(
        select(GridMember, Person).join(Person, GridMember.person_id == Person.id)
        .where(GridMember.grid_id == grid_id, GridMember.on_duty.is_(True))
        .order_by(GridMember.id)
    ).all()
    first = min(rows, key=lambda r: _duty_rank(r[0].role, r[0].id), default=None)
    return first[1] if first is not None else None


def _duty_rank(role: str, member_id: int) -> tuple[int, int]:
    """Who of a grid's on-duty members takes a ticket: the primary, else the backup, first added first."""
    return 0 if role == MemberRole.PRIMARY else 1, member_id


_MEMBERS, _PERSONS, _IDENTITIES = GridMember.__table__, Person.__table__, Identity.__table__
_ON_DUTY_AND_REACH = Prepared(
    select(_MEMBERS.c.id.label("member_id"), _MEMBERS.c.role, *[c.label(f"person_{c.key}") for c in _PERSONS.c],
           _IDENTITIES.c.kind, _IDENTITIES.c.value)
    .select_from(_MEMBERS.join(_PERSONS, _MEMBERS.c.person_id == _PERSONS.c.id)
                 .outerjoin(_IDENTITIES, _IDENTITIES.c.person_id == _PERSONS.c.id))
    .where(_MEMBERS.c.grid_id == bindparam("grid_id"), _MEMBERS.c.on_duty.is_(True))
    .order_by(_MEMBERS.c.id, _IDENTITIES.c.id)
)


def _on_duty_member_and_reach(db: Session, config: Config, grid_id: int | None,
                              ) -> tuple[Person | None, tuple[str, str, str] | None]:
    """``on_duty_member`` and their ``reach`` in one query (a report's path)."""
    if grid_id is None:
        return None, None
    rows = _ON_DUTY_AND_REACH.all(db, {"grid_id": grid_id})
    if not rows:
        return None, None
    first = min(rows, key=lambda r: _duty_rank(r.role, r.member_id))
    member = attach_loaded(db, Person, {c.key: getattr(first, f"person_{c.key}") for c in _PERSONS.c})
    return member, _reach_of(config, [(r.kind, r.value) for r in rows if r[0] == first[0]])


def push_task(db: Session, outbox: Outbox, config: Config, ticket: Ticket, person_id: int, event: TicketEvent,
              prefix: str = "", target: tuple[str, str, str] | None | _Unset = _UNSET) -> bool:
    reporter = db.get(Person, ticket.reporter_id)
    text = prefix + texts.TICKET_TASK.format(
        number=ticket.number, urgent=texts.TICKET_TASK_URGENT_MARK if ticket.urgent else "",
        category=category_name(db, ticket.category), location=location_for_workers(db, ticket),
        description=mask_phones_in(ticket.description), reporter=display_name(reporter), phone=mask_phone(reporter.phone if reporter else None),
        due=local(ticket.accept_due_at or ticket.created_at, config.tz),
    )
    if ticket.urgent and ticket.acknowledged_at is None:
        text += texts.TICKET_TASK_ACK.format(number=ticket.number)  # 收到 T…, or the ladder goes on
    return push(db, outbox, config, person_id, "ticket_task", text, key=f"ticket:{ticket.number}:event:{event.id}",
                target=target)


def handler_text(db: Session, ticket: Ticket) -> str:
    if ticket.assignee_id is not None and ticket.status != TicketStatus.QUEUED:
        member = db.get(Person, ticket.assignee_id)
        return texts.TICKET_HANDLER_MEMBER.format(grid=grid_name(db, ticket.grid_id), name=display_name(member))
    return texts.TICKET_HANDLER_STAFF


# -- members' actions --------------------------------------------------------------------


def accept(db: Session, outbox: Outbox, ticket: Ticket, member: Person, now: datetime) -> TicketEvent:
    ticket.status = TicketStatus.ACCEPTED
    ticket.assignee_id = member.id
    ticket.accepted_at = now
    event = add_event(db, ticket, "accepted", now, member)
    notify_reporters(db, outbox, ticket, event, texts.TICKET_NOTE_ACCEPTED.format(
        number=ticket.number, name=_worker_title(db, member)))
    return event


def progress(db: Session, outbox: Outbox, ticket: Ticket, member: Person, note: str, now: datetime) -> TicketEvent:
    if ticket.accepted_at is None:
        ticket.accepted_at = now
    ticket.assignee_id = ticket.assignee_id or member.id
    ticket.status = TicketStatus.IN_PROGRESS
    event = add_event(db, ticket, "progress", now, member, note=note)
    notify_reporters(db, outbox, ticket, event, texts.TICKET_NOTE_PROGRESS.format(number=ticket.number, note=note))
    return event


def complete(db: Session, outbox: Outbox, ticket: Ticket, member: Person, note: str, now: datetime) -> TicketEvent:
    if ticket.accepted_at is None:
        ticket.accepted_at = now
    ticket.assignee_id = ticket.assignee_id or member.id
    ticket.status = TicketStatus.DONE
    ticket.done_at = now
    event = add_event(db, ticket, "done", now, member, note=note)
    notify_reporters(db, outbox, ticket, event, texts.TICKET_NOTE_DONE.format(number=ticket.number, note=note))
    return event


def find_transfer_target(db: Session, ticket: Ticket, target: str) -> Person | Department | None:
    """A member or staff by name or code, else a department by name, code or a category it owns."""
    target = target.strip()
    if not target:
        return None
    workers = select(Person).where(
        (Person.code == target) | (Person.name == target),
        Person.id.in_(select(GridMember.person_id).union(select(Staff.person_id))),
    )
    person = db.scalar(workers.limit(1))
    if person is not None:
        return person
    for department in db.scalars(select(Department).order_by(Department.id)):
        if target in (department.code, department.name) or (len(target) >= 2 and target in department.name):
            return department
    owner = db.scalar(select(Department).join(DepartmentCategory).join(Category).where(Category.name == target))
    return owner


def transfer(db: Session, outbox: Outbox, config: Config, ticket: Ticket, member: Person,
             target: Person | Department, note: str, now: datetime) -> tuple[TicketEvent, str]:
    """Hand the ticket to another member (it becomes theirs) or to a department (its staff get it).

    Raises:
        UserFacingError: the department has no staff a push can reach (nothing changes).
    """
    if isinstance(target, Person):
        ticket.assignee_id = target.id
        ticket.department_id = None
        ticket.status = TicketStatus.ASSIGNED
        name = _worker_title(db, target)
        event = add_event(db, ticket, "transferred", now, member, note=note, to_person=target.id, to=name)
        recipients = [target.id]
    else:
        contacts = [p for p in staff_of(db, None, department_id=target.id) if reach(db, config, p) is not None]
        if not contacts:  # nobody there would ever hear of it: refuse, nothing changes
            raise UserFacingError(texts.TRANSFER_NO_CONTACTS.format(department=target.name, number=ticket.number))
        ticket.department_id = target.id
        ticket.assignee_id = contacts[0]
        ticket.status = TicketStatus.ASSIGNED
        name = target.name
        event = add_event(db, ticket, "transferred", now, member, note=note, to_department=target.id, to=name)
        recipients = contacts
    ticket.accepted_at = None
    _fresh_accept_deadline(db, config, ticket, now)
    prefix = (texts.TICKET_TASK_TRANSFERRED.format(name=display_name(member), note=note) if note
              else texts.TICKET_TASK_TRANSFERRED_NO_NOTE.format(name=display_name(member)))
    for person_id in recipients:
        push_task(db, outbox, config, ticket, person_id, event, prefix=prefix)
    notify_reporters(db, outbox, ticket, event, texts.TICKET_NOTE_TRANSFERRED.format(number=ticket.number, name=name))
    return event, name


def return_to_staff(db: Session, outbox: Outbox, config: Config, ticket: Ticket, member: Person, note: str,
                    now: datetime) -> TicketEvent:
    ticket.status = TicketStatus.QUEUED
    ticket.assignee_id = None
    ticket.accepted_at = None
    _fresh_accept_deadline(db, config, ticket, now)
    event = add_event(db, ticket, "returned", now, member, note=note)
    text = texts.TICKET_TASK_RETURNED.format(number=ticket.number, name=display_name(member), note=note)
    for staff_id in staff_of(db, ticket.community_id):
        if staff_id != member.id:
            push(db, outbox, config, staff_id, "ticket_task", text, key=f"ticket:{ticket.number}:event:{event.id}")
    notify_reporters(db, outbox, ticket, event, texts.TICKET_NOTE_RETURNED.format(number=ticket.number))
    return event


def _worker_title(db: Session, person: Person) -> str:
    is_member = db.scalar(select(GridMember.id).where(GridMember.person_id == person.id).limit(1)) is not None
    return texts.WORKER_TITLE.format(role=texts.ROLE_MEMBER if is_member else texts.ROLE_STAFF, name=display_name(person))


def close_by_worker(db: Session, outbox: Outbox, config: Config, ticket: Ticket, worker: Person, reason: str,
                    now: datetime) -> TicketEvent:
    """关闭 by staff in chat (a false alarm, nothing to do): who and why on record, the reporters told politely,
    and whoever held the ticket told they need not go."""
    holder = ticket.assignee_id
    ticket.status = TicketStatus.CLOSED
    ticket.closed_at = now
    ticket.ack_due_at = None  # an urgent alert that was a false alarm waits for nobody's acknowledgement
    event = add_event(db, ticket, "closed", now, worker, note=reason, reason=reason, via="chat")
    title = _worker_title(db, worker)
    notify_reporters(db, outbox, ticket, event, texts.TICKET_NOTE_CLOSED_BY_WORKER.format(
        number=ticket.number, name=title, note=reason))
    if holder is not None and holder != worker.id:
        push(db, outbox, config, holder, "ticket_task", texts.TICKET_TASK_CLOSED.format(
            number=ticket.number, category=category_name(db, ticket.category),
            location=ticket.location or texts.LOCATION_UNKNOWN, name=title, note=reason),
            key=f"ticket:{ticket.number}:event:{event.id}")
    return event


def notify_workers(db: Session, outbox: Outbox, config: Config, ticket: Ticket, event: TicketEvent, text: str) -> int:
    """The assignee, or the staff queue when nobody has the ticket."""
    people = [ticket.assignee_id] if ticket.assignee_id else staff_of(db, ticket.community_id)
    return sum(push(db, outbox, config, p, "ticket_task", text, key=f"ticket:{ticket.number}:event:{event.id}")
               for p in people)


def _fresh_accept_deadline(db: Session, config: Config, ticket: Ticket, now: datetime) -> None:
    """Whoever receives a transferred or returned ticket gets the category's full time to accept it."""
    from handlers.tickets import deadlines

    policy = deadlines.policy_for(db, config, ticket.category, ticket.urgent)
    ticket.accept_due_at = deadlines.after(db, config, ticket, now, policy.accept_minutes)
    ticket.reminded_key = None


# -- waiting for the resident (待补充) ------------------------------------------------------


def ask_resident(db: Session, outbox: Outbox, config: Config, ticket: Ticket, member: Person, note: str,
                 now: datetime) -> TicketEvent:
    """待补充: pause the deadlines and ask the reporters; their next message answers (tickets.waiting)."""
    from bot.dialog.conversation import save_state
    from handlers.tickets import deadlines

    ticket.status = TicketStatus.WAITING
    deadlines.pause(ticket, now)
    event = add_event(db, ticket, "waiting", now, member, note=note)
    notify_reporters(db, outbox, ticket, event, texts.TICKET_NOTE_WAITING.format(number=ticket.number, note=note))
    for r in reporters(db, ticket):
        save_state(db, r.channel, r.recipient, Flow.WAITING, {"ticket": ticket.number}, now,
                   ttl=timedelta(days=config.tickets.rating_days))
    return event


def resume_after_answer(db: Session, config: Config, ticket: Ticket, person: Person, now: datetime) -> None:
    """The resident answered: the clock runs again, the deadlines moved on by the wait."""
    from handlers.tickets import deadlines

    if ticket.status != TicketStatus.WAITING:
        return
    waited = deadlines.resume(db, config, ticket, now)
    if ticket.accepted_at is not None:
        ticket.status = TicketStatus.IN_PROGRESS
    else:
        ticket.status = TicketStatus.ASSIGNED if ticket.assignee_id else TicketStatus.QUEUED
    add_event(db, ticket, "resumed", now, person, waited_minutes=int(waited.total_seconds() // 60))
