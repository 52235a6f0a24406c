"""History people read names the system in Chinese, and the resident's progress never shows who looked at the phone."""

from __future__ import annotations

from tests.escalation.conftest import MEMBER, RESIDENT, STAFF, Town, at, number_in, sweep, texts_to


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
