"""Community staff working tickets by chat: 我的任务 shows the community's queue (社区待派), "撤销 T…" from
staff is no resident's withdrawal, and "关闭 T… 原因" closes a false alarm with the closer and the reason on
record and a polite word to the reporters."""

from __future__ import annotations

import re

from sqlalchemy import select

from handlers.tickets import texts
from models import TicketEvent
from tests.tickets.conftest import MEMBER, RESIDENT, STAFF, Town


def _report(town: Town, text: str = "幸福里3栋2单元楼道灯坏了", who: str = RESIDENT) -> str:
    return re.search(r"T\d{8}-\d{4}", town.say(who, text) or "").group(0)


def _queued(town: Town) -> str:
    """A ticket in the community's queue: the grid member sent it back."""
    number = _report(town)
    town.say(MEMBER, f"退回 {number} 不属于本网格")
    assert town.ticket(number).status == "queued"
    return number


def _events(town: Town, number: str) -> list[TicketEvent]:
    ticket = town.ticket(number)
    with town.services.db.session() as s:
        return list(s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)))


def test_staff_see_the_communitys_queued_tickets_in_my_tasks(town: Town) -> None:
    number = _queued(town)

    reply = town.say(STAFF, "我的任务") or ""

    assert number in reply
    assert "社区待派" in reply
    assert reply != texts.MEMBER_NO_TASKS


def test_a_grid_member_does_not_see_the_queue(town: Town) -> None:
    number = _queued(town)

    reply = town.say(MEMBER, "我的任务") or ""

    assert number not in reply


def test_withdraw_from_staff_is_not_the_residents_withdrawal(town: Town) -> None:
    number = _queued(town)

    reply = town.say(STAFF, f"撤销 {number}") or ""

    assert f"关闭 {number}" in reply
    assert "没有" not in reply[:6] and "要撤销工单" not in reply
    assert town.ticket(number).status == "queued"


def test_staff_close_a_false_alarm_with_the_reason_on_record(town: Town) -> None:
    number = _queued(town)
    told = len(town.pushed(RESIDENT))

    reply = town.say(STAFF, f"关闭 {number} 误报，现场核实灯是好的") or ""

    assert number in reply and "关闭" in reply
    ticket = town.ticket(number)
    assert ticket.status == "closed" and ticket.closed_at is not None
    closed = [e for e in _events(town, number) if e.kind == "closed"]
    assert len(closed) == 1
    assert closed[0].actor == "张主任" and closed[0].actor_id is not None
    assert "误报，现场核实灯是好的" in closed[0].note
    news = town.pushed(RESIDENT)[told:]
    assert len(news) == 1 and number in news[0] and "误报，现场核实灯是好的" in news[0]


def test_closing_needs_a_reason(town: Town) -> None:
    number = _queued(town)

    reply = town.say(STAFF, f"关闭 {number}") or ""

    assert "原因" in reply
    assert town.ticket(number).status == "queued"


def test_a_grid_member_cannot_close_but_is_told_to_send_it_back(town: Town) -> None:
    number = _report(town)

    reply = town.say(MEMBER, f"关闭 {number} 误报") or ""

    assert f"退回 {number}" in reply
    assert town.ticket(number).status == "assigned"


def test_a_resident_cannot_close(town: Town) -> None:
    number = _report(town)

    town.say(RESIDENT, f"关闭 {number} 误报")

    assert town.ticket(number).status == "assigned"


def test_closing_a_finished_ticket_changes_nothing(town: Town) -> None:
    number = _queued(town)
    town.say(STAFF, f"关闭 {number} 误报")

    reply = town.say(STAFF, f"关闭 {number} 误报") or ""

    assert number in reply
    assert len([e for e in _events(town, number) if e.kind == "closed"]) == 1


def test_the_workers_help_names_the_close_command(town: Town) -> None:
    assert "关闭 T… 原因" in (town.say(STAFF, "帮助") or "")


def test_a_bare_accept_from_staff_names_the_queued_tickets(town: Town) -> None:
    number = _queued(town)

    reply = town.say(STAFF, "接单") or ""

    assert reply.endswith(f"：{number}") and f"接单 {number}" in reply
    assert town.ticket(number).status == "queued"  # a bare command never takes one from the queue
