"""A whole report through the real webhook: resident → push to the grid member → 接单 → 完成."""

from __future__ import annotations

import re

from handlers.tickets import texts
from tests.tickets.conftest import MEMBER, RESIDENT, Town


def test_report_push_accept_complete_with_the_reporter_told_each_step(town: Town) -> None:
    reply = town.say(RESIDENT, "幸福里3栋2单元电梯坏了，电话13812345678")
    number = re.search(r"T\d{8}-\d{4}", reply or "").group(0)
    assert number == "T20261122-0001"
    assert "第二网格网格员李强负责" in reply and "11月22日 11:00 前接单" in reply and "幸福里小区3栋2单元" in reply

    (task,) = town.pushed(MEMBER)
    assert number in task and "电梯" in task and "138****5678" in task and "13812345678" not in task
    assert "接单" in task and "完成" in task

    assert town.say(MEMBER, f"接单 {number}") == texts.MEMBER_ACCEPTED.format(number=number)
    town.clock.advance(minutes=30)
    assert "已记录进展" in town.say(MEMBER, f"处理中 {number} 已联系电梯维保，下午到")
    town.clock.advance(hours=3)
    assert town.say(MEMBER, f"完成 {number} 已更换门机板，电梯恢复运行") == texts.MEMBER_DONE.format(number=number)

    updates = town.pushed(RESIDENT)
    assert updates == [
        texts.TICKET_NOTE_ACCEPTED.format(number=number, name="网格员李强"),
        texts.TICKET_NOTE_PROGRESS.format(number=number, note="已联系电梯维保，下午到"),
        texts.TICKET_NOTE_DONE.format(number=number, note="已更换门机板，电梯恢复运行"),
    ]
    ticket = town.ticket(number)
    assert ticket.status == "done" and ticket.accepted_at is not None and ticket.done_at is not None

    status = town.say(RESIDENT, f"{number} 进展")
    assert "已处理完成" in status and "办结" in status
    mine = town.say(RESIDENT, "我的工单")
    assert number in mine and "已处理完成" in mine
