"""Real worker processes: SIGKILL mid-drain, SIGTERM, and two workers on PostgreSQL.

The worker runs as `python -m bot worker` against a database file (or a
PostgreSQL schema) and the fake WeChat API in this process, over HTTP.
"""

from __future__ import annotations

import signal
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from bot.clock import SystemClock
from bot.config import OutboxConfig
from bot.db import Database
from models import OutboxMessage, OutboxStatus
from tests.conftest import _empty_tables, _open_backend
from tests.delivery.procs import start_worker, stop, wait_until, write_config
from tests.fakes.wechat_api import FakeWeChatAPI

CUSTOM = "/cgi-bin/message/custom/send"


def enqueue_many(db: Database, n: int, account: str, prefix: str = "m") -> None:
    now = SystemClock().now()  # the worker process runs on the real clock
    rows = [
        {
            "idempotency_key": f"{prefix}{i}",
            "channel": "official_account",
            "account": account,
            "recipient": f"oUser{i % 50}",
            "kind": "late_reply",
            "payload": {"msgtype": "text", "text": f"{prefix}{i:05d}"},
            "status": OutboxStatus.PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for i in range(n)
    ]
    with db.session() as s:
        s.execute(insert(OutboxMessage), rows)


def count(db: Database, status: str) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == status)) or 0


def delivered_texts(api: FakeWeChatAPI) -> Counter[str]:
    return Counter(m["text"]["content"] for m in api.delivered(CUSTOM))


@pytest.fixture
def file_db(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'worker.db'}")
    db.upgrade()
    yield db
    db.dispose()


@pytest.fixture
def pg_db(_databases: dict[str, Database], tmp_path_factory: pytest.TempPathFactory) -> Database:
    db = _open_backend("postgresql", _databases, tmp_path_factory)
    _empty_tables(db)
    return db


def test_worker_killed_mid_drain_loses_nothing_after_restart(
    file_db: Database, fake_wechat: FakeWeChatAPI, tmp_path: Path
) -> None:
    config = write_config(tmp_path / "config.yaml", file_db.url, fake_wechat)
    enqueue_many(file_db, 1000, f"mp:{fake_wechat.app_id}")
    log = tmp_path / "worker.log"
    first = start_worker(config, log)
    try:
        wait_until(lambda: len(fake_wechat.delivered(CUSTOM)) >= 300, 60, "300 deliveries before the kill")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    at_kill = len(fake_wechat.delivered(CUSTOM))
    claimed_at_kill = count(file_db, OutboxStatus.SENDING)
    assert at_kill < 1000, "the kill came too late to test anything"

    second = start_worker(config, log)
    try:
        wait_until(lambda: count(file_db, OutboxStatus.SENT) == 1000, 60, "every message sent after the restart")
    finally:
        code = stop(second)
    texts = delivered_texts(fake_wechat)
    twice = sum(n - 1 for n in texts.values() if n > 1)
    print(
        f"\ncrash test: {at_kill} delivered before SIGKILL, {claimed_at_kill} rows claimed at the kill, "
        f"{len(texts)} distinct delivered, {twice} delivered twice"
    )
    assert len(texts) == 1000
    # Each send is recorded as soon as it returns: only the sends in flight at the
    # kill (at most outbox.concurrency) can go out twice.
    assert twice <= OutboxConfig().concurrency
    assert code == 0, log.read_text()


def test_sigterm_finishes_the_send_in_flight_and_hands_back_the_rest(
    file_db: Database, fake_wechat: FakeWeChatAPI, tmp_path: Path
) -> None:
    # Fewer senders than messages, so that some are still waiting when SIGTERM lands.
    config = write_config(tmp_path / "config.yaml", file_db.url, fake_wechat,
                          outbox={"lease_seconds": 5, "http_timeout_seconds": 5, "concurrency": 4})
    enqueue_many(file_db, 20, f"mp:{fake_wechat.app_id}")
    fake_wechat.queue(CUSTOM, delay=1.0)  # the first send is slow: SIGTERM lands during it
    log = tmp_path / "worker.log"
    worker = start_worker(config, log)
    try:
        wait_until(lambda: len(fake_wechat.requests) >= 2, 30, "the first send to start")  # token + send
    finally:
        code = stop(worker)
    assert code == 0, log.read_text()
    sent = count(file_db, OutboxStatus.SENT)
    assert sent >= 1  # the slow send finished and was recorded
    assert count(file_db, OutboxStatus.SENDING) == 0  # nothing left leased to a dead worker
    assert count(file_db, OutboxStatus.PENDING) == 20 - sent
    with file_db.session() as s:
        assert (
            s.scalar(select(func.max(OutboxMessage.attempts)).where(OutboxMessage.status == OutboxStatus.PENDING)) == 0
        )


def test_two_workers_on_postgresql_deliver_everything_exactly_once(
    pg_db: Database, fake_wechat: FakeWeChatAPI, tmp_path: Path
) -> None:
    config = write_config(tmp_path / "config.yaml", pg_db.url, fake_wechat, outbox={"batch_size": 20})
    enqueue_many(pg_db, 2000, f"mp:{fake_wechat.app_id}")
    log = tmp_path / "workers.log"
    workers = [start_worker(config, log) for _ in range(2)]
    try:
        wait_until(lambda: count(pg_db, OutboxStatus.SENT) == 2000, 75, "2,000 messages sent by two workers")
    finally:
        codes = [stop(w) for w in workers]
    texts = delivered_texts(fake_wechat)
    twice = sum(n - 1 for n in texts.values() if n > 1)
    print(f"\ntwo workers on PostgreSQL: {len(texts)} distinct delivered, {twice} duplicates")
    assert len(texts) == 2000 and twice == 0
    assert codes == [0, 0], log.read_text()
