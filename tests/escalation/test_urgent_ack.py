"""Every urgent alert is acknowledged ("收到 T…") by a person, or it goes further until one is.

The demo town: 幸福里3栋 is grid 2 (李强 primary on duty, 赵敏 backup on duty); elevators
belong to 物业 (王经理); the street office is 陈科长. An elevator's urgent span is 10 minutes.
"""

from __future__ import annotations

from sqlalchemy import delete, select

from handlers.tickets import texts
from models import Identity, Person, TicketAlert
from tests.escalation.conftest import (
    MEMBER,
    PROPERTY,
    RESIDENT,
    STAFF,
    STREET,
    Town,
    at,
    events,
    number_in,
    sweep,
    texts_to,
)
from tests.tickets.conftest import MEMBER2

TRAPPED = "幸福里3栋2单元电梯困人了，快来人"
NUMBERS = "紧急电话：火警 119｜急救 120｜报警 110"


def alerted(town: Town, number: str) -> dict[str, str]:
    """Who the ticket's alert reached (person name -> rung), from the alert rows."""
    ticket = town.ticket(number)
    with town.services.db.session() as s:
        rows = s.execute(select(Person.name, TicketAlert.rung, TicketAlert.acknowledged_at)
                         .join(Person, Person.id == TicketAlert.person_id)
                         .where(TicketAlert.ticket_id == ticket.id).order_by(TicketAlert.id)).all()
    return {name: rung + ("+ack" if acked else "") for name, rung, acked in rows}


def test_nobody_acknowledges_the_next_person_and_the_street_again_and_again_until_someone_does(town: Town) -> None:
    number = number_in(town.say(RESIDENT, TRAPPED))
    assert alerted(town, number) == {"李强": "member", "张主任": "staff", "王经理": "department"}
    assert sweep(town, at(9, 9)) == 0  # within the 10 minutes: nothing yet

    assert sweep(town, at(9, 10)) == 1
    ticket = town.ticket(number)
    assert ticket.ack_round == 1 and ticket.ack_due_at == at(9, 20)
    assert ticket.escalation_level == 0 and "escalated" not in events(town, number)  # the ladder, not 吹哨, yet
    assert alerted(town, number) == {"李强": "member", "张主任": "staff", "王经理": "department",
                                     "赵敏": "next", "陈科长": "street"}
    for person in (MEMBER, STAFF, PROPERTY, MEMBER2, STREET):  # new ones and everyone who did not answer
        again = texts_to(town, person)[-1]
        assert again.startswith(f"【紧急·无人确认】{number}（第1次加急）") and f"收到 {number}" in again
    note = texts_to(town, RESIDENT)[-1]
    assert note.startswith(f"紧急工单 {number}：已通知的工作人员还没有确认收到，已再次加急通知网格员赵敏和街道陈科长")
    assert note.endswith(NUMBERS)

    assert sweep(town, at(9, 20)) == 1  # again: the next member in the community (王芳, grid 1)
    assert alerted(town, number)["王芳"] == "next" and town.ticket(number).ack_round == 2
    assert "网格员王芳" in texts_to(town, RESIDENT)[-1]

    town.clock.at = at(9, 25)
    assert town.say(MEMBER2, f"收到 {number}") == texts.ACK_DONE.format(number=number)
    assert texts_to(town, RESIDENT)[-1] == texts.URGENT_NOTE_ACK_COMING.format(who="网格员赵敏", number=number)
    ticket = town.ticket(number)
    assert ticket.acknowledged_at == at(9, 25) and ticket.ack_due_at is None
    assert ticket.accept_due_at == at(9, 35)  # the accept step gets its span from the acknowledgement
    assert town.say(MEMBER2, f"收到 {number}") == texts.ACK_ALREADY.format(number=number)

    before = len(texts_to(town, STREET))
    sweep(town, at(9, 30))
    assert town.ticket(number).ack_round == 2 and len(texts_to(town, STREET)) == before  # the ladder stopped
    # The street office was alerted: it may acknowledge though the ticket is not at its rung.
    assert town.say(STREET, f"收到 {number}") == texts.ACK_DONE.format(number=number)
    assert texts_to(town, RESIDENT)[-1] == texts.URGENT_NOTE_ACK_HANDLING.format(who="街道陈科长", number=number)
    assert alerted(town, number)["陈科长"] == "street+ack"
    assert town.say(RESIDENT, f"收到 {number}") == texts.MEMBER_ONLY  # a resident cannot acknowledge


def test_accepting_acknowledges_too_and_the_ladder_never_starts(town: Town) -> None:
    number = number_in(town.say(RESIDENT, TRAPPED))
    town.clock.at = at(9, 4)
    assert town.say(MEMBER, f"接单 {number}") == texts.MEMBER_ACCEPTED.format(number=number)
    assert town.ticket(number).acknowledged_at == at(9, 4)
    assert alerted(town, number)["李强"] == "member+ack"
    resident = texts_to(town, RESIDENT)
    assert len(resident) == 1 and "已由网格员李强接单" in resident[0]  # one notice, not two
    assert sweep(town, at(9, 10)) == 0 and town.ticket(number).ack_round == 0
    assert not texts_to(town, STREET)


def test_acknowledging_an_ordinary_ticket_is_refused_kindly(town: Town) -> None:
    number = number_in(town.say(RESIDENT, "幸福里3栋2单元电梯坏了"))
    assert town.say(MEMBER, f"收到 {number}") == texts.ACK_NOT_URGENT.format(number=number)


def test_the_reply_names_only_those_really_told(town: Town) -> None:
    def unreachable(*openids: str) -> None:
        with town.services.db.session() as s:
            s.execute(delete(Identity).where(Identity.value.in_(openids)))
            s.commit()

    unreachable(MEMBER, STAFF, PROPERTY)  # the usual three have no WeChat at all
    reply = town.say(RESIDENT, TRAPPED)
    number = number_in(reply)
    assert "已同时通知网格员赵敏和街道陈科长" in reply  # the next person and the street, at once
    assert "物业" not in reply and "社区值班人员" not in reply
    assert alerted(town, number) == {"赵敏": "next", "陈科长": "street"}
    queued = {row.recipient for row in town.outbox() if row.kind in ("ticket_urgent", "ticket_task")}
    assert queued == {MEMBER2, STREET}

    unreachable(MEMBER2, STREET, "wangfang", "chengang")
    reply = town.say("oNeighbour", "幸福里4栋1单元电梯困人了")
    assert texts.URGENT_NOTIFIED_NOBODY in reply and "已同时通知" not in reply
    number = number_in(reply)
    assert alerted(town, number) == {}
    sweep(town, at(9, 10))
    note = texts_to(town, "oNeighbour")[-1]
    assert note.startswith(f"紧急工单 {number}：暂时还没有工作人员确认收到，也没能联系到更多人员") and NUMBERS in note


def test_a_neighbour_joining_hears_where_the_alert_stands(town: Town) -> None:
    number = number_in(town.say(RESIDENT, TRAPPED))
    joined = town.say("oNeighbour", "3栋2单元电梯里有人被困住了 幸福里的")
    assert number in joined and "已把您的报告并入紧急工单" in joined
    assert joined.endswith(texts.URGENT_STATUS_WAITING.format(handlers="网格员、社区值班人员和物业"))
    town.say(MEMBER, f"收到 {number}")
    again = town.say("oThird", "幸福里小区3栋2单元 电梯困人")
    assert again.endswith(texts.URGENT_STATUS_ACKED.format(who="网格员李强"))
    assert len(town.tickets()) == 1
    assert len([r for r in town.outbox(STAFF) if r.kind == "ticket_urgent"]) == 1  # one alert, not three
