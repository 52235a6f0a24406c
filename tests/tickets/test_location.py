"""The unknown-location dialogue: asked, answered (text or a pin), cancelled, expired."""

from __future__ import annotations

from handlers.help import texts as help_texts
from handlers.tickets import texts
from tests.tickets.conftest import MEMBER, RESIDENT, Town


def test_a_report_without_a_place_asks_and_the_answer_files_it(town: Town) -> None:
    ask = town.say(RESIDENT, "楼道灯不亮了")
    assert ask == texts.TICKET_ASK_LOCATION.format(category="照明")
    assert town.tickets() == []
    town.clock.advance(minutes=5)
    reply = town.say(RESIDENT, "幸福里4栋1单元")
    assert "工单号 T20261122-0001" in reply and "幸福里小区4栋1单元" in reply
    ticket = town.ticket()
    assert ticket.category == "lighting" and ticket.location == "幸福里小区4栋1单元"
    assert "楼道灯不亮了" in ticket.description
    assert len(town.pushed(MEMBER)) == 1  # 4栋 is in grid 2


def test_a_location_pin_answers_the_question(town: Town) -> None:
    town.say(RESIDENT, "路灯坏了")
    reply = town.location(RESIDENT, "幸福里小区北门")
    assert "工单号" in reply and "幸福里小区北门" in reply
    assert town.ticket().status == "queued"  # no building, so the staff queue has it
    assert town.pushed("oDemoStaff")


def test_cancel_works_at_the_location_question(town: Town) -> None:
    town.say(RESIDENT, "楼道灯不亮了")
    assert town.say(RESIDENT, "取消") == help_texts.CANCELLED
    assert town.say(RESIDENT, "幸福里4栋1单元") != texts.TICKET_CREATED
    assert town.tickets() == []


def test_the_question_expires_and_a_late_answer_is_not_filed(town: Town) -> None:
    town.say(RESIDENT, "楼道灯不亮了")
    town.clock.advance(minutes=31)
    reply = town.say(RESIDENT, "幸福里4栋1单元")
    assert "工单号" not in (reply or "")
    assert town.tickets() == []


def test_two_useless_answers_file_to_the_staff_queue(town: Town) -> None:
    town.say(RESIDENT, "楼道灯不亮了")
    assert town.say(RESIDENT, "就是那个地方") == texts.TICKET_ASK_LOCATION.format(category="照明")
    reply = town.say(RESIDENT, "你们知道的")
    [ticket] = town.tickets()
    assert reply == texts.TICKET_LOCATION_UNKNOWN_FILED.format(number=ticket.number, category="照明")
    assert ticket.building_id is None and ticket.grid_id is None


def test_a_building_number_in_two_estates_asks_which(town: Town) -> None:
    assert town.say(RESIDENT, "3栋路灯坏了") == texts.TICKET_ASK_ESTATE.format(example="幸福里小区3栋2单元")
    assert "桂花苑3栋" in town.say(RESIDENT, "桂花苑3栋")


def test_a_stated_home_address_is_used_for_later_reports(town: Town) -> None:
    assert town.say(RESIDENT, "我住幸福里3栋2单元501") == texts.ADDRESS_SAVED.format(label="幸福里小区3栋2单元501室")
    assert "幸福里小区3栋2单元501室" in town.say(RESIDENT, "家里停电了")
    assert town.say(RESIDENT, "我搬家了") == texts.ADDRESS_ASK
    assert "桂花苑1栋2单元302室" in town.say(RESIDENT, "桂花苑1栋2单元302")
