"""The routing explanation in words staff read: Chinese reasons built from the explain output's structure.

``nlp.understand.explain`` says why in English for engineers (the CLI, the API);
the rule studio's 试一试 box and the simulator's side panel show ``describe(result)``:
the winner's reason, each candidate's status and why it lost, all from texts.py.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from bot.web.admin import texts
from models import Category
from nlp.rules import MAX_PRIORITY, MIN_PRIORITY

_QUOTED = re.compile(r"'([^']+)'")
_LEVEL = re.compile(r"urgent fast path: (STRONG|AMBIGUOUS)\b")


def _words(items: list[str]) -> str:
    return texts.EXPLAIN_WORD_JOINER.join(f"“{w}”" for w in items)


def veto(entry: str) -> str:
    """An urgent finding's "dropped: because" in Chinese: the check's name and the words it saw."""
    check, _, because = entry.partition(":")
    name = texts.EXPLAIN_DROPPED.get(check.strip(), texts.EXPLAIN_DROPPED_OTHER)
    seen = _QUOTED.findall(because)
    return texts.EXPLAIN_DROPPED_WITH.format(check=name, words=_words(seen)) if seen else name


def why(candidate: dict[str, Any]) -> str:
    """What a candidate lacked or what ruled it out."""
    parts = []
    if candidate.get("missing"):
        parts.append(texts.EXPLAIN_MISSING.format(words=_words(candidate["missing"])))
    elif candidate["status"] == "incomplete":
        parts.append(texts.EXPLAIN_NO_ANY)
    for entry in candidate.get("vetoed_by") or ():
        parts.append(veto(entry) if candidate.get("router") == "urgent" else texts.EXPLAIN_VETOED_BY.format(
            words=_words([entry])))
    return texts.EXPLAIN_SEPARATOR.join(parts)


def _status(candidate: dict[str, Any]) -> str:
    return texts.EXPLAIN_STATUS.get(candidate["status"], texts.EXPLAIN_STATUS_OTHER)


def _tie_break(winner: dict[str, Any], rival: dict[str, Any]) -> str:
    """Which of the router's tie-breaks decided between the winner and the best other eligible rule."""
    w, r = winner["score"], rival["score"]
    name = rival["rule"]
    if w["priority"] != r["priority"]:
        return texts.EXPLAIN_BY_PRIORITY.format(w=w["priority"], r=r["priority"], rival=name)
    if w["keywords"] != r["keywords"]:
        return texts.EXPLAIN_BY_KEYWORDS.format(w=w["keywords"], r=r["keywords"], rival=name)
    if w["matched_chars"] != r["matched_chars"]:
        return texts.EXPLAIN_BY_CHARS.format(w=w["matched_chars"], r=r["matched_chars"], rival=name)
    if w["community_scoped"] != r["community_scoped"]:
        return texts.EXPLAIN_BY_COMMUNITY.format(rival=name)
    return texts.EXPLAIN_BY_AGE.format(w=w["id"], r=r["id"], rival=name)


def _normal_reason(candidates: list[dict[str, Any]]) -> str:
    winner = next((c for c in candidates if c["status"] == "winner"), None)
    if winner is None:
        if not candidates:
            return texts.EXPLAIN_NO_KEYWORD
        lost = [f"“{c['rule']}”{_status(c)}" + (f"（{why(c)}）" if why(c) else "") for c in candidates[:5]]
        return texts.EXPLAIN_NONE_MATCHED.format(rules=texts.EXPLAIN_SEPARATOR.join(lost))
    rivals = [c for c in candidates if c["status"] == "eligible"]
    if not rivals:
        return texts.EXPLAIN_ONLY_ONE.format(rule=winner["rule"])
    return texts.EXPLAIN_WON.format(rule=winner["rule"], because=_tie_break(winner, rivals[0]))


def _urgent_reason(result: dict[str, Any], candidates: list[dict[str, Any]]) -> str:
    if result.get("urgent"):
        winner = next((c for c in candidates if c["status"] == "winner"), candidates[0] if candidates else None)
        found = _LEVEL.search(result.get("winner_reason") or "")
        level = texts.EXPLAIN_URGENT_LEVEL.get(found.group(1) if found else "", "")
        return texts.EXPLAIN_URGENT.format(rule=winner["rule"] if winner else "",
                                           words=_words(winner.get("matched") or winner.get("hits") or [])
                                           if winner else "", level=level)
    if not candidates:
        return ""
    if any(c["status"] != "vetoed" for c in candidates):
        return texts.EXPLAIN_URGENT_TOO_WEAK
    return texts.EXPLAIN_URGENT_RULED_OUT.format(reasons=texts.EXPLAIN_SEPARATOR.join(
        f"“{c['rule']}”{why(c)}" for c in candidates[:3])) + texts.EXPLAIN_END


# nlp.rules and the form's own checks say what is wrong with a rule in English: "…: field 'any' has …".
_RULE_ERRORS = (
    (re.compile(r"fields 'any' and 'all' are both empty"), "EMPTY"),
    (re.compile(r"field '(?P<f>\w+)' is already used"), "NAME_USED"),
    (re.compile(r"field '(?P<f>\w+)' has (?P<n>\d+) keywords, at most (?P<m>\d+)"), "TOO_MANY"),
    (re.compile(r"field '(?P<f>\w+)' has a keyword longer than (?P<n>\d+)"), "TOO_LONG"),
    (re.compile(r"field '(?P<f>\w+)' has an empty (?:keyword|word)"), "EMPTY_WORD"),
    (re.compile(r"field '(?P<f>\w+)' has a non-text keyword"), "NOT_TEXT"),
    (re.compile(r"field '(?P<f>\w+)' maps '(?P<w>[^']*)' to '(?P<t>[^']*)'"), "SYNONYM"),
    (re.compile(r"field '(?P<f>\w+)' has unknown \w+ '?(?P<v>[^']*)'?"), "UNKNOWN_VALUE"),
    (re.compile(r"field '(?P<f>\w+)' '?(?P<v>[^' ]*)'? cannot be urgent"), "NOT_URGENT"),
    (re.compile(r"field '(?P<f>\w+)' is required for (?P<v>[\w.]+)"), "REQUIRED_FOR"),
    (re.compile(r"field '(?P<f>\w+)' is required"), "REQUIRED"),
    (re.compile(r"field '(?P<f>\w+)' is only for"), "ONLY_TICKETS"),
    (re.compile(r"field '(?P<f>\w+)' names unknown community '?(?P<v>[^']*)'?"), "UNKNOWN_COMMUNITY"),
    (re.compile(r"field '(?P<f>priority)' must be"), "PRIORITY"),
    (re.compile(r"field '(?P<f>\w+)' must be"), "BAD_VALUE"),
    (re.compile(r"unknown field"), "UNKNOWN_FIELD"),
)


def rule_error(error: Exception | str) -> str:
    """A RuleError in Chinese, naming the form's field; the English text when no pattern knows it."""
    message = str(error)
    for pattern, key in _RULE_ERRORS:
        found = pattern.search(message)
        if found:
            parts = found.groupdict()
            field = texts.RULE_FIELDS.get(parts.get("f") or "", parts.get("f") or "")
            return texts.RULE_ERRORS[key].format(field=field, **{k: v for k, v in parts.items() if k != "f"},
                                                 low=MIN_PRIORITY, high=MAX_PRIORITY)
    return message


def describe_here(result: dict[str, Any]) -> dict[str, Any]:
    """``describe`` with the category's Chinese name read from the request's database (a template global)."""
    from bot.web.admin.access import services

    slug = result.get("category")
    name = None
    if slug:
        with services().db.session() as s:
            name = s.scalar(select(Category.name).where(Category.slug == slug))
    return describe(result, name)


def describe(result: dict[str, Any], category_name: str | None = None) -> dict[str, Any]:
    """{"reason": the decision in Chinese, "category": its name (else the slug), "candidates": each with
    "status_text" and "why" added}."""
    candidates = [{**c, "status_text": _status(c), "why": why(c)} for c in result.get("candidates") or ()]
    normal = [c for c in candidates if c.get("router") != "urgent"]
    urgent = [c for c in candidates if c.get("router") == "urgent"]
    urgent_reason = _urgent_reason(result, urgent)
    if result.get("urgent"):
        reason = urgent_reason
    else:
        reason = _normal_reason(normal)
        if urgent_reason:
            reason = reason.rstrip(texts.EXPLAIN_END) + texts.EXPLAIN_SEPARATOR + urgent_reason
    return {"reason": reason, "category": category_name or result.get("category"), "candidates": candidates}
