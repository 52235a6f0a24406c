"""Real `python -m bot worker` processes fanning a bulletin out into the fake WeChat API.

A worker is SIGKILLed in the middle of a run (during the fan-out or the sends, whichever it is in when
the first deliveries appear) and another one started: every subscriber gets the bulletin, the delivery
and outbox rows exist once each, and only the sends in flight at the kill can go out twice. Two workers
started at once on PostgreSQL send it exactly once.
"""

from __future__ import annotations

import signal
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update

from bot.clock import SystemClock
from bot.config import OutboxConfig
from bot.db import Database
from bot.importer import DATA_DIR, import_file
from models import BulletinDelivery, BulletinRun, BulletinSeries, OutboxMessage, OutboxStatus
from tests.bulletins.conftest import CUSTOM_SEND, subscribe_many, wrote_at
from tests.conftest import _empty_tables, _open_backend
from tests.delivery.procs import start_worker, stop, wait_until, write_config
from tests.fakes.wechat_api import FakeWeChatAPI


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


def _due_now(db: Database, api: FakeWeChatAPI, n: int) -> list[str]:
    """今日党史 due this minute (the worker runs on the real clock) for ``n`` subscribers inside the window."""
    import_file(db, DATA_DIR / "bulletins.yaml")
    with db.session() as s:
        s.execute(update(BulletinSeries).values(cron="* * * * *"))
    now = SystemClock().now()
    openids = [f"oProc{i:05d}" for i in range(n)]
    account = f"mp:{api.app_id}"
    subscribe_many(db, "party_history", openids, account, now)
    wrote_at(db, account, openids, now - timedelta(hours=1))
    return openids


def _count(db: Database, model: type, *where: object) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _sent(db: Database) -> int:
    return _count(db, OutboxMessage, OutboxMessage.kind == "bulletin", OutboxMessage.status == OutboxStatus.SENT)


def _received(api: FakeWeChatAPI) -> Counter[str]:
    return Counter(m["touser"] for m in api.delivered(CUSTOM_SEND))


def test_a_worker_killed_mid_run_is_resumed_by_the_next_without_duplicates(
    file_db: Database, fake_wechat: FakeWeChatAPI, tmp_path: Path
) -> None:
    n = 3000
    openids = _due_now(file_db, fake_wechat, n)
    config = write_config(tmp_path / "config.yaml", file_db.url, fake_wechat,
                          bulletins={"fanout_batch_size": 100})
    log = tmp_path / "worker.log"
    first = start_worker(config, log)
    try:
        wait_until(lambda: _count(file_db, BulletinDelivery) > 0, 60, "the fan-out to start")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    rows_at_kill = _count(file_db, BulletinDelivery)
    sent_at_kill = len(fake_wechat.delivered(CUSTOM_SEND))
    # The dead worker's leases would keep everyone off for minutes: let them expire now.
    with file_db.session() as s:
        s.execute(text("UPDATE job_runs SET lease_until = NULL, lease_owner = NULL"))
        s.execute(update(OutboxMessage).where(OutboxMessage.status == OutboxStatus.SENDING)
                  .values(next_attempt_at=SystemClock().now() - timedelta(seconds=1)))

    second = start_worker(config, log)
    try:
        wait_until(lambda: _sent(file_db) == n, 120, "every bulletin sent after the restart")
    finally:
        code = stop(second)
    received = _received(fake_wechat)
    twice = sum(c - 1 for c in received.values() if c > 1)
    print(f"\nkilled with {rows_at_kill}/{n} delivery rows written and {sent_at_kill} sent; "
          f"after the restart {len(received)} received, {twice} twice")
    assert set(received) == set(openids)
    assert _count(file_db, BulletinDelivery) == n
    assert _count(file_db, OutboxMessage, OutboxMessage.kind == "bulletin") == n
    assert twice <= OutboxConfig().concurrency  # only the sends in flight at the kill
    with file_db.session() as s:
        [run] = s.scalars(select(BulletinRun))
        assert run.status == "done" and run.queued == n
    assert code == 0, log.read_text()


def test_two_workers_on_postgresql_send_the_bulletin_once(
    pg_db: Database, fake_wechat: FakeWeChatAPI, tmp_path: Path
) -> None:
    n = 2000
    openids = _due_now(pg_db, fake_wechat, n)
    config = write_config(tmp_path / "config.yaml", pg_db.url, fake_wechat, outbox={"batch_size": 20},
                          bulletins={"fanout_batch_size": 100})
    log = tmp_path / "workers.log"
    workers = [start_worker(config, log) for _ in range(2)]
    try:
        wait_until(lambda: _sent(pg_db) == n, 120, "the bulletin sent to every subscriber")
    finally:
        codes = [stop(w) for w in workers]
    received = _received(fake_wechat)
    print(f"\ntwo workers on PostgreSQL: {len(received)} received, {sum(received.values()) - len(received)} twice")
    assert set(received) == set(openids) and all(c == 1 for c in received.values())
    assert _count(pg_db, BulletinDelivery) == n and _count(pg_db, BulletinRun) == 1
    assert codes == [0, 0], log.read_text()
