"""Reminders: rows with a due time, swept by the worker (never one scheduler job per reminder).

A resident's reminder goes to one recipient (channel, account, recipient) and
carries a per-recipient ``number`` ("取消提醒 3"). A staff reminder goes to an
audience (the residents of a building, 小区 or grid, resolved when it fires) or
to a WeCom group robot (channel ``wecom_robot``, recipient = the robot's name);
lead times ("the day before, an hour before") are one row each, sharing a
``series``. ``repeat`` holds a recurrence (freq, hour, minute, weekdays, day,
month); ``next_due_at`` is the next occurrence, cleared when the reminder is
finished. Each occurrence becomes outbox rows whose idempotency keys name the
reminder and the occurrence, so it is queued at most once.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class ReminderStatus(StrEnum):
    ACTIVE = "active"  # waiting for next_due_at
    DONE = "done"  # a one-off that was sent
    MISSED = "missed"  # a one-off found too late (the worker was down longer than reminders.catch_up_hours)
    CANCELLED = "cancelled"


class Reminder(Base):
    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("channel", "account", "recipient", "number"),
        Index("ix_reminders_due", "status", "next_due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The resident's own number for it (null for staff reminders).
    number: Mapped[int | None]
    channel: Mapped[str] = mapped_column(String(32), default="")
    account: Mapped[str] = mapped_column(String(128), default="")
    recipient: Mapped[str | None] = mapped_column(String(255))  # null: an audience
    audience_kind: Mapped[str | None] = mapped_column(String(16))  # building / estate / grid
    audience_code: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text, default="")
    repeat: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))  # SQL NULL for a one-off
    # Staff reminders: the event the lead time counts back from, and that lead time.
    event_at: Mapped[datetime | None]
    lead_minutes: Mapped[int | None]
    series: Mapped[str | None] = mapped_column(String(36), index=True)
    status: Mapped[str] = mapped_column(String(16), default=ReminderStatus.ACTIVE)
    next_due_at: Mapped[datetime | None]
    last_due_at: Mapped[datetime | None]  # the last occurrence handled (sent or skipped)
    sent_count: Mapped[int] = mapped_column(default=0)
    created_by: Mapped[str] = mapped_column(String(64), default="")  # "resident" or "admin:NAME"
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
