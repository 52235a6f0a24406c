"""Working time: Chinese public holidays, make-up working days (调休) and office hours.

The holiday table (``holidays`` + ``holiday_years``) is the truth. A year is
seeded from the ``chinese-calendar`` package the first time it is needed; the
package's data ends with 2026 and it raises for later years, so admins add each
new year when the State Council publishes it (API or import section
``holidays``). A year nobody has data for falls back to plain weekends and says
so: a warning in the log and ``missing_years`` for the API and statistics.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.cache import cached, watch_tables
from models import DayKind, Holiday, HolidayYear

log = logging.getLogger(__name__)
watch_tables("holidays", "holiday_years")
PACKAGE = "chinese_calendar"
_warned: set[int] = set()


@dataclass
class WorkCalendar:
    """Pure: which days are worked, and how to add working minutes to a moment."""

    tz: ZoneInfo
    start: time = time(9, 0)
    end: time = time(18, 0)
    overrides: dict[date, bool] = field(default_factory=dict)  # day -> is a working day
    known_years: set[int] = field(default_factory=set)
    missing_years: set[int] = field(default_factory=set)  # years asked about that have no data

    def is_workday(self, day: date) -> bool:
        if day.year not in self.known_years:
            self.missing_years.add(day.year)
        if day in self.overrides:
            return self.overrides[day]
        return day.weekday() < 5

    def add(self, at: datetime, minutes: float, working: bool) -> datetime:
        """``at`` plus ``minutes``: wall-clock, or counted only inside working hours of working days."""
        if not working:
            return at + timedelta(minutes=minutes)
        local = at.astimezone(self.tz)
        left = timedelta(minutes=minutes)
        day = local.date()
        cursor = local
        while True:
            if self.is_workday(day):
                opens = datetime.combine(day, self.start, self.tz)
                closes = datetime.combine(day, self.end, self.tz)
                begin = max(cursor, opens)
                if begin < closes:
                    if begin + left <= closes:
                        return (begin + left).astimezone(UTC)
                    left -= closes - begin
            day += timedelta(days=1)
            cursor = datetime.combine(day, time(0), self.tz)

    def between(self, a: datetime, b: datetime, working: bool) -> timedelta:
        """How much (working) time passes from ``a`` to ``b`` (zero when b <= a)."""
        if b <= a:
            return timedelta(0)
        if not working:
            return b - a
        total = timedelta(0)
        la, lb = a.astimezone(self.tz), b.astimezone(self.tz)
        day = la.date()
        while day <= lb.date():
            if self.is_workday(day):
                opens = max(datetime.combine(day, self.start, self.tz), la)
                closes = min(datetime.combine(day, self.end, self.tz), lb)
                if closes > opens:
                    total += closes - opens
            day += timedelta(days=1)
        return total


def _package_days(year: int) -> list[tuple[date, str, str]] | None:
    """(day, kind, name) for one year from chinese-calendar; None when it has no data for the year."""
    import chinese_calendar

    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return None
    days = [(d, DayKind.HOLIDAY.value, n) for d, n in chinese_calendar.holidays.items() if d.year == year]
    days += [(d, DayKind.WORKDAY.value, n) for d, n in chinese_calendar.workdays.items() if d.year == year]
    # The package lists weekends inside a holiday too; only days that break the weekday rule matter.
    return [(d, k, n) for d, k, n in days if (k == DayKind.HOLIDAY) == (d.weekday() < 5)]


def _insert(db: Session):  # type: ignore[no-untyped-def]
    return pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert


def seed_year(db: Session, year: int, now: datetime) -> bool:
    """Load one year from the package (rows already in the table win); False when the package lacks it."""
    days = _package_days(year)
    if days is None:
        return False
    insert = _insert(db)
    for day, kind, name in days:
        db.execute(insert(Holiday).values(day=day, kind=kind, name=name, source=PACKAGE)
                   .on_conflict_do_nothing(index_elements=["day"]))
    db.execute(insert(HolidayYear).values(year=year, source=PACKAGE, updated_at=now)
               .on_conflict_do_nothing(index_elements=["year"]))
    return True


def set_day(db: Session, day: date, kind: str, name: str, source: str, now: datetime) -> Holiday:
    """Add or change one day (admin or import); the year then counts as known."""
    row = db.scalar(select(Holiday).where(Holiday.day == day))
    if row is None:
        row = Holiday(day=day, kind=kind, name=name, source=source)
        db.add(row)
    else:
        row.kind, row.name, row.source = kind, name, source
    if db.get(HolidayYear, day.year) is None:
        db.add(HolidayYear(year=day.year, source=source, updated_at=now))
    db.flush()
    return row


def load_calendar(db: Session, tz: ZoneInfo, years: range, now: datetime, start: time = time(9, 0),
                  end: time = time(18, 0)) -> WorkCalendar:
    """The calendar for ``years``, seeding from the package any year the table does not know yet.

    Read once per process until the holiday tables change (bot/cache.py), not once per ticket.
    """
    key = f"workcalendar:{tz.key}:{years.start}-{years.stop}:{start}-{end}"
    calendar = cached(db, key, lambda session: _read_calendar(session, tz, years, now, start, end))
    return replace(calendar, missing_years=set())  # each caller its own record of years it asked about


def _read_calendar(db: Session, tz: ZoneInfo, years: range, now: datetime, start: time, end: time) -> WorkCalendar:
    known = set(db.scalars(select(HolidayYear.year).where(HolidayYear.year.in_(list(years)))))
    for year in years:
        if year not in known and seed_year(db, year, now):
            known.add(year)
    rows = db.scalars(select(Holiday).where(Holiday.day >= date(years.start, 1, 1),
                                            Holiday.day < date(years.stop, 1, 1)))
    overrides = {r.day: r.kind == DayKind.WORKDAY for r in rows}
    return WorkCalendar(tz=tz, start=start, end=end, overrides=overrides, known_years=known)


def warn_missing(calendar: WorkCalendar) -> list[int]:
    """Log (once per year and process) that a year fell back to plain weekends; return those years."""
    missing = sorted(calendar.missing_years)
    for year in missing:
        if year not in _warned:
            _warned.add(year)
            log.warning("no public-holiday data for %s: counting working days as Monday to Friday; "
                        "add the year's holidays (API /holidays or import section holidays)", year)
    return missing


def parse_hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def quiet_until(at: datetime, start: time, end: time, tz: ZoneInfo) -> datetime | None:
    """The end of the quiet hours (local ``start``–``end``, e.g. 21:00–08:00) ``at`` falls in, else None."""
    if start == end:
        return None
    here = at.astimezone(tz)
    clock = here.time().replace(tzinfo=None)
    if start < end:
        inside, next_day = start <= clock < end, False
    else:  # the window spans midnight: 21:00-08:00
        inside, next_day = clock >= start or clock < end, clock >= start
    if not inside:
        return None
    day = here.date() + timedelta(days=1) if next_day else here.date()
    return datetime.combine(day, end, tzinfo=tz).astimezone(at.tzinfo)
