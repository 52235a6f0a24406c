"""Two neighbours reporting one problem at the same moment make one ticket (the join lock).

The duplicate check used to run before the insert without a lock: two reports
at once each found no open ticket and each opened one. In one process on both
databases, and at two `serve` processes on PostgreSQL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from bot import create_app
from bot.db import Database
from bot.services import Services
from models import InboundMessage, Ticket, TicketReporter
from tests.bot.servers import serve_processes
from tests.bot.test_message_races import Sender, http_post

REPORT = "幸福里3栋2单元电梯坏了"


def _count(db: Database, model: object) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def report_in_rounds(db: Database, sender: Sender, rounds: int, targets: int) -> list[int]:
    """Each round two neighbours report the same problem at once; returns the tickets each round made."""
    made: list[int] = []
    for i in range(rounds):
        xmls = [sender.xml(f"oNeighbour{side}{i:02d}", REPORT) for side in "AB"]
        barrier = threading.Barrier(2)

        def one(j: int, xmls: list[str] = xmls, barrier: threading.Barrier = barrier) -> None:
            barrier.wait()
            sender.send(j % targets, xmls[j])

        threads = [threading.Thread(target=one, args=(j,)) for j in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        with db.session() as session:
            made.append(int(session.scalar(select(func.count()).select_from(Ticket).where(Ticket.status != "closed"))))
            # Close this round's ticket so the next pair starts afresh.
            session.execute(update(Ticket).values(status="closed"))
    return made


def assert_one_ticket_per_round(db: Database, made: list[int]) -> None:
    doubled = sum(n != 1 for n in made)
    assert doubled == 0, f"{doubled} of {len(made)} rounds made more than one ticket: {made}"
    assert _count(db, TicketReporter) == 2 * len(made)
    with db.session() as session:
        assert set(session.scalars(select(InboundMessage.status))) == {"done"}


def test_neighbours_reporting_at_once_in_one_process_make_one_ticket(nlp_services: Services, db: Database) -> None:
    app = create_app(services=nlp_services)

    def post(_target: int, query: dict[str, str], body: bytes) -> tuple[int, bytes]:
        resp = app.test_client().post("/wechat", query_string=query, data=body)
        return resp.status_code, resp.data

    assert_one_ticket_per_round(db, report_in_rounds(db, Sender(post), rounds=15, targets=1))


def test_neighbours_reporting_at_once_to_two_processes_make_one_ticket(seeded: Database, tmp_path: Path) -> None:
    if seeded.is_sqlite:
        pytest.skip("several serve processes share one database only on PostgreSQL")
    post: Callable[[int, dict[str, str], bytes], tuple[int, bytes]]
    with serve_processes(seeded.url, tmp_path, count=2) as ports:
        post = http_post(ports)
        made = report_in_rounds(seeded, Sender(post), rounds=20, targets=2)
    assert_one_ticket_per_round(seeded, made)
