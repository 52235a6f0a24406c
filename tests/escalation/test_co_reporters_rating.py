"""Co-reporters are all asked to rate: the first 不满意 reopens the ticket, a second one changes nothing (issue 12)."""

from __future__ import annotations

import threading

from bot.delivery.outbox import Outbox
from handlers.community import people
from handlers.tickets import rating, texts
from models import Person, Ticket
from tests.escalation.conftest import MEMBER, RESIDENT, Town, at, events, number_in, sweep
from tests.tickets.conftest import NEIGHBOUR


def _done_with_two_reporters(town: Town) -> str:
    number = number_in(town.say(RESIDENT, "幸福里3栋2单元电梯坏了"))
    assert town.say(NEIGHBOUR, "幸福里3栋2单元电梯又坏了") is not None  # joins the same ticket
    town.say(MEMBER, f"接单 {number}")
    town.say(MEMBER, f"完成 {number} 已重启")
    assert sweep(town, at(9, 30)) == 1  # both reporters are asked
    return number


def test_two_co_reporters_answering_not_satisfied_reopen_once_and_climb_one_rung(town: Town) -> None:
    number = _done_with_two_reporters(town)
    first = town.say(RESIDENT, "不满意")
    assert first == texts.RATING_REOPENED_INVITE.format(number=number, rung="社区工作人员")
    second = town.say(NEIGHBOUR, "不满意")
    assert second == texts.RATING_ALREADY_REOPENED.format(number=number, rung="社区工作人员")
    ticket = town.ticket(number)
    assert (ticket.reopened, ticket.escalation_level) == (1, 1)
    assert events(town, number).count("escalated") == 1
    assert events(town, number)[-1] == "rated"  # the neighbour's answer is kept in the history


def test_concurrent_not_satisfied_answers_reopen_once(town: Town) -> None:
    number = _done_with_two_reporters(town)
    db, config, now = town.services.db, town.services.config, town.clock.now()
    barrier = threading.Barrier(2)
    replies: list[str] = []

    def answer(openid: str) -> None:
        with db.session() as s:
            ticket = s.query(Ticket).filter_by(number=number).one()
            person = s.get(Person, people.find_person(s, _msg(openid)).id)
            barrier.wait()  # both have read the finished ticket
            replies.append(rating.record(s, Outbox(s, now), config, ticket, person, "unsatisfied", now))

    threads = [threading.Thread(target=answer, args=(user,)) for user in (RESIDENT, NEIGHBOUR)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    ticket = town.ticket(number)
    assert (ticket.reopened, ticket.escalation_level) == (1, 1), replies
    assert sorted(r.startswith("抱歉问题还没解决") for r in replies) == [False, True]


def _msg(openid: str):  # type: ignore[no-untyped-def]
    from bot.dialog.message import IncomingMessage

    return IncomingMessage(channel="official_account", account="mp:x", user_id=openid, kind="text", text="",
                           dedupe_key="k")
