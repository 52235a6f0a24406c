"""报到 belongs to the whistled department (or the street at the street rung), never to whoever may see the ticket."""

from __future__ import annotations

from handlers.tickets import texts
from tests.escalation.conftest import MEMBER, PROPERTY, RESIDENT, STREET, Town, at, events, number_in, sweep, texts_to
from tests.tickets.conftest import MEMBER2


def _whistled_to_property(town: Town) -> str:
    number = number_in(town.say(RESIDENT, "幸福里3栋2单元电梯坏了"))
    sweep(town, at(11))
    sweep(town, at(13))
    assert town.ticket(number).escalation_level == 2
    return number


def test_a_grid_member_cannot_report_in_for_the_department(town: Town) -> None:
    number = _whistled_to_property(town)
    told = len(texts_to(town, RESIDENT))
    for member in (MEMBER2, MEMBER):  # 赵敏 (a backup of the grid) and 李强 (the assignee)
        reply = town.say(member, f"报到 {number}")
        assert reply == texts.REPORT_IN_NOT_YOURS.format(number=number, rung="物业")
    ticket = town.ticket(number)
    assert ticket.reported_in_at is None and "reported_in" not in events(town, number)
    assert len(texts_to(town, RESIDENT)) == told  # nobody told the resident anything
    assert town.say(PROPERTY, f"报到 {number}").startswith(f"已报到：{number}")
    assert town.ticket(number).reported_in_at is not None


def test_the_street_reports_in_only_once_the_ticket_is_at_the_street_rung(town: Town) -> None:
    number = _whistled_to_property(town)
    assert not town.say(STREET, f"报到 {number}").startswith("已报到")  # still 物业's to report in
    assert town.ticket(number).reported_in_at is None
    sweep(town, at(15))  # 物业 did not report in: the street takes over
    assert town.ticket(number).escalation_level == 3
    assert town.say(STREET, f"报到 {number}").startswith(f"已报到：{number}")
