"""Concurrent messages: one user's messages are handled once each, one after the other.

A new user's first two messages arriving at once used to race creating their
Person (a unique violation on the identity, an apology, the message left
failed, nothing queued). The in-process test runs on both databases; the
two-process one needs PostgreSQL (SQLite serves one machine).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from bot import create_app, texts
from bot.db import Database
from bot.services import Services
from handlers.tickets import texts as ticket_texts
from models import Identity, InboundMessage, Person, TicketReporter
from tests.bot.servers import serve_processes
from tests.conftest import TEST_APP_ID, TEST_TOKEN
from tests.wechatkit import OfficialAccountKit


def report_texts(i: int) -> tuple[str, str]:
    """Two reports a new user sends at once: both create the sender's Person on first contact."""
    return f"幸福里{i % 5 + 1}栋路灯坏了", f"桂花苑{i % 3 + 1}栋1单元电梯坏了"


def _count(db: Database, model: Any) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _statuses(db: Database) -> dict[str, int]:
    with db.session() as session:
        return dict(session.execute(
            select(InboundMessage.status, func.count()).group_by(InboundMessage.status)).all())


class Sender:
    """Posts signed messages to one of several targets (an in-process app or real servers)."""

    def __init__(self, post: Callable[[int, dict[str, str], bytes], tuple[int, bytes]]) -> None:
        self.kit = OfficialAccountKit(TEST_TOKEN, TEST_APP_ID)
        self.post = post
        self._ids = iter(range(9_100_000_000, 9_200_000_000))
        self._lock = threading.Lock()

    def xml(self, user: str, text: str) -> str:
        with self._lock:
            return self.kit.text(text, from_user=user, msg_id=next(self._ids))

    def send(self, target: int, xml: str) -> str | None:
        query, body = self.kit.post(xml)
        status, data = self.post(target, query, body)
        assert status == 200, data
        reply = self.kit.read_reply(data, query)
        return None if reply == "success" else reply["Content"]


def send_pairs(sender: Sender, pairs: int, targets: int, prefix: str) -> list[tuple[str | None, str | None]]:
    """Each new user sends two first messages at the same moment (to two targets when there are two)."""

    def pair(i: int) -> tuple[str | None, str | None]:
        user = f"{prefix}{i:03d}"
        xmls = [sender.xml(user, text) for text in report_texts(i)]
        barrier = threading.Barrier(2)
        answers: list[str | None] = [None, None]

        def one(j: int) -> None:
            barrier.wait()
            answers[j] = sender.send(j % targets, xmls[j])

        threads = [threading.Thread(target=one, args=(j,)) for j in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        return answers[0], answers[1]

    with ThreadPoolExecutor(max_workers=5) as pool:
        return list(pool.map(pair, range(pairs)))


def assert_each_handled_once(db: Database, answers: list[tuple[str | None, str | None]], users: int,
                             before: tuple[int, int]) -> None:
    apologised = sum(any(texts.INTERNAL_ERROR in (a or "") for a in pair) for pair in answers)
    unanswered = sum(a is None for pair in answers for a in pair)
    assert (apologised, unanswered) == (0, 0), f"{apologised} of {users} pairs apologised, {unanswered} unanswered"
    assert _statuses(db) == {"done": 2 * users}
    for pair in answers:
        for answer in pair:
            assert answer is not None and answer.startswith(("已为您登记", ticket_texts.TICKET_DUPLICATE_JOINED)), answer
    # One person and one identity per user; each of the two reports is on a ticket exactly once.
    counts = (_count(db, Person) - before[0], _count(db, Identity) - before[1], _count(db, TicketReporter))
    assert counts == (users, users, 2 * users)


def test_a_new_users_first_two_messages_at_once_in_one_process(nlp_services: Services, db: Database) -> None:
    app = create_app(services=nlp_services)

    def post(_target: int, query: dict[str, str], body: bytes) -> tuple[int, bytes]:
        resp = app.test_client().post("/wechat", query_string=query, data=body)
        return resp.status_code, resp.data

    pairs = 20
    before = (_count(db, Person), _count(db, Identity))
    answers = send_pairs(Sender(post), pairs, targets=1, prefix="oRaceOne")
    assert_each_handled_once(db, answers, pairs, before)


def http_post(ports: list[int]) -> Callable[[int, dict[str, str], bytes], tuple[int, bytes]]:
    session = requests.Session()
    session.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=20))

    def post(target: int, query: dict[str, str], body: bytes) -> tuple[int, bytes]:
        resp = session.post(f"http://127.0.0.1:{ports[target]}/wechat", params=query, data=body, timeout=10)
        return resp.status_code, resp.content

    return post


def test_fifty_new_users_first_two_messages_at_two_processes(seeded: Database, tmp_path: Path) -> None:
    if seeded.is_sqlite:
        pytest.skip("several serve processes share one database only on PostgreSQL")
    pairs = 50
    before = (_count(seeded, Person), _count(seeded, Identity))
    with serve_processes(seeded.url, tmp_path, count=2) as ports:
        answers = send_pairs(Sender(http_post(ports)), pairs, targets=2, prefix="oRaceTwo")
    assert_each_handled_once(seeded, answers, pairs, before)
