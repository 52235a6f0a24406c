"""Urgent reports: safety text first, a ticket at once, member + staff + department notified together."""

from __future__ import annotations

from collections.abc import Callable

from handlers.tickets import texts
from tests.escalation.conftest import MEMBER, PROPERTY, RESIDENT, STAFF, Town, at, number_in, sweep, texts_to


def test_a_trapped_lift_opens_an_urgent_ticket_and_alerts_everyone_at_once(make_town: Callable[..., Town]) -> None:
    town = make_town(emergency={"gas_company_phone": "96777"})
    reply = town.say(RESIDENT, "幸福里3栋2单元电梯困人了，快来人")
    assert reply.startswith("⚠️") and texts.SAFETY_INSTRUCTIONS["elevator"] in reply
    assert "119" in reply and "120" in reply and "110" in reply and "燃气抢修 96777" in reply
    number = number_in(reply)
    assert "网格员、社区值班人员和物业" in reply and "11月22日 09:10 前响应" in reply  # minutes, not hours
    ticket = town.ticket(number)
    assert ticket.urgent and ticket.accept_due_at == at(9, 10)
    assert "（紧急）" in texts_to(town, MEMBER)[0]
    for person in (STAFF, PROPERTY):
        (alert,) = texts_to(town, person)
        assert alert.startswith("【紧急工单】") and number in alert and "幸福里小区3栋2单元" in alert
    # Nobody reacts within the minutes: it climbs like any other ticket.
    assert sweep(town, at(9, 10)) == 1 and town.ticket(number).escalation_level == 1


def test_an_urgent_report_without_a_place_still_gets_safety_first_then_the_location_is_asked(town: Town) -> None:
    reply = town.say("oStranger", "燃气味很大")
    assert reply.index(texts.SAFETY_INSTRUCTIONS["gas"]) < reply.index("请马上告诉我具体位置")
    number = number_in(reply)
    assert "燃气抢修" not in reply  # no gas company line configured: not invented
    assert town.ticket(number).urgent
    answer = town.say("oStranger", "幸福里3栋2单元")
    assert answer == texts.URGENT_LOCATION_SAVED.format(location="幸福里小区3栋2单元", number=number,
                                                       handlers="网格员、社区值班人员和燃气")
    assert town.ticket(number).location == "幸福里小区3栋2单元"
    assert "位置：幸福里小区3栋2单元" in texts_to(town, STAFF)[-1]
