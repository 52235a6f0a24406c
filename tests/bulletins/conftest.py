"""Bulletin fixtures: the demo town (with 今日党史 imported by init), a fixed clock, the fake WeChat API.

    town.say(RESIDENT, "订阅今日党史")            # through the real /wechat webhook
    fan_out(town)                                 # the cron job, as the worker runs it at town.clock
    flow.drain()                                  # the real dispatcher into the fake WeChat API

T0 is Sunday 2026-11-22 09:00 in Shanghai; 今日党史 runs at 07:00, so its slot for the day has
passed (within the catch-up window) and a fan-out at T0 sends the 22 November bulletin.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from bot.db import Database
from handlers.bulletins.fanout import fan_out_due
from models import (
    BulletinDelivery,
    BulletinRun,
    BulletinSeries,
    Follower,
    InboundMessage,
    InboundStatus,
    OutboxMessage,
    Subscription,
)
from tests.flows.conftest import CUSTOM_SEND, TEMPLATE_SEND, Flow, flow  # noqa: F401 - fixtures
from tests.tickets.conftest import T0, Town, make_town, town  # noqa: F401 - fixtures

ROBOT_SEND = "/cgi-bin/webhook/send"
_ids = itertools.count(9_000_000_000)


def fan_out(demo: Town, at: datetime | None = None) -> int:
    """The bulletins cron job at ``at`` (default: the town's clock)."""
    services = demo.services
    return fan_out_due(services.db, services.config, at or demo.clock.now())


def series(db: Database, slug: str = "party_history") -> BulletinSeries:
    with db.session() as s:
        row = s.scalar(select(BulletinSeries).where(BulletinSeries.slug == slug))
        assert row is not None, f"no series {slug}"
        return row


def change_series(db: Database, slug: str = "party_history", **values: Any) -> None:
    with db.session() as s:
        row = s.scalar(select(BulletinSeries).where(BulletinSeries.slug == slug))
        for key, value in values.items():
            setattr(row, key, value)


def add_series(db: Database, slug: str, name: str, now: datetime, **values: Any) -> int:
    """A series without entries (it shows its fallbacks: nothing today)."""
    with db.session() as s:
        row = BulletinSeries(slug=slug, name=name, created_at=now, updated_at=now,
                             **{"audience_targets": [], "ladder": [], "fallbacks": ["this_week", "evergreen"],
                                **values})
        s.add(row)
        s.flush()
        return row.id


def subscribe_many(db: Database, slug: str, openids: list[str], account: str, now: datetime) -> None:
    """Subscribers written directly (what thousands of 订阅 messages would leave behind)."""
    series_id = series(db, slug).id
    with db.session() as s:
        s.execute(insert(Subscription), [
            {"series_id": series_id, "account": account, "openid": o, "source": "chat", "created_at": now}
            for o in openids])
        s.execute(insert(Follower), [{"account": account, "openid": o, "followed_at": now} for o in openids])


def wrote_at(db: Database, account: str, openids: list[str], when: datetime) -> None:
    """Inbound log rows: these users last wrote to the account at ``when`` (the 48-hour window's clock)."""
    with db.session() as s:
        s.execute(insert(InboundMessage), [
            {"account": account, "dedupe_key": f"msg:{next(_ids)}", "channel": "official_account", "user_id": o,
             "msg_type": "text", "content": "x", "extra": {}, "status": InboundStatus.DONE, "received_at": when,
             "claimed_at": when} for o in openids])


def deliveries(db: Database, slug: str = "party_history") -> list[BulletinDelivery]:
    series_id = series(db, slug).id
    with db.session() as s:
        return list(s.scalars(select(BulletinDelivery).where(BulletinDelivery.series_id == series_id)
                              .order_by(BulletinDelivery.recipient)))


def bulletin_rows(db: Database, recipient: str | None = None) -> list[OutboxMessage]:
    with db.session() as s:
        query = select(OutboxMessage).where(OutboxMessage.kind == "bulletin").order_by(OutboxMessage.id)
        if recipient is not None:
            query = query.where(OutboxMessage.recipient == recipient)
        return list(s.scalars(query))


def runs(db: Database) -> list[BulletinRun]:
    with db.session() as s:
        return list(s.scalars(select(BulletinRun).order_by(BulletinRun.id)))


def next_day(demo: Town, days: int = 1) -> None:
    demo.clock.advance(days=days)


__all__ = [
    "CUSTOM_SEND", "ROBOT_SEND", "T0", "TEMPLATE_SEND", "Callable", "Flow", "Town", "UTC", "add_series",
    "bulletin_rows", "change_series", "deliveries", "fan_out", "next_day", "runs", "series", "subscribe_many",
    "timedelta", "wrote_at",
]
