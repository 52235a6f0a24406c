"""Outbound messages waiting for (or done with) delivery through a channel.

A row is claimed by setting it to ``sending`` with a lease: ``next_attempt_at``
is moved to the lease's end, so a row whose worker died becomes due again by
the same index the dispatcher already scans for pending rows.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by `lease_owner` until `lease_until`
    SENT = "sent"
    FAILED = "failed"  # permanent failure with a reason (e.g. the user blocked us)
    DEAD = "dead"  # gave up after the maximum attempts; an admin may retry


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_due", "status", "next_attempt_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    channel: Mapped[str] = mapped_column(String(32))
    account: Mapped[str] = mapped_column(String(128))
    recipient: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(32))  # notification kind, e.g. "reply", "ticket_task"
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    lease_owner: Mapped[str | None] = mapped_column(String(128))
    last_error: Mapped[str | None] = mapped_column(Text)
    # How it finally went out, e.g. "template" after the 48-hour fallback.
    delivered_via: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
