"""The urgent fast path: gas, fire, people trapped or hurt, live wires.

Urgent rules (intent tickets.urgent, from data/rules/urgent.yaml) get their own Router,
evaluated before anything else, so a normal rule with a higher priority can never hide
an emergency, and the normal router never sees urgent rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from nlp.router import RouteMatch, Router
from nlp.rules import Rule

URGENT_INTENT = "tickets.urgent"


@dataclass(frozen=True)
class UrgentHit:
    """An emergency report: its category (gas, fire, elevator, medical, power) and the match."""

    category: str
    match: RouteMatch


def split_rules(rules: Iterable[Rule]) -> tuple[list[Rule], list[Rule]]:
    """Separate rules into (normal, urgent)."""
    normal: list[Rule] = []
    urgent: list[Rule] = []
    for rule in rules:
        (urgent if rule.intent == URGENT_INTENT else normal).append(rule)
    return normal, urgent


def build_routers(rules: Iterable[Rule]) -> tuple[Router, Router]:
    """Build (normal router, urgent router) from one rule list."""
    normal, urgent = split_rules(rules)
    return Router(normal), Router(urgent)


def build_urgent_router(rules: Iterable[Rule]) -> Router:
    """A Router over the tickets.urgent rules only."""
    return Router(r for r in rules if r.intent == URGENT_INTENT)


def check_urgent(router: Router, tokens: Sequence[str], text: str, community: str | None = None) -> UrgentHit | None:
    """Say whether a normalised message is an emergency, and of which category."""
    match = router.route(tokens, text, community)
    if match is None or match.intent != URGENT_INTENT or match.category is None:
        return None
    return UrgentHit(match.category, match)
