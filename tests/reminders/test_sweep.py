"""The due sweep: one outbox message per occurrence, exactly once; catch-up after an outage; concurrent sweeps.

Rows are written directly here (the chat tests cover creating them); the sweep
is called with ``now`` as the worker calls it.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.config import Config
from bot.db import Database
from bot.delivery.outbox import Outbox
from handlers.reminders import texts
from handlers.reminders.jobs import reminder_jobs, sweep_due_reminders
from models import OutboxMessage, Reminder, ReminderStatus
from tests.conftest import make_config
from tests.reminders.conftest import NOW, local

DAILY_21 = {"freq": "daily", "hour": 21, "minute": 0, "weekdays": [], "day": None, "month": None}


def add(db: Database, due: datetime, *, repeat: dict[str, Any] | None = None, text: str = "吃药", number: int = 1,
        recipient: str = "oUser", channel: str = "official_account") -> int:
    with db.session() as s:
        row = Reminder(number=number, channel=channel, account="mp:test", recipient=recipient, text=text,
                       repeat=repeat, status=ReminderStatus.ACTIVE, next_due_at=due, sent_count=0,
                       created_by="resident", created_at=NOW, updated_at=NOW)
        s.add(row)
        s.flush()
        return row.id


def sweep(db: Database, config: Config, now: datetime) -> int:
    with db.session() as s:
        return sweep_due_reminders(s, Outbox(s, now), now, config)


def texts_sent(db: Database) -> list[str]:
    with db.session() as s:
        return [r.payload["text"] for r in s.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def reminder(db: Database, reminder_id: int) -> Reminder:
    with db.session() as s:
        row = s.get(Reminder, reminder_id)
        assert row is not None
        return row


@pytest.fixture
def config(db: Database) -> Config:
    return make_config(db)


def test_only_due_rows_are_sent_once_each(db: Database, config: Config) -> None:
    due = add(db, local(2026, 12, 2, 11, 0), text="关火")
    later = add(db, local(2026, 12, 2, 12, 0), text="出门", number=2)
    assert sweep(db, config, local(2026, 12, 2, 11, 0, )) == 1
    assert sweep(db, config, local(2026, 12, 2, 11, 0, )) == 0
    assert texts_sent(db) == ["⏰ 提醒：关火"]
    assert reminder(db, due).status == ReminderStatus.DONE and reminder(db, due).next_due_at is None
    assert reminder(db, later).status == ReminderStatus.ACTIVE


def test_an_occurrence_is_queued_once_even_if_the_row_comes_back(db: Database, config: Config) -> None:
    """The outbox key names reminder and occurrence: a row put back (say, restored from a backup) is not re-sent."""
    rid = add(db, local(2026, 12, 2, 11, 0))
    sweep(db, config, local(2026, 12, 2, 11, 0))
    with db.session() as s:
        row = s.get(Reminder, rid)
        assert row is not None
        row.status, row.next_due_at = ReminderStatus.ACTIVE, local(2026, 12, 2, 11, 0)
    sweep(db, config, local(2026, 12, 2, 11, 1))
    with db.session() as s:
        keys = list(s.scalars(select(OutboxMessage.idempotency_key)))
    assert keys == [f"reminder:{rid}:{int(local(2026, 12, 2, 11, 0).timestamp())}"]


def test_catch_up_sends_once_with_a_note_of_the_delay(db: Database, config: Config) -> None:
    add(db, local(2026, 12, 3, 9, 0), text="去社区打疫苗")
    sweep(db, config, local(2026, 12, 3, 11, 15))  # the worker was down from 08:50 to 11:15
    note = texts.LATE_NOTE.format(due="12月3日（周四）09:00", delay="2小时15分钟")
    assert texts_sent(db) == ["⏰ 提醒：去社区打疫苗" + note]


def test_a_few_seconds_late_is_not_worth_a_note(db: Database, config: Config) -> None:
    add(db, local(2026, 12, 3, 9, 0), text="去社区打疫苗")
    sweep(db, config, local(2026, 12, 3, 9, 0) + timedelta(seconds=11))
    assert texts_sent(db) == ["⏰ 提醒：去社区打疫苗"]


def test_too_late_is_skipped_with_a_log_line(db: Database, config: Config, caplog: pytest.LogCaptureFixture) -> None:
    rid = add(db, local(2026, 12, 3, 9, 0), text="去社区打疫苗")
    with caplog.at_level(logging.WARNING, logger="handlers.reminders.jobs"):
        assert sweep(db, config, local(2026, 12, 3, 15, 30)) == 1  # 6.5 hours late, catch_up_hours 6
    assert texts_sent(db) == []
    assert reminder(db, rid).status == ReminderStatus.MISSED
    assert any(f"reminder {rid}" in r.message and "skipped" in r.message and "catch_up_hours" in r.message
               for r in caplog.records)


def test_catch_up_hours_is_configurable(db: Database) -> None:
    config = make_config(db, reminders={"catch_up_hours": 24})
    add(db, local(2026, 12, 3, 9, 0), text="去社区打疫苗")
    sweep(db, config, local(2026, 12, 3, 20, 0))
    assert len(texts_sent(db)) == 1


def test_a_repeat_after_a_long_outage_sends_only_the_newest_occurrence(
    db: Database, config: Config, caplog: pytest.LogCaptureFixture
) -> None:
    rid = add(db, local(2026, 12, 2, 21, 0), repeat=DAILY_21, text="锁门")
    with caplog.at_level(logging.WARNING, logger="handlers.reminders.jobs"):
        sweep(db, config, local(2026, 12, 5, 22, 0))  # down Wednesday evening to Saturday 22:00
    [sent] = texts_sent(db)
    assert sent.startswith("⏰ 提醒：锁门") and "12月5日（周六）21:00" in sent and "1小时" in sent
    row = reminder(db, rid)
    assert row.next_due_at == local(2026, 12, 6, 21, 0) and row.status == ReminderStatus.ACTIVE
    assert row.last_due_at == local(2026, 12, 5, 21, 0)
    assert any("3 occurrences missed" in r.message for r in caplog.records)


def test_a_repeat_whose_newest_occurrence_is_too_late_waits_for_the_next(db: Database, config: Config) -> None:
    rid = add(db, local(2026, 12, 2, 21, 0), repeat=DAILY_21, text="锁门")
    sweep(db, config, local(2026, 12, 3, 10, 0))  # 13 hours late
    assert texts_sent(db) == []
    assert reminder(db, rid).next_due_at == local(2026, 12, 3, 21, 0)


def test_the_sweep_is_one_job_for_all_reminders(db: Database, config: Config) -> None:
    services = type("S", (), {"config": make_config(db, reminders={"sweep_seconds": 7})})()
    [job] = reminder_jobs(services)
    assert job.name == "reminders.due" and job.seconds == 7


def test_a_sweep_takes_at_most_its_limit_and_the_next_one_continues(db: Database, config: Config) -> None:
    for n in range(25):
        add(db, local(2026, 12, 2, 11, 0), number=n + 1)
    now = local(2026, 12, 2, 11, 0)
    with db.session() as s:
        assert sweep_due_reminders(s, Outbox(s, now), now, config, limit=10) == 10
    assert sweep(db, config, now) == 15
    assert len(texts_sent(db)) == 25


def test_two_sweeps_at_once_queue_each_occurrence_once(db: Database, config: Config) -> None:
    """Two workers sweeping in the same second (PostgreSQL: SKIP LOCKED splits the rows; SQLite: one writer)."""
    due = local(2026, 12, 2, 11, 0)
    with db.session() as s:
        s.add_all([Reminder(number=n, channel="official_account", account="mp:test", recipient=f"oU{n % 40}",
                            text=f"r{n}", status=ReminderStatus.ACTIVE, next_due_at=due, sent_count=0,
                            created_by="resident", created_at=NOW, updated_at=NOW) for n in range(400)])
    now = due + timedelta(seconds=3)
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        try:
            barrier.wait()
            for _ in range(5):
                sweep(db, config, now)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with db.session() as s:
        per_text = Counter(r.payload["text"] for r in s.scalars(select(OutboxMessage)))
        done = s.scalar(select(func.count()).select_from(Reminder).where(Reminder.status == ReminderStatus.DONE))
    assert len(per_text) == 400 and set(per_text.values()) == {1}
    assert done == 400


def test_the_sweep_reads_due_rows_by_index(db: Database, config: Config) -> None:
    """Pending rows far in the future are not read at all (the bench measures the cost with 100,000)."""
    for n in range(50):
        add(db, local(2026, 12, 30, 9, 0) + timedelta(minutes=n), number=n + 1)
    statements: list[str] = []
    from sqlalchemy import event

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert sweep(db, config, datetime(2026, 12, 2, 3, 0, tzinfo=UTC)) == 0
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    selects = [s for s in statements if "FROM reminders" in s]
    assert len(selects) == 1 and "LIMIT" in selects[0].upper()


def test_the_health_check_reports_a_sweep_that_stopped(db: Database, config: Config) -> None:
    from bot.clock import FixedClock
    from handlers.reminders.health import overdue_reminders

    add(db, local(2026, 12, 2, 11, 0))
    services = type("S", (), {"config": config, "db": db, "clock": FixedClock(local(2026, 12, 2, 11, 3))})()
    assert overdue_reminders(services) == []
    services.clock = FixedClock(local(2026, 12, 2, 11, 6))
    [problem] = overdue_reminders(services)
    assert problem.startswith("1 reminders are overdue") and "python -m bot worker" in problem
