"""Admin accounts and API tokens: passwords hashed by werkzeug, tokens stored as SHA-256.

A token works until it expires (``admin.api_token_days`` after it was issued),
is revoked (``DELETE /api/v1/tokens/<id>``, ``python -m bot admin revoke``), or
its user's password changes: each token carries a stamp of the password hash it
was issued under, so a reset anywhere (CLI, web UI) ends every older token.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from bot.clock import wall_now
from models import AdminUser, ApiToken


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


DEFAULT_TOKEN_DAYS = 30.0


def password_stamp(user: AdminUser) -> str:
    """Changes with the password (the same stamp the web UI's sessions carry)."""
    return hashlib.sha256(f"{user.id}:{user.password_hash}".encode()).hexdigest()[:24]


def create_admin(session: Session, username: str, password: str) -> AdminUser:
    """Create an admin, or reset the password of an existing one (which revokes its tokens)."""
    user = session.scalar(select(AdminUser).where(AdminUser.username == username))
    if user is None:
        user = AdminUser(username=username, created_at=wall_now())
        session.add(user)
    else:
        revoke_all(session, user)
    user.password_hash = generate_password_hash(password)
    session.flush()
    return user


def issue_token(session: Session, user: AdminUser, *, days: float | None = None, label: str = "") -> str:
    """A new API token for the user, valid ``days`` (default 30); only its hash is stored, so show it now."""
    token = "lnl_" + secrets.token_urlsafe(32)
    now = wall_now()
    session.add(ApiToken(token_hash=_hash_token(token), admin_id=user.id, created_at=now, label=label[:64],
                         expires_at=now + timedelta(days=days or DEFAULT_TOKEN_DAYS), password_stamp=password_stamp(user)))
    session.flush()
    return token


def login(session: Session, username: str, password: str) -> AdminUser | None:
    user = session.scalar(select(AdminUser).where(AdminUser.username == username))
    if user is None or not check_password_hash(user.password_hash, password):
        return None
    return user


def is_valid(row: ApiToken, user: AdminUser | None, now: datetime) -> bool:
    expires = row.expires_at or row.created_at + timedelta(days=DEFAULT_TOKEN_DAYS)
    return (user is not None and getattr(user, "active", True) and row.revoked_at is None and expires > now
            and row.password_stamp == password_stamp(user))


def user_for_token(session: Session, token: str) -> AdminUser | None:
    """The token's user, or None when it is unknown, expired, revoked or older than the password."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash_token(token)))
    if row is None:
        return None
    now = wall_now()
    user = session.get(AdminUser, row.admin_id)
    if not is_valid(row, user, now):
        return None
    row.last_used_at = now
    return user


def revoke(session: Session, token_id: int) -> bool:
    """Revoke one token; False when there is no such token or it was revoked already."""
    return session.execute(
        update(ApiToken).where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None)).values(revoked_at=wall_now())
    ).rowcount == 1


def revoke_all(session: Session, user: AdminUser) -> int:
    """Revoke every live token of ``user``; returns how many."""
    return session.execute(
        update(ApiToken).where(ApiToken.admin_id == user.id, ApiToken.revoked_at.is_(None)).values(revoked_at=wall_now())
    ).rowcount


def tokens(session: Session) -> list[tuple[ApiToken, str]]:
    """Every token with its username, newest first (never the token itself)."""
    rows = session.execute(select(ApiToken, AdminUser.username).join(AdminUser, AdminUser.id == ApiToken.admin_id)
                           .order_by(ApiToken.id.desc()))
    return [(token, username) for token, username in rows]


def token_dict(row: ApiToken, username: str, now: datetime) -> dict[str, object]:
    return {"id": row.id, "username": username, "label": row.label, "created_at": row.created_at.isoformat(),
            "last_used_at": row.last_used_at.isoformat() if row.last_used_at else None,
            "expires_at": (row.expires_at or row.created_at + timedelta(days=DEFAULT_TOKEN_DAYS)).isoformat(),
            "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None}
