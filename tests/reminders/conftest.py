"""Reminder fixtures: residents talking through the real webhook on a fixed clock, and the sweep run by hand.

    desk.say("明天上午9点提醒我去社区打疫苗")        # -> the bot's reply (user oResident1)
    desk.sweep(local(2026, 12, 3, 9, 0))            # the worker's sweep as of that moment
    desk.pushed()                                   # outbox texts to the resident
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot import create_app
from bot.clock import FixedClock
from bot.delivery.outbox import Outbox
from bot.services import Services
from bot.wechat.client import ChatClient, app_poster
from handlers.reminders.jobs import sweep_due_reminders
from models import OutboxMessage, Reminder

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 2, 10, 30, tzinfo=TZ).astimezone(UTC)  # Wednesday 10:30 in Shanghai
RESIDENT = "oResident1"
TEMPLATES = {"reminder": "TPL_REMINDER"}


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TZ).astimezone(UTC)


class Desk:
    """One deployment on one database, with a clock the test moves."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.clock: FixedClock = services.clock  # type: ignore[assignment]
        self.app = create_app(services=services)
        self._clients: dict[str, ChatClient] = {}

    def say(self, text: str, user: str = RESIDENT) -> str | None:
        if user not in self._clients:
            self._clients[user] = ChatClient(self.services.config, app_poster(self.app), openid=user)
        return self._clients[user].say(text)

    def converse(self, messages: list[str], user: str = RESIDENT) -> list[str | None]:
        return [self.say(m, user) for m in messages]

    def sweep(self, at: datetime | None = None) -> int:
        """The worker's reminder sweep as of ``at`` (the clock moves there first)."""
        if at is not None:
            self.clock.at = at
        now = self.clock.now()
        with self.services.db.session() as s:
            return sweep_due_reminders(s, Outbox(s, now), now, self.services.config)

    def outbox(self, recipient: str | None = RESIDENT) -> list[OutboxMessage]:
        with self.services.db.session() as s:
            query = select(OutboxMessage).where(OutboxMessage.kind == "reminder").order_by(OutboxMessage.id)
            if recipient is not None:
                query = query.where(OutboxMessage.recipient == recipient)
            return list(s.scalars(query))

    def pushed(self, recipient: str = RESIDENT) -> list[str]:
        return [row.payload["text"] for row in self.outbox(recipient)]

    def reminders(self, recipient: str | None = RESIDENT) -> list[Reminder]:
        with self.services.db.session() as s:
            query = select(Reminder).order_by(Reminder.id)
            if recipient is not None:
                query = query.where(Reminder.recipient == recipient)
            return list(s.scalars(query))


@pytest.fixture
def make_desk(nlp_services: Services) -> Callable[..., Desk]:
    def build(**config: Any) -> Desk:
        from tests.conftest import make_config

        nlp_services.config = make_config(nlp_services.db, **config)
        nlp_services.clock = FixedClock(NOW)
        return Desk(nlp_services)

    return build


@pytest.fixture
def desk(make_desk: Callable[..., Desk]) -> Desk:
    """With the reminder template configured: reminders beyond 48 hours and repeats are allowed."""
    return make_desk(templates=TEMPLATES)


__all__ = ["NOW", "RESIDENT", "TEMPLATES", "TZ", "Desk", "local"]
