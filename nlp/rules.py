"""Keyword rules as immutable data, and the loader for `data/rules/*.yaml`.

A rule matches a message when every `all` keyword matches, at least one `any` keyword
matches (or `any` is empty), and no `none` keyword matches. The database later supplies
rules with real ids; rules loaded from files get their order of appearance as id, so an
"older rule" (the last tie-break) is simply the one with the lower id.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from nlp.normalize import normalize

INTENTS: frozenset[str] = frozenset(
    {
        "tickets.urgent",
        "tickets.create",
        "tickets.list_mine",
        "tickets.status",
        "tickets.urge",
        "faq.answer",
        "chat.greeting",
        "chat.thanks",
        "help.show",
        "human.handover",
        "consultations.answer",
        "reminders.create", "reminders.list", "reminders.cancel",
        "subscriptions.subscribe",
        "subscriptions.unsubscribe",
        "subscriptions.list",
        "bulletins.show",
        "profile.set_address",
        "members.bind",
        # Grid members' and staff's commands (handlers/members.py) and residents' additions.
        "members.accept", "members.progress", "members.complete", "members.transfer", "members.return",
        "members.tasks", "members.detail", "members.phone", "tickets.add_detail",
        # Deadlines and the satisfaction loop (issue 6): 报到, 待补充, 满意 / 不满意 / 没修好.
        "members.report_in", "members.wait", "rating.answer",
        # A resident takes back their own report (issue 10): withdrawing it, "不是一回事".
        "reports.withdraw", "reports.split",
        # Urgent tickets (issue 11): 收到 T… acknowledges an alert.
        "members.acknowledge",
        # Staff close a false alarm by chat: 关闭 T… 原因.
        "members.close",
    }
)
CATEGORY_INTENTS: frozenset[str] = frozenset({"tickets.create", "tickets.urgent"})
URGENT_CATEGORIES: frozenset[str] = frozenset(
    {"gas", "fire", "elevator", "medical", "power", "electric_shock", "entrapment"}
)
CATEGORIES: frozenset[str] = frozenset(
    {
        "elevator", "water_supply", "water_leak", "drainage", "power", "lighting", "gas",
        "heating", "access_control", "noise", "sanitation", "fire_lane", "parking",
        "falling_objects", "pets", "illegal_construction", "greening", "public_facilities",
        "property_service", "city_appearance", "public_security", "dispute", "assistance",
        "fire", "medical", "electric_shock", "entrapment",
    }
)  # fmt: skip
KEYS: frozenset[str] = frozenset(
    {"name", "intent", "category", "any", "all", "none", "synonyms", "priority", "reply",
     "params", "enabled", "community"}
)  # fmt: skip

# Bounds for admin-written rules (API and import alike): the priority column is a 32-bit
# integer, and a rule with thousands of keywords is a pasted mistake, not a rule.
MIN_PRIORITY = -1000
MAX_PRIORITY = 1000
MAX_KEYWORDS = 500
MAX_KEYWORD_CHARS = 64
# Intents whose only answer is the rule's own reply text: without one a FAQ could only say
# "没太明白". (chat.greeting / chat.thanks fall back to the help and thanks texts.)
REPLY_INTENTS: frozenset[str] = frozenset({"faq.answer"})

_EMPTY: Mapping[str, Any] = MappingProxyType({})


class RuleError(ValueError):
    """A rule definition is invalid; the message names the file, the rule and the field."""


@dataclass(frozen=True)
class Rule:
    """One keyword rule. Keywords are stored normalised (see nlp.normalize)."""

    id: int
    name: str
    intent: str
    category: str | None = None
    any: tuple[str, ...] = ()
    all: tuple[str, ...] = ()
    none: tuple[str, ...] = ()
    synonyms: Mapping[str, str] = field(default_factory=lambda: _EMPTY, hash=False)
    priority: int = 0
    reply: str | None = None
    params: Mapping[str, Any] = field(default_factory=lambda: _EMPTY, hash=False)
    enabled: bool = True
    community: str | None = None

    @property
    def keywords(self) -> frozenset[str]:
        """Every keyword the rule mentions, in any of its three sets."""
        return frozenset(self.any) | frozenset(self.all) | frozenset(self.none)


def _keywords(value: Any, where: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, list):
        raise RuleError(f"{where}: field '{key}' must be a list of words, got {value!r}")
    if len(value) > MAX_KEYWORDS:
        raise RuleError(f"{where}: field '{key}' has {len(value)} keywords, at most {MAX_KEYWORDS} are allowed")
    words: list[str] = []
    for item in value:
        if not isinstance(item, (str, int)) or isinstance(item, bool):
            raise RuleError(f"{where}: field '{key}' has a non-text keyword {item!r}")
        word = normalize(str(item))
        if not word:
            raise RuleError(f"{where}: field '{key}' has an empty keyword")
        if len(word) > MAX_KEYWORD_CHARS:
            raise RuleError(f"{where}: field '{key}' has a keyword longer than {MAX_KEYWORD_CHARS} characters")
        if word not in words:
            words.append(word)
    return tuple(words)


def rule_from_mapping(
    data: Mapping[str, Any],
    *,
    rule_id: int,
    source: str = "<rule>",
    categories: Collection[str] = CATEGORIES,
    intents: Collection[str] = INTENTS,
) -> Rule:
    """Validate one rule definition and build a Rule.

    ``intents`` are the intents a rule may name: the running capabilities' and
    the announced ones that answer "not available yet" (``INTENTS``).

    Args:
        data: the mapping as written in YAML (or stored by the admin API).
        rule_id: the id to give the rule (file order, or the database id).
        source: where the rule came from, for error messages (a file name).
        categories: the category slugs that exist.
    Raises:
        RuleError: naming source, rule and field.
    """
    if not isinstance(data, Mapping):
        raise RuleError(f"{source}: rule #{rule_id} is not a mapping: {data!r}")
    name = data.get("name")
    label = f"rule '{name}'" if name else f"rule #{rule_id}"
    where = f"{source}: {label}"
    unknown = sorted(set(data) - KEYS)
    if unknown:
        raise RuleError(f"{where}: unknown field(s) {', '.join(map(str, unknown))}")
    if not isinstance(name, str) or not name.strip():
        raise RuleError(f"{where}: field 'name' is required")
    intent = data.get("intent")
    if intent not in intents:
        raise RuleError(f"{where}: field 'intent' has unknown intent {intent!r}")
    category = data.get("category")
    if intent in CATEGORY_INTENTS:
        if not category:
            raise RuleError(f"{where}: field 'category' is required for {intent}")
        if category not in categories:
            raise RuleError(f"{where}: field 'category' has unknown category {category!r}")
        if intent == "tickets.urgent" and category not in URGENT_CATEGORIES:
            raise RuleError(
                f"{where}: field 'category' {category!r} cannot be urgent "
                f"(allowed: {', '.join(sorted(URGENT_CATEGORIES))})"
            )
    elif category is not None:
        raise RuleError(f"{where}: field 'category' is only for tickets.create/tickets.urgent")
    any_ = _keywords(data.get("any"), where, "any")
    all_ = _keywords(data.get("all"), where, "all")
    none = _keywords(data.get("none"), where, "none")
    if not any_ and not all_:
        raise RuleError(f"{where}: fields 'any' and 'all' are both empty; the rule can never match")
    raw_synonyms = data.get("synonyms") or {}
    if not isinstance(raw_synonyms, Mapping):
        raise RuleError(f"{where}: field 'synonyms' must map word -> keyword")
    synonyms: dict[str, str] = {}
    known = set(any_) | set(all_) | set(none)
    for word, target in raw_synonyms.items():
        w, t = normalize(str(word)), normalize(str(target))
        if not w or not t:
            raise RuleError(f"{where}: field 'synonyms' has an empty word")
        if t not in known:
            raise RuleError(f"{where}: field 'synonyms' maps {w!r} to {t!r}, which is not one of its keywords")
        synonyms[w] = t
    priority = data.get("priority", 0)
    if not isinstance(priority, int) or isinstance(priority, bool):
        raise RuleError(f"{where}: field 'priority' must be an integer, got {priority!r}")
    if not MIN_PRIORITY <= priority <= MAX_PRIORITY:
        raise RuleError(f"{where}: field 'priority' must be between {MIN_PRIORITY} and {MAX_PRIORITY}, got {priority}")
    reply = data.get("reply")
    if reply is not None and not isinstance(reply, str):
        raise RuleError(f"{where}: field 'reply' must be text")
    if intent in REPLY_INTENTS and not (reply and reply.strip()):
        raise RuleError(f"{where}: field 'reply' is required for {intent} (it is the answer)")
    params = data.get("params") or {}
    if not isinstance(params, Mapping):
        raise RuleError(f"{where}: field 'params' must be a mapping")
    enabled = data.get("enabled", True)
    if not isinstance(enabled, bool):
        raise RuleError(f"{where}: field 'enabled' must be true or false")
    community = data.get("community")
    if community is not None and not isinstance(community, str):
        raise RuleError(f"{where}: field 'community' must be a community code or null")
    return Rule(
        id=rule_id,
        name=name.strip(),
        intent=intent,
        category=category,
        any=any_,
        all=all_,
        none=none,
        synonyms=MappingProxyType(synonyms),
        priority=priority,
        reply=reply,
        params=MappingProxyType(dict(params)),
        enabled=enabled,
        community=community or None,
    )


def parse_rules(
    document: Any,
    *,
    source: str = "<rules>",
    first_id: int = 1,
    categories: Collection[str] = CATEGORIES,
) -> list[Rule]:
    """Build rules from a parsed `{rules: [...]}` document; ids count up from first_id."""
    if document is None:
        return []
    if not isinstance(document, Mapping) or set(document) - {"rules"}:
        raise RuleError(f"{source}: expected a mapping with a single 'rules' list")
    items = document.get("rules") or []
    if not isinstance(items, list):
        raise RuleError(f"{source}: 'rules' must be a list")
    return [
        rule_from_mapping(item, rule_id=first_id + i, source=source, categories=categories)
        for i, item in enumerate(items)
    ]


def load_rule_files(paths: Iterable[str | Path], *, categories: Collection[str] = CATEGORIES) -> list[Rule]:
    """Load rules from YAML files in the given order; names must be unique across files.

    Raises:
        RuleError: for unreadable YAML or any invalid rule, naming file, rule and field.
    """
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for path in paths:
        path = Path(path)
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise RuleError(f"{path}: invalid YAML: {exc}") from exc
        for rule in parse_rules(document, source=str(path), first_id=len(rules) + 1, categories=categories):
            if rule.name in seen:
                raise RuleError(f"{path}: rule '{rule.name}': field 'name' duplicates a rule in {seen[rule.name]}")
            seen[rule.name] = str(path)
            rules.append(rule)
    return rules


def rule_files(directory: str | Path) -> list[Path]:
    """The rule files of a directory in a stable order (urgent.yaml first, then by name)."""
    files = sorted(Path(directory).glob("*.yaml"))
    return sorted(files, key=lambda p: (p.name != "urgent.yaml", p.name))
