"""Binding codes resist guessing and "电话 T…" lookups are limited and recorded (issue 12)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from handlers.community import texts as community_texts
from handlers.tickets import texts
from models import BindAttempt, Person, TicketEvent
from tests.tickets.conftest import MEMBER, RESIDENT, Town


def _code(town: Town, person_code: str, minutes: int = 60) -> str:
    from handlers.community.people import issue_bind_code

    with town.services.db.session() as s:
        person = s.scalar(select(Person).where(Person.code == person_code))
        return issue_bind_code(s, person, town.clock.now(), minutes).code


def _wrong(code: str, n: int) -> str:
    return f"{(int(code) + 1 + n) % 10**8:08d}"


def test_codes_are_eight_digits_and_single_use(town: Town) -> None:
    code = _code(town, "wangfang")
    assert len(code) == 8 and code.isdigit()
    assert "绑定成功" in town.say("oWangFangWx", f"绑定 {code}")
    assert town.say("oSomeoneElse", f"绑定 {code}") == community_texts.BIND_CODE_INVALID["used"]


def test_a_sender_guessing_is_stopped_after_five_wrong_codes_even_with_the_right_one(town: Town) -> None:
    code = _code(town, "wangfang")
    replies = [town.say("oGuesser", f"绑定 {_wrong(code, n)}") for n in range(5)]
    assert replies == [community_texts.BIND_CODE_INVALID["unknown"]] * 5
    blocked = town.say("oGuesser", f"绑定 {code}")  # the real code now binds nothing for this sender
    assert blocked is not None and blocked.startswith("绑定码错误次数过多")
    town.clock.advance(minutes=16)  # the cool-down is over
    assert "绑定成功" in town.say("oGuesser", f"绑定 {code}")


def test_guesses_from_many_senders_retire_the_outstanding_code(town: Town) -> None:
    code = _code(town, "wangfang")
    for n in range(20):  # four senders, five guesses each: none of them is throttled yet
        town.say(f"oBot{n // 5}", f"绑定 {_wrong(code, n)}")
    assert town.say("oWangFangWx", f"绑定 {code}") == community_texts.BIND_CODE_INVALID["retired"]
    town.clock.advance(minutes=5)
    fresh = _code(town, "wangfang")  # the admin issues a new one
    assert "绑定成功" in town.say("oWangFangWx", f"绑定 {fresh}")


def test_every_attempt_is_logged_for_admins(town: Town, admin_token: str) -> None:
    code = _code(town, "wangfang")
    town.say("oGuesser", f"绑定 {_wrong(code, 0)}")
    town.say("oWangFangWx", f"绑定 {code}")
    client = town.app.test_client()
    attempts = client.get("/api/v1/bind-attempts", headers={"Authorization": f"Bearer {admin_token}"}).get_json()
    assert [a["outcome"] for a in attempts["attempts"]] == ["ok", "unknown"]
    assert attempts["attempts"][0]["sender"] == "openid:oWangFangWx" and attempts["attempts"][0]["person"]
    with town.services.db.session() as s:
        assert len(list(s.scalars(select(BindAttempt)))) == 2


def test_phone_lookups_are_limited_per_hour_and_recorded(town: Town) -> None:
    town.say(RESIDENT, "幸福里3栋2单元电梯坏了，电话13812345678")
    number = town.ticket().number
    replies: list[Any] = [town.say(MEMBER, f"电话 {number}") for _ in range(11)]
    assert all(r.startswith(f"工单 {number} 报告人电话") for r in replies[:10]), replies[:10]
    assert replies[10] == texts.MEMBER_PHONE_LIMIT.format(number=number)
    with town.services.db.session() as s:
        kinds = [e.kind for e in s.scalars(select(TicketEvent).where(TicketEvent.kind.like("phone%")))]
    assert kinds.count("phone_viewed") == 10 and kinds.count("phone_refused") == 1
    town.clock.advance(hours=1, minutes=1)
    assert town.say(MEMBER, f"电话 {number}").startswith(f"工单 {number} 报告人电话")


def test_the_cooldown_window_uses_the_configured_minutes(make_town: Any) -> None:
    town = make_town(tickets={"bind_max_attempts": 2, "bind_cooldown_minutes": 60})
    code = _code(town, "wangfang", minutes=24 * 60)
    for n in range(2):
        town.say("oGuesser", f"绑定 {_wrong(code, n)}")
    town.clock.advance(minutes=30)
    assert town.say("oGuesser", f"绑定 {code}").startswith("绑定码错误次数过多")
    town.clock.advance(minutes=31)
    assert "绑定成功" in town.say("oGuesser", f"绑定 {code}")
