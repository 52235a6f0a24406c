"""The facade the bot calls: one message in, everything the dispatcher needs out.

Order: normalise, tokenise, extract entities, then the urgent router, then the normal
router. The facade (not the router) fills RouteMatch.slots from the entities:

* address: Address | None       * phone: first phone or None      * phones: tuple
* ticket_number: first or None  * urgency_words: tuple            * category: the rule's
  category (tickets.*) or None   * params: the rule's params (dict)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from nlp.entities import Entities, extract_entities
from nlp.normalize import normalize
from nlp.router import Explanation, RouteMatch, Router


class Segmenter(Protocol):
    """Anything that cuts normalised text into tokens (nlp.tokenizer.Tokenizer)."""

    def cut(self, text: str) -> list[str]: ...


@dataclass(frozen=True)
class Understanding:
    """The engine's view of one message."""

    raw: str
    text: str
    tokens: tuple[str, ...]
    entities: Entities
    match: RouteMatch | None
    urgent: bool
    beside: RouteMatch | None = None  # a second request said in its own clause (router.route_beside)

    @property
    def intent(self) -> str | None:
        return self.match.intent if self.match else None

    @property
    def category(self) -> str | None:
        return self.match.category if self.match else None


def _with_slots(match: RouteMatch | None, entities: Entities) -> RouteMatch | None:
    if match is None:
        return None
    slots: dict[str, Any] = {
        "address": entities.address,
        "phone": entities.phones[0] if entities.phones else None,
        "phones": entities.phones,
        "ticket_number": entities.ticket_numbers[0] if entities.ticket_numbers else None,
        "urgency_words": entities.urgency_words,
        "category": match.rule.category,
        "params": dict(match.rule.params),
    }
    return dataclasses.replace(match, slots=slots)


def understand(
    text: str,
    *,
    tokenizer: Segmenter,
    router: Router,
    urgent_router: Router | None = None,
    estates: Iterable[str] = (),
    community: str | None = None,
    beside: Mapping[str, str] | None = None,
) -> Understanding:
    """Normalise, tokenise, extract entities and route one message (urgent rules first).

    ``beside``: {winner's intent: the intent of a second request said in a clause of its own} (for
    example a question and a report in one message); see ``Router.route_beside``.
    """
    normalized = normalize(text)
    tokens = tokenizer.cut(normalized) if normalized else []
    entities = extract_entities(normalized, estates)
    match = urgent_router.route(tokens, normalized, community) if urgent_router else None
    urgent = match is not None
    second = None
    if match is None:
        if beside:
            match, second = router.route_beside(tokens, normalized, community, beside)
        else:
            match = router.route(tokens, normalized, community)
    return Understanding(
        raw=text,
        text=normalized,
        tokens=tuple(tokens),
        entities=entities,
        match=_with_slots(match, entities),
        urgent=urgent,
        beside=_with_slots(second, entities),
    )


def explain(
    text: str,
    *,
    tokenizer: Segmenter,
    router: Router,
    urgent_router: Router | None = None,
    estates: Iterable[str] = (),
    community: str | None = None,
) -> dict[str, Any]:
    """Like understand(), but return a JSON-serialisable account of the decision.

    Keys: text, normalized, tokens, entities, urgent, intent, category, rule, keywords,
    candidates (urgent candidates first, each with a `router` field), winner_reason.
    """
    normalized = normalize(text)
    tokens = tokenizer.cut(normalized) if normalized else []
    entities = extract_entities(normalized, estates)
    urgent_exp: Explanation | None = urgent_router.explain(tokens, normalized, community) if urgent_router else None
    normal_exp = router.explain(tokens, normalized, community)
    chosen = urgent_exp if urgent_exp is not None and urgent_exp.match else normal_exp
    candidates: list[dict[str, Any]] = []
    for name, exp in (("urgent", urgent_exp), ("normal", normal_exp)):
        if exp is not None:
            for c in exp.candidates:
                candidates.append({"router": name, **c.to_dict()})
    reason = chosen.winner_reason
    if chosen is urgent_exp:
        reason = "urgent fast path: " + reason
    elif urgent_exp is not None and urgent_exp.candidates:
        reason += "; urgent fast path did not match: " + urgent_exp.winner_reason
    match = chosen.match
    return {
        "text": text,
        "normalized": normalized,
        "tokens": list(tokens),
        "entities": entities.to_dict(),
        "urgent": chosen is urgent_exp,
        "intent": match.intent if match else None,
        "category": match.category if match else None,
        "rule": match.rule.name if match else None,
        "keywords": list(match.keywords) if match else [],
        "candidates": candidates,
        "winner_reason": reason,
        "rejected_occurrences": list(normal_exp.rejected),
        "resolved_phrases": list(normal_exp.resolved_phrases),
    }
