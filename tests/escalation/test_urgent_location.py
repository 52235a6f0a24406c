"""An urgent report whose place comes later: the grid member of that place is brought in and told."""

from __future__ import annotations

from bot import texts as bot_texts
from handlers.tickets import texts
from tests.escalation.conftest import MEMBER, Town, number_in, texts_to


def test_the_place_given_later_brings_in_its_grid_member(town: Town) -> None:
    reply = town.say("oStranger", "燃气味很大")
    number = number_in(reply)
    assert texts.URGENT_WHO_MEMBER + bot_texts.LIST_SEPARATOR not in reply  # no place, no grid member yet
    assert not texts_to(town, MEMBER)
    answer = town.say("oStranger", "幸福里3栋2单元")
    ticket = town.ticket(number)
    assert ticket.grid_id is not None and ticket.assignee_id is not None and ticket.status == "assigned"
    (task,) = texts_to(town, MEMBER)  # 李强 has grid 2 (幸福里小区3–5栋)
    assert number in task and "（紧急）" in task and "幸福里小区3栋2单元" in task
    assert answer.startswith(f"已把位置“幸福里小区3栋2单元”补充到紧急工单 {number}，已通知网格员")
    assert town.say(MEMBER, f"接单 {number}") == texts.MEMBER_ACCEPTED.format(number=number)


def test_an_answer_that_names_no_place_is_not_taken_as_the_place(town: Town) -> None:
    number = number_in(town.say("oStranger2", "燃气味很大"))
    again = town.say("oStranger2", "1")  # not a place: the question is asked again
    assert again == texts.TICKET_ASK_LOCATION.format(category="燃气") and not town.ticket(number).location
    thanks = town.say("oStranger2", "谢谢")  # small talk is answered as what it is
    assert "谢" in thanks or "不客气" in thanks
    answer = town.say("oStranger2", "就在3栋楼下")
    assert f"补充到紧急工单 {number}" in answer and "3栋" in town.ticket(number).location
