"""The numbers a 社区 reports upward: tickets by status, category, grid and member; speed; escalation; satisfaction.

Satisfaction counts real answers only: 满意 and 基本满意 (``rated`` events)
against 不满意 (``reopened`` events, and a co-reporter's 不满意 recorded as a
``rated`` event while the ticket was already reopened); a ticket closed as
默认满意 is counted apart and never as satisfied.

Everything is counted by the database (GROUP BY, and medians picked by
ORDER BY … LIMIT/OFFSET), so the cost does not grow with the tickets loaded
into Python; only the few open working-hours tickets' deadlines are read.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Float, case, cast, func, or_, select
from sqlalchemy.orm import Session

from bot.config import Config
from bot.workcalendar import warn_missing
from handlers.tickets.deadlines import calendar
from handlers.tickets.escalation import overdue_condition
from models import OPEN_STATUSES, Category, Department, DepartmentCategory, Grid, Person, Rating, Ticket, TicketEvent


def _minutes_between(db: Session, start: Any, end: Any) -> Any:
    """``end - start`` in minutes, as SQL."""
    if db.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", end - start) / 60.0
    return (func.julianday(end) - func.julianday(start)) * 1440.0


def _median(db: Session, where: list[Any], start: Any, end: Any) -> float | None:
    """The median of ``end - start`` in minutes over the tickets matching ``where`` with an ``end``."""
    span = cast(_minutes_between(db, start, end), Float)
    matching = [*where, end.is_not(None)]
    count = db.scalar(select(func.count()).select_from(Ticket).where(*matching)) or 0
    if not count:
        return None
    middle = list(db.scalars(select(span).where(*matching).order_by(span)
                             .offset((count - 1) // 2).limit(2 - count % 2)))
    return round(sum(middle) / len(middle), 1)


def compute(db: Session, config: Config, now: datetime, since: datetime | None = None) -> dict[str, Any]:
    where: list[Any] = [Ticket.created_at >= since] if since is not None else []

    def by(column: Any) -> dict[Any, int]:
        return {key: n for key, n in db.execute(select(column, func.count()).where(*where).group_by(column))}

    total = db.scalar(select(func.count()).select_from(Ticket).where(*where)) or 0
    grids = {g.id: g.code for g in db.scalars(select(Grid))}
    by_grid: dict[str, int] = {}
    for grid_id, n in by(Ticket.grid_id).items():
        name = grids.get(grid_id or -1, "none")
        by_grid[name] = by_grid.get(name, 0) + n
    assignees = by(Ticket.assignee_id)
    names = {p.id: p.name or p.code or str(p.id) for p in db.scalars(select(Person).where(
        Person.id.in_([a for a in assignees if a])))}
    by_member: dict[str, int] = {}
    for person_id, n in assignees.items():
        name = names.get(person_id or -1, "none")
        by_member[name] = by_member.get(name, 0) + n

    overdue_now = overdue_condition(now)
    ever_overdue = or_(Ticket.overdue.is_(True), overdue_now)
    # The department that answers for a ticket: the one it went to (吹哨 or 转派), else its category's owner,
    # so overdue tickets that never reached a department still count against the one they belong to.
    owners = dict(db.execute(
        select(Category.slug, Department.code).join(DepartmentCategory, DepartmentCategory.category_id == Category.id)
        .join(Department, Department.id == DepartmentCategory.department_id).order_by(DepartmentCategory.id.desc())
    ).all())
    departments = {d.id: d.code for d in db.scalars(select(Department))}
    by_department: dict[str, dict[str, int]] = {}
    rows = db.execute(
        select(Ticket.department_id, Ticket.category, func.count(),
               func.sum(case((ever_overdue, 1), else_=0)), func.sum(case((Ticket.escalation_level > 0, 1), else_=0)))
        .where(*where).group_by(Ticket.department_id, Ticket.category)
    )
    for department_id, category, n, overdue, escalated in rows:
        code = departments.get(department_id, "none") if department_id else owners.get(category, "none")
        bucket = by_department.setdefault(code, {"tickets": 0, "overdue": 0, "escalated": 0})
        bucket["tickets"] += n
        bucket["overdue"] += int(overdue or 0)
        bucket["escalated"] += int(escalated or 0)

    totals = db.execute(select(
        func.sum(case((ever_overdue, 1), else_=0)),
        func.sum(case((overdue_now, 1), else_=0)),
        func.sum(case((Ticket.escalation_level > 0, 1), else_=0)),
        func.sum(case((Ticket.rating == Rating.DEFAULT, 1), else_=0)),
    ).where(*where)).one()

    rating = TicketEvent.data["rating"].as_string()
    answers = {(kind, value): n for kind, value, n in db.execute(
        select(TicketEvent.kind, rating, func.count()).join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(*where, TicketEvent.kind.in_(["rated", "reopened"])).group_by(TicketEvent.kind, rating))}
    satisfied = answers.get(("rated", Rating.SATISFIED), 0)
    basic = answers.get(("rated", Rating.BASIC), 0)
    unsatisfied = answers.get(("reopened", Rating.UNSATISFIED), 0) + answers.get(("rated", Rating.UNSATISFIED), 0)
    rated = satisfied + basic + unsatisfied

    cal = calendar(db, config, now)
    # The years deadlines are being counted in now: this one and those of open tickets' deadlines.
    years = {now.astimezone(config.tz).year}
    for dues in db.execute(select(Ticket.accept_due_at, Ticket.resolve_due_at, Ticket.report_in_due_at).where(
            *where, Ticket.working_hours.is_(True), Ticket.status.in_(OPEN_STATUSES))):
        years |= {due.astimezone(config.tz).year for due in dues if due is not None}
    for year in sorted(years):
        cal.is_workday(date(year, 1, 1))
    return {
        "as_of": now.isoformat(),
        "total": total,
        "by_status": by(Ticket.status),
        "by_category": by(Ticket.category),
        "by_grid": by_grid,
        "by_member": by_member,
        "median_minutes_to_accept": _median(db, where, Ticket.created_at, Ticket.accepted_at),
        "median_minutes_to_resolve": _median(db, where, Ticket.created_at, Ticket.done_at),
        "overdue": int(totals[0] or 0),  # missed a deadline at some point
        "overdue_open": int(totals[1] or 0),  # open and past their deadline right now
        "escalated": int(totals[2] or 0),
        "by_department": by_department,
        "satisfaction": {
            "satisfied": satisfied, "basic": basic, "unsatisfied": unsatisfied,
            "default_closed": int(totals[3] or 0),
            "rate": round((satisfied + basic) / rated, 4) if rated else None,
        },
        "calendar_missing_years": warn_missing(cal),
    }



