"""Keyword rules and the user dictionary, both edited by admins and seeded from data/."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class Rule(Base):
    __tablename__ = "rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    intent: Mapped[str] = mapped_column(String(64))
    category: Mapped[str | None] = mapped_column(String(64))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    any_words: Mapped[list[str]] = mapped_column(default=list)
    all_words: Mapped[list[str]] = mapped_column(default=list)
    none_words: Mapped[list[str]] = mapped_column(default=list)
    synonyms: Mapped[dict[str, Any]] = mapped_column(default=dict)
    priority: Mapped[int] = mapped_column(default=0)
    reply: Mapped[str | None] = mapped_column(Text)
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    enabled: Mapped[bool] = mapped_column(default=True)
    # Where the rule came from and a fingerprint of what the seed said, so a
    # re-import can tell "admin edited this" from "the seed changed".
    source: Mapped[str] = mapped_column(String(16), default="admin")
    seed_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    updated_by: Mapped[str | None] = mapped_column(String(64))


class DictionaryWord(Base):
    """A word jieba must keep whole (admin-added on top of data/dict)."""

    __tablename__ = "dictionary_words"

    id: Mapped[int] = mapped_column(primary_key=True)
    word: Mapped[str] = mapped_column(String(64), unique=True)
    freq: Mapped[int | None]
    tag: Mapped[str | None] = mapped_column(String(16))
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    updated_by: Mapped[str | None] = mapped_column(String(64))


class RuleVersion(Base):
    """A rule as it was after each change (import, API, web UI), so any version can be restored."""

    __tablename__ = "rule_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(index=True)  # no foreign key: a deleted rule keeps its history
    name: Mapped[str] = mapped_column(String(128))
    version: Mapped[int]  # 1, 2, … per rule
    action: Mapped[str] = mapped_column(String(16))  # created, updated, deleted, restored, imported
    data: Mapped[dict[str, Any]]  # the canonical rule (rulestore.canonical)
    at: Mapped[datetime]
    by: Mapped[str | None] = mapped_column(String(64))
