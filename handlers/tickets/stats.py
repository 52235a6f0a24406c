"""The numbers a 社区 reports upward: tickets by status, category, grid and member; speed; escalation; satisfaction.

Satisfaction counts real answers only: 满意 and 基本满意 (``rated`` events)
against 不满意 (``reopened`` events); a ticket closed as 默认满意 is counted
apart and never as satisfied.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from statistics import median
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import Config
from bot.workcalendar import warn_missing
from handlers.tickets.deadlines import calendar
from handlers.tickets.escalation import overdue_condition
from models import OPEN_STATUSES, Category, Department, DepartmentCategory, Grid, Person, Rating, Ticket, TicketEvent


def _minutes(pairs: list[tuple[datetime, datetime | None]]) -> float | None:
    spans = [(b - a).total_seconds() / 60 for a, b in pairs if b is not None]
    return round(median(spans), 1) if spans else None


def compute(db: Session, config: Config, now: datetime, since: datetime | None = None) -> dict[str, Any]:
    tickets = select(Ticket)
    if since is not None:
        tickets = tickets.where(Ticket.created_at >= since)
    rows = list(db.scalars(tickets))
    grids = {g.id: g.code for g in db.scalars(select(Grid))}
    departments = {d.id: d.code for d in db.scalars(select(Department))}
    names = {p.id: p.name or p.code or str(p.id) for p in db.scalars(select(Person).where(
        Person.id.in_({t.assignee_id for t in rows if t.assignee_id})))}
    overdue_now = set(db.scalars(select(Ticket.id).where(overdue_condition(now))))
    # The department that answers for a ticket: the one it went to (吹哨 or 转派), else its category's owner,
    # so overdue tickets that never reached a department still count against the one they belong to.
    owners = dict(db.execute(
        select(Category.slug, Department.code).join(DepartmentCategory, DepartmentCategory.category_id == Category.id)
        .join(Department, Department.id == DepartmentCategory.department_id).order_by(DepartmentCategory.id.desc())
    ).all())
    by_department: dict[str, dict[str, int]] = {}
    for t in rows:
        code = departments.get(t.department_id, "none") if t.department_id else owners.get(t.category, "none")
        bucket = by_department.setdefault(code, {"tickets": 0, "overdue": 0, "escalated": 0})
        bucket["tickets"] += 1
        bucket["overdue"] += int(t.overdue or t.id in overdue_now)
        bucket["escalated"] += int(t.escalation_level > 0)
    ids = [t.id for t in rows]
    answers = Counter(
        (e.kind, (e.data or {}).get("rating"))
        for e in db.scalars(select(TicketEvent).where(TicketEvent.kind.in_(["rated", "reopened"]),
                                                     TicketEvent.ticket_id.in_(ids)))
    ) if ids else Counter()
    satisfied = answers[("rated", Rating.SATISFIED)]
    basic = answers[("rated", Rating.BASIC)]
    unsatisfied = answers[("reopened", Rating.UNSATISFIED)]
    rated = satisfied + basic + unsatisfied
    cal = calendar(db, config, now)
    # The years deadlines are being counted in now: this one and those of open tickets' deadlines.
    years = {now.astimezone(config.tz).year} | {
        due.astimezone(config.tz).year for t in rows if t.working_hours and t.status in OPEN_STATUSES
        for due in (t.accept_due_at, t.resolve_due_at, t.report_in_due_at) if due is not None}
    for year in sorted(years):
        cal.is_workday(date(year, 1, 1))
    return {
        "as_of": now.isoformat(),
        "total": len(rows),
        "by_status": dict(Counter(t.status for t in rows)),
        "by_category": dict(Counter(t.category for t in rows)),
        "by_grid": dict(Counter(grids.get(t.grid_id or -1, "none") for t in rows)),
        "by_member": dict(Counter(names.get(t.assignee_id or -1, "none") for t in rows)),
        "median_minutes_to_accept": _minutes([(t.created_at, t.accepted_at) for t in rows]),
        "median_minutes_to_resolve": _minutes([(t.created_at, t.done_at) for t in rows]),
        "overdue": sum(1 for t in rows if t.overdue or t.id in overdue_now),  # missed a deadline at some point
        "overdue_open": len(overdue_now & set(ids)),  # open and past their deadline right now
        "escalated": sum(1 for t in rows if t.escalation_level > 0),
        "by_department": by_department,
        "satisfaction": {
            "satisfied": satisfied, "basic": basic, "unsatisfied": unsatisfied,
            "default_closed": sum(1 for t in rows if t.rating == Rating.DEFAULT),
            "rate": round((satisfied + basic) / rated, 4) if rated else None,
        },
        "calendar_missing_years": warn_missing(cal),
    }
