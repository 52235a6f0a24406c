"""The one sweep that sends every reminder that fell due (not one scheduler job per reminder).

Every ``reminders.sweep_seconds`` the worker takes the active rows whose
``next_due_at`` falls within the next two runs — by the (status, next_due_at)
index, in batches, so its cost and memory depend on what is due, not on how
many are pending — and, in one transaction per run, queues each occurrence in
the outbox and moves the row on (a one-off is done; a recurrence gets its next
occurrence). An occurrence still a few seconds ahead is queued with the outbox
row's ``next_attempt_at`` at its time: the one-second drain sends it on time,
so lateness does not grow with the sweep interval. Cancelling withdraws such a
row while it is not yet due (service.cancel).

Exactly once: the outbox idempotency key names the reminder and the
occurrence (``reminder:<id>:<epoch>``, plus the recipient for an audience) and
is inserted ``ON CONFLICT DO NOTHING``, and the row moves on in the same
transaction. Both are batched (one INSERT and one executemany UPDATE per 200
rows), so a burst of due reminders costs a few statements, not three per row. On PostgreSQL the rows are
claimed ``FOR UPDATE SKIP LOCKED``, so two workers sweeping at once split them
instead of colliding; on SQLite a sweep with something due reads it under the
write lock (BEGIN IMMEDIATE), so a second sweep waits and then finds it done.

Catch-up after the worker was down: an occurrence that fell due meanwhile is
sent once when a worker comes back, with a note of the delay when it is later
than ``reminders.late_note_minutes``; one later than
``reminders.catch_up_hours`` is skipped with a log line (a one-off becomes
``missed``). A recurrence that missed several occurrences sends only the newest.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.config import Config
from bot.delivery.outbox import Outbox
from bot.jobs.scheduler import Sweep
from handlers.reminders import audience, service
from models import OutboxMessage, OutboxStatus, Reminder, ReminderStatus

log = logging.getLogger(__name__)

BATCH = 200
"""Rows read (and locked) at a time."""

MAX_PER_SWEEP = 2000
"""Rows one run handles at most; the rest wait for the next run (a short write transaction on SQLite)."""

INSERT_CHUNK = 500
"""Outbox rows per INSERT statement (an audience fans out to many)."""

MAX_SKIPPED = 5000
"""Occurrences of one recurrence walked over after a long outage before giving up on the walk."""


def reminder_jobs(services: Any) -> list[Sweep]:
    """One sweep for every reminder."""
    config = services.config

    def due(db: Session, outbox: Outbox, now: datetime) -> int:
        return sweep_due_reminders(db, outbox, now, config)

    return [Sweep("reminders.due", due, config.reminders.sweep_seconds)]


def sweep_due_reminders(db: Session, outbox: Outbox, now: datetime, config: Config, *,
                        limit: int = MAX_PER_SWEEP, ahead: timedelta | None = None) -> int:
    """Queue every occurrence due by ``now`` + ``ahead`` once, move the rows on; returns the rows handled.

    ``ahead`` (default: two sweep intervals, so a run that starts late or takes
    long still leaves every reminder queued before its second) queues what
    falls due soon with the outbox's ``next_attempt_at`` set to its time: the
    one-second drain sends it on time instead of up to an interval late.
    """
    if ahead is None:
        ahead = timedelta(seconds=2 * config.reminders.sweep_seconds)
    horizon = now + ahead
    postgres = db.get_bind().dialect.name == "postgresql"
    workdays = service.Workdays(db, config, now)
    handled = 0
    if not postgres and not _anything_due(db, horizon):
        return 0
    if not postgres:
        _take_the_write_lock(db)
    while handled < limit:
        query = (
            select(Reminder)
            .where(Reminder.status == ReminderStatus.ACTIVE, Reminder.next_due_at <= horizon)
            .order_by(Reminder.next_due_at, Reminder.id)
            .limit(min(BATCH, limit - handled))
        )
        if postgres:
            query = query.with_for_update(skip_locked=True)
        rows = list(db.scalars(query))
        if not rows:
            break
        messages: list[dict[str, Any]] = []
        changes = [_fire(db, row, now, config, workdays, messages) for row in rows]
        _insert_messages(db, messages)
        db.execute(update(Reminder), changes)  # one executemany by primary key
        handled += len(rows)
    return handled


def _anything_due(db: Session, now: datetime) -> bool:
    return db.scalar(select(Reminder.id).where(Reminder.status == ReminderStatus.ACTIVE,
                                               Reminder.next_due_at <= now).limit(1)) is not None


def _take_the_write_lock(db: Session) -> None:
    """SQLite: read the due rows under the write lock (BEGIN IMMEDIATE), so a second sweep waits, then sees them done.

    Without it both would read the same rows (pysqlite runs a SELECT outside any
    transaction) and the second would collide on the outbox key.
    """
    connection = db.connection()
    if not connection.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _fire(db: Session, row: Reminder, now: datetime, config: Config, workdays: Any,
          messages: list[dict[str, Any]]) -> dict[str, Any]:
    """The row's new state after this occurrence; its outbox rows are appended to ``messages``."""
    assert row.next_due_at is not None
    occurrence = row.next_due_at
    following = None
    skipped = 0
    if row.repeat:
        following = service.next_occurrence(row.repeat, occurrence, config.tz, workdays)
        while following <= now and skipped < MAX_SKIPPED:  # missed while no worker ran
            skipped += 1
            occurrence = following
            following = service.next_occurrence(row.repeat, occurrence, config.tz, workdays)
        if following <= now:
            following = service.next_occurrence(row.repeat, now, config.tz, workdays)
    if skipped:
        log.warning("reminder %s: %s occurrences missed while no worker ran are skipped; the newest (%s) is handled",
                    row.id, skipped, occurrence.isoformat())
    late = now - occurrence
    sent = late <= timedelta(hours=config.reminders.catch_up_hours)
    if sent:
        messages.extend(_messages(db, row, occurrence, now, config))
    else:
        log.warning("reminder %s: occurrence %s skipped, %s late (more than reminders.catch_up_hours=%s)",
                    row.id, occurrence.isoformat(), late, config.reminders.catch_up_hours)
    if following is not None:
        status = ReminderStatus.ACTIVE
    else:
        status = ReminderStatus.DONE if sent else ReminderStatus.MISSED
    return {"id": row.id, "next_due_at": following, "status": status, "last_due_at": occurrence,
            "sent_count": row.sent_count + (1 if sent else 0), "updated_at": now}


def _messages(db: Session, row: Reminder, occurrence: datetime, now: datetime, config: Config) -> list[dict[str, Any]]:
    """Outbox rows for one occurrence, due at its time: to the owner or robot, or to everyone in the audience."""
    text = service.push_text(row, occurrence, now, config)
    key = service.occurrence_key(row, occurrence)
    base = {"kind": service.TEMPLATE_KIND, "payload": {"msgtype": "text", "text": text},
            "status": OutboxStatus.PENDING, "attempts": 0, "next_attempt_at": max(occurrence, now), "created_at": now}
    if row.recipient is not None:
        return [{**base, "idempotency_key": key, "channel": row.channel, "account": row.account,
                 "recipient": row.recipient}]
    found, without_account = audience.targets(db, config, row.audience_kind or "", row.audience_code or "")
    if without_account:
        log.info("reminder %s: %s residents of %s %s have no WeChat account to send to",
                 row.id, without_account, row.audience_kind, row.audience_code)
    return [{**base, "idempotency_key": f"{key}:{t.channel}:{t.recipient}", "channel": t.channel,
             "account": t.account, "recipient": t.recipient} for t in found]


def _insert_messages(db: Session, messages: list[dict[str, Any]]) -> None:
    """The outbox rows in one statement per chunk; a key already queued is left as it is (never queued twice)."""
    if not messages:
        return
    insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(OutboxMessage.__table__).on_conflict_do_nothing(index_elements=["idempotency_key"])
    for start in range(0, len(messages), INSERT_CHUNK):
        db.execute(statement, messages[start:start + INSERT_CHUNK])
