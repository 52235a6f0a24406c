"""Admin accounts and API tokens: passwords hashed by werkzeug, tokens stored as SHA-256."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from bot.clock import wall_now
from models import AdminUser, ApiToken


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_admin(session: Session, username: str, password: str) -> AdminUser:
    """Create an admin, or reset the password of an existing one."""
    user = session.scalar(select(AdminUser).where(AdminUser.username == username))
    if user is None:
        user = AdminUser(username=username, created_at=wall_now())
        session.add(user)
    user.password_hash = generate_password_hash(password)
    session.flush()
    return user


def issue_token(session: Session, user: AdminUser) -> str:
    """A new API token for the user; only its hash is stored, so show it now."""
    token = "lnl_" + secrets.token_urlsafe(32)
    session.add(ApiToken(token_hash=_hash_token(token), admin_id=user.id, created_at=wall_now()))
    session.flush()
    return token


def login(session: Session, username: str, password: str) -> AdminUser | None:
    user = session.scalar(select(AdminUser).where(AdminUser.username == username))
    if user is None or not check_password_hash(user.password_hash, password):
        return None
    return user


def user_for_token(session: Session, token: str) -> AdminUser | None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash_token(token)))
    if row is None:
        return None
    row.last_used_at = wall_now()
    return session.get(AdminUser, row.admin_id)
