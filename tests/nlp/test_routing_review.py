"""Misroutings a reviewer found, each through the real engine (data/rules, data/dict), one assertion per message.

The accuracy gate (test_routing_accuracy.py) tolerates a few misses; these must each go right.
"""

from __future__ import annotations

from typing import Any

import pytest

from nlp.rules import load_rule_files, rule_files
from nlp.tokenizer import DATA_DIR, Tokenizer, dictionary_files
from nlp.understand import understand
from nlp.urgent import build_routers


@pytest.fixture(scope="module")
def route(tmp_path_factory: pytest.TempPathFactory) -> Any:
    router, urgent_router = build_routers(load_rule_files(rule_files(DATA_DIR / "rules")))
    tokenizer = Tokenizer(cache_dir=tmp_path_factory.mktemp("jieba"), user_dicts=dictionary_files())

    def _route(text: str) -> tuple[str | None, str | None]:
        u = understand(text, tokenizer=tokenizer, router=router, urgent_router=urgent_router)
        return u.intent, u.category

    return _route


@pytest.mark.parametrize(
    "text",
    [
        "幸福里3栋3单元停水了 一滴水木有",
        "停水了 一滴水都没有",
        "家里一滴水都没有",
        "水龙头一滴水也没有",
        "打开水龙头一滴水也不出",
    ],
)
def test_not_a_drop_of_water_is_no_water_not_a_leak(route: Any, text: str) -> None:
    assert route(text) == ("tickets.create", "water_supply")


@pytest.mark.parametrize("text", ["天花板一直在滴水", "楼上往下滴水", "空调外机一滴水一滴水往下掉"])
def test_dripping_water_is_still_a_leak(route: Any, text: str) -> None:
    assert route(text) == ("tickets.create", "water_leak")
