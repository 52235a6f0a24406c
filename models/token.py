"""Access tokens shared by every process, with the lock that lets one refresh at a time.

WeChat invalidates (classic token) or rations (stable token) tokens per app,
so two workers fetching independently would knock each other's token out.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class AccessToken(Base):
    __tablename__ = "access_tokens"

    # Scope of the token: "mp:<app_id>" or "wecom:<corp_id>:<agent_id>".
    key: Mapped[str] = mapped_column(String(191), primary_key=True)
    token: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime | None]
    lock_owner: Mapped[str | None] = mapped_column(String(128))
    lock_until: Mapped[datetime | None]
    updated_at: Mapped[datetime | None]
