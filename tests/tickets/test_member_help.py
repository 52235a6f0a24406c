"""'帮助' from a grid member or staff lists the commands that role may use, under a heading naming the role;
residents keep their menu."""

from __future__ import annotations

from tests.tickets.conftest import MEMBER, RESIDENT, STAFF, Town

PROPERTY = "oDemoProperty"  # 王经理, the property department's staff
STREET = "oDemoStreet"  # 陈科长, the street office


def _heading(reply: str) -> str:
    return reply.splitlines()[0]


def test_a_grid_member_gets_the_member_commands_without_close_or_report_in(town: Town) -> None:
    reply = town.say(MEMBER, "帮助") or ""
    assert "网格员" in _heading(reply)
    for command in ("我的任务", "接单", "处理中", "完成", "转派", "退回", "待补充", "收到", "详情"):
        assert command in reply
    assert "关闭" not in reply and "报到" not in reply


def test_community_staff_get_a_staff_heading_and_close(town: Town) -> None:
    reply = town.say(STAFF, "帮助") or ""
    assert "社区工作人员" in _heading(reply) and "网格员" not in _heading(reply)
    for command in ("我的任务", "接单", "完成", "转派", "关闭", "详情"):
        assert command in reply
    assert "报到" not in reply  # 报到 is a whistled department's act


def test_department_staff_get_a_department_heading_with_report_in_and_close(town: Town) -> None:
    for who in (PROPERTY, STREET):
        reply = town.say(who, "帮助") or ""
        assert "网格员" not in _heading(reply) and "常用指令" in _heading(reply)
        for command in ("报到", "关闭", "接单", "完成", "退回"):
            assert command in reply


def test_a_resident_asking_for_help_gets_the_residents_menu(town: Town) -> None:
    reply = town.say(RESIDENT, "帮助") or ""
    assert "报修" in reply and "接单" not in reply
