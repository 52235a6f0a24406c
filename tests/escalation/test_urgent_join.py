"""An urgent ticket is always its own, or joins only an open urgent ticket of the same category and place.

An urgent report never joins an ordinary ticket (a collapse once vanished into an older
pothole ticket, no alert went out, and the reply still said who had been told), and an
ordinary report never joins an urgent one.
"""

from __future__ import annotations

from handlers.tickets import texts
from tests.escalation.conftest import MEMBER, RESIDENT, STAFF, Town, at, number_in, texts_to
from tests.tickets.conftest import NEIGHBOUR


def urgent_alerts(town: Town, recipient: str) -> list[str]:
    return [row.payload["text"] for row in town.outbox(recipient) if row.kind == "ticket_urgent"]


def test_an_urgent_report_beside_an_open_ordinary_ticket_is_its_own_and_alerts(town: Town) -> None:
    ordinary = number_in(town.say(RESIDENT, "幸福里3栋2单元电梯坏了"))
    reply = town.say(NEIGHBOUR, "幸福里3栋2单元电梯困人了，快来人")
    urgent = number_in(reply)
    assert urgent != ordinary and "已同时通知网格员、社区值班人员和物业" in reply
    assert [(t.number, t.urgent) for t in town.tickets()] == [(ordinary, False), (urgent, True)]
    (alert,) = urgent_alerts(town, STAFF)
    assert alert.startswith(f"【紧急工单】{urgent}")
    assert texts.TICKET_DUPLICATE_JOINED not in reply


def test_an_ordinary_report_beside_an_open_urgent_ticket_is_its_own(town: Town) -> None:
    urgent = number_in(town.say(RESIDENT, "幸福里3栋2单元电梯困人了，快来人"))
    reply = town.say(NEIGHBOUR, "幸福里3栋2单元电梯坏了")
    assert reply != texts.TICKET_DUPLICATE_JOINED and "工单号" in reply
    ordinary = number_in(reply)
    assert ordinary != urgent and not town.ticket(ordinary).urgent
    assert not [t for t in texts_to(town, RESIDENT) if "又有邻居反映" in t]  # the urgent one was not touched


def test_urgent_reports_of_one_place_join_within_the_window_only(town: Town) -> None:
    first = number_in(town.say(RESIDENT, "幸福里3栋2单元电梯困人了，快来人"))
    town.clock.at = at(9, 20)
    joined = town.say(NEIGHBOUR, "幸福里3栋2单元电梯困人了")
    assert number_in(joined) == first and "并入紧急工单" in joined
    assert len(urgent_alerts(town, STAFF)) == 1
    town.clock.at = at(9, 31)  # tickets.urgent_join_minutes (30) after the first
    later = number_in(town.say("oThird", "幸福里3栋2单元电梯困人了"))
    assert later != first and len(urgent_alerts(town, STAFF)) == 2


def test_two_people_collapsing_in_two_flats_are_two_emergencies(town: Town) -> None:
    first = number_in(town.say(RESIDENT, "幸福里3栋2单元501我爸倒地叫不应"))
    second = number_in(town.say(NEIGHBOUR, "幸福里3栋2单元502有人晕倒了 叫不醒"))
    assert first != second
    assert [t.category for t in town.tickets()] == ["medical", "medical"]
    assert len(urgent_alerts(town, STAFF)) == 2
    assert [t for t in texts_to(town, MEMBER) if second in t]  # the member was told of the second one too


def test_saying_it_again_tells_where_it_stands_and_alerts_nobody_twice(town: Town) -> None:
    first = town.say("oStranger", "燃气味很大")
    number = number_in(first)
    again = town.say("oStranger", "燃气味越来越大了 快来人")
    assert number_in(again) == number and "您刚才已报告过" in again
    assert again.endswith(texts.URGENT_CONFIRM_TIMEOUT_ASK_LOCATION)  # the place is still wanted
    assert len(town.tickets()) == 1 and len(urgent_alerts(town, STAFF)) == 1
