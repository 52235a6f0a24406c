"""Conversation state per (channel, user), kept in the database with an expiry.

Never in process memory: several webhook processes serve one user. Read and
written with single prepared statements (one SELECT; one INSERT … ON CONFLICT DO
UPDATE; bot/prepared.py), so the state never lives in the session's identity map
and a message pays neither an ORM flush nor SQLAlchemy's execution layer for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.prepared import Prepared
from models import ConversationState

DEFAULT_TTL = timedelta(minutes=30)

# Built on the Table (Core), not the mapped class: every message runs these, and an ORM-enabled
# statement costs several times as much to execute.
_T = ConversationState.__table__.c
_WHO = (_T.channel == bindparam("channel"), _T.user_id == bindparam("user_id"))
_LOAD = Prepared(select(_T.id, _T.state, _T.data, _T.expires_at).where(*_WHO))
_CLEAR = Prepared(delete(ConversationState.__table__).where(*_WHO))
_EXPIRED = Prepared(delete(ConversationState.__table__).where(_T.id == bindparam("id")))


def _upsert(insert: Any) -> Any:
    statement = insert(ConversationState.__table__).values(
        channel=bindparam("channel"), user_id=bindparam("user_id"), state=bindparam("state"),
        data=bindparam("data", type_=_T.data.type), expires_at=bindparam("expires_at"),
        updated_at=bindparam("updated_at"),
    )
    excluded = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=["channel", "user_id"],
        set_={"state": excluded.state, "data": excluded.data, "expires_at": excluded.expires_at,
              "updated_at": excluded.updated_at},
    )


_SAVE = Prepared({"postgresql": _upsert(pg_insert), "sqlite": _upsert(sqlite_insert)})


@dataclass(frozen=True)
class ActiveState:
    state: str
    data: dict[str, Any]


def load_state(db: Session, channel: str, user_id: str, now: datetime) -> ActiveState | None:
    """Return the live state, deleting it if it has expired."""
    row = _LOAD.first(db, {"channel": channel, "user_id": user_id})
    if row is None:
        return None
    if row.expires_at <= now:
        _EXPIRED.execute(db, {"id": row.id})
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
    _SAVE.execute(db, {"channel": channel, "user_id": user_id, "state": state, "data": data,
                           "expires_at": now + ttl, "updated_at": now})


def clear_state(db: Session, channel: str, user_id: str) -> None:
    _CLEAR.execute(db, {"channel": channel, "user_id": user_id})
