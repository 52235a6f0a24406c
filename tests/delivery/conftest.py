"""Delivery fixtures: the fake WeChat API, configurations pointing at it, a dispatcher per test."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.clock import FixedClock
from bot.config import Config
from bot.db import Database
from bot.delivery.channels import ChannelSet, ConsoleChannel, build_channels
from bot.delivery.outbox import Dispatcher, Outbox, RateLimiter
from bot.delivery.tokens import DatabaseTokenStore
from models import OutboxMessage
from tests.conftest import TEST_AES_KEY, make_config, skip_or_fail
from tests.fakes.wechat_api import FakeWeChatAPI

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
ROBOT_KEY = "robot-key-0001"


def delivery_config(db: Database, api: FakeWeChatAPI, **overrides: Any) -> Config:
    """A configuration whose channels all talk to the fake API."""
    settings = api.settings()
    base: dict[str, Any] = {
        "wechat": settings["wechat"],
        "wecom": {**settings["wecom"], "token": "wecom-token", "aes_key": TEST_AES_KEY},
        "robots": {"lobby": ROBOT_KEY},
        "channels": {"mode": "wechat", "robot_api_base": api.base_url},
        "templates": {"late_reply": "TPL_LATE_REPLY", "ticket_update": "TPL_TICKET"},
        "rate_limits": {"official_account": 0, "wecom_app": 0},
        "outbox": {"http_timeout_seconds": 1.0, "max_attempts": 3},
    }
    for key, value in overrides.items():
        base[key] = {**base[key], **value} if isinstance(value, dict) and isinstance(base.get(key), dict) else value
    return make_config(db, **base)


class Rig:
    """A dispatcher wired to the fake API with a fixed clock; `enqueue` then `drain`."""

    def __init__(self, db: Database, api: FakeWeChatAPI, **overrides: Any) -> None:
        self.db = db
        self.api = api
        self.clock = FixedClock(T0)
        self.config = delivery_config(db, api, **overrides)
        # Token expiry follows the real clock (the fake's clock is real time).
        self.tokens = DatabaseTokenStore(db)
        self.console = ConsoleChannel(self.clock)
        self.channels: ChannelSet = build_channels(self.config, db, self.tokens, self.clock, console=self.console)
        self.dispatcher = Dispatcher(
            db,
            self.channels,
            self.config.outbox,
            clock=self.clock,
            limiter=RateLimiter(self.config.rate_limits),
            owner="rig",
        )

    def enqueue(
        self,
        channel: str = "official_account",
        recipient: str = "oUser1",
        text: str = "您好",
        kind: str = "late_reply",
        payload: dict[str, Any] | None = None,
        key: str | None = None,
    ) -> int:
        with self.db.session() as s:
            row = Outbox(s, self.clock.now()).enqueue(
                channel=channel,
                account=f"mp:{self.api.app_id}",
                recipient=recipient,
                kind=kind,
                payload=payload or {"msgtype": "text", "text": text},
                key=key,
            )
            return row.id

    def drain(self) -> Any:
        return self.dispatcher.drain()

    def row(self, outbox_id: int) -> OutboxMessage:
        with self.db.session() as s:
            row = s.get(OutboxMessage, outbox_id)
            assert row is not None
            s.expunge(row)
            return row

    def close(self) -> None:
        self.channels.close()


@pytest.fixture
def make_rig(db: Database, fake_wechat: FakeWeChatAPI) -> Iterator[Callable[..., Rig]]:  # noqa: F811
    rigs: list[Rig] = []

    def build(**overrides: Any) -> Rig:
        rig = Rig(db, fake_wechat, **overrides)
        rigs.append(rig)
        return rig

    yield build
    for rig in rigs:
        rig.close()


@pytest.fixture
def rig(make_rig: Callable[..., Rig]) -> Rig:
    return make_rig()


def redis_url() -> str:
    """BOT_TEST_REDIS_URL once it answers a PING; otherwise skip (or fail under BOT_TEST_REQUIRE_SERVICES)."""
    url = os.environ.get("BOT_TEST_REDIS_URL")
    if not url:
        skip_or_fail("Redis not configured: set BOT_TEST_REDIS_URL (CI uses redis://127.0.0.1:6379/15)")
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
        client.close()
    except Exception as exc:  # noqa: BLE001 - report why, then skip or fail
        skip_or_fail(f"Redis at BOT_TEST_REDIS_URL unreachable: {exc}")
    return url


@pytest.fixture
def lite_rig(sqlite_db: Database, fake_wechat: FakeWeChatAPI) -> Iterator[Rig]:  # noqa: F811
    """A rig on SQLite only, for channel behaviour that no database changes."""
    rig = Rig(sqlite_db, fake_wechat)
    yield rig
    rig.close()
