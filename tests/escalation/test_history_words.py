"""History people read names the system in Chinese, and the resident's progress never shows who looked at the phone."""

from __future__ import annotations

from tests.escalation.conftest import MEMBER, RESIDENT, STAFF, STREET, Town, at, number_in, sweep, texts_to


def test_history_texts_name_the_system_in_chinese(town: Town) -> None:
    number = number_in(town.say(RESIDENT, "幸福里3栋2单元电梯坏了"))
    detail = town.say(MEMBER, f"详情 {number}")
    assert "系统 派单" in detail and "system" not in detail
    sweep(town, at(11))
    escalated = texts_to(town, STAFF)[-1]
    assert "系统 派单" in escalated
    assert "system" not in escalated


def test_the_residents_progress_hides_phone_views(town: Town) -> None:
    number = number_in(town.say(RESIDENT, "幸福里3栋2单元电梯坏了 13812345678"))
    town.say(MEMBER, f"电话 {number}")
    progress = town.say(RESIDENT, f"{number} 进展")
    assert number in progress and "查看电话" not in progress and "派单" in progress


def test_each_escalation_step_reads_as_what_it_was_in_members_histories(town: Town) -> None:
    number = number_in(town.say(RESIDENT, "幸福里3栋2单元电梯坏了"))
    for hour in (11, 13, 15):  # staff, then the department (吹哨), which does not report in: the street
        sweep(town, at(hour))
    street = texts_to(town, STREET)[-1]
    detail = town.say(STAFF, f"详情 {number}")
    for history in (street, detail):
        steps = [line for line in history.splitlines() if "升级至" in line]
        assert len(steps) == 3, history
        assert "超时升级：超过接单时限未接单，升级至社区工作人员" in steps[0]
        assert "社区吹哨：" in steps[1] and "升级至物业" in steps[1] and "超时升级" not in steps[1]
        assert "街道督办：部门超过报到时限未报到，升级至街道" in steps[2] and "超时升级" not in steps[2]
