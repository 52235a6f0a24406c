"""Rules and dictionary words in the database: import, admin edits, and loading for the router.

Every change bumps a version counter (``rules`` or ``words``); each process
compares it per message and rebuilds its router when it moved.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.clock import wall_now
from bot.dialog.capability import Registry, load_registry
from bot.errors import ImportFormatError
from models import Category, Community, Counter, DictionaryWord, RuleVersion
from models import Rule as RuleRow
from nlp.rules import CATEGORIES, INTENTS, Rule, RuleError, rule_from_mapping

RULES_COUNTER = "rules"
WORDS_COUNTER = "words"


def _now() -> datetime:
    return wall_now()


def category_slugs(session: Session) -> set[str]:
    return set(session.scalars(select(Category.slug))) | set(CATEGORIES)


def known_intents(registry: Registry | None = None) -> frozenset[str]:
    """What a rule may route to: every running capability's intents and the announced ones."""
    return INTENTS | frozenset((registry or _default_registry()).intents)


@cache
def _default_registry() -> Registry:
    return load_registry()


def validate_rule(session: Session, data: Mapping[str, Any], source: str = "rule",
                  intents: Collection[str] | None = None) -> Rule:
    """Validate a rule definition (the YAML/API shape); raises RuleError naming the field."""
    rule = rule_from_mapping(data, rule_id=0, source=source, categories=category_slugs(session),
                             intents=intents if intents is not None else known_intents())
    if rule.community is not None and _community_id(session, rule.community) is None:
        raise RuleError(f"{source}: rule '{rule.name}': field 'community' names unknown community {rule.community!r}")
    return rule


def canonical(rule: Rule) -> dict[str, Any]:
    """The rule as plain data, identical whether it came from YAML, the API or the database."""
    return {
        "name": rule.name,
        "intent": rule.intent,
        "category": rule.category,
        "any": list(rule.any),
        "all": list(rule.all),
        "none": list(rule.none),
        "synonyms": dict(rule.synonyms),
        "priority": rule.priority,
        "reply": rule.reply,
        "params": dict(rule.params),
        "enabled": rule.enabled,
        "community": rule.community,
    }


def _fingerprint(data: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _community_id(session: Session, code: str | None) -> int | None:
    if code is None:
        return None
    return session.scalar(select(Community.id).where(Community.code == code))


def community_codes(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Community.id, Community.code)).all())


def row_to_rule(row: RuleRow, codes: Mapping[int, str]) -> Rule:
    """Rebuild the validated Rule from a row (ids are the database ids: older = lower)."""
    data = row_to_dict(row, codes)
    data.pop("id", None)
    for key in ("updated_at", "updated_by", "source", "created_at"):
        data.pop(key, None)
    return rule_from_mapping(data, rule_id=row.id, source="database", categories=set(CATEGORIES) | {row.category or ""},
                             intents={row.intent})  # checked when it was saved


def row_to_dict(row: RuleRow, codes: Mapping[int, str]) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "intent": row.intent,
        "category": row.category,
        "any": list(row.any_words or []),
        "all": list(row.all_words or []),
        "none": list(row.none_words or []),
        "synonyms": dict(row.synonyms or {}),
        "priority": row.priority,
        "reply": row.reply,
        "params": dict(row.params or {}),
        "enabled": row.enabled,
        "community": codes.get(row.community_id) if row.community_id else None,
        "source": row.source,
        "created_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
        "updated_by": row.updated_by,
    }


def _apply(session: Session, row: RuleRow, rule: Rule) -> None:
    row.name = rule.name
    row.intent = rule.intent
    row.category = rule.category
    row.any_words = list(rule.any)
    row.all_words = list(rule.all)
    row.none_words = list(rule.none)
    row.synonyms = dict(rule.synonyms)
    row.priority = rule.priority
    row.reply = rule.reply
    row.params = dict(rule.params)
    row.enabled = rule.enabled
    row.community_id = _community_id(session, rule.community)


def _row_canonical(session: Session, row: RuleRow) -> dict[str, Any]:
    return canonical(row_to_rule(row, community_codes(session)))


def import_rules(
    session: Session, path: Path, records: list[dict[str, Any]], report: Any, *, force: bool = False,
    intents: Collection[str] | None = None,
) -> None:
    """Upsert rules by name; keep admin edits unless forced.

    A rule counts as admin-edited when its current content no longer equals
    what the last import wrote (``seed_hash``).
    """

    changed = False
    seen: set[str] = set()
    for index, record in enumerate(records):
        try:
            rule = validate_rule(session, record, source=f"{path}: rules[{index}]", intents=intents)
        except RuleError as exc:
            raise ImportFormatError(str(exc)) from None
        if rule.name in seen:
            raise ImportFormatError(f"{path}: rules[{index}]: rule '{rule.name}' appears twice")
        seen.add(rule.name)
        wanted = canonical(rule)
        seed_hash = _fingerprint(wanted)
        row = session.scalar(select(RuleRow).where(RuleRow.name == rule.name))
        now = _now()
        if row is None:
            row = RuleRow(source="seed", seed_hash=seed_hash, created_at=now, updated_at=now, updated_by="import")
            _apply(session, row, rule)
            session.add(row)
            session.flush()
            record_version(session, row, "imported", "import")
            report.count(report.created, "rules")
            changed = True
            continue
        current = _fingerprint(_row_canonical(session, row))
        if current == seed_hash:
            row.seed_hash = seed_hash
            report.count(report.unchanged, "rules")
        elif force or (row.seed_hash is not None and current == row.seed_hash):
            _apply(session, row, rule)
            row.seed_hash, row.updated_at, row.updated_by = seed_hash, now, "import"
            record_version(session, row, "imported", "import")
            report.count(report.updated, "rules")
            changed = True
        else:
            report.kept.append(rule.name)
    session.flush()
    if changed:
        bump(session, RULES_COUNTER)


def bump(session: Session, name: str) -> int:
    """Add one to the counter in one statement (``SET value = value + 1``): concurrent edits never lose a bump."""
    increment = (update(Counter).where(Counter.name == name)
                 .values(value=Counter.value + 1, updated_at=_now()).returning(Counter.value)
                 .execution_options(synchronize_session=False))
    value = session.scalar(increment)
    if value is None:  # the first bump: create the row (or find that a concurrent first bump just did)
        try:
            with session.begin_nested():
                session.add(Counter(name=name, value=1, updated_at=_now()))
            return 1
        except IntegrityError:
            value = session.scalar(increment)
    return int(value)


def versions(session: Session) -> tuple[int, int]:
    """(rules version, words version): one small primary-key read per message."""
    query = select(Counter.name, Counter.value).where(Counter.name.in_([RULES_COUNTER, WORDS_COUNTER]))
    values = {name: value for name, value in session.execute(query)}
    return values.get(RULES_COUNTER, 0), values.get(WORDS_COUNTER, 0)


def load_rules(session: Session) -> list[Rule]:
    codes = community_codes(session)
    rows = session.scalars(select(RuleRow).order_by(RuleRow.id)).all()
    return [row_to_rule(row, codes) for row in rows]


def load_words(session: Session) -> list[str]:
    return list(session.scalars(select(DictionaryWord.word).where(DictionaryWord.enabled.is_(True))))


def community_names(session: Session) -> list[str]:
    """社区 and 小区 names: words the tokenizer must keep whole."""
    return list(session.scalars(select(Community.name))) + estate_names(session)


def estate_names(session: Session) -> list[str]:
    """小区 names, which the address parser recognises ("我住幸福里3栋")."""
    from models import Estate

    return list(session.scalars(select(Estate.name).order_by(Estate.id)))


# -- admin edits ---------------------------------------------------------------------


def create_rule(session: Session, data: Mapping[str, Any], by: str) -> RuleRow:
    rule = validate_rule(session, data)
    if session.scalar(select(RuleRow.id).where(RuleRow.name == rule.name)) is not None:
        raise RuleError(f"rule '{rule.name}': field 'name' is already used by another rule")
    now = _now()
    row = RuleRow(source="admin", created_at=now, updated_at=now, updated_by=by)
    _apply(session, row, rule)
    session.add(row)
    session.flush()
    record_version(session, row, "created", by)
    bump(session, RULES_COUNTER)
    return row


def update_rule(session: Session, row: RuleRow, changes: Mapping[str, Any], by: str,
                action: str = "updated") -> RuleRow:
    """Apply a full or partial change (PATCH semantics) after validating the result."""
    data = row_to_dict(row, community_codes(session))
    for key in ("id", "source", "created_at", "updated_at", "updated_by"):
        data.pop(key)
    data.update(changes)
    rule = validate_rule(session, data)
    clash = session.scalar(select(RuleRow.id).where(RuleRow.name == rule.name, RuleRow.id != row.id))
    if clash is not None:
        raise RuleError(f"rule '{rule.name}': field 'name' is already used by another rule")
    _apply(session, row, rule)
    row.updated_at, row.updated_by = _now(), by
    session.flush()
    record_version(session, row, action, by)
    bump(session, RULES_COUNTER)
    return row


def delete_rule(session: Session, row: RuleRow, by: str | None = None) -> None:
    record_version(session, row, "deleted", by)
    session.delete(row)
    session.flush()
    bump(session, RULES_COUNTER)


# -- version history -------------------------------------------------------------------


def record_version(session: Session, row: RuleRow, action: str, by: str | None) -> RuleVersion:
    """Keep the rule as it now is (or was, when deleted): the next version number of its history."""
    last = session.scalar(select(RuleVersion.version).where(RuleVersion.rule_id == row.id)
                          .order_by(RuleVersion.version.desc()).limit(1))
    version = RuleVersion(rule_id=row.id, name=row.name, version=(last or 0) + 1, action=action,
                          data=_row_canonical(session, row), at=_now(), by=by)
    session.add(version)
    session.flush()
    return version


def rule_versions(session: Session, rule_id: int) -> list[RuleVersion]:
    """The rule's history, newest first."""
    return list(session.scalars(select(RuleVersion).where(RuleVersion.rule_id == rule_id)
                                .order_by(RuleVersion.version.desc())))


def restore_version(session: Session, version: RuleVersion, by: str) -> RuleRow:
    """Make the rule what it was at ``version`` (recreated when it was deleted since); a new version records it.

    Raises:
        RuleError: the old definition no longer validates (e.g. its category is gone) or its name is taken.
    """
    data = dict(version.data)
    row = session.get(RuleRow, version.rule_id)
    if row is None:
        rule = validate_rule(session, data)
        if session.scalar(select(RuleRow.id).where(RuleRow.name == rule.name)) is not None:
            raise RuleError(f"rule '{rule.name}': field 'name' is already used by another rule")
        now = _now()
        row = RuleRow(id=version.rule_id, source="admin", created_at=now, updated_at=now, updated_by=by)
        _apply(session, row, rule)
        session.add(row)
        session.flush()
        record_version(session, row, "restored", by)
        bump(session, RULES_COUNTER)
        return row
    return update_rule(session, row, data, by=by, action="restored")


def add_word(session: Session, word: str, freq: int | None, tag: str | None, by: str) -> DictionaryWord:
    now = _now()
    row = session.scalar(select(DictionaryWord).where(DictionaryWord.word == word))
    if row is None:
        row = DictionaryWord(word=word, created_at=now)
        session.add(row)
    row.freq, row.tag, row.enabled, row.updated_at, row.updated_by = freq, tag, True, now, by
    session.flush()
    bump(session, WORDS_COUNTER)
    return row


def delete_word(session: Session, row: DictionaryWord) -> None:
    session.delete(row)
    session.flush()
    bump(session, WORDS_COUNTER)
