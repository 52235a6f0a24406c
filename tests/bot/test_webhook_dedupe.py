"""WeChat retries: the same message is handled once and every delivery gets the same answer.

Covers sequential retries, event keys, account scoping, three threads at once
and, on PostgreSQL, two server processes at once.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from bot import create_app
from bot.db import Database
from bot.dialog.capability import Capability, Ctx, Registry
from bot.dialog.message import Reply
from bot.services import Services
from handlers.help import texts as help_texts
from handlers.media import chat as media
from models import InboundMessage, OutboxMessage, Ticket, TicketReporter
from tests.conftest import TEST_AES_KEY, TEST_APP_ID, TEST_TOKEN, make_config
from tests.wechatkit import OfficialAccountKit

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def kit() -> OfficialAccountKit:
    return OfficialAccountKit(TEST_TOKEN, TEST_APP_ID, TEST_AES_KEY, openid="oResidentLi")


def send(client: Any, kit: OfficialAccountKit, xml: str, mode: str = "plaintext") -> Any:
    query, body = kit.post(xml, mode=mode)
    resp = client.post("/wechat", query_string=query, data=body)
    assert resp.status_code == 200, resp.data
    return kit.read_reply(resp.data, query)


def count(db: Database, model: Any) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def content(reply: Any) -> str:
    return reply if isinstance(reply, str) else reply["Content"]


# --- sequential retries -----------------------------------------------------------


@pytest.mark.parametrize("mode", ["plaintext", "safe"])
def test_a_message_retried_three_times_is_stored_once_with_one_answer(make_services, db, kit, mode):
    wechat = {"aes_key": TEST_AES_KEY, "mode": "safe"} if mode == "safe" else {}
    client = create_app(services=make_services(wechat=wechat)).test_client()
    xml = kit.text("帮助")
    replies = [send(client, kit, xml, mode) for _ in range(3)]
    assert [content(r) for r in replies] == [help_texts.HELP] * 3
    assert count(db, InboundMessage) == 1


def test_an_event_retried_is_stored_once(app, db, kit):
    client = app.test_client()
    xml = kit.subscribe(create_time=1_790_000_000)
    replies = [send(client, kit, xml) for _ in range(3)]
    assert [content(r) for r in replies] == [help_texts.WELCOME] * 3
    assert count(db, InboundMessage) == 1


def test_events_differ_by_user_time_event_and_key(app, db, kit):
    client = app.test_client()
    t = 1_790_000_000
    for xml in [
        kit.click("HELP", create_time=t),
        kit.click("HELP", create_time=t),  # a retry
        kit.click("HUMAN", create_time=t),  # another key, same second
        kit.click("HELP", create_time=t + 1),  # another second
        kit.click("HELP", create_time=t, from_user="oResidentZhao"),  # another user
        kit.view(create_time=t),  # another event
    ]:
        send(client, kit, xml)
    assert count(db, InboundMessage) == 5


def test_the_same_msgid_under_another_account_is_another_message(make_services, db, kit):
    first = create_app(services=make_services()).test_client()
    second = create_app(services=make_services(wechat={"app_id": "wxsecondaccount01"})).test_client()
    other_kit = OfficialAccountKit(TEST_TOKEN, "wxsecondaccount01", openid="oResidentLi")
    msg_id = 10_000_000_000_123_456
    assert content(send(first, kit, kit.text("帮助", msg_id=msg_id))) == help_texts.HELP
    assert content(send(second, other_kit, other_kit.text("取消", msg_id=msg_id))) == help_texts.NOTHING_TO_CANCEL
    with db.session() as session:
        rows = session.execute(select(InboundMessage.account, InboundMessage.dedupe_key)).all()
    assert sorted(rows) == sorted([(f"mp:{TEST_APP_ID}", f"msg:{msg_id}"), ("mp:wxsecondaccount01", f"msg:{msg_id}")])


# --- three threads at once ------------------------------------------------------------

SLOW_REPLY = "已登记，工作人员会联系您。"


def _side_effect_capability(calls: list[str], delay: float) -> Capability:
    """A handler with one visible side effect per run: an outbox row (no idempotency key)."""
    cap = Capability("probe")

    @cap.intent("fallback")
    def register(ctx: Ctx) -> Reply:
        calls.append(ctx.msg.dedupe_key)
        time.sleep(delay)  # keep the first request busy while the others arrive
        ctx.outbox.text(
            channel=ctx.msg.channel, account=ctx.msg.account, recipient="grid_member_1", kind="task", text=ctx.msg.text
        )
        return Reply(SLOW_REPLY)

    return cap


@pytest.fixture
def probe_services(db: Database) -> Iterator[tuple[Services, list[str]]]:
    calls: list[str] = []
    services = Services(
        config=make_config(db), db=db, registry=Registry([_side_effect_capability(calls, 0.3), media.cap])
    )
    yield services, calls
    services.executor.shutdown(wait=True)


def test_three_simultaneous_deliveries_make_one_row_and_one_side_effect(probe_services, db, kit):
    services, calls = probe_services
    app = create_app(services=services)
    xml = kit.text("3栋电梯坏了")
    barrier = threading.Barrier(3)
    replies: list[Any] = [None] * 3

    def deliver(i: int) -> None:
        client = app.test_client()
        query, body = kit.post(xml)
        barrier.wait()
        resp = client.post("/wechat", query_string=query, data=body)
        replies[i] = (resp.status_code, kit.read_reply(resp.data, query))

    threads = [threading.Thread(target=deliver, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=15)
    assert [status for status, _ in replies] == [200] * 3
    assert [content(reply) for _, reply in replies] == [SLOW_REPLY] * 3
    assert len(calls) == 1
    assert count(db, InboundMessage) == 1
    assert count(db, OutboxMessage) == 1


# --- two server processes at once (PostgreSQL) ---------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(port: int, proc: subprocess.Popen[bytes], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.05)
    raise AssertionError("server did not become healthy")


def test_two_server_processes_store_one_message_and_open_one_ticket(db, seeded, kit):
    """A report with side effects (a ticket) reaches two processes at once: one message, one ticket."""
    if db.is_sqlite:
        pytest.skip("several serve processes share one database only on PostgreSQL")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env.update(
        PYTHONPATH=str(REPO),
        BOT_DATABASE=db.url,
        BOT_WECHAT__TOKEN=TEST_TOKEN,
        BOT_WECHAT__APP_ID=TEST_APP_ID,
        # The shared NLP cache (var/cache, git-ignored) spares each process
        # rebuilding jieba's prefix dictionary.
        BOT_NLP__CACHE_DIR=str(REPO / "var" / "cache"),
        BOT_LOG_LEVEL="WARNING",
    )
    ports = [_free_port(), _free_port()]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--port", str(port)],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for port in ports
    ]
    try:
        for port, proc in zip(ports, procs, strict=True):
            _wait_healthy(port, proc)
        xml = kit.text("幸福里3栋1单元电梯坏了")
        barrier = threading.Barrier(2)
        replies: list[Any] = [None, None]

        def deliver(i: int) -> None:
            query, body = kit.post(xml)
            barrier.wait()
            resp = requests.post(f"http://127.0.0.1:{ports[i]}/wechat", params=query, data=body, timeout=10)
            replies[i] = (resp.status_code, kit.read_reply(resp.content, query))

        threads = [threading.Thread(target=deliver, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=15)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=10)
    assert [status for status, _ in replies] == [200, 200]
    answers = [content(reply) for _, reply in replies]
    assert answers[0] == answers[1] and answers[0] not in (None, "success", help_texts.HELP)
    assert count(db, InboundMessage) == 1
    with db.session() as session:
        (ticket,) = session.scalars(select(Ticket))
        assert ticket.category == "elevator"
        assert ticket.number in answers[0]
        assert len(session.scalars(select(TicketReporter)).all()) == 1


# --- a claim left behind by a crashed process ---------------------------------------


def _leave_claim(services: Services, kit: OfficialAccountKit, msg_id: int, age_seconds: float) -> None:
    """A row "processing" since `age_seconds` ago, as a process that died mid-handling leaves it."""
    claimed = services.clock.now() - timedelta(seconds=age_seconds)
    with services.db.session() as session:
        session.add(
            InboundMessage(
                account=services.config.account_id,
                dedupe_key=f"msg:{msg_id}",
                channel="official_account",
                user_id=kit.openid,
                msg_type="text",
                content="帮助",
                extra={},
                status="processing",
                received_at=claimed,
                claimed_at=claimed,
            )
        )


def test_a_retry_takes_over_a_stale_claim_and_answers(make_services, db, kit):
    services = make_services()
    client = create_app(services=services).test_client()
    _leave_claim(services, kit, 10_000_000_000_000_042, age_seconds=120)
    reply = send(client, kit, kit.text("帮助", msg_id=10_000_000_000_000_042))
    assert content(reply) == help_texts.HELP
    with db.session() as session:
        (row,) = session.scalars(select(InboundMessage))
        assert row.status == "done"


def test_a_retry_does_not_steal_a_fresh_claim(make_services, db, kit):
    services = make_services(server={"reply_budget_seconds": 0.2})
    client = create_app(services=services).test_client()
    _leave_claim(services, kit, 10_000_000_000_000_043, age_seconds=1)
    # The first request is (as far as anyone knows) still working: it will deliver.
    assert send(client, kit, kit.text("帮助", msg_id=10_000_000_000_000_043)) == "success"
    with db.session() as session:
        (row,) = session.scalars(select(InboundMessage))
        assert row.status == "processing"
