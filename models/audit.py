"""The audit log: every change made through the staff's web UI — who, when, what, before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class AuditEntry(Base):
    """One change; ``before`` / ``after`` hold the changed record's fields (None when created / deleted)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_target", "target_type", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))  # the account's username (kept when the account goes)
    actor_id: Mapped[int | None]  # admin_users.id, no foreign key: the log outlives accounts
    action: Mapped[str] = mapped_column(String(64))  # e.g. "rule.update", "ticket.close", "login.failed"
    target_type: Mapped[str] = mapped_column(String(32), default="")
    target_id: Mapped[str] = mapped_column(String(64), default="")
    summary: Mapped[str] = mapped_column(String(255), default="")
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
    ip: Mapped[str] = mapped_column(String(64), default="")
