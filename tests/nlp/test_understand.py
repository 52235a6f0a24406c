from __future__ import annotations

import json

import pytest

from nlp.router import Router
from nlp.tokenizer import Tokenizer
from nlp.understand import explain, understand
from tests.nlp.conftest import make_rules

RULES = make_rules(
    {"name": "urgent.elevator", "intent": "tickets.urgent", "category": "elevator", "all": ["电梯", "被困"]},
    {"name": "tickets.elevator", "intent": "tickets.create", "category": "elevator",
     "any": ["电梯"], "all": ["坏"], "priority": 99},
    {"name": "tickets.status", "intent": "tickets.status", "any": ["进展", "进度"]},
    {"name": "chat.thanks", "intent": "chat.thanks", "any": ["谢谢"], "reply": "不客气"},
)  # fmt: skip


@pytest.fixture(scope="module")
def routers() -> tuple[Router, Router]:
    return (
        Router(r for r in RULES if r.intent != "tickets.urgent"),
        Router(r for r in RULES if r.intent == "tickets.urgent"),
    )


def run(tokenizer: Tokenizer, routers: tuple[Router, Router], text: str):
    router, urgent = routers
    return understand(text, tokenizer=tokenizer, router=router, urgent_router=urgent, estates=["幸福里小区"])


def test_report_with_address_fills_slots(tokenizer: Tokenizer, routers: tuple[Router, Router]) -> None:
    u = run(tokenizer, routers, "幸福里３栋２单元５０１電梯壞了！！电话13812345678")
    assert u.text == "幸福里3栋2单元501电梯坏了!电话13812345678"
    assert (u.intent, u.category, u.urgent) == ("tickets.create", "elevator", False)
    assert u.match.slots["address"].label() == "幸福里小区3栋2单元501室"
    assert u.match.slots["phone"] == "13812345678"
    assert u.match.slots["category"] == "elevator"
    assert "电梯" in u.tokens


def test_urgent_wins_over_a_higher_priority_normal_rule(tokenizer: Tokenizer, routers: tuple[Router, Router]) -> None:
    u = run(tokenizer, routers, "电梯坏了有人被困")
    assert (u.intent, u.category, u.urgent) == ("tickets.urgent", "elevator", True)


def test_ticket_status_gets_the_ticket_number(tokenizer: Tokenizer, routers: tuple[Router, Router]) -> None:
    u = run(tokenizer, routers, "t20261122 0007 进展")
    assert u.intent == "tickets.status"
    assert u.match.slots["ticket_number"] == "T20261122-0007"


def test_no_match_still_returns_entities(tokenizer: Tokenizer, routers: tuple[Router, Router]) -> None:
    u = run(tokenizer, routers, "我住3栋")
    assert u.match is None and u.intent is None
    assert u.entities.address.building == "3"


def test_empty_message(tokenizer: Tokenizer, routers: tuple[Router, Router]) -> None:
    u = run(tokenizer, routers, "   ")
    assert (u.text, u.tokens, u.match) == ("", (), None)


def test_explain_is_json_and_says_why(tokenizer: Tokenizer, routers: tuple[Router, Router]) -> None:
    router, urgent = routers
    data = explain("电梯坏了谢谢", tokenizer=tokenizer, router=router, urgent_router=urgent)
    data = json.loads(json.dumps(data, ensure_ascii=False))
    assert (data["intent"], data["category"], data["rule"]) == ("tickets.create", "elevator", "tickets.elevator")
    assert data["tokens"] == ["电梯", "坏", "了", "谢谢"]
    assert {(c["router"], c["rule"], c["status"]) for c in data["candidates"]} == {
        ("urgent", "urgent.elevator", "incomplete"),
        ("normal", "tickets.elevator", "winner"),
        ("normal", "chat.thanks", "eligible"),
    }
    assert data["winner_reason"].startswith("higher priority (99 > 0) than chat.thanks")
    assert "urgent fast path did not match" in data["winner_reason"]
    assert data["entities"]["address"] is None


def test_explain_marks_the_urgent_path(tokenizer: Tokenizer, routers: tuple[Router, Router]) -> None:
    router, urgent = routers
    data = explain("电梯里有人被困", tokenizer=tokenizer, router=router, urgent_router=urgent)
    assert data["urgent"] is True and data["intent"] == "tickets.urgent"
    assert data["winner_reason"].startswith("urgent fast path")


BESIDE_RULES = make_rules(
    {"name": "faq.id_card", "intent": "faq.answer", "any": ["身份证"], "priority": 40, "reply": "带户口簿"},
    {"name": "tickets.leak", "intent": "tickets.create", "category": "water_leak", "any": ["漏水"], "priority": 25},
)  # fmt: skip
TOGETHER = {"faq.answer": "tickets.create", "tickets.create": "faq.answer"}


@pytest.mark.parametrize(("text", "beside"), [
    ("3栋楼下漏水，顺便问下身份证怎么补办", "tickets.create"),  # the question wins; the report is the other thing
    ("身份证怎么补办？另外楼下漏水了", "tickets.create"),
    ("漏水了身份证被泡了怎么补办", None),  # one clause: one thing
    ("身份证怎么补办", None),
])
def test_a_report_and_a_question_in_clauses_of_their_own_are_both_kept(tokenizer: Tokenizer, text: str,
                                                                        beside: str | None) -> None:
    u = understand(text, tokenizer=tokenizer, router=Router(BESIDE_RULES), beside=TOGETHER)
    assert u.intent == "faq.answer"
    assert (u.beside.intent if u.beside else None) == beside
    if u.beside is not None:
        assert u.beside.slots["category"] == "water_leak"
    assert understand(text, tokenizer=tokenizer, router=Router(BESIDE_RULES)).beside is None  # only when asked
