"""Conversation state per (channel, user), kept in the database with an expiry.

Never in process memory: several webhook processes serve one user.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models import ConversationState

DEFAULT_TTL = timedelta(minutes=30)


@dataclass(frozen=True)
class ActiveState:
    state: str
    data: dict[str, Any]


def load_state(db: Session, channel: str, user_id: str, now: datetime) -> ActiveState | None:
    """Return the live state, deleting it if it has expired."""
    row = db.scalar(
        select(ConversationState).where(
            ConversationState.channel == channel, ConversationState.user_id == user_id
        )
    )
    if row is None:
        return None
    if row.expires_at <= now:
        db.delete(row)
        db.flush()
        return None
    return ActiveState(row.state, dict(row.data or {}))


def save_state(
    db: Session,
    channel: str,
    user_id: str,
    state: str,
    data: dict[str, Any],
    now: datetime,
    ttl: timedelta = DEFAULT_TTL,
) -> None:
    row = db.scalar(
        select(ConversationState).where(
            ConversationState.channel == channel, ConversationState.user_id == user_id
        )
    )
    if row is None:
        row = ConversationState(channel=channel, user_id=user_id)
        db.add(row)
    row.state = state
    row.data = data
    row.expires_at = now + ttl
    row.updated_at = now
    db.flush()


def clear_state(db: Session, channel: str, user_id: str) -> None:
    db.execute(
        delete(ConversationState).where(
            ConversationState.channel == channel, ConversationState.user_id == user_id
        )
    )
