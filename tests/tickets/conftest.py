"""Ticket fixtures: the demo community, a fixed clock, and people talking through the real webhook.

    def test_x(town):
        town.say("oDemoResident", "3栋2单元电梯坏了")   # -> the bot's reply
        town.pushed("oDemoMember")                      # outbox texts to that recipient
        town.clock.advance(minutes=31)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot import create_app
from bot.clock import FixedClock
from bot.services import Services
from bot.wechat.client import ChatClient, app_poster, build_event_xml
from models import OutboxMessage, Ticket

T0 = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
RESIDENT = "oDemoResident"
NEIGHBOUR = "oNeighbour"
MEMBER = "oDemoMember"  # 李强, grid 2 (幸福里小区 3–5栋), Official Account
MEMBER2 = "oDemoMember2"  # 赵敏, backup of grid 2
STAFF = "oDemoStaff"


class Town:
    """The demo community on one database, with a clock tests move by hand."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.clock = services.clock
        self.app = create_app(services=services)
        self._clients: dict[str, ChatClient] = {}
        self._seen = 0

    def client(self, user: str) -> ChatClient:
        if user not in self._clients:
            self._clients[user] = ChatClient(self.services.config, app_poster(self.app), openid=user)
        return self._clients[user]

    def say(self, user: str, text: str) -> str | None:
        return self.client(user).say(text)

    def send(self, user: str, xml_fields: dict[str, str]) -> str | None:
        """A non-text message (image, voice, location) from ``user``."""
        import xml.etree.ElementTree as ET

        root = ET.Element("xml")
        base = {"ToUserName": "gh_linli_demo", "FromUserName": user, "CreateTime": str(int(self.clock.now().timestamp())),
                "MsgId": str(next(_ids))}
        for tag, value in {**base, **xml_fields}.items():
            ET.SubElement(root, tag).text = value
        return self.client(user).send_xml(ET.tostring(root, encoding="unicode"))

    def image(self, user: str, media_id: str) -> str | None:
        return self.send(user, {"MsgType": "image", "PicUrl": "http://example.invalid/p.jpg", "MediaId": media_id})

    def location(self, user: str, label: str) -> str | None:
        return self.send(user, {"MsgType": "location", "Location_X": "30.27", "Location_Y": "120.15",
                                "Scale": "15", "Label": label})

    def outbox(self, recipient: str | None = None) -> list[OutboxMessage]:
        with self.services.db.session() as s:
            query = select(OutboxMessage).order_by(OutboxMessage.id)
            if recipient is not None:
                query = query.where(OutboxMessage.recipient == recipient)
            return list(s.scalars(query))

    def pushed(self, recipient: str) -> list[str]:
        """Texts queued for ``recipient`` (pushes and status updates), oldest first."""
        return [row.payload["text"] for row in self.outbox(recipient)]

    def ticket(self, number: str | None = None) -> Ticket:
        with self.services.db.session() as s:
            query = select(Ticket).order_by(Ticket.id.desc())
            if number:
                query = query.where(Ticket.number == number)
            ticket = s.scalar(query)
            assert ticket is not None, "no ticket"
            return ticket

    def tickets(self) -> list[Ticket]:
        with self.services.db.session() as s:
            return list(s.scalars(select(Ticket).order_by(Ticket.id)))


def _counter() -> Any:
    import itertools

    return itertools.count(7_000_000_000)


_ids = _counter()


@pytest.fixture
def make_town(nlp_services: Services) -> Callable[..., Town]:
    def build(**config: Any) -> Town:
        services = nlp_services
        if config:
            from tests.conftest import make_config

            services.config = make_config(services.db, **config)
        services.clock = FixedClock(T0)
        return Town(services)

    return build


@pytest.fixture
def town(make_town: Callable[..., Town]) -> Town:
    return make_town()


__all__ = ["MEMBER", "MEMBER2", "NEIGHBOUR", "RESIDENT", "STAFF", "T0", "Town", "build_event_xml"]
