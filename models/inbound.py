"""The inbound message log: every message WeChat delivered, once per dedupe key."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class InboundStatus(StrEnum):
    PROCESSING = "processing"  # claimed by one request; retries wait for it
    DONE = "done"  # answered passively; `reply` holds the answer
    DEFERRED = "deferred"  # answered "success"; the reply went to the outbox
    FAILED = "failed"  # the handler failed twice; the user was told staff will look: the staff queue
    RESOLVED = "resolved"  # a failed message staff have dealt with (POST /api/v1/inbound/{id}/resolve)


class InboundMessage(Base):
    __tablename__ = "inbound_messages"
    __table_args__ = (
        UniqueConstraint("account", "dedupe_key"),
        Index("ix_inbound_messages_user", "channel", "user_id", "received_at"),
        Index("ix_inbound_messages_received_at", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(128))
    dedupe_key: Mapped[str] = mapped_column(String(255))
    channel: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(128))
    msg_type: Mapped[str] = mapped_column(String(32))
    event: Mapped[str | None] = mapped_column(String(64))
    content: Mapped[str | None] = mapped_column(Text)
    media_id: Mapped[str | None] = mapped_column(String(255))
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default=InboundStatus.PROCESSING)
    intent: Mapped[str | None] = mapped_column(String(64))
    reply: Mapped[dict[str, Any] | None]
    error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime]
    claimed_at: Mapped[datetime]
    handled_at: Mapped[datetime | None]
    anonymised_at: Mapped[datetime | None]
