"""Bulk import from one YAML format (docs/import.md): idempotent, matched on natural keys.

Importing the same file twice changes nothing. A rule an admin edited since
the last import is kept unless ``force`` is given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import texts
from bot.clock import wall_now
from bot.config import REPO_ROOT
from bot.db import Database
from bot.dialog.capability import ImportSection, Registry, load_registry
from bot.errors import ImportFormatError
from bot.routing.rulestore import WORDS_COUNTER, bump, import_rules, known_intents
from models import DictionaryWord

DATA_DIR = REPO_ROOT / "data"
FRAMEWORK_SECTIONS = ("words", "rules")


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


@dataclass
class ImportContext:
    """One file being imported: what an import section reads and where it reports."""

    session: Session
    path: Path
    data: dict[str, Any]
    report: ImportReport
    force: bool
    now: datetime

    def has(self, *sections: str) -> bool:
        return any(self.data.get(section) for section in sections)

    def records(self, section: str) -> list[dict[str, Any]]:
        records = self.data.get(section) or []
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise ImportFormatError(f"{self.path}: {section} must be a list of mappings")
        return records

    def fail(self, message: str) -> ImportFormatError:
        """The error to raise, naming the file: ``raise ctx.fail("estates[2]: ...")``."""
        return ImportFormatError(f"{self.path}: {message}")

    def require(self, section: str, index: int, record: dict[str, Any], key: str) -> Any:
        value = record.get(key)
        if value in (None, ""):
            raise self.fail(f"{section}[{index}]: missing field '{key}'")
        return value

    def check_keys(self, section: str, index: int, record: dict[str, Any], allowed: set[str]) -> None:
        unknown = set(record) - allowed
        if unknown:
            raise self.fail(f"{section}[{index}]: unknown field(s) {sorted(unknown)}")


def _sections(registry: Registry) -> list[ImportSection]:
    """Every section reader, the framework's and the capabilities', in import order."""

    def import_rules_section(ctx: ImportContext) -> None:
        import_rules(ctx.session, ctx.path, ctx.records("rules"), ctx.report, force=ctx.force,
                     intents=known_intents(registry))

    own = [ImportSection(("words",), _import_words, order=30), ImportSection(("rules",), import_rules_section, order=90)]
    return sorted([*own, *registry.import_sections()], key=lambda section: section.order)


def known_sections(registry: Registry | None = None) -> list[str]:
    return [name for section in _sections(registry or load_registry()) for name in section.names]


def _load_yaml(path: Path, known: list[str]) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ImportFormatError(f"{path}: not valid YAML: {exc}") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ImportFormatError(f"{path}: the top level must be a mapping with sections {tuple(known)}")
    unknown = set(loaded) - set(known)
    if unknown:
        raise ImportFormatError(f"{path}: unknown section(s) {sorted(unknown)}; known: {known}")
    return loaded


def import_file(db: Database, path: Path, *, force: bool = False, registry: Registry | None = None) -> ImportReport:
    """Import one YAML file in one transaction."""
    sections = _sections(registry or load_registry())
    data = _load_yaml(path, [name for section in sections for name in section.names])
    report = ImportReport()
    with db.session() as session:
        ctx = ImportContext(session, path, data, report, force, wall_now())
        for section in sections:
            for name in section.names:
                ctx.records(name)  # every section present must be a list of mappings
            if ctx.has(*section.names):
                section.run(ctx)
    return report


def import_defaults(db: Database, *, force: bool = False, registry: Registry | None = None) -> ImportReport:
    """Seed categories, rules and the user dictionary from data/, then the capabilities' default files."""
    registry = registry or load_registry()
    report = ImportReport()
    categories = DATA_DIR / "categories.yaml"
    if categories.exists():
        report.merge(import_file(db, categories, force=force, registry=registry))
    for path in sorted((DATA_DIR / "rules").glob("*.yaml")):
        report.merge(import_file(db, path, force=force, registry=registry))
    for path in registry.default_files():
        report.merge(import_file(db, path, force=force, registry=registry))
    return report


def _import_words(ctx: ImportContext) -> None:
    session, report = ctx.session, ctx.report
    changed = False
    for index, record in enumerate(ctx.records("words")):
        ctx.check_keys("words", index, record, {"word", "freq", "tag"})
        word = str(ctx.require("words", index, record, "word")).strip()
        freq = record.get("freq")
        tag = record.get("tag")
        row = session.scalar(select(DictionaryWord).where(DictionaryWord.word == word))
        now = ctx.now
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
        bump(session, WORDS_COUNTER)
