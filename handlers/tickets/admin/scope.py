"""Which tickets an account sees, the list's views and filters, and the rows it shows.

管理员 and 社区工作人员 see every ticket; a 网格员 the tickets of their grids and
those assigned to them; a 部门联络人 the tickets of their department (escalated or
transferred there) and those assigned to them — the same reach ``Roles.may_act_on``
gives them in chat.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, false, or_, select
from sqlalchemy.orm import Session, selectinload

from bot.config import Config
from handlers.community import people
from handlers.tickets.admin import texts
from handlers.tickets.escalation import overdue_condition
from models import OPEN_STATUSES, Building, Identity, Person, Ticket, TicketReporter, TicketStatus

PAGE_SIZE = 50
EXPORT_LIMIT = 20000


@dataclass(frozen=True)
class Scope:
    everything: bool
    person_id: int | None
    grid_ids: frozenset[int] = frozenset()
    department_ids: frozenset[int] = frozenset()

    def condition(self) -> Any:
        if self.everything:
            return None
        terms = []
        if self.person_id is not None:
            terms.append(Ticket.assignee_id == self.person_id)
        if self.grid_ids:
            terms.append(Ticket.grid_id.in_(self.grid_ids))
        if self.department_ids:
            terms.append(Ticket.department_id.in_(self.department_ids))
        return or_(*terms) if terms else false()

    def allows(self, ticket: Ticket) -> bool:
        return self.everything or ticket.assignee_id == self.person_id or ticket.grid_id in self.grid_ids \
            or ticket.department_id in self.department_ids


def scope_of(db: Session, config: Config, role: str, person_id: int | None) -> Scope:
    if role in ("admin", "staff"):
        return Scope(True, person_id)
    person = db.get(Person, person_id) if person_id else None
    roles = people.roles_of(db, person, config.tickets.street_department)
    if role == "grid":
        return Scope(False, person_id, frozenset(roles.grid_ids))
    return Scope(False, person_id, department_ids=frozenset(roles.department_ids))


def view_condition(view: str, now: datetime, person_id: int | None) -> Any:
    open_ = Ticket.status.in_(OPEN_STATUSES)
    return {
        "open": open_,
        "mine": Ticket.assignee_id == person_id if person_id else false(),
        "unassigned": (Ticket.status == TicketStatus.QUEUED) | (open_ & Ticket.assignee_id.is_(None)),
        "overdue": overdue_condition(now),
        "escalated": open_ & (Ticket.escalation_level > 0),
        "urgent": open_ & Ticket.urgent.is_(True),
        "waiting": Ticket.status == TicketStatus.WAITING,
        "done": Ticket.status == TicketStatus.DONE,
        "all": None,
    }.get(view, open_)


def _local_day(value: str, config: Config, end: bool = False) -> datetime | None:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    start = datetime.combine(day, time.min, tzinfo=config.tz)
    return start + timedelta(days=1) if end else start


def ticket_query(scope: Scope, args: Any, config: Config, now: datetime) -> Select[tuple[Ticket]]:
    """The filtered list (newest first) as one SELECT; ``args`` are the page's query parameters."""
    query = select(Ticket)
    for condition in (scope.condition(), view_condition(args.get("view", "open"), now, scope.person_id)):
        if condition is not None:
            query = query.where(condition)
    if args.get("status"):
        query = query.where(Ticket.status == args["status"])
    if args.get("category"):
        query = query.where(Ticket.category == args["category"])
    if args.get("grid", "").isdigit():
        query = query.where(Ticket.grid_id == int(args["grid"]))
    if args.get("estate", "").isdigit():
        estate = int(args["estate"])  # in one of its buildings, or at a place of the estate that is no building
        query = query.where(or_(Ticket.building_id.in_(select(Building.id).where(Building.estate_id == estate)),
                                Ticket.estate_id == estate))
    if args.get("department", "").isdigit():
        query = query.where(Ticket.department_id == int(args["department"]))
    if args.get("member", "").isdigit():
        query = query.where(Ticket.assignee_id == int(args["member"]))
    if args.get("from") and (start := _local_day(args["from"], config)) is not None:
        query = query.where(Ticket.created_at >= start)
    if args.get("to") and (end := _local_day(args["to"], config, end=True)) is not None:
        query = query.where(Ticket.created_at < end)
    q = (args.get("q") or "").strip()
    if q:
        like = f"%{q}%"
        reporters = select(TicketReporter.ticket_id).join(Person, Person.id == TicketReporter.person_id).where(
            or_(Person.name.like(like), Person.phone.like(like), Person.code.like(like)))
        query = query.where(or_(Ticket.number.like(f"%{q.upper()}%"), Ticket.description.like(like),
                                Ticket.location.like(like), Ticket.id.in_(reporters)))
    return query.options(selectinload(Ticket.grid), selectinload(Ticket.department)) \
        .order_by(Ticket.urgent.desc(), Ticket.created_at.desc(), Ticket.id.desc())


def names_of(db: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    persons = list(db.scalars(select(Person).where(Person.id.in_(wanted))))
    unnamed = {p.id for p in persons if not p.name}
    accounts: dict[int, str] = {}
    if unnamed:  # a resident who never said their name: their account, masked (never the internal id)
        for person_id, value in db.execute(select(Identity.person_id, Identity.value)
                                           .where(Identity.person_id.in_(unnamed)).order_by(Identity.id)):
            accounts.setdefault(person_id, value)
    return {p.id: p.name or _masked(accounts.get(p.id)) for p in persons}


def _masked(account: str | None) -> str:
    if not account:
        return texts.RESIDENT
    return texts.RESIDENT_ACCOUNT.format(account=f"{account[:4]}…{account[-4:]}" if len(account) > 10 else "…")
