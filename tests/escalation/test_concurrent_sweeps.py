"""Sweeps that race, a sweep far ahead, and `sweep --at` beside a live worker: every step happens once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import select

from bot import texts as bot_texts
from bot.delivery.outbox import Outbox
from bot.jobs import scheduler
from handlers.tickets import escalation, texts
from models import JobRun, TicketEvent
from tests.escalation.conftest import RESIDENT, STAFF, Town, at, events, number_in, sweep, texts_to


def test_two_sweeps_at_the_same_moment_escalate_once(town: Town, monkeypatch: pytest.MonkeyPatch) -> None:
    number = number_in(town.say(RESIDENT, "幸福里3栋2单元电梯坏了"))
    now = at(11)
    both_read = threading.Barrier(2, timeout=10)
    read = escalation._due_tickets

    def read_then_wait(*args, **kwargs):  # type: ignore[no-untyped-def]
        tickets = read(*args, **kwargs)
        both_read.wait()  # both sweeps have read the ticket before either writes
        return tickets

    monkeypatch.setattr(escalation, "_due_tickets", read_then_wait)
    failures: list[BaseException] = []

    def run() -> None:
        try:
            with town.services.db.session() as s:
                escalation.sweep_ticket_deadlines(s, Outbox(s, now), now, town.services.config)
        except BaseException as exc:  # noqa: BLE001 - reported by the test thread
            failures.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures
    assert events(town, number).count("escalated") == 1
    assert town.ticket(number).escalation_level == 1
    note = texts.TICKET_NOTE_ESCALATED.format(number=number, rung="社区工作人员")
    assert texts_to(town, RESIDENT).count(note) == 1
    assert sum("【超时升级】" in text for text in texts_to(town, STAFF)) == 1


def test_a_sweep_far_ahead_climbs_every_rung_that_is_due(town: Town) -> None:
    number = number_in(town.say(RESIDENT, "幸福里3栋2单元电梯坏了"))  # accept due 11:00
    assert sweep(town, at(16)) >= 3
    ticket = town.ticket(number)
    assert ticket.escalation_level == 3 and ticket.report_in_due_at == at(17)
    with town.services.db.session() as s:
        stamps = list(s.scalars(select(TicketEvent.at).where(TicketEvent.ticket_id == ticket.id,
                                                             TicketEvent.kind == "escalated").order_by(TicketEvent.id)))
    assert [stamp.astimezone(UTC) for stamp in stamps] == [at(11), at(13), at(15)]  # each at the deadline it missed
    assert sweep(town, at(16)) == 0


def test_the_cli_sweep_takes_the_workers_lease(town: Town, tmp_path: Path) -> None:
    from bot.cli import main

    number = number_in(town.say(RESIDENT, "幸福里3栋2单元电梯坏了"))
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"database": town.services.db.url,
                                      "wechat": {"token": "t", "app_id": "wxapp", "app_secret": "s"}}))
    wall = datetime.now(UTC)
    db = town.services.db
    assert scheduler.claim_run(db, "tickets.deadlines", not_run_since=wall, now=wall, owner="worker-1",
                               lease=timedelta(minutes=10))  # a live worker is in the middle of the sweep
    args = ["sweep", "--config", str(config), "--at", "2026-11-22 16:00"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert bot_texts.CLI_SWEEP_BUSY.format(job="tickets.deadlines") in result.output
    assert town.ticket(number).escalation_level == 0
    scheduler.finish_run(db, "tickets.deadlines", ran_at=wall, owner="worker-1")

    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert town.ticket(number).escalation_level == 3
    with db.session() as s:
        row = s.get(JobRun, "tickets.deadlines")
        assert row.lease_owner is None  # recorded on the wall clock, not at the pretend time
        assert abs(row.last_run_at.astimezone(UTC) - datetime.now(UTC)) < timedelta(minutes=5)
