"""Shared fixtures: one warmed tokenizer per test session and small in-test rule sets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from nlp.router import Router
from nlp.rules import Rule, parse_rules
from nlp.tokenizer import Tokenizer


@pytest.fixture(scope="session")
def tokenizer(tmp_path_factory: pytest.TempPathFactory) -> Tokenizer:
    """A tokenizer with jieba's base dictionary only (no data/dict), so tests are stable."""
    tk = Tokenizer(cache_dir=tmp_path_factory.mktemp("jieba"))
    tk.warm()
    return tk


def make_rules(*items: dict[str, Any]) -> list[Rule]:
    """Rules from YAML-like dicts; ids follow the order given."""
    return parse_rules({"rules": list(items)}, source="test")


@pytest.fixture
def route(tokenizer: Tokenizer) -> Callable[..., Any]:
    """route(rules, text, community=None) -> RouteMatch | None through the real tokenizer."""
    from nlp.normalize import normalize

    def _route(rules: list[Rule], text: str, community: str | None = None) -> Any:
        norm = normalize(text)
        return Router(rules).route(tokenizer.cut(norm), norm, community)

    return _route
