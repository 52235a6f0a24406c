"""Admin accounts (the staff's web UI and the JSON API), their roles, and the API tokens they use."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class AdminRole(StrEnum):
    """What an account may open in the web UI (bot/web/admin/access.py)."""

    ADMIN = "admin"  # 管理员: everything
    STAFF = "staff"  # 社区工作人员: tickets, consultations, bulletins
    GRID = "grid"  # 网格员: the tickets of their grids (needs a person link)
    DEPARTMENT = "department"  # 部门联络人: their department's escalations (needs a person link)


class AdminUser(Base):
    __tablename__ = "admin_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]
    role: Mapped[str] = mapped_column(String(16), default=AdminRole.ADMIN, server_default=AdminRole.ADMIN.value)
    # The grid member or department contact this account is (their grids, their department).
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    display_name: Mapped[str] = mapped_column(String(64), default="", server_default="")
    active: Mapped[bool] = mapped_column(default=True, server_default="1")
    # Web login throttling: consecutive failures, and the lockout they caused.
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]


class ApiToken(Base):
    """Only the SHA-256 of a token is stored; the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    admin_id: Mapped[int] = mapped_column(ForeignKey("admin_users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    # A token stops working when it expires (admin.api_token_days), is revoked, or its user's
    # password changes (the stamp is taken from the password hash when the token is issued).
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    password_stamp: Mapped[str | None] = mapped_column(String(24))
    label: Mapped[str] = mapped_column(String(64), default="", server_default="")  # "login", "cli", "demo" …
