"""People and their roles: one person, several identities (openid, unionid, WeCom userid).

A grid member who also lives in the community is one Person with a GridMember
row and a Resident row; whichever account they write from resolves to them.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base

if TYPE_CHECKING:
    from models.community import Building, Community, Department, Grid


class IdentityKind(StrEnum):
    OPENID = "openid"  # Official Account openid (per app)
    UNIONID = "unionid"  # the same person across one company's apps
    WECOM = "wecom"  # WeCom userid


class MemberRole(StrEnum):
    PRIMARY = "primary"
    BACKUP = "backup"


class Person(Base):
    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Natural key for imported members and staff; residents who only chatted have none.
    code: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str | None] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]


class Identity(Base):
    """One account a person writes from; ``account`` records the app it belongs to."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(128))
    account: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[datetime]


class Resident(Base):
    """Where a person lives, as they told the bot (building may be unknown to us)."""

    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), unique=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id", ondelete="SET NULL"))
    unit: Mapped[str | None] = mapped_column(String(16))
    room: Mapped[str | None] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(255), default="")
    updated_at: Mapped[datetime]

    person: Mapped[Person] = relationship()
    building: Mapped[Building | None] = relationship()


class GridMember(Base):
    """A person looking after a grid: the primary, or a backup when the primary is off duty."""

    __tablename__ = "grid_members"
    __table_args__ = (UniqueConstraint("person_id", "grid_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16), default=MemberRole.PRIMARY)
    on_duty: Mapped[bool] = mapped_column(default=True)
    # A work number the member agrees residents may see (网格员电话); their own phone stays private.
    public_phone: Mapped[str] = mapped_column(String(32), default="")

    grid: Mapped[Grid] = relationship()


class Staff(Base):
    """Community (or department) staff: the queue for tickets no grid member can take."""

    __tablename__ = "staff"
    __table_args__ = (UniqueConstraint("person_id", "community_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(64), default="")

    community: Mapped[Community] = relationship()
    department: Mapped[Department | None] = relationship()


class BindCode(Base):
    """A one-time code an admin issues so a member or staff can bind a WeChat/WeCom identity."""

    __tablename__ = "bind_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by: Mapped[str | None] = mapped_column(String(160))  # "kind:value" of the identity bound
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(64), default="")


class BindAttempt(Base):
    """One "绑定 <code>" a sender tried, and how it ended: the log admins read, and what limits guessing.

    ``outcome`` is ``ok``, ``unknown``, ``used``, ``expired``, ``retired`` (the code saw too many wrong
    guesses while it was outstanding) or ``cooldown`` (the sender tried too often and was not checked).
    """

    __tablename__ = "bind_attempts"
    __table_args__ = (Index("ix_bind_attempts_sender_at", "sender", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    channel: Mapped[str] = mapped_column(String(32))
    sender: Mapped[str] = mapped_column(String(160))  # "kind:value" of the identity that sent it
    outcome: Mapped[str] = mapped_column(String(16))
    code_id: Mapped[int | None] = mapped_column(ForeignKey("bind_codes.id", ondelete="SET NULL"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
