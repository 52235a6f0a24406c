"""A department's staff work their department's tickets only; community staff keep the whole community."""

from __future__ import annotations

from handlers.tickets import texts
from tests.tickets.conftest import MEMBER, RESIDENT, STAFF, Town

PROPERTY = "oDemoProperty"  # 王经理, 物业


def test_property_staff_cannot_finish_another_departments_ticket(town: Town) -> None:
    town.say(RESIDENT, "幸福里3栋2单元水管漏水了")  # 供水's category, held by the grid member
    number = town.ticket().number
    before = len(town.outbox())
    for command in (f"接单 {number}", f"完成 {number} 修好了", f"电话 {number}"):
        assert town.say(PROPERTY, command) == texts.MEMBER_NOT_YOURS.format(number=number)
    assert town.ticket(number).status == "assigned" and len(town.outbox()) == before
    # as 接单 says just before: the ticket exists, and it is not theirs
    assert town.say(PROPERTY, f"{number} 进展") == texts.MEMBER_NOT_YOURS.format(number=number)
    assert town.say(STAFF, f"接单 {number}") == texts.MEMBER_ACCEPTED.format(number=number)  # community-wide


def test_property_staff_work_a_ticket_transferred_to_their_department(town: Town) -> None:
    town.say(RESIDENT, "幸福里3栋2单元楼道灯坏了")
    number = town.ticket().number
    assert town.say(PROPERTY, f"接单 {number}") == texts.MEMBER_NOT_YOURS.format(number=number)
    town.say(MEMBER, f"转派 {number} 物业")
    assert town.say(PROPERTY, "我的任务").count(number) == 1  # a department's staff are workers
    assert town.say(PROPERTY, f"完成 {number} 已换灯") == texts.MEMBER_DONE.format(number=number)
    assert town.ticket(number).status == "done"


def test_the_alerted_department_may_take_an_urgent_ticket(town: Town) -> None:
    town.say(RESIDENT, "幸福里3栋2单元电梯困人了，快来人")
    number = town.ticket().number
    assert town.say(PROPERTY, f"接单 {number}") == texts.MEMBER_ACCEPTED.format(number=number)
