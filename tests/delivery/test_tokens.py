"""Shared access tokens: one fetch per expiry however many threads or processes ask."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest

from bot.clock import FixedClock
from bot.db import Database
from bot.delivery.tokens import DatabaseTokenStore, RedisTokenStore, StoredToken, TokenStore
from tests.delivery.conftest import T0, redis_url


def _stores(kind: str, db: Database, clock: FixedClock, n: int) -> list[TokenStore]:
    if kind == "database":
        return [DatabaseTokenStore(db, clock) for _ in range(n)]
    import redis

    client = redis.Redis.from_url(redis_url())
    prefix = f"linli-test:{uuid.uuid4().hex}:"
    return [RedisTokenStore(client, clock, prefix=prefix) for _ in range(n)]


@pytest.fixture(params=["database", "redis"])
def kind(request: pytest.FixtureRequest) -> str:
    return request.param


class CountingFetch:
    def __init__(self, lifetime: int = 7200) -> None:
        self.calls: list[bool] = []
        self.lifetime = lifetime
        self.lock = threading.Lock()
        self.gate = threading.Event()

    def __call__(self, early: bool) -> tuple[str, int]:
        self.gate.wait(0.2)  # slow, like the real endpoint: everyone else arrives meanwhile
        with self.lock:
            self.calls.append(early)
            return f"TOKEN{len(self.calls)}", self.lifetime


def test_many_threads_of_many_stores_fetch_once(kind: str, sqlite_db: Database) -> None:
    clock = FixedClock(T0)
    stores = _stores(kind, sqlite_db, clock, 4)
    fetch = CountingFetch()
    got: list[str] = []
    threads = [threading.Thread(target=lambda s=s: got.append(s.get("mp:wx1", fetch))) for s in stores * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert fetch.calls == [False]
    assert got == ["TOKEN1"] * 8


def test_a_rejected_token_is_replaced_once_and_others_pick_up_the_new_one(kind: str, sqlite_db: Database) -> None:
    clock = FixedClock(T0)
    a, b = _stores(kind, sqlite_db, clock, 2)
    fetch = CountingFetch()
    old = a.get("mp:wx1", fetch)
    assert a.get("mp:wx1", fetch, invalid=old) == "TOKEN2"
    assert b.get("mp:wx1", fetch, invalid=old) == "TOKEN2"  # b saw 40001 too: no second fetch
    assert len(fetch.calls) == 2


def test_refreshed_a_few_minutes_before_expiry(kind: str, sqlite_db: Database) -> None:
    clock = FixedClock(T0)
    (store,) = _stores(kind, sqlite_db, clock, 1)
    fetch = CountingFetch(lifetime=7200)
    assert store.get("mp:wx1", fetch) == "TOKEN1"
    clock.advance(seconds=7200 - 10 * 60)
    assert store.get("mp:wx1", fetch) == "TOKEN1"
    clock.advance(seconds=6 * 60)  # 4 minutes left
    assert store.get("mp:wx1", fetch) == "TOKEN2"
    assert fetch.calls == [False, True]  # the second was an early refresh


def test_tokens_are_scoped_by_key(kind: str, sqlite_db: Database) -> None:
    clock = FixedClock(T0)
    (store,) = _stores(kind, sqlite_db, clock, 1)
    fetch = CountingFetch()
    assert store.get("mp:wx1", fetch) != store.get("wecom:ww1:1000002", fetch)


def test_a_crashed_lock_holder_does_not_block_forever(sqlite_db: Database) -> None:
    clock = FixedClock(T0)
    crashed, alive = DatabaseTokenStore(sqlite_db, clock), DatabaseTokenStore(sqlite_db, clock)
    assert crashed.try_lock("mp:wx1", clock.now())  # ... and never unlocks
    clock.advance(seconds=31)
    assert alive.get("mp:wx1", CountingFetch()) == "TOKEN1"


def test_stored_token_survives_a_new_store_instance(db: Database) -> None:
    clock = FixedClock(T0)
    first = DatabaseTokenStore(db, clock)
    first.get("mp:wx1", CountingFetch())
    assert DatabaseTokenStore(db, clock).read("mp:wx1") == StoredToken("TOKEN1", T0 + timedelta(seconds=7200), T0)
