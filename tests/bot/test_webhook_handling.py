"""What the webhook does when a handler is slow or crashes.

Slow: WeChat stops waiting after 5 s, so beyond the reply budget the request
answers "success" and the real reply goes to the outbox as a late reply.
Crash: the handler is run once more; if it fails again the resident gets an
apology saying staff will look at it, the message waits in the staff queue
(failed, listed by the API), and the next message is answered normally.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from bot import create_app, texts
from bot.db import Database
from bot.dialog.capability import Capability, Ctx, Registry
from bot.dialog.message import Reply
from bot.services import Services
from handlers.media import chat as media
from models import InboundMessage, OutboxMessage
from tests.conftest import TEST_APP_ID, TEST_TOKEN, make_config
from tests.wechatkit import OfficialAccountKit

OPENID = "oResidentChen"
LATE_REPLY = "已为您登记报修，编号T20261122-0001。"
NORMAL_REPLY = "好的，收到。"


class Probe:
    """Test capability: "慢" sleeps past the budget, "炸" raises, "慢炸" both, "抖" raises the first time
    only (with an outbox row that must not survive); anything else answers at once."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.finished = threading.Event()
        self.flaky_calls = 0
        self.cap = Capability("probe")
        self.cap.intent("fallback")(self.handle)

    def handle(self, ctx: Ctx) -> Reply:
        if ctx.msg.text == "抖":
            self.flaky_calls += 1
            ctx.outbox.text(channel=ctx.msg.channel, account=ctx.msg.account, recipient="grid_member_1",
                            kind="task", text=f"attempt {self.flaky_calls}")
            if self.flaky_calls == 1:
                raise RuntimeError("a deadlock, a glitch")
            return Reply(NORMAL_REPLY)
        if ctx.msg.text == "慢":
            time.sleep(self.delay)
            self.finished.set()
            return Reply(LATE_REPLY)
        if ctx.msg.text == "炸":
            raise RuntimeError("handler bug")
        if ctx.msg.text == "慢炸":
            time.sleep(self.delay)
            self.finished.set()
            raise RuntimeError("slow handler bug")
        return Reply(NORMAL_REPLY)


@pytest.fixture
def probe() -> Probe:
    return Probe(delay=0.5)


@pytest.fixture
def client(db: Database, probe: Probe) -> Iterator[Any]:
    config = make_config(db, server={"reply_budget_seconds": 0.2})
    services = Services(config=config, db=db, registry=Registry([probe.cap, media.cap]))
    yield create_app(services=services).test_client()
    services.executor.shutdown(wait=True)


@pytest.fixture
def kit() -> OfficialAccountKit:
    return OfficialAccountKit(TEST_TOKEN, TEST_APP_ID, openid=OPENID)


def send(client: Any, kit: OfficialAccountKit, xml: str) -> Any:
    query, body = kit.post(xml)
    resp = client.post("/wechat", query_string=query, data=body)
    assert resp.status_code == 200, resp.data
    return kit.read_reply(resp.data, query)


def outbox_rows(db: Database) -> list[OutboxMessage]:
    with db.session() as session:
        return list(session.scalars(select(OutboxMessage)))


def inbound(db: Database) -> list[InboundMessage]:
    with db.session() as session:
        return list(session.scalars(select(InboundMessage).order_by(InboundMessage.id)))


def wait_for(predicate: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.02)


def test_a_slow_handler_answers_success_and_the_reply_goes_to_the_outbox(client, db, kit, probe):
    xml = kit.text("慢")
    assert send(client, kit, xml) == "success"
    assert not probe.finished.is_set()  # answered before the handler was done
    # A retry while the handler still runs waits its own budget, then "success".
    assert send(client, kit, xml) == "success"

    wait_for(lambda: len(outbox_rows(db)) == 1)
    (row,) = outbox_rows(db)
    assert (row.kind, row.channel, row.recipient, row.account) == (
        "late_reply",
        "official_account",
        OPENID,
        f"mp:{TEST_APP_ID}",
    )
    assert row.payload["text"] == LATE_REPLY
    (message,) = inbound(db)
    assert message.status == "deferred"

    # WeChat's last retry, after the reply went out: "success" again, no second copy.
    assert send(client, kit, xml) == "success"
    assert len(outbox_rows(db)) == 1
    assert len(inbound(db)) == 1


def test_a_fast_handler_is_answered_passively_with_no_outbox_row(client, db, kit):
    reply = send(client, kit, kit.text("你好"))
    assert (reply["MsgType"], reply["ToUserName"], reply["Content"]) == ("text", OPENID, NORMAL_REPLY)
    assert outbox_rows(db) == []
    assert [r.status for r in inbound(db)] == ["done"]


def test_a_handler_that_fails_once_is_run_again_and_answers(client, db, kit, probe):
    assert send(client, kit, kit.text("抖"))["Content"] == NORMAL_REPLY
    assert probe.flaky_calls == 2
    assert [r.status for r in inbound(db)] == ["done"]
    # The failed attempt's changes were rolled back: one task, from the second attempt.
    assert [r.payload["text"] for r in outbox_rows(db)] == ["attempt 2"]


def test_a_crashing_handler_apologises_and_puts_the_message_in_the_staff_queue(client, db, kit, admin_token):
    xml = kit.text("炸")
    reply = send(client, kit, xml)
    assert reply["Content"] == texts.INTERNAL_ERROR
    (row,) = inbound(db)
    assert (row.status, row.content) == ("failed", "炸")
    assert "2 times" in (row.error or "")
    # A retry of the same message gets the same apology, not a second crash.
    assert send(client, kit, xml)["Content"] == texts.INTERNAL_ERROR
    # The next message is answered normally.
    assert send(client, kit, kit.text("你好"))["Content"] == NORMAL_REPLY
    assert [r.status for r in inbound(db)] == ["failed", "done"]

    # The apology's promise: staff see the message, with its text and sender, until they resolve it.
    auth = {"Authorization": f"Bearer {admin_token}"}
    queue = client.get("/api/v1/inbound/failed", headers=auth).get_json()["messages"]
    assert [(m["id"], m["text"], m["user_id"]) for m in queue] == [(row.id, "炸", OPENID)]
    assert client.post(f"/api/v1/inbound/{row.id}/resolve", headers=auth).status_code == 200
    assert client.get("/api/v1/inbound/failed", headers=auth).get_json()["messages"] == []
    assert client.post(f"/api/v1/inbound/{row.id}/resolve", headers=auth).status_code == 404
    assert client.post("/api/v1/inbound/99999999999/resolve", headers=auth).status_code == 404
    assert client.get("/api/v1/inbound/failed").status_code == 401


def test_a_slow_handler_that_crashes_apologises_once_through_the_outbox(client, db, kit, probe):
    xml = kit.text("慢炸")
    assert send(client, kit, xml) == "success"
    wait_for(lambda: len(outbox_rows(db)) == 1)
    (row,) = outbox_rows(db)
    assert (row.kind, row.payload["text"]) == ("late_reply", texts.INTERNAL_ERROR)
    (message,) = inbound(db)
    assert message.status == "failed"
    # The apology is already on its way: a retry must not say it a second time.
    assert send(client, kit, xml) == "success"
    assert len(outbox_rows(db)) == 1
