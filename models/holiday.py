"""Deadline data: per-category deadlines and the public-holiday calendar admins extend each year."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class DayKind(StrEnum):
    HOLIDAY = "holiday"  # a weekday off (法定节假日)
    WORKDAY = "workday"  # a weekend day worked (调休上班)


class Holiday(Base):
    """One day that breaks the plain Monday-to-Friday rule."""

    __tablename__ = "holidays"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(64), default="")
    source: Mapped[str] = mapped_column(String(32), default="admin")  # chinese_calendar, import, admin


class HolidayYear(Base):
    """A year whose holidays are known; a year without a row falls back to plain weekends (with a warning)."""

    __tablename__ = "holiday_years"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime]


class CategoryDeadline(Base):
    """How long a category may wait to be accepted and resolved; None means the configured default."""

    __tablename__ = "category_deadlines"

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(64), unique=True)  # category slug
    accept_minutes: Mapped[int | None]
    resolve_minutes: Mapped[int | None]
    urgent_accept_minutes: Mapped[int | None]
    urgent_resolve_minutes: Mapped[int | None]
    working_hours: Mapped[bool] = mapped_column(default=False)
