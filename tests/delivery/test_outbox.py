"""The outbox itself: idempotent enqueue, leases, backoff, shutdown hand-back, console mode."""

from __future__ import annotations

import random
import threading
from datetime import timedelta

from bot.config import OutboxConfig
from bot.db import Database
from bot.delivery.channels import ConsoleChannel, console_mode
from bot.delivery.outbox import Dispatcher, Outbox, backoff_delay
from models import OutboxMessage, OutboxStatus
from tests.conftest import make_config
from tests.delivery.conftest import T0, Rig


def test_same_idempotency_key_queues_one_message(rig: Rig) -> None:
    first = rig.enqueue(key="late_reply:mp:x:123", text="一")
    second = rig.enqueue(key="late_reply:mp:x:123", text="二")
    assert first == second
    rig.drain()
    assert [m["text"]["content"] for m in rig.api.delivered("/cgi-bin/message/custom/send")] == ["一"]


def test_enqueue_is_part_of_the_callers_transaction(rig: Rig) -> None:
    class Boom(Exception):
        pass

    try:
        with rig.db.session() as s:
            Outbox(s, T0).text(channel="console", account="a", recipient="u", kind="reply", text="x")
            raise Boom
    except Boom:
        pass
    with rig.db.session() as s:
        assert s.query(OutboxMessage).count() == 0


def test_a_claimed_row_is_not_claimed_again_until_its_lease_expires(rig: Rig) -> None:
    oid = rig.enqueue(text="租约")
    crashed = Dispatcher(rig.db, rig.channels, rig.config.outbox, clock=rig.clock, owner="crashed")
    assert [m.id for m in crashed.claim()] == [oid]  # ... and the worker dies before sending
    rig.drain()
    assert rig.api.sent("/cgi-bin/message/custom/send") == []
    rig.clock.advance(seconds=rig.config.outbox.lease_seconds + 1)
    rig.drain()
    row = rig.row(oid)
    assert row.status == OutboxStatus.SENT and row.attempts == 2
    assert len(rig.api.delivered("/cgi-bin/message/custom/send")) == 1


def test_concurrent_dispatchers_never_claim_the_same_row(db: Database, make_rig) -> None:  # type: ignore[no-untyped-def]
    rig = make_rig()
    with db.session() as s:
        outbox = Outbox(s, T0)
        for i in range(200):
            outbox.text(channel="console", account="a", recipient=f"u{i}", kind="reply", text=str(i))
    claimed: list[int] = []
    lock = threading.Lock()

    def claim_all(owner: str) -> None:
        d = Dispatcher(db, rig.channels, OutboxConfig(batch_size=7), clock=rig.clock, owner=owner)
        while batch := d.claim():
            with lock:
                claimed.extend(m.id for m in batch)

    threads = [threading.Thread(target=claim_all, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(claimed) == 200 and len(set(claimed)) == 200


def test_one_recipients_messages_arrive_in_queue_order(rig: Rig) -> None:
    for i in range(12):
        rig.enqueue(recipient="oUser1", text=f"第{i}条")
        rig.enqueue(recipient=f"oOther{i}", text="别人")
    rig.drain()
    mine = [m["text"]["content"] for m in rig.api.delivered("/cgi-bin/message/custom/send") if m["touser"] == "oUser1"]
    assert mine == [f"第{i}条" for i in range(12)]


def test_backoff_doubles_with_jitter_and_is_capped() -> None:
    config = OutboxConfig(backoff_base_seconds=5, backoff_max_seconds=300)
    rng = random.Random(7)
    for attempts, full in [(1, 5), (2, 10), (3, 20), (6, 160), (7, 300), (40, 300)]:
        delays = [backoff_delay(attempts, config, rng) for _ in range(50)]
        assert all(full * 0.5 <= d <= full for d in delays)
        assert len({round(d, 6) for d in delays}) > 1  # jitter: not all the same


def test_shutdown_hands_unsent_rows_back_without_counting_an_attempt(make_rig) -> None:  # type: ignore[no-untyped-def]
    rig = make_rig(outbox={"concurrency": 1})  # one send in flight when the stop arrives
    ids = [rig.enqueue(channel="console", text=str(i)) for i in range(5)]
    stop = threading.Event()
    sent_before_stop: list[str] = []
    original_push = rig.console.push

    def push_then_stop(message):  # type: ignore[no-untyped-def]
        sent_before_stop.append(message.text)
        stop.set()  # SIGTERM arrives during the first send
        return original_push(message)

    rig.console.push = push_then_stop  # type: ignore[method-assign]
    report = rig.dispatcher.drain(stop=stop)
    assert report.sent == 1 and report.released == 4
    rows = [rig.row(i) for i in ids]
    assert rows[0].status == OutboxStatus.SENT
    assert all(r.status == OutboxStatus.PENDING and r.attempts == 0 for r in rows[1:])
    assert all(r.next_attempt_at <= rig.clock.now() for r in rows[1:])


def test_a_channel_that_is_not_configured_fails_the_row_with_a_reason(rig: Rig) -> None:
    oid = rig.enqueue(channel="fax")
    rig.drain()
    row = rig.row(oid)
    assert row.status == OutboxStatus.FAILED and "fax" in (row.last_error or "")


def test_console_mode_sends_every_channel_to_the_console(db: Database) -> None:
    from bot.clock import FixedClock
    from bot.delivery.channels import build_channels
    from bot.delivery.tokens import DatabaseTokenStore

    config = make_config(db, wechat={"app_secret": ""})  # the demo: no secrets
    assert console_mode(config)
    console = ConsoleChannel()
    channels = build_channels(config, db, DatabaseTokenStore(db), FixedClock(T0), console=console)
    dispatcher = Dispatcher(db, channels, config.outbox, clock=FixedClock(T0))
    with db.session() as s:
        Outbox(s, T0).text(channel="official_account", account="a", recipient="oDemo", kind="reply", text="稍后回复您")
        Outbox(s, T0).text(channel="wecom_robot", account="a", recipient="lobby", kind="bulletin", text="今日党史")
    dispatcher.drain()
    # Different recipients are sent concurrently, so only the set is fixed.
    assert sorted(r.text for r in console.sent()) == sorted(["稍后回复您", "今日党史"])
    assert not console_mode(make_config(db))  # a secret is configured: the real channels
    assert console_mode(make_config(db, channels={"mode": "console"}))


def test_retry_dead_messages_cli_function(rig: Rig) -> None:
    from bot.delivery.outbox import retry_dead_messages

    oid = rig.enqueue(channel="console")
    with rig.db.session() as s:
        row = s.get(OutboxMessage, oid)
        row.status, row.attempts, row.last_error = OutboxStatus.DEAD, 8, "WeChatBusy: -1"
    assert retry_dead_messages(rig.db, None, T0 + timedelta(minutes=1)) == 1
    assert rig.row(oid).status == OutboxStatus.PENDING and rig.row(oid).attempts == 0
