"""Per-category deadlines: when a ticket must be accepted and resolved, and the pause while 待补充.

A category's row in ``category_deadlines`` (data/categories.yaml, section
``deadlines``) overrides the ``tickets.*`` defaults; urgent tickets use the
urgent spans, in minutes. A category with ``working_hours: true`` counts only
working time (bot/workcalendar.py); the others count the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import workcalendar
from bot.cache import cached, watch_tables
from bot.config import Config
from bot.errors import ImportFormatError
from bot.importer import ImportContext
from bot.workcalendar import WorkCalendar, load_calendar, parse_hhmm, warn_missing
from models import CategoryDeadline, Ticket

watch_tables("category_deadlines")


@dataclass(frozen=True)
class Policy:
    accept_minutes: int
    resolve_minutes: int
    working_hours: bool


@dataclass(frozen=True)
class _Row:
    """A category's deadline row as read (shared by every thread of the process, so immutable)."""

    accept_minutes: int | None
    resolve_minutes: int | None
    urgent_accept_minutes: int | None
    urgent_resolve_minutes: int | None
    working_hours: bool


def _rows(db: Session) -> dict[str, _Row]:
    """Every category's deadline row, read once per process until one changes (bot/cache.py)."""
    def load(session: Session) -> dict[str, _Row]:
        return {r.category: _Row(r.accept_minutes, r.resolve_minutes, r.urgent_accept_minutes,
                                 r.urgent_resolve_minutes, bool(r.working_hours))
                for r in session.scalars(select(CategoryDeadline))}

    return cached(db, "tickets.category_deadlines", load)


def policy_for(db: Session, config: Config, category: str, urgent: bool) -> Policy:
    return _policy(config, _rows(db).get(category), urgent)


def _policy(config: Config, row: CategoryDeadline | _Row | None, urgent: bool) -> Policy:
    t = config.tickets
    if urgent:
        # Minutes, around the clock: a gas leak does not wait for Monday.
        return Policy(
            (row.urgent_accept_minutes if row else None) or t.urgent_accept_minutes,
            (row.urgent_resolve_minutes if row else None) or t.urgent_resolve_minutes,
            False,
        )
    return Policy(
        (row.accept_minutes if row else None) or t.accept_minutes,
        (row.resolve_minutes if row else None) or t.resolve_minutes,
        bool(row.working_hours) if row else False,
    )


class Policies:
    """Every category's deadlines read in one query, for a sweep that looks at many tickets."""

    def __init__(self, db: Session, config: Config) -> None:
        self.config = config
        self._rows = _rows(db)

    def of(self, category: str, urgent: bool) -> Policy:
        return _policy(self.config, self._rows.get(category), urgent)


def quiet_until(config: Config, at: datetime) -> datetime | None:
    """The end of the quiet hours ``at`` falls in (tickets.quiet_start/quiet_end, local), else None."""
    return workcalendar.quiet_until(at, parse_hhmm(config.tickets.quiet_start), parse_hhmm(config.tickets.quiet_end),
                                    config.tz)


def calendar(db: Session, config: Config, now: datetime) -> WorkCalendar:
    """The working calendar around ``now`` (last year to two years ahead)."""
    year = now.astimezone(config.tz).year
    return load_calendar(db, config.tz, range(year - 1, year + 3), now,
                         parse_hhmm(config.tickets.work_start), parse_hhmm(config.tickets.work_end))


def after(db: Session, config: Config, ticket: Ticket, start: datetime, minutes: float,
          cal: WorkCalendar | None = None) -> datetime:
    """``start`` + ``minutes`` in the ticket's kind of time; warns when a year has no holiday data."""
    cal = cal or calendar(db, config, start)
    due = cal.add(start, minutes, ticket.working_hours)
    warn_missing(cal)
    return due


def set_initial(db: Session, config: Config, ticket: Ticket, now: datetime) -> Policy:
    """Both deadlines of a new ticket."""
    policy = policy_for(db, config, ticket.category, ticket.urgent)
    ticket.working_hours = policy.working_hours
    cal = calendar(db, config, now)
    ticket.accept_due_at = after(db, config, ticket, now, policy.accept_minutes, cal)
    ticket.resolve_due_at = after(db, config, ticket, now, policy.resolve_minutes, cal)
    return policy


def pause(ticket: Ticket, now: datetime) -> None:
    """待补充: the clock stops until the resident answers."""
    if ticket.paused_at is None:
        ticket.paused_at = now


def resume(db: Session, config: Config, ticket: Ticket, now: datetime) -> timedelta:
    """Move every running deadline on by the time spent waiting; returns that time."""
    if ticket.paused_at is None:
        return timedelta(0)
    cal = calendar(db, config, ticket.paused_at)
    waited = cal.between(ticket.paused_at, now, ticket.working_hours)
    minutes = waited.total_seconds() / 60
    for name in ("accept_due_at", "resolve_due_at", "report_in_due_at"):
        due = getattr(ticket, name)
        if due is not None:
            setattr(ticket, name, cal.add(due, minutes, ticket.working_hours))
    ticket.paused_at = None
    ticket.reminded_key = None
    warn_missing(cal)
    return waited


# -- import sections "deadlines" and "holidays" (docs/import.md) -------------------------------

DEADLINE_FIELDS = ("accept_minutes", "resolve_minutes", "urgent_accept_minutes", "urgent_resolve_minutes")
IMPORT_SECTIONS = ("deadlines", "holidays")


def import_sections(ctx: ImportContext) -> None:
    """Upsert per-category deadlines (by category) and holiday days (by date)."""
    from datetime import date

    from bot.workcalendar import set_day
    from models import DayKind, Holiday

    session, path, report, records = ctx.session, ctx.path, ctx.report, ctx.records
    error = ImportFormatError

    for index, r in enumerate(records("deadlines")):
        where = f"{path}: deadlines[{index}]"
        unknown = set(r) - {"category", "working_hours", *DEADLINE_FIELDS}
        if unknown:
            raise error(f"{where}: unknown field(s) {sorted(unknown)}")
        if not r.get("category"):
            raise error(f"{where}: missing field 'category'")
        values: dict[str, Any] = {"working_hours": bool(r.get("working_hours", False))}
        for name in DEADLINE_FIELDS:
            value = r.get(name)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
                raise error(f"{where}: field '{name}' must be a whole number of minutes (1 or more)")
            values[name] = value
        row = session.scalar(select(CategoryDeadline).where(CategoryDeadline.category == str(r["category"])))
        if row is None:
            session.add(CategoryDeadline(category=str(r["category"]), **values))
            report.count(report.created, "deadlines")
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            report.count(report.updated, "deadlines")
        else:
            report.count(report.unchanged, "deadlines")
    now = ctx.now
    for index, r in enumerate(records("holidays")):
        where = f"{path}: holidays[{index}]"
        unknown = set(r) - {"date", "kind", "name"}
        if unknown:
            raise error(f"{where}: unknown field(s) {sorted(unknown)}")
        day = r.get("date")
        if isinstance(day, str):
            try:
                day = date.fromisoformat(day)
            except ValueError:
                day = None
        if not isinstance(day, date):
            raise error(f"{where}: field 'date' must be a date like 2027-01-01")
        kind = str(r.get("kind", DayKind.HOLIDAY))
        if kind not in (DayKind.HOLIDAY, DayKind.WORKDAY):
            raise error(f"{where}: field 'kind' must be holiday or workday")
        name = str(r.get("name", ""))
        row = session.scalar(select(Holiday).where(Holiday.day == day))
        if row is not None and (row.kind, row.name) == (kind, name):
            report.count(report.unchanged, "holidays")
            continue
        set_day(session, day, kind, name, "import", now)
        report.count(report.created if row is None else report.updated, "holidays")
    session.flush()
