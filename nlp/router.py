"""The keyword router: rules in, `RouteMatch` out. Pure: no jieba, no Flask, no database.

Matching (a documented hybrid of substring and token matching)
----------------------------------------------------------------
All keywords and synonym words of all rules go into one Aho-Corasick automaton, which
finds every occurrence in the normalised text in one pass; the cost per message depends
on the text and the hits, not on how many rules exist. Each occurrence is then checked
against the jieba tokens of the same text (ASCII letters compare case-insensitively):

* A keyword of two or more characters counts when the occurrence
  - starts and ends on token boundaries (漏水 in 楼上|漏水, 灯不亮 in 灯|不|亮), or
  - lies inside one token jieba kept whole (电梯 in 坐电梯, 漏水 in 不漏水) unless that token
    names a place (单元门 in 单元门口: nlp.lexicon.places.PLACE_TOKENS say where, not what), or
  - starts (ends) on a boundary and cuts off exactly one character of the last (first)
    token it touches (煤气 in 煤|气味: the leftover 味 is a suffix).
  It does not count when it cuts through tokens otherwise: 水管 in 喝水|管用, 停电 in
  停|电动车. If a word is segmented badly, add it to the user dictionary (data/dict).
* A one-character keyword counts only as a whole token, or a token made of it plus
  particles (坏 in 坏|了 and 坏掉; after 又/都/全: 坏 in 又坏了), never inside a longer word
  (漏 does not fire in 遗漏).
* Without tokens (an empty list) every occurrence counts.

Synonyms map a word to the keyword it stands for (趴窝 -> 坏); a synonym occurrence obeys
the same rules as a keyword and then counts as its keyword. A rule matches when all of
`all` match, one of `any` matches (or `any` is empty) and none of `none` matches.

Negation, for tickets.* intents only (reports must not be filed for solved problems)
-------------------------------------------------------------------------------------
* A resolution phrase from nlp.lexicon.RESOLVED_PHRASES anywhere in the text (修好了,
  没事了, 已解决 ...) vetoes every tickets.* rule, unless it describes a thing (修好的电梯)
  or the problem came back after it (修好了又坏了, 修好了…还是不行: nlp.lexicon.BROKEN_AGAIN).
  Otherwise per message: "漏水修好了但电梯不亮" is vetoed too; a missed report is cheaper to
  recover from (they write again) than a ticket for a fixed problem.
* A keyword occurrence preceded by a negator (不, 没, 没有, 不再 ...) and followed by a
  change particle (了, 啦) is negated and does not count: 不漏水了, 没有煤气味了.
  Keywords that themselves start with a negator (没电, 不亮) are unaffected: 没电了 is a report.

Tie-breaks among matching rules, in order
-----------------------------------------
1. higher priority;
2. more matched keywords (distinct keywords of `any` and `all`);
3. longer matched text (total length of the matched keywords' occurrences);
4. a rule scoped to the message's community before a global rule;
5. the older rule (lower id).

Community scoping: a rule with a `community` applies only when route() is given that
community; rules without one apply everywhere. Disabled rules never match (explain()
still lists them, so admins see why).

Slots: the router leaves `RouteMatch.slots` empty; nlp.understand fills them from the
extracted entities, so the router stays free of parsing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import ahocorasick_rs

from nlp.clauses import complaint_clauses
from nlp.lexicon import (
    ASKED_AFTER_RESOLVED,
    ASKED_AT_END,
    BROKEN_AGAIN,
    CHANGE_PARTICLES,
    DESCRIBING_MARK,
    NEGATORS,
    RESOLVED_PHRASES,
    SINGLE_CHAR_PREFIXES,
    SINGLE_CHAR_SUFFIXES,
)
from nlp.lexicon.places import PLACE_TOKENS
from nlp.rules import Rule

_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}
_NO_SLOTS: Mapping[str, Any] = MappingProxyType({})
_NEGATOR_SET = frozenset(NEGATORS)


def _lower(text: str) -> str:
    """Lower-case ASCII letters only, so character offsets never move."""
    return text.translate(_ASCII_LOWER)


@dataclass(frozen=True)
class RouteMatch:
    """The winning rule for a message and the keywords that made it win."""

    intent: str
    rule: Rule
    keywords: tuple[str, ...]
    slots: Mapping[str, Any] = field(default_factory=lambda: _NO_SLOTS, hash=False)

    @property
    def category(self) -> str | None:
        return self.rule.category


@dataclass(frozen=True)
class Candidate:
    """One rule that some keyword in the message touched, and what became of it.

    status: winner | eligible (matched but lost a tie-break) | vetoed | incomplete
    (an `all` keyword missing or no `any` keyword) | out_of_scope | disabled.
    """

    rule: Rule
    status: str
    matched: tuple[str, ...]
    hits: tuple[str, ...]
    missing: tuple[str, ...]
    vetoed_by: tuple[str, ...]
    negated: tuple[str, ...]
    score: tuple[int, int, int, int, int]

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule.name,
            "rule_id": self.rule.id,
            "intent": self.rule.intent,
            "category": self.rule.category,
            "community": self.rule.community,
            "status": self.status,
            "priority": self.rule.priority,
            "matched": list(self.matched),
            "hits": list(self.hits),
            "missing": list(self.missing),
            "vetoed_by": list(self.vetoed_by),
            "negated": list(self.negated),
            "score": {
                "priority": self.score[0],
                "keywords": self.score[1],
                "matched_chars": self.score[2],
                "community_scoped": bool(self.score[3]),
                "id": -self.score[4],
            },
        }


@dataclass(frozen=True)
class Explanation:
    """Why a message routed where it did: every candidate, best first, and the reason."""

    match: RouteMatch | None
    candidates: tuple[Candidate, ...]
    winner_reason: str
    rejected: tuple[str, ...]
    resolved_phrases: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "intent": self.match.intent if self.match else None,
            "category": self.match.category if self.match else None,
            "rule": self.match.rule.name if self.match else None,
            "keywords": list(self.match.keywords) if self.match else [],
            "candidates": [c.to_dict() for c in self.candidates],
            "winner_reason": self.winner_reason,
            "rejected_occurrences": list(self.rejected),
            "resolved_phrases": list(self.resolved_phrases),
        }


@dataclass
class _Layout:
    """Where each jieba token sits in the text."""

    owner: list[int]
    starts: list[int]
    ends: list[int]
    tokens: list[str]
    start_set: set[int]
    end_set: set[int]


def _layout(tokens: Sequence[str], text: str) -> _Layout | None:
    if not tokens:
        return None
    owner: list[int] = []
    starts: list[int] = []
    ends: list[int] = []
    kept: list[str] = []
    pos = 0
    for token in tokens:
        if not text.startswith(token, pos):
            token = _lower(token)
            at = text.find(token, pos) if token else -1
            if at < 0:
                continue  # a token not from this text: ignore rather than fail
            owner.extend([-1] * (at - pos))  # skipped whitespace belongs to no token
            pos = at
        owner.extend([len(kept)] * len(token))
        kept.append(token)
        starts.append(pos)
        pos += len(token)
        ends.append(pos)
    owner.extend([-1] * (len(text) - pos))
    return _Layout(owner, starts, ends, kept, set(starts), set(ends))


def _occurrence_counts(layout: _Layout | None, start: int, end: int) -> bool:
    """Apply the token-boundary rule of the module docstring to one occurrence."""
    if layout is None:
        return True
    first, last = layout.owner[start], layout.owner[end - 1]
    if end - start == 1:
        if first < 0:
            return False
        token, offset = layout.tokens[first], start - layout.starts[first]
        return all(c in SINGLE_CHAR_PREFIXES for c in token[:offset]) and all(
            c in SINGLE_CHAR_SUFFIXES for c in token[offset + 1:])
    if first >= 0 and first == last:
        return layout.tokens[first] not in PLACE_TOKENS or end - start == len(layout.tokens[first])
    starts_ok = start in layout.start_set
    ends_ok = end in layout.end_set
    if starts_ok and ends_ok:
        return True
    if starts_ok and last >= 0 and layout.ends[last] - end == 1:
        return True
    if ends_ok and first >= 0 and start - layout.starts[first] == 1:
        return True
    return False


def _still_resolved(text: str, phrase: str) -> bool:
    """The resolution phrase says the problem is over: not 修好的电梯, not 修好了又坏了, not 修好了吗."""
    at = text.find(phrase)
    while at >= 0:
        end = at + len(phrase)
        asked = text.startswith(ASKED_AFTER_RESOLVED, end) or text[end:] == ASKED_AT_END
        if not text.startswith(DESCRIBING_MARK, end) and not asked and not any(w in text[end:] for w in BROKEN_AGAIN):
            return True
        at = text.find(phrase, at + 1)
    return False


def _negated(text: str, layout: _Layout | None, start: int, end: int) -> bool:
    """A negator right before the occurrence and 了/啦 right after it: the problem is over.

    The negator must be a whole token (or two: 不|再), or the head of the token the
    occurrence sits in (不 in 不漏水): 别 in 识别 or 不 in 不少 are not negators here.
    """
    if not text.startswith(CHANGE_PARTICLES, end) or start == 0:
        return False
    if layout is None:
        return text[:start].endswith(NEGATORS)
    here, before = layout.owner[start], layout.owner[start - 1]
    if before < 0:
        return False
    if here == before:
        return text[layout.starts[here] : start] in _NEGATOR_SET
    if layout.tokens[before] in _NEGATOR_SET:
        return True
    return before > 0 and layout.tokens[before - 1] + layout.tokens[before] in _NEGATOR_SET


class Router:
    """Routes normalised messages to the best matching rule.

    Build once per rule set (rebuild when admins change rules); route() is then cheap
    and thread-safe (no shared mutable state).
    """

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules: tuple[Rule, ...] = tuple(rules)
        surface_index: dict[str, int] = {}
        postings: list[list[tuple[int, str]]] = []
        for ri, rule in enumerate(self.rules):
            pairs = [(kw, kw) for kw in rule.keywords] + list(rule.synonyms.items())
            for surface, keyword in pairs:
                surface = _lower(surface)
                idx = surface_index.setdefault(surface, len(postings))
                if idx == len(postings):
                    postings.append([])
                postings[idx].append((ri, keyword))
        self._surfaces: list[str] = list(surface_index)
        self._postings = postings
        self._automaton = (
            ahocorasick_rs.AhoCorasick(self._surfaces, implementation=ahocorasick_rs.Implementation.DFA)
            if self._surfaces
            else None
        )

    def __len__(self) -> int:
        return len(self.rules)

    def route(self, tokens: Sequence[str], text: str, community: str | None = None) -> RouteMatch | None:
        """Return the winning rule's match for a normalised text and its tokens, or None."""
        candidates, _, _ = self._evaluate(tokens, text, community, explain=False)
        best = next((c for c in candidates if c.status == "winner"), None)
        if best is None:
            return None
        return RouteMatch(best.rule.intent, best.rule, best.matched)

    def route_beside(
        self, tokens: Sequence[str], text: str, community: str | None, beside: Mapping[str, str]
    ) -> tuple[RouteMatch | None, RouteMatch | None]:
        """The winner, and the best rule of the intent ``beside[winner's intent]`` said in other clauses.

        "桂花苑2栋楼下水管漏水，顺便问下低保怎么申请": the question wins, and the report said in its own
        clause is the second thing the message asks for (``beside={"faq.answer": "tickets.create", …}``).
        None when that intent's rule shares a clause with the winner's words ("电梯坏了怎么报修").
        """
        candidates, _, _ = self._evaluate(tokens, text, community, explain=False)
        best = next((c for c in candidates if c.status == "winner"), None)
        if best is None:
            return None, None
        winner = RouteMatch(best.rule.intent, best.rule, best.matched)
        wanted = beside.get(best.rule.intent)
        if wanted is None:
            return winner, None
        other = next((c for c in candidates if c.status == "eligible" and c.rule.intent == wanted), None)
        if other is None or not _in_other_clauses(text, best.matched, other.matched):
            return winner, None
        return winner, RouteMatch(other.rule.intent, other.rule, other.matched)

    def explain(self, tokens: Sequence[str], text: str, community: str | None = None) -> Explanation:
        """List every rule the message touched, its score, what matched or vetoed it, and why the winner won."""
        candidates, rejected, resolved = self._evaluate(tokens, text, community, explain=True)
        winner = next((c for c in candidates if c.status == "winner"), None)
        match = RouteMatch(winner.rule.intent, winner.rule, winner.matched) if winner else None
        return Explanation(
            match=match,
            candidates=tuple(candidates),
            winner_reason=_winner_reason(winner, candidates),
            rejected=tuple(rejected),
            resolved_phrases=resolved,
        )

    def _evaluate(
        self, tokens: Sequence[str], text: str, community: str | None, *, explain: bool
    ) -> tuple[list[Candidate], list[str], tuple[str, ...]]:
        if self._automaton is None or not text:
            return [], [], ()
        low = _lower(text)
        occurrences = self._automaton.find_matches_as_indexes(low, overlapping=True)
        if not occurrences:
            return [], [], ()
        layout = _layout(tokens, low)
        # per rule: keyword -> [(surface, start, end, negated)]
        touched: dict[int, dict[str, list[tuple[str, int, int, bool]]]] = {}
        rejected: list[str] = []
        for idx, start, end in occurrences:
            surface = self._surfaces[idx]
            if not _occurrence_counts(layout, start, end):
                if explain:
                    rejected.append(f"{surface}@{start}")
                continue
            negated = _negated(low, layout, start, end)
            for ri, keyword in self._postings[idx]:
                touched.setdefault(ri, {}).setdefault(keyword, []).append((surface, start, end, negated))
        if not touched:
            return [], rejected, ()
        rules = self.rules
        resolved: tuple[str, ...] = ()
        if any(rules[ri].intent.startswith("tickets.") for ri in touched):
            resolved = tuple(p for p in RESOLVED_PHRASES if _still_resolved(low, p))
        candidates = [self._judge(rules[ri], found, community, resolved, explain) for ri, found in touched.items()]
        candidates.sort(key=lambda c: (c.status == "eligible", c.score), reverse=True)
        if candidates and candidates[0].status == "eligible":
            top = candidates[0]
            candidates[0] = Candidate(
                top.rule, "winner", top.matched, top.hits, top.missing,
                top.vetoed_by, top.negated, top.score,
            )  # fmt: skip
        return candidates, rejected, resolved

    @staticmethod
    def _judge(
        rule: Rule,
        found: dict[str, list[tuple[str, int, int, bool]]],
        community: str | None,
        resolved: tuple[str, ...],
        explain: bool,
    ) -> Candidate:
        is_ticket = rule.intent.startswith("tickets.")
        positive: dict[str, int] = {}
        negated: list[str] = []
        hits: list[str] = []
        for keyword, occurrences in found.items():
            if explain:
                hits.extend(surface if surface == keyword else f"{surface}->{keyword}" for surface, *_ in occurrences)
            live = [end - start for _, start, end, neg in occurrences if not (neg and is_ticket)]
            if live:
                positive[keyword] = max(live)
            elif keyword not in rule.none:
                negated.append(keyword)
        vetoed_by = [kw for kw in rule.none if kw in found]
        if is_ticket:
            vetoed_by.extend(resolved)
        matched = tuple(kw for kw in (*rule.all, *rule.any) if kw in positive)
        missing = tuple(kw for kw in rule.all if kw not in positive)
        any_ok = not rule.any or any(kw in positive for kw in rule.any)
        score = (
            rule.priority,
            len(matched),
            sum(positive[kw] for kw in matched),
            1 if rule.community else 0,
            -rule.id,
        )
        if not rule.enabled:
            status = "disabled"
        elif rule.community is not None and rule.community != community:
            status = "out_of_scope"
        elif vetoed_by:
            status = "vetoed"
        elif missing or not any_ok:
            status = "incomplete"
        else:
            status = "eligible"
        return Candidate(
            rule=rule,
            status=status,
            matched=matched,
            hits=tuple(hits),
            missing=missing,
            vetoed_by=tuple(vetoed_by),
            negated=tuple(negated),
            score=score,
        )


def _in_other_clauses(text: str, first: Sequence[str], second: Sequence[str]) -> bool:
    """Whether the two rules' words are said in different clauses of ``text`` and never in the same one."""
    clauses = [_lower(c) for c in complaint_clauses(text)]
    if len(clauses) < 2:
        return False
    said = [(any(k in c for k in first), any(k in c for k in second)) for c in clauses]
    return any(a for a, _ in said) and any(b for _, b in said) and not any(a and b for a, b in said)


def _winner_reason(winner: Candidate | None, candidates: Sequence[Candidate]) -> str:
    """Say in one English sentence which tie-break decided (admin tools show this)."""
    if winner is None:
        if not candidates:
            return "no keyword of any rule occurs in the message"
        return "no rule matched: " + "; ".join(
            f"{c.rule.name} {c.status}"
            + (f" by {', '.join(c.vetoed_by)}" if c.vetoed_by else "")
            + (f" (missing {', '.join(c.missing)})" if c.missing else "")
            for c in candidates[:5]
        )
    rivals = [c for c in candidates if c.status == "eligible"]
    if not rivals:
        return f"{winner.rule.name} is the only rule that matched"
    rival = rivals[0]
    w, r = winner.score, rival.score
    name = rival.rule.name
    if w[0] != r[0]:
        return f"higher priority ({w[0]} > {r[0]}) than {name}"
    if w[1] != r[1]:
        return f"same priority, more matched keywords ({w[1]} > {r[1]}) than {name}"
    if w[2] != r[2]:
        return f"same priority and keyword count, longer matched text ({w[2]} > {r[2]} chars) than {name}"
    if w[3] != r[3]:
        return f"community-scoped rule beats the global rule {name}"
    return f"tie on everything else; older rule (id {-w[4]} < {-r[4]}) than {name}"
