"""Duplicates join the open ticket (co-reporters hear every change); 转派; strangers refused."""

from __future__ import annotations

from handlers.tickets import texts
from tests.tickets.conftest import MEMBER, MEMBER2, NEIGHBOUR, RESIDENT, STAFF, Town


def test_a_neighbours_report_joins_and_both_hear_every_change(town: Town) -> None:
    town.say(RESIDENT, "幸福里3栋电梯坏了")
    number = town.ticket().number
    town.clock.advance(hours=1)
    assert town.say(NEIGHBOUR, "幸福里小区3号楼电梯又坏了").startswith("已有邻居反映该问题，已为您关联，进展会同时通知您")
    assert len(town.tickets()) == 1
    town.say(MEMBER, f"接单 {number}")
    town.say(MEMBER, f"完成 {number} 已修复")
    for user in (RESIDENT, NEIGHBOUR):
        pushed = town.pushed(user)
        assert texts.TICKET_NOTE_ACCEPTED.format(number=number, name="网格员李强") in pushed
        assert texts.TICKET_NOTE_DONE.format(number=number, note="已修复") in pushed
    assert len(town.pushed(MEMBER)) == 1  # the join is not a second task


def test_outside_the_window_or_another_building_is_a_new_ticket(make_town) -> None:
    town = make_town(tickets={"duplicate_window_minutes": 60})
    town.say(RESIDENT, "幸福里3栋电梯坏了")
    town.say(NEIGHBOUR, "幸福里4栋电梯坏了")
    town.clock.advance(minutes=61)
    town.say(NEIGHBOUR, "幸福里3栋电梯坏了")
    assert len(town.tickets()) == 3


def test_transfer_to_another_member_makes_it_theirs(town: Town) -> None:
    town.say(RESIDENT, "幸福里5栋1单元楼道灯坏了")
    number = town.ticket().number
    assert town.say(MEMBER, f"转派 {number} 赵敏 她今天在5栋") == texts.MEMBER_TRANSFERRED.format(number=number, name="网格员赵敏")
    (task,) = town.pushed(MEMBER2)
    assert number in task and "李强转派" in task and "她今天在5栋" in task
    assert texts.TICKET_NOTE_TRANSFERRED.format(number=number, name="网格员赵敏") in town.pushed(RESIDENT)
    assert town.say(MEMBER2, f"接单 {number}") == texts.MEMBER_ACCEPTED.format(number=number)
    assert "赵敏" in town.say(RESIDENT, f"{number} 进展")


def test_transfer_to_a_department_by_name(town: Town) -> None:
    town.say(RESIDENT, "幸福里3栋2单元楼道灯坏了")
    number = town.ticket().number
    assert town.say(MEMBER, f"转派 {number} 供水") == texts.MEMBER_TRANSFERRED.format(number=number, name="供水")
    assert number in town.pushed("wuwater")[0]  # the water department's contact, over WeCom
    assert town.outbox("wuwater")[0].channel == "wecom_app"


def test_a_stranger_is_refused_and_nothing_changes(town: Town) -> None:
    town.say(RESIDENT, "幸福里3栋电梯坏了")
    number = town.ticket().number
    before = len(town.outbox())
    for command in (f"接单 {number}", f"完成 {number} 好了", f"转派 {number} 赵敏", f"电话 {number}", "我的任务"):
        assert town.say("oStranger", command) == texts.MEMBER_ONLY
    assert town.ticket(number).status == "assigned" and len(town.outbox()) == before


def test_a_member_of_another_grid_is_refused(town: Town) -> None:
    town.say(RESIDENT, "桂花苑2栋电梯坏了")  # grid 3: 赵敏 off duty, so her backup 陈刚 (WeCom) has it
    ticket = town.ticket()
    assert town.outbox("chengang")[0].channel == "wecom_app"
    assert town.say(MEMBER, f"接单 {ticket.number}") == texts.MEMBER_NOT_YOURS.format(number=ticket.number)
    assert town.ticket(ticket.number).status == "assigned"


def test_return_phone_detail_and_tasks(town: Town) -> None:
    town.say(RESIDENT, "幸福里3栋2单元水管漏水了 13812345678")
    number = town.ticket().number
    assert "138****5678" in town.say(MEMBER, f"详情 {number}")
    assert "13812345678" in town.say(MEMBER, f"电话 {number}")
    assert number in town.say(MEMBER, "我的任务")
    assert texts.MEMBER_NEED_NOTE.format(what="退回原因", example="退回 T20261122-0001 不属于本网格") == town.say(MEMBER, f"退回 {number}")
    assert "已把" in town.say(MEMBER, f"退回 {number} 这是供水管网问题")
    assert "这是供水管网问题" in town.pushed(STAFF)[-1]
    assert town.ticket(number).status == "queued"
    assert town.say(MEMBER, "我的任务") == texts.MEMBER_NO_TASKS
    kinds = [e for e in _events(town, number)]
    assert "phone_viewed" in kinds and "returned" in kinds


def _events(town: Town, number: str) -> list[str]:
    from sqlalchemy import select

    from models import TicketEvent

    with town.services.db.session() as s:
        ticket = town.ticket(number)
        return list(s.scalars(select(TicketEvent.kind).where(TicketEvent.ticket_id == ticket.id)))
