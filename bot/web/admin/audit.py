"""The audit log: every change made through the web UI, written in the change's own transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from enum import Enum
from typing import Any

from flask import g, has_request_context, request
from sqlalchemy.orm import Session

from bot.web.admin.access import now
from models import AuditEntry

SECRET_FIELDS = frozenset({"password_hash", "token_hash"})


def plain(value: Any) -> Any:
    """A JSON-safe copy of a column value."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [plain(v) for v in value]
    return value


def snapshot(row: Any, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The row's columns (or ``fields``) as plain data; secrets are left out."""
    names = list(fields) if fields is not None else [c.key for c in row.__table__.columns]
    return {name: plain(getattr(row, name)) for name in names if name not in SECRET_FIELDS}


def changed(before: dict[str, Any] | None, after: dict[str, Any] | None) -> tuple[dict[str, Any] | None,
                                                                                 dict[str, Any] | None]:
    """Only the fields that differ (the whole record when created or deleted)."""
    if before is None or after is None:
        return before, after
    keys = [k for k in after if before.get(k) != after.get(k)] + [k for k in before if k not in after]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def record(session: Session, action: str, *, target_type: str = "", target_id: Any = "", summary: str = "",
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
           actor: str | None = None, actor_id: int | None = None, diff: bool = True) -> AuditEntry:
    """Write one entry; who and from where come from the request unless given."""
    who = g.get("viewer") if has_request_context() else None
    if diff:
        before, after = changed(before, after)
    entry = AuditEntry(
        at=now(), actor=actor or (who.username if who else "-"), actor_id=actor_id if actor_id is not None else
        (who.id if who else None), action=action, target_type=target_type, target_id=str(target_id)[:64],
        summary=summary[:255], before=before, after=after,
        ip=(request.remote_addr or "")[:64] if has_request_context() else "",
    )
    session.add(entry)
    session.flush()
    return entry
