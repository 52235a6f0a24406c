"""Outbound channels behind one interface (base.Channel), and the set a worker sends through.

Outbox rows name their channel: official_account, wecom_app, wecom_robot or
console. In console mode (the demo, or no secrets configured) every row goes
to the console channel, so nothing can reach WeChat.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import String, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY

from bot.clock import Clock
from bot.config import Config
from bot.db import Database
from bot.delivery.channels.base import Capabilities, Channel, Delivery, Outbound
from bot.delivery.channels.console import ConsoleChannel, shared_console
from bot.delivery.channels.http import WeChatHTTP
from bot.delivery.channels.official_account import OfficialAccountChannel
from bot.delivery.channels.wecom_app import WeComAppChannel
from bot.delivery.channels.wecom_robot import WeComRobotChannel
from bot.delivery.tokens import TokenStore
from models import InboundMessage

CHANNEL_NAMES = ("official_account", "wecom_app", "wecom_robot", "console")

__all__ = [
    "CHANNEL_NAMES",
    "Capabilities",
    "Channel",
    "ChannelSet",
    "ConsoleChannel",
    "Delivery",
    "Outbound",
    "build_channels",
    "console_mode",
]


class ChannelSet:
    """Channel name -> adapter; a missing name means the channel is not configured."""

    def __init__(self, channels: Mapping[str, Channel]) -> None:
        self.channels = dict(channels)

    def get(self, name: str) -> Channel | None:
        return self.channels.get(name)

    def close(self) -> None:
        for channel in {id(c): c for c in self.channels.values()}.values():
            channel.close()


def console_mode(config: Config) -> bool:
    if config.channels.mode != "auto":
        return config.channels.mode == "console"
    has_wecom = config.wecom is not None and bool(config.wecom.secret)
    return not config.wechat.app_secret and not has_wecom and not config.robots


class InboundLookup:
    """(account, user) -> time of the user's last message, from the inbound log; ``many`` for a batch at once."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def __call__(self, account: str, user_id: str) -> datetime | None:
        return self.many(account, [user_id])[user_id]

    def many(self, account: str, user_ids: list[str]) -> dict[str, datetime | None]:
        found: dict[str, datetime | None] = dict.fromkeys(user_ids)
        statement = _LAST_INBOUND[self.db.engine.dialect.name == "postgresql"]
        with self.db.engine.connect() as conn:  # a read: no ORM session needed
            for start in range(0, len(user_ids), 500):
                found.update(conn.execute(statement, {"account": account, "users": user_ids[start:start + 500]}).all())
        return found


def _last_inbound(postgres: bool) -> Any:
    t = InboundMessage.__table__
    users = t.c.user_id == any_(bindparam("users", type_=ARRAY(String))) if postgres else t.c.user_id.in_(
        bindparam("users", expanding=True))
    return (select(t.c.user_id, func.max(t.c.received_at))
            .where(t.c.channel == "official_account", t.c.account == bindparam("account"), users)
            .group_by(t.c.user_id))


_LAST_INBOUND = {True: _last_inbound(True), False: _last_inbound(False)}


def inbound_lookup(db: Database) -> InboundLookup:
    """(account, user) -> time of the user's last message, from the inbound log."""
    return InboundLookup(db)


def build_channels(
    config: Config, db: Database, tokens: TokenStore, clock: Clock, console: ConsoleChannel | None = None
) -> ChannelSet:
    """The channels this configuration can send through."""
    console = console or shared_console()
    if console_mode(config):
        return ChannelSet({name: console for name in CHANNEL_NAMES})
    timeout = config.outbox.http_timeout_seconds
    connections = config.outbox.concurrency
    channels: dict[str, Channel] = {"console": console}
    if config.wechat.app_id and config.wechat.app_secret:
        channels["official_account"] = OfficialAccountChannel(
            WeChatHTTP(config.wechat.api_base, timeout=timeout, proxy=config.proxy, connections=connections),
            tokens,
            app_id=config.wechat.app_id,
            app_secret=config.wechat.app_secret,
            templates=config.templates,
            last_inbound=inbound_lookup(db),
            clock=clock,
            token_endpoint=config.channels.official_account_token,
        )
    if config.wecom is not None and config.wecom.secret:
        channels["wecom_app"] = WeComAppChannel(
            WeChatHTTP(config.wecom.api_base, timeout=timeout, proxy=config.proxy, connections=connections),
            tokens,
            corp_id=config.wecom.corp_id,
            agent_id=config.wecom.agent_id,
            secret=config.wecom.secret,
        )
    if config.robots:
        channels["wecom_robot"] = WeComRobotChannel(
            WeChatHTTP(config.channels.robot_api_base, timeout=timeout, proxy=config.proxy, connections=connections), config.robots
        )
    return ChannelSet(channels)
