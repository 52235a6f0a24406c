"""End-to-end flow fixtures: the demo town wired to the fake WeChat API, drained by the real worker.

    flow = wired(make_town, fake_wechat)
    flow.town.say(RESIDENT, "幸福里1栋1单元电梯坏了")    # plaintext /wechat, as WeChat posts it
    flow.drain()                                       # Worker.drain, as the scheduler calls it
    flow.wecom("wangfang", "接单 T20261122-0001")       # encrypted /wecom, reply decrypted
    flow.api.delivered(WECOM_SEND)                     # what the fake WeChat API received

Time is a FixedClock moved by hand; deadline sweeps are called with `now`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest

from bot.delivery.outbox import Outbox
from bot.jobs.worker import Worker
from handlers.tickets.escalation import sweep_ticket_deadlines
from models import OutboxMessage, OutboxStatus
from tests.conftest import TEST_AES_KEY, TEST_TOKEN
from tests.fakes.wechat_api import FakeWeChatAPI
from tests.tickets.conftest import Town, make_town, town  # noqa: F401 - fixtures
from tests.wechatkit import WeComKit

CUSTOM_SEND = "/cgi-bin/message/custom/send"
TEMPLATE_SEND = "/cgi-bin/message/template/send"
WECOM_SEND = "/cgi-bin/message/send"
TEMPLATES = {"ticket_task": "TPL_TASK", "ticket_update": "TPL_UPDATE", "ticket_rating": "TPL_RATING",
             "ticket_escalation": "TPL_ESCALATION", "ticket_reminder": "TPL_REMINDER"}


class Flow:
    """One town whose outbox the real worker drains into the fake API."""

    def __init__(self, demo: Town, api: FakeWeChatAPI) -> None:
        self.town = demo
        self.api = api
        self.worker = Worker(demo.services)  # the same channels and dispatcher `python -m bot worker` builds
        self._kits: dict[str, WeComKit] = {}

    def drain(self) -> int:
        """Send everything due, as the worker's one-second drain job does."""
        handled = 0
        for _ in range(20):
            count = self.worker.drain()
            handled += count
            if count == 0:
                return handled
        raise AssertionError("the outbox never emptied")

    def wecom(self, userid: str, text: str) -> str | None:
        """A WeCom user's text through the encrypted /wecom callback; the decrypted passive reply."""
        kit = self._kits.setdefault(userid, WeComKit(TEST_TOKEN, self.api.corp_id, self.api.agent_id, TEST_AES_KEY,
                                                     userid=userid))
        query, body = kit.post(kit.text(text), mode="safe")
        response = self.town.app.test_client().post("/wecom", query_string=query, data=body)
        assert response.status_code == 200, response.data
        reply = kit.read_reply(response.data, query)
        if isinstance(reply, str):
            return reply or None
        return reply.get("Content")

    def sweep(self, now: datetime) -> int:
        """The deadline sweep as the worker runs it, at ``now``; the clock moves there first."""
        self.town.clock.at = now
        services = self.town.services
        with services.db.session() as s:
            return sweep_ticket_deadlines(s, Outbox(s, now), now, services.config)

    def texts_to(self, openid: str) -> list[str]:
        """Customer-service texts the fake API accepted for an Official Account user."""
        return [b["text"]["content"] for b in self.api.delivered(CUSTOM_SEND)
                if b["touser"] == openid and b["msgtype"] == "text"]

    def wecom_to(self, userid: str) -> list[dict[str, Any]]:
        """WeCom app messages the fake API accepted for a userid."""
        return [b for b in self.api.delivered(WECOM_SEND) if userid in str(b.get("touser", "")).split("|")]

    def undelivered(self) -> list[OutboxMessage]:
        with self.town.services.db.session() as s:
            return list(s.query(OutboxMessage).filter(OutboxMessage.status != OutboxStatus.SENT))

    def close(self) -> None:
        self.worker.dispatcher.close()
        self.worker.channels.close()


@pytest.fixture
def flow(make_town: Callable[..., Town], fake_wechat: FakeWeChatAPI) -> Iterator[Flow]:  # noqa: F811
    settings = fake_wechat.settings()
    demo = make_town(
        wechat=settings["wechat"],
        wecom={**settings["wecom"], "token": TEST_TOKEN, "aes_key": TEST_AES_KEY},
        channels={"mode": "wechat"},
        templates=TEMPLATES,
        rate_limits={"official_account": 0, "wecom_app": 0},
        outbox={"http_timeout_seconds": 2.0, "max_attempts": 2},
    )
    wired = Flow(demo, fake_wechat)
    yield wired
    wired.close()


__all__ = ["CUSTOM_SEND", "TEMPLATE_SEND", "WECOM_SEND", "Flow"]
