"""Consultations (人工): a resident asked for a person; staff answer by chat or in the admin UI."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class ConsultationStatus(StrEnum):
    OPEN = "open"  # waiting for staff
    ANSWERED = "answered"  # staff answered; the resident may write again
    CLOSED = "closed"


class Consultation(Base):
    """``C`` + local date + ``-`` + the day's sequence, like tickets: C20261202-0003."""

    __tablename__ = "consultations"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id", ondelete="SET NULL"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    # Where answers go: the channel, account and user the resident wrote from.
    channel: Mapped[str] = mapped_column(String(32))
    account: Mapped[str] = mapped_column(String(128), default="")
    recipient: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), default=ConsultationStatus.OPEN, index=True)
    created_at: Mapped[datetime]
    last_message_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]


class ConsultationMessage(Base):
    __tablename__ = "consultation_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    from_resident: Mapped[bool]
    author: Mapped[str] = mapped_column(String(128), default="")  # staff's display name, or "admin:<username>"
    author_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
