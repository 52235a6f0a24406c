"""Real worker processes: reminders delivered exactly once across SIGKILL and restart, with two workers, and catch-up.

`python -m bot worker` runs against a database file (or a PostgreSQL schema)
and the fake WeChat API in this process; reminders fall due on the real clock.
Exactly once is checked where it is decided: one outbox row per reminder and
occurrence. At the fake API, a SIGKILL can still repeat the sends that were in
flight (the outbox's documented limit, ≤ outbox.concurrency); with no kill, zero.
"""

from __future__ import annotations

import signal
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from bot.clock import SystemClock
from bot.config import OutboxConfig
from bot.db import Database
from models import JobRun, OutboxMessage, OutboxStatus, Reminder, ReminderStatus
from tests.conftest import _empty_tables, _open_backend
from tests.delivery.procs import start_worker, stop, wait_until, write_config
from tests.fakes.wechat_api import FakeWeChatAPI

CUSTOM = "/cgi-bin/message/custom/send"
PREFIX = "⏰ 提醒："
DAILY = {"freq": "daily", "hour": 9, "minute": 0, "weekdays": [], "day": None, "month": None}


def add_reminders(db: Database, account: str, dues: list[datetime], *, repeat: dict | None = None,
                  tag: str = "r") -> None:
    now = SystemClock().now()
    rows = [{"number": i + 1, "channel": "official_account", "account": account, "recipient": f"oUser{i % 60}-{tag}",
             "text": f"{tag}{i:05d}", "repeat": repeat, "status": ReminderStatus.ACTIVE, "next_due_at": due,
             "sent_count": 0, "created_by": "resident", "created_at": now, "updated_at": now}
            for i, due in enumerate(dues)]
    with db.session() as s:
        s.execute(insert(Reminder), rows)


def swept(db: Database) -> bool:
    with db.session() as s:
        return s.scalar(select(JobRun.last_run_at).where(JobRun.name == "reminders.due")) is not None


def spread(n: int, start: datetime, seconds: float) -> list[datetime]:
    return [start + timedelta(seconds=seconds * i / n) for i in range(n)]


def reminder_rows(db: Database) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "reminder")) or 0


def sent_rows(db: Database) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(OutboxMessage)
                        .where(OutboxMessage.kind == "reminder", OutboxMessage.status == OutboxStatus.SENT)) or 0


def pending_reminders(db: Database) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(Reminder).where(
            Reminder.status == ReminderStatus.ACTIVE, Reminder.repeat.is_(None))) or 0


def delivered(api: FakeWeChatAPI) -> Counter[str]:
    return Counter(m["text"]["content"].removeprefix(PREFIX).split("\n")[0] for m in api.delivered(CUSTOM))


def reminder_config(path: Path, db: Database, api: FakeWeChatAPI, **extra: object) -> Path:
    return write_config(path, db.url, api, reminders={"sweep_seconds": 1}, **extra)


@pytest.fixture
def file_db(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'reminders.db'}")
    db.upgrade()
    yield db
    db.dispose()


@pytest.fixture
def pg_db(_databases: dict[str, Database], tmp_path_factory: pytest.TempPathFactory) -> Database:
    db = _open_backend("postgresql", _databases, tmp_path_factory)
    _empty_tables(db)
    return db


def test_worker_killed_and_restarted_sends_every_reminder_once(
    file_db: Database, fake_wechat: FakeWeChatAPI, tmp_path: Path
) -> None:
    account = f"mp:{fake_wechat.app_id}"
    config = reminder_config(tmp_path / "config.yaml", file_db, fake_wechat)
    log = tmp_path / "worker.log"
    first = start_worker(config, log)
    try:
        wait_until(lambda: swept(file_db), 60, "the worker's first sweep")
        start = SystemClock().now() + timedelta(seconds=1)
        add_reminders(file_db, account, spread(600, start, 12.0))
        add_reminders(file_db, account, [start] * 20, repeat=DAILY, tag="d")
        wait_until(lambda: len(fake_wechat.delivered(CUSTOM)) >= 150, 60, "150 deliveries before the kill")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    queued_at_kill = reminder_rows(file_db)
    assert pending_reminders(file_db) > 0, "the kill came too late to test anything"

    second = start_worker(config, log)
    try:
        wait_until(lambda: pending_reminders(file_db) == 0 and sent_rows(file_db) == 620, 90,
                   "every reminder queued and sent after the restart")
    finally:
        code = stop(second)
    with file_db.session() as s:
        keys = Counter(k.rsplit(":", 1)[0] for k in s.scalars(
            select(OutboxMessage.idempotency_key).where(OutboxMessage.kind == "reminder")))
        daily = list(s.scalars(select(Reminder).where(Reminder.repeat.is_not(None))))
    assert len(keys) == 620 and set(keys.values()) == {1}  # one outbox row per reminder and occurrence
    assert all(r.sent_count == 1 and r.next_due_at is not None and r.next_due_at > start for r in daily)
    texts = delivered(fake_wechat)
    twice = sum(n - 1 for n in texts.values() if n > 1)
    print(f"\nreminders crash test: {queued_at_kill} queued before SIGKILL, {len(texts)} distinct delivered, "
          f"{twice} delivered twice (sends in flight at the kill)")
    assert len(texts) == 620
    assert twice <= OutboxConfig().concurrency
    assert code == 0, log.read_text()


def test_a_worker_back_from_an_outage_catches_up_once_with_a_note_and_skips_the_too_late(
    file_db: Database, fake_wechat: FakeWeChatAPI, tmp_path: Path
) -> None:
    account = f"mp:{fake_wechat.app_id}"
    now = SystemClock().now()
    add_reminders(file_db, account, [now - timedelta(hours=2)] * 5, tag="late")
    add_reminders(file_db, account, [now - timedelta(hours=9)] * 3, tag="old")
    config = reminder_config(tmp_path / "config.yaml", file_db, fake_wechat)
    log = tmp_path / "worker.log"
    worker = start_worker(config, log)
    try:
        wait_until(lambda: pending_reminders(file_db) == 0 and sent_rows(file_db) == 5, 60, "the catch-up")
    finally:
        code = stop(worker)
    bodies = [m["text"]["content"] for m in fake_wechat.delivered(CUSTOM)]
    assert len(bodies) == 5 and all(b.startswith(PREFIX + "late") and "2小时" in b for b in bodies)
    with file_db.session() as s:
        missed = s.scalar(select(func.count()).select_from(Reminder).where(Reminder.status == ReminderStatus.MISSED))
    assert missed == 3
    assert log.read_text().count("catch_up_hours") == 3
    assert code == 0


def test_two_workers_on_postgresql_send_every_reminder_exactly_once(
    pg_db: Database, fake_wechat: FakeWeChatAPI, tmp_path: Path
) -> None:
    account = f"mp:{fake_wechat.app_id}"
    start = SystemClock().now() + timedelta(seconds=3)
    add_reminders(pg_db, account, spread(1500, start, 6.0))
    config = reminder_config(tmp_path / "config.yaml", pg_db, fake_wechat, outbox={"batch_size": 20})
    log = tmp_path / "workers.log"
    workers = [start_worker(config, log) for _ in range(2)]
    try:
        wait_until(lambda: pending_reminders(pg_db) == 0 and sent_rows(pg_db) == 1500, 90,
                   "1,500 reminders sent by two workers")
    finally:
        codes = [stop(w) for w in workers]
    texts = delivered(fake_wechat)
    twice = sum(n - 1 for n in texts.values() if n > 1)
    print(f"\ntwo workers on PostgreSQL: {len(texts)} distinct reminders delivered, {twice} duplicates")
    assert reminder_rows(pg_db) == 1500
    assert len(texts) == 1500 and twice == 0
    assert codes == [0, 0], log.read_text()
