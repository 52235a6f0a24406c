"""How the outbox reaches a thousand messages a second without giving up its guarantees (issue 16).

A drain keeps many sends in flight, claims more while they run, records the
"sent" outcomes of concurrent senders in shared transactions (group commit),
and looks up the 48-hour window of a whole claimed batch in one query. One
recipient's messages still go out in order, and nothing is sent twice.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from sqlalchemy import event, func, select

from bot.delivery.outbox import _GroupCommit
from models import InboundMessage, OutboxMessage, OutboxStatus
from tests.delivery.conftest import T0, Rig

CUSTOM = "/cgi-bin/message/custom/send"


def test_concurrent_senders_share_their_commits() -> None:
    written: list[list[dict[str, Any]]] = []
    gate = threading.Event()

    def write(rows: list[dict[str, Any]]) -> None:
        gate.wait(1)  # the first round is slow: the others pile up behind it
        written.append(rows)

    commit = _GroupCommit(write)
    threads = [threading.Thread(target=commit.sent, args=({"id": i},)) for i in range(20)]
    for t in threads:
        t.start()
    gate.set()
    for t in threads:
        t.join(5)
    assert sorted(row["id"] for rows in written for row in rows) == list(range(20))
    assert len(written) < 20


def test_a_failed_commit_reaches_every_sender_of_its_round() -> None:
    def write(rows: list[dict[str, Any]]) -> None:
        raise RuntimeError("database away")

    commit = _GroupCommit(write)
    errors: list[BaseException] = []

    def send(i: int) -> None:
        try:
            commit.sent({"id": i})
        except RuntimeError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert len(errors) == 5


def test_a_drain_sends_many_recipients_at_once_and_each_in_order(make_rig) -> None:  # type: ignore[no-untyped-def]
    rig: Rig = make_rig(outbox={"concurrency": 16, "batch_size": 10})
    for i in range(120):
        rig.enqueue(recipient=f"oUser{i % 12}", text=f"{i % 12}:{i // 12:02d}")
    report = rig.drain()
    assert report.sent == 120
    delivered = [m["text"]["content"] for m in rig.api.delivered(CUSTOM)]
    assert len(delivered) == len(set(delivered)) == 120
    for user in range(12):
        mine = [text for text in delivered if text.startswith(f"{user}:")]
        assert mine == sorted(mine)  # queue order per recipient
    with rig.db.session() as s:
        assert s.scalar(select(func.count()).where(OutboxMessage.status == OutboxStatus.SENT)) == 120


def test_the_window_of_a_claimed_batch_is_read_in_one_query(rig: Rig) -> None:
    with rig.db.session() as s:  # oOld wrote three days ago: customer service is closed for them
        s.add(InboundMessage(account=f"mp:{rig.api.app_id}", dedupe_key="msg:1", channel="official_account",
                             user_id="oOld", msg_type="text", content="hi", extra={}, status="done",
                             received_at=T0 - timedelta(days=3), claimed_at=T0 - timedelta(days=3)))
    for i in range(6):
        rig.enqueue(recipient=f"oNew{i}", text=f"new {i}")
    old = rig.enqueue(recipient="oOld", text="old")
    lookups: list[str] = []

    def count(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        if "max(inbound_messages.received_at)" in statement:
            lookups.append(statement)

    event.listen(rig.db.engine, "before_cursor_execute", count)
    try:
        rig.drain()
    finally:
        event.remove(rig.db.engine, "before_cursor_execute", count)
    assert len(lookups) == 1
    assert rig.row(old).delivered_via == "template"  # the closed window still falls back
    assert len(rig.api.delivered(CUSTOM)) == 6
