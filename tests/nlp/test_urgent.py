"""The urgent fast path, with an in-test rule set shaped like data/rules/urgent.yaml."""

from __future__ import annotations

import pytest

from nlp.normalize import normalize
from nlp.router import Router
from nlp.tokenizer import Tokenizer
from nlp.urgent import build_routers, build_urgent_router, check_urgent, split_rules
from tests.nlp.conftest import make_rules

URGENT_RULES = make_rules(
    {"name": "urgent.gas", "intent": "tickets.urgent", "category": "gas",
     "any": ["煤气味", "燃气味", "天然气味", "燃气泄漏", "天然气泄漏", "煤气泄漏", "漏气"],
     "synonyms": {"燃气泄露": "燃气泄漏", "天然气泄露": "天然气泄漏"}},
    {"name": "urgent.fire", "intent": "tickets.urgent", "category": "fire",
     "any": ["着火", "起火", "失火", "冒烟", "火灾"], "none": ["抽烟", "油烟"]},
    {"name": "urgent.elevator", "intent": "tickets.urgent", "category": "elevator",
     "any": ["电梯困人", "困在电梯", "被困电梯", "关在电梯", "电梯里困"]},
    {"name": "urgent.elevator.trapped", "intent": "tickets.urgent", "category": "elevator",
     "all": ["电梯", "被困"]},
    {"name": "urgent.medical", "intent": "tickets.urgent", "category": "medical",
     "any": ["晕倒", "昏倒", "摔伤", "受伤", "流血", "不省人事"]},
    {"name": "urgent.power", "intent": "tickets.urgent", "category": "power",
     "any": ["漏电", "冒火花", "电线冒火", "触电"]},
    {"name": "tickets.elevator", "intent": "tickets.create", "category": "elevator",
     "any": ["电梯"], "priority": 50},
)  # fmt: skip


@pytest.fixture(scope="module")
def urgent_router() -> Router:
    return build_urgent_router(URGENT_RULES)


def category(router: Router, tokenizer: Tokenizer, text: str) -> str | None:
    norm = normalize(text)
    hit = check_urgent(router, tokenizer.cut(norm), norm)
    return hit.category if hit else None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("燃气味很大", "gas"),
        ("楼道里一股煤气味", "gas"),
        ("天然气泄漏了", "gas"),
        ("厨房燃气泄露", "gas"),
        ("着火了快来人", "fire"),
        ("楼道冒烟了", "fire"),
        ("车库起火", "fire"),
        ("电梯困人了", "elevator"),
        ("我被困电梯里了", "elevator"),
        ("电梯里有人被困了", "elevator"),
        ("有人晕倒了", "medical"),
        ("老人摔伤了在流血", "medical"),
        ("楼道漏电", "power"),
        ("电线冒火花", "power"),
    ],
)
def test_emergencies(urgent_router: Router, tokenizer: Tokenizer, text: str, expected: str) -> None:
    assert category(urgent_router, tokenizer, text) == expected


@pytest.mark.parametrize(
    "text",
    ["燃气费怎么交", "电梯广告太吵", "我没事了", "有人在楼道抽烟", "不冒烟了", "电梯坏了", "火已经灭了没事了"],
)
def test_non_emergencies(urgent_router: Router, tokenizer: Tokenizer, text: str) -> None:
    assert category(urgent_router, tokenizer, text) is None


def test_urgent_router_holds_only_urgent_rules(urgent_router: Router) -> None:
    assert {r.intent for r in urgent_router.rules} == {"tickets.urgent"}


def test_build_routers_splits_rules_so_priorities_cannot_hide_emergencies() -> None:
    normal, urgent = build_routers(URGENT_RULES)
    assert [r.name for r in normal.rules] == ["tickets.elevator"]
    assert len(urgent) == 6
    assert split_rules(URGENT_RULES)[0] == list(normal.rules)
