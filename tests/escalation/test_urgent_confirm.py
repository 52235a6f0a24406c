"""An ambiguous emergency: the safety text at once, "现在是否正在发生危险？回复 1 是 / 2 否", and what follows.

1 acts as a clear emergency; 2 routes the words as an ordinary message; another message
meanwhile is handled as what it is and the question stays open; no answer within
tickets.urgent_confirm_minutes escalates only when the words were strong.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.delivery.outbox import Outbox
from bot.dialog.conversation import load_state
from handlers.tickets import texts
from handlers.tickets.emergency import confirm_answer, sweep_urgent_checks
from models import UrgentCheck
from tests.escalation.conftest import MEMBER, PROPERTY, RESIDENT, STAFF, STREET, Town, at, number_in, texts_to

UNSURE_STRONG = "幸福里3栋2单元是不是着火了"  # a question about a fire: strong words, asked
UNSURE_WEAK = "幸福里3栋2单元有股烧焦味"  # a burning smell: weak words
PAGES = ("ticket_urgent", "ticket_task", "ticket_escalation")


def pages(town: Town) -> list[str]:
    """Everything queued for workers (alerts, tasks, escalations)."""
    return [row.recipient for row in town.outbox() if row.kind in PAGES]


def sweep_checks(town: Town, minutes: float) -> int:
    now = town.clock.at + timedelta(minutes=minutes)
    town.clock.at = now
    with town.services.db.session() as s:
        return sweep_urgent_checks(s, Outbox(s, now), now, town.services.config)


def checks(town: Town) -> list[UrgentCheck]:
    with town.services.db.session() as s:
        return list(s.scalars(select(UrgentCheck).order_by(UrgentCheck.id)))


def state_of(town: Town, user: str) -> str | None:
    with town.services.db.session() as s:
        active = load_state(s, "official_account", user, town.clock.at)
        return active.state if active else None


def test_an_unclear_one_shows_the_safety_text_and_asks_with_one_tap(make_town) -> None:  # type: ignore[no-untyped-def]
    town = make_town(emergency={"gas_company_phone": "96777"})
    reply = town.say(RESIDENT, UNSURE_STRONG)
    assert reply.startswith("⚠️") and texts.SAFETY_INSTRUCTIONS["fire"] in reply
    assert "火警 119｜急救 120｜报警 110" in reply and "96777" not in reply  # the gas line is for gas
    assert reply.endswith(texts.URGENT_CONFIRM_QUESTION + texts.URGENT_CONFIRM_WILL_ESCALATE.format(minutes=3))
    assert not town.tickets() and not pages(town)  # nobody paged on a question
    (menu,) = [row for row in town.outbox(RESIDENT) if row.kind == "urgent_confirm"]
    assert menu.payload["msgtype"] == "msgmenu" and menu.payload["head_content"] == texts.URGENT_CONFIRM_QUESTION
    assert [o["content"] for o in menu.payload["list"]] == ["是，正在发生", "否，没有危险"]
    (check,) = checks(town)
    assert (check.status, check.situation, check.category, check.strong_words) == ("pending", "fire", "fire", True)
    assert state_of(town, RESIDENT) == "tickets.urgent:confirm"
    weak = town.say("oOther", UNSURE_WEAK)
    assert texts.URGENT_CONFIRM_QUESTION in weak and "分钟内没有回复" not in weak  # nothing promised


def test_1_acts_at_once_as_a_clear_emergency(town: Town) -> None:
    town.say(RESIDENT, UNSURE_STRONG)
    reply = town.say(RESIDENT, "1")
    number = number_in(reply)
    assert reply.startswith("⚠️") and "已登记紧急工单" in reply and "已同时通知网格员和社区值班人员" in reply
    ticket = town.ticket(number)
    assert ticket.urgent and ticket.category == "fire" and ticket.location == "幸福里小区3栋2单元"
    assert ticket.description == UNSURE_STRONG
    assert set(pages(town)) >= {MEMBER, STAFF}
    assert [c.status for c in checks(town)] == ["confirmed"] and checks(town)[0].ticket_id == ticket.id
    assert state_of(town, RESIDENT) is None
    assert sweep_checks(town, 5) == 0  # answered: the sweep has nothing to do


def test_a_menu_tap_and_yes_in_words_confirm_too(town: Town) -> None:
    assert [confirm_answer(w) for w in ("是，正在发生", "否，没有危险", "对", "正在", "没有，谢谢", "2", "1 是")] == [
        "yes", "no", "yes", "yes", "no", "no", "yes"]
    assert [confirm_answer(w) for w in ("没有人接电话", "是不是要报修", "12", "")] == [None, None, None, None]
    town.say(RESIDENT, UNSURE_WEAK)
    reply = town.say(RESIDENT, "是，烟越来越大了")
    number = number_in(reply)
    assert town.ticket(number).description == f"{UNSURE_WEAK}\n补充：是，烟越来越大了"


def test_2_routes_the_words_as_an_ordinary_message(town: Town) -> None:
    town.say(RESIDENT, "幸福里1栋楼下花园有个老人摔倒了")
    reply = town.say(RESIDENT, "2")
    assert reply.startswith(texts.URGENT_CONFIRM_NO) and "工单号" in reply  # an ordinary report of it
    (ticket,) = town.tickets()
    assert not ticket.urgent and ticket.description == "幸福里1栋楼下花园有个老人摔倒了"
    assert not [r for r in town.outbox() if r.kind == "ticket_urgent"]
    assert [c.status for c in checks(town)] == ["denied"]
    assert sweep_checks(town, 10) == 0
    # Words that mean nothing ordinary are not turned into a ticket.
    town.say(NEIGHBOUR_2, UNSURE_WEAK)
    assert town.say(NEIGHBOUR_2, "没有") == texts.URGENT_CONFIRM_NO_NOTHING
    assert len(town.tickets()) == 1


NEIGHBOUR_2 = "oNeighbour2"


def test_no_answer_escalates_only_strong_words(town: Town) -> None:
    town.say(RESIDENT, UNSURE_STRONG)
    town.say("oOther", UNSURE_WEAK)
    assert sweep_checks(town, 2.9) == 0  # not yet
    assert sweep_checks(town, 0.2) == 2
    strong, weak = checks(town)
    assert (strong.status, weak.status) == ("escalated", "expired")
    (ticket,) = town.tickets()
    assert ticket.urgent and ticket.category == "fire" and strong.ticket_id == ticket.id
    (told,) = [t for t in texts_to(town, RESIDENT) if ticket.number in t]
    assert told.startswith(f"您刚才说“{UNSURE_STRONG}”，3分钟内没有收到您的回复。") and "119" in told
    assert "已同时通知网格员和社区值班人员" in told and set(pages(town)) == {MEMBER, STAFF}  # no fire department
    assert not [t for t in texts_to(town, "oOther") if "工单" in t]  # weak words: nobody paged, nothing claimed
    assert state_of(town, RESIDENT) is None and state_of(town, "oOther") is None
    assert sweep_checks(town, 5) == 0


def test_an_unanswered_one_without_a_place_asks_for_it_with_the_news(town: Town) -> None:
    town.say(RESIDENT, "是不是燃气泄漏了")  # no place: the ticket asks for it afterwards
    sweep_checks(town, 3)
    (ticket,) = town.tickets()
    (told,) = [t for t in texts_to(town, RESIDENT) if ticket.number in t]
    assert told.endswith(texts.URGENT_CONFIRM_TIMEOUT_ASK_LOCATION)
    assert state_of(town, RESIDENT) == "tickets.urgent:ask_location"
    answer = town.say(RESIDENT, "幸福里3栋2单元")
    assert answer.startswith(f"已把位置“幸福里小区3栋2单元”补充到紧急工单 {ticket.number}")


def test_another_message_meanwhile_is_handled_and_the_question_stays_open(town: Town) -> None:
    town.say(RESIDENT, UNSURE_STRONG)
    mine = town.say(RESIDENT, "我的工单")
    assert mine.startswith(texts.TICKET_LIST_EMPTY) and mine.endswith(texts.URGENT_CONFIRM_STILL_OPEN)
    assert state_of(town, RESIDENT) == "tickets.urgent:confirm"
    unclear = town.say(RESIDENT, "啊？")
    assert unclear.startswith("请先回答：" + texts.URGENT_CONFIRM_QUESTION)
    place = town.say(RESIDENT, "幸福里4栋1单元")
    assert place.startswith("已记下位置：幸福里小区4栋1单元。")
    photo = town.image(RESIDENT, "MEDIA-1")
    assert photo.startswith("请先回答：" + texts.URGENT_CONFIRM_QUESTION)  # the question first
    reply = town.say(RESIDENT, "1")
    assert town.ticket(number_in(reply)).location == "幸福里小区4栋1单元"


def test_a_location_pin_while_asked_is_where_it_is(town: Town) -> None:
    town.say("oStranger", "是不是燃气泄漏了")
    pinned = town.location("oStranger", "幸福路88号幸福里小区")
    assert pinned.startswith("已记下位置：幸福路88号幸福里小区。")
    reply = town.say("oStranger", "是")
    assert town.ticket(number_in(reply)).location == "幸福路88号幸福里小区"


def test_a_new_report_meanwhile_is_filed_and_the_unanswered_question_still_escalates(town: Town) -> None:
    town.say(RESIDENT, UNSURE_STRONG)
    report = town.say(RESIDENT, "幸福里1栋1单元楼道灯坏了")
    assert "工单号" in report
    assert [t.urgent for t in town.tickets()] == [False]
    assert sweep_checks(town, 3) == 1
    assert [t.urgent for t in town.tickets()] == [False, True]  # not lost for want of an answer


def test_a_clear_message_while_asked_answers_the_question(town: Town) -> None:
    town.say(RESIDENT, UNSURE_WEAK)
    reply = town.say(RESIDENT, "着火了！快来人")
    number = number_in(reply)
    ticket = town.ticket(number)
    assert ticket.description == f"{UNSURE_WEAK}\n补充：着火了！快来人"
    assert ticket.location == "幸福里小区3栋2单元"  # the place said in the first message
    assert [c.status for c in checks(town)] == ["confirmed"]
    assert sweep_checks(town, 5) == 0 and len(town.tickets()) == 1


def test_the_same_worry_said_twice_is_one_question(town: Town) -> None:
    town.say(RESIDENT, UNSURE_WEAK)
    town.say(RESIDENT, "幸福里3栋2单元是不是着火了")
    first, second = checks(town)
    assert (first.status, second.status, second.strong_words) == ("superseded", "pending", True)
    assert sweep_checks(town, 3) == 1 and len(town.tickets()) == 1
    assert town.tickets()[0].created_at == at(9, 3)
    assert STREET not in pages(town) and PROPERTY not in pages(town)  # the street only hears if nobody answers


def test_an_answer_racing_the_sweep_is_told_what_happened(town: Town) -> None:
    from bot.dialog.conversation import save_state

    town.say(RESIDENT, UNSURE_STRONG)
    (check,) = checks(town)
    sweep_checks(town, 3)  # the sweep escalated while the resident's "2" was on its way
    with town.services.db.session() as s:
        save_state(s, "official_account", RESIDENT, "tickets.urgent:confirm", {"check": check.id}, town.clock.at)
        s.commit()
    (ticket,) = town.tickets()
    assert town.say(RESIDENT, "2") == texts.URGENT_CONFIRM_LATE_NO.format(number=ticket.number)
    assert texts_to(town, MEMBER)[-1] == texts.URGENT_TASK_NO_DANGER.format(number=ticket.number)
    assert checks(town)[0].status == "escalated"  # what happened stays on record
