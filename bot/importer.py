"""Bulk import from one YAML format (docs/import.md): idempotent, matched on natural keys.

Importing the same file twice changes nothing. A rule an admin edited since
the last import is kept unless ``force`` is given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import texts
from bot.config import REPO_ROOT
from bot.db import Database
from models import Category, Community, DictionaryWord

DATA_DIR = REPO_ROOT / "data"
KNOWN_SECTIONS = ("communities", "categories", "rules", "words", "estates", "grids", "buildings", "departments",
                  "members", "staff", "deadlines", "holidays")


class ImportFormatError(Exception):
    """The file is not in the import format; the message names file, record and field."""


@dataclass
class ImportReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    kept: list[str] = field(default_factory=list)  # admin-edited rules left alone

    def count(self, bucket: dict[str, int], kind: str) -> None:
        bucket[kind] = bucket.get(kind, 0) + 1

    def merge(self, other: ImportReport) -> None:
        for mine, theirs in ((self.created, other.created), (self.updated, other.updated), (self.unchanged, other.unchanged)):
            for kind, number in theirs.items():
                mine[kind] = mine.get(kind, 0) + number
        self.kept.extend(other.kept)

    def summary(self) -> str:
        def fmt(bucket: dict[str, int]) -> str:
            return texts.LIST_SEPARATOR.join(f"{kind} {n}" for kind, n in sorted(bucket.items())) or texts.NONE

        text = texts.IMPORT_SUMMARY.format(created=fmt(self.created), updated=fmt(self.updated),
                                   unchanged=fmt(self.unchanged))
        if self.kept:
            text += texts.IMPORT_KEPT.format(count=len(self.kept))
        return text


def _now() -> datetime:
    return datetime.now(UTC)


def _load_yaml(path: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ImportFormatError(f"{path}: not valid YAML: {exc}") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ImportFormatError(f"{path}: the top level must be a mapping with sections {KNOWN_SECTIONS}")
    unknown = set(loaded) - set(KNOWN_SECTIONS)
    if unknown:
        raise ImportFormatError(f"{path}: unknown section(s) {sorted(unknown)}; known: {list(KNOWN_SECTIONS)}")
    return loaded


def _records(path: Path, data: dict[str, Any], section: str) -> list[dict[str, Any]]:
    records = data.get(section) or []
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise ImportFormatError(f"{path}: {section} must be a list of mappings")
    return records


def _require(path: Path, section: str, index: int, record: dict[str, Any], key: str) -> Any:
    value = record.get(key)
    if value in (None, ""):
        raise ImportFormatError(f"{path}: {section}[{index}]: missing field '{key}'")
    return value


def _check_keys(path: Path, section: str, index: int, record: dict[str, Any], allowed: set[str]) -> None:
    unknown = set(record) - allowed
    if unknown:
        raise ImportFormatError(f"{path}: {section}[{index}]: unknown field(s) {sorted(unknown)}")


def import_file(db: Database, path: Path, *, force: bool = False) -> ImportReport:
    """Import one YAML file in one transaction."""
    data = _load_yaml(path)
    report = ImportReport()
    with db.session() as session:
        _import_categories(session, path, _records(path, data, "categories"), report)
        _import_communities(session, path, _records(path, data, "communities"), report)
        _import_words(session, path, _records(path, data, "words"), report)
        _import_community_model(session, path, data, report)
        if data.get("deadlines") or data.get("holidays"):
            from bot.tickets.deadlines import import_sections as import_deadlines

            import_deadlines(session, path, lambda section: _records(path, data, section), report, ImportFormatError)
        if data.get("rules"):
            from bot.rulestore import import_rules

            import_rules(session, path, _records(path, data, "rules"), report, force=force)
    return report


def import_defaults(db: Database, *, force: bool = False) -> ImportReport:
    """Seed categories, rules and the user dictionary from data/."""
    report = ImportReport()
    categories = DATA_DIR / "categories.yaml"
    if categories.exists():
        report.merge(import_file(db, categories, force=force))
    for path in sorted((DATA_DIR / "rules").glob("*.yaml")):
        report.merge(import_file(db, path, force=force))
    return report


def _import_categories(session: Session, path: Path, records: list[dict[str, Any]], report: ImportReport) -> None:
    for index, record in enumerate(records):
        _check_keys(path, "categories", index, record, {"slug", "name", "urgent", "dedupe_scope"})
        slug = str(_require(path, "categories", index, record, "slug"))
        name = str(_require(path, "categories", index, record, "name"))
        urgent = bool(record.get("urgent", False))
        scope = str(record.get("dedupe_scope", "building"))
        if scope not in ("building", "unit"):
            raise ImportFormatError(f"{path}: categories[{index}]: field 'dedupe_scope' must be building or unit")
        row = session.scalar(select(Category).where(Category.slug == slug))
        if row is None:
            session.add(Category(slug=slug, name=name, urgent=urgent, dedupe_scope=scope))
            report.count(report.created, "categories")
        elif (row.name, row.urgent, row.dedupe_scope) != (name, urgent, scope):
            row.name, row.urgent, row.dedupe_scope = name, urgent, scope
            report.count(report.updated, "categories")
        else:
            report.count(report.unchanged, "categories")
    session.flush()


def _import_communities(session: Session, path: Path, records: list[dict[str, Any]], report: ImportReport) -> None:
    for index, record in enumerate(records):
        _check_keys(path, "communities", index, record, {"code", "name"})
        code = str(_require(path, "communities", index, record, "code"))
        name = str(_require(path, "communities", index, record, "name"))
        row = session.scalar(select(Community).where(Community.code == code))
        if row is None:
            session.add(Community(code=code, name=name, created_at=_now()))
            report.count(report.created, "communities")
        elif row.name != name:
            row.name = name
            report.count(report.updated, "communities")
        else:
            report.count(report.unchanged, "communities")
    session.flush()


def _import_words(session: Session, path: Path, records: list[dict[str, Any]], report: ImportReport) -> None:
    changed = False
    for index, record in enumerate(records):
        _check_keys(path, "words", index, record, {"word", "freq", "tag"})
        word = str(_require(path, "words", index, record, "word")).strip()
        freq = record.get("freq")
        tag = record.get("tag")
        row = session.scalar(select(DictionaryWord).where(DictionaryWord.word == word))
        now = _now()
        if row is None:
            session.add(DictionaryWord(word=word, freq=freq, tag=tag, created_at=now, updated_at=now, updated_by="import"))
            report.count(report.created, "words")
            changed = True
        elif (row.freq, row.tag) != (freq, tag):
            row.freq, row.tag, row.updated_at, row.updated_by = freq, tag, now, "import"
            report.count(report.updated, "words")
            changed = True
        else:
            report.count(report.unchanged, "words")
    if changed:
        from bot.rulestore import WORDS_COUNTER, bump

        bump(session, WORDS_COUNTER)


def _import_community_model(session: Session, path: Path, data: dict[str, Any], report: ImportReport) -> None:
    """Estates, grids, buildings, departments, members and staff (bot/tickets/community_import.py)."""
    from bot.tickets.community_import import SECTIONS, import_sections

    if not any(data.get(section) for section in SECTIONS):
        return
    import_sections(session, path, data, report, lambda section: _records(path, data, section), ImportFormatError)
    if report.created.get("estates") or report.updated.get("estates"):
        from bot.rulestore import WORDS_COUNTER, bump

        bump(session, WORDS_COUNTER)  # estate names join the tokenizer and the address parser
