"""Small shared state: version counters (rules, dictionary) and periodic job bookkeeping."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class Counter(Base):
    """A named monotonically increasing number, e.g. ``rules`` bumps on every rule edit.

    Workers compare it per message (one primary-key read) to know when to rebuild.
    """

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime | None]


class JobRun(Base):
    """Last run and lease of one periodic job, shared by every worker process."""

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_run_at: Mapped[datetime | None]
    lease_owner: Mapped[str | None] = mapped_column(String(128))
    lease_until: Mapped[datetime | None]
