"""Reminders as rows: create, list and cancel a resident's, the 48-hour rule, recurrences, times in words.

A reminder is a row with ``next_due_at``; the worker's one sweep (jobs.py) turns
due rows into outbox messages. A recurrence is stored as its rule (``repeat``)
and only its next occurrence is kept, so a daily reminder costs one row forever.

The 48-hour rule: WeChat delivers an Official Account's customer-service
message only within 48 hours of the user's last message. A resident who sets a
reminder has just written, so a one-off due within 48 hours (less a margin for
the sweep) will arrive. Anything later — and every recurrence, whose later
occurrences fall outside the window unless the resident keeps writing — needs
the template of kind ``reminder`` (``templates.reminder``); without one the
reminder is refused at creation with the reason and what to do instead, never
accepted to fail silently. WeCom users and the console have no such window.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session

from bot.config import Config
from bot.delivery.channels import console_mode
from bot.delivery.channels.official_account import CUSTOMER_SERVICE_WINDOW
from bot.dialog.message import IncomingMessage
from bot.workcalendar import WorkCalendar, load_calendar, warn_missing
from handlers.reminders import texts
from models import OutboxMessage, OutboxStatus, Reminder, ReminderStatus
from nlp.timeparse import Freq, Recurrence, TimeResult

log = logging.getLogger(__name__)

TEMPLATE_KIND = "reminder"
"""The outbox kind of every reminder: ``templates.reminder`` is its template outside the 48-hour window."""

WINDOW_MARGIN = timedelta(minutes=10)
"""A one-off must be due this much inside the window: the sweep and the outbox take a little time."""

OFFICIAL_ACCOUNT = "official_account"


# -- the holiday calendar, loaded when a workday repeat needs it ------------------------------------


class Workdays:
    """``is_workday(day)`` over the app's holiday table (with 调休), loaded on first use."""

    def __init__(self, db: Session, config: Config, now: datetime) -> None:
        self.db = db
        self.config = config
        self.now = now
        self._calendar: WorkCalendar | None = None
        self._years: range = range(0)

    def __call__(self, day: date) -> bool:
        if self._calendar is None or day.year not in self._years:
            self._years = range(day.year - 1, day.year + 3)
            self._calendar = load_calendar(self.db, self.config.tz, self._years, self.now)
        working = self._calendar.is_workday(day)
        if self._calendar.missing_years:
            warn_missing(self._calendar)
        return working


# -- recurrences ------------------------------------------------------------------------------------


def repeat_of(result: TimeResult) -> dict[str, Any] | None:
    """The stored form of a recurrence (None for a one-off)."""
    rec = result.when
    if not isinstance(rec, Recurrence):
        return None
    return {"freq": str(rec.freq), "hour": rec.hour, "minute": rec.minute, "weekdays": list(rec.weekdays),
            "day": rec.day, "month": rec.month}


def next_occurrence(repeat: dict[str, Any], after: datetime, tz: ZoneInfo, is_workday: Any) -> datetime:
    """The first occurrence of ``repeat`` strictly after ``after`` (UTC)."""
    local = after.astimezone(tz)
    rule = Recurrence(Freq(repeat["freq"]), local, int(repeat["hour"]), int(repeat["minute"]),
                      tuple(repeat.get("weekdays") or ()), repeat.get("day"), repeat.get("month"))
    return rule.next_after(local, is_workday).astimezone(UTC)


# -- times in words -----------------------------------------------------------------------------------


def when_text(at: datetime, tz: ZoneInfo, now: datetime) -> str:
    """12月3日（周四）09:00; with the year when it is not this year's."""
    local = at.astimezone(tz)
    fields = {"month": local.month, "day": local.day, "weekday": texts.WEEKDAYS[local.weekday()],
              "time": f"{local:%H:%M}"}
    if local.year != now.astimezone(tz).year:
        return texts.DATE_WITH_YEAR.format(year=local.year, **fields)
    return texts.DATE.format(**fields)


def rule_text(repeat: dict[str, Any]) -> str:
    """每天 21:00, 每周二、周四 07:00, 每个工作日 07:30, 每月15日 09:00 …"""
    clock = f"{int(repeat['hour']):02d}:{int(repeat['minute']):02d}"
    freq = Freq(repeat["freq"])
    day = repeat.get("day")
    if freq is Freq.DAILY:
        return texts.EVERY_DAY.format(time=clock)
    if freq is Freq.WEEKLY:
        days = texts.DAY_SEPARATOR.join(texts.WEEKDAYS[d] for d in repeat.get("weekdays") or ())
        return texts.EVERY_WEEK.format(days=days, time=clock)
    if freq is Freq.WORKDAYS:
        return texts.EVERY_WORKDAY.format(time=clock)
    if freq is Freq.MONTHLY:
        if day in (None, -1):
            return texts.EVERY_MONTH_LAST.format(time=clock)
        return texts.EVERY_MONTH.format(day=day, time=clock)
    if day in (None, -1):
        return texts.EVERY_YEAR_LAST.format(month=repeat.get("month"), time=clock)
    return texts.EVERY_YEAR.format(month=repeat.get("month"), day=day, time=clock)


def delay_text(delay: timedelta) -> str:
    minutes = max(1, int(delay.total_seconds() // 60))
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return texts.DELAY_MINUTES.format(minutes=minutes)
    if not minutes:
        return texts.DELAY_HOURS.format(hours=hours)
    return texts.DELAY_HOURS_MINUTES.format(hours=hours, minutes=minutes)


def upcoming(row: Reminder, now: datetime) -> datetime | None:
    """The next time the resident will hear from it: an occurrence already queued for a moment ahead, or the next."""
    if row.last_due_at is not None and row.last_due_at > now:
        return row.last_due_at
    return row.next_due_at


def line_of(row: Reminder, tz: ZoneInfo, now: datetime) -> str:
    """One line of "我的提醒"."""
    what = row.text or texts.NO_WHAT
    when = when_text(upcoming(row, now) or now, tz, now)
    if row.repeat:
        return texts.LIST_LINE_REPEAT.format(number=row.number, rule=rule_text(row.repeat), what=what, when=when)
    return texts.LIST_LINE.format(number=row.number, when=when, what=what)


# -- a resident's reminders ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Owner:
    """Whom a resident's reminder goes to: the account they wrote from."""

    channel: str
    account: str
    recipient: str

    @classmethod
    def of(cls, msg: IncomingMessage) -> Owner:
        return cls(msg.channel, msg.account, msg.user_id)

    def where(self) -> tuple[Any, ...]:
        return (Reminder.channel == self.channel, Reminder.account == self.account,
                Reminder.recipient == self.recipient)


def _still_to_come(now: datetime) -> Any:
    """Active rows, and one-offs whose occurrence the sweep queued for a moment still ahead."""
    return or_(Reminder.status == ReminderStatus.ACTIVE,
               and_(Reminder.status == ReminderStatus.DONE, Reminder.last_due_at > now))


def active(db: Session, owner: Owner, now: datetime) -> list[Reminder]:
    """The owner's reminders still to come, soonest first."""
    rows = db.scalars(select(Reminder).where(*owner.where(), _still_to_come(now)).order_by(Reminder.id))
    return sorted(rows, key=lambda r: (upcoming(r, now) or now, r.id))


def by_number(db: Session, owner: Owner, number: int, now: datetime) -> Reminder | None:
    return db.scalar(select(Reminder).where(*owner.where(), Reminder.number == number, _still_to_come(now)))


def count_active(db: Session, owner: Owner, now: datetime) -> int:
    return db.scalar(select(func.count()).select_from(Reminder)
                     .where(*owner.where(), _still_to_come(now))) or 0


def window_refusal(config: Config, owner: Owner, first: datetime, repeat: dict[str, Any] | None,
                   now: datetime) -> str | None:
    """Why WeChat would not deliver this reminder (a text for the resident), or None when it will arrive."""
    if owner.channel != OFFICIAL_ACCOUNT or console_mode(config) or config.templates.get(TEMPLATE_KIND):
        return None
    if repeat is not None:
        return texts.WINDOW_REFUSED_REPEAT
    if first - now > CUSTOMER_SERVICE_WINDOW - WINDOW_MARGIN:
        return texts.WINDOW_REFUSED.format(when=when_text(first, config.tz, now))
    return None


def create(db: Session, owner: Owner, what: str, first: datetime, repeat: dict[str, Any] | None,
           now: datetime) -> Reminder:
    """A resident's reminder with the next free number of theirs (numbers are never reused)."""
    number = (db.scalar(select(func.max(Reminder.number)).where(*owner.where())) or 0) + 1
    row = Reminder(number=number, channel=owner.channel, account=owner.account, recipient=owner.recipient,
                   text=what, repeat=repeat, status=ReminderStatus.ACTIVE,
                   next_due_at=first.astimezone(UTC), sent_count=0, created_by="resident",
                   created_at=now, updated_at=now)
    db.add(row)
    db.flush()
    log.info("reminder %s created (number %s, %s)", row.id, number, row.repeat["freq"] if row.repeat else "once")
    return row


def cancel(db: Session, row: Reminder, now: datetime) -> None:
    """Stop it, and withdraw an occurrence the sweep queued ahead of its time that is not yet due."""
    if row.last_due_at is not None and row.last_due_at > now:
        db.execute(delete(OutboxMessage).where(
            OutboxMessage.idempotency_key.startswith(f"{occurrence_key(row, row.last_due_at)}"),
            OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at > now,
        ).execution_options(synchronize_session=False))
    row.status = ReminderStatus.CANCELLED
    row.next_due_at = None
    row.updated_at = now


def occurrence_key(row: Reminder, occurrence: datetime) -> str:
    """The outbox idempotency key of one occurrence (an audience's recipients append their own part)."""
    return f"reminder:{row.id}:{int(occurrence.timestamp())}"


# -- what is sent ----------------------------------------------------------------------------------------


def push_text(row: Reminder, occurrence: datetime, now: datetime, config: Config) -> str:
    """The reminder as sent at ``now`` for ``occurrence``, with a note when it is late."""
    tz = config.tz
    if row.number is None:  # a staff reminder
        if row.event_at is not None:
            body = texts.STAFF_PUSH_EVENT.format(text=row.text, when=when_text(row.event_at, tz, now))
        else:
            body = texts.STAFF_PUSH.format(text=row.text)
    else:
        body = texts.PUSH.format(what=row.text) if row.text else texts.PUSH_NO_WHAT
        if row.repeat:
            body += texts.PUSH_REPEAT_TAIL.format(rule=rule_text(row.repeat), number=row.number)
    late = now - occurrence
    if late > timedelta(minutes=config.reminders.late_note_minutes):
        body += texts.LATE_NOTE.format(due=when_text(occurrence, tz, now), delay=delay_text(late))
    return body
