"""The community model: 社区 → 小区 → 网格 → 楼栋, categories and the departments owning them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base


class Community(Base):
    __tablename__ = "communities"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime]
    # The community's own facts, told to residents (FAQ answers, the hand-over); empty = not filled in yet.
    office_address: Mapped[str] = mapped_column(String(255), default="")
    phone: Mapped[str] = mapped_column(String(64), default="")
    office_hours: Mapped[str] = mapped_column(String(255), default="")
    after_hours_phone: Mapped[str] = mapped_column(String(64), default="")


class Category(Base):
    """A kind of ticket: stable English slug, Chinese display name."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    urgent: Mapped[bool] = mapped_column(default=False)
    # Duplicate reports are joined per "building" or per "unit" (a leak is per unit).
    dedupe_scope: Mapped[str] = mapped_column(String(16), default="building", server_default="building")


class Estate(Base):
    """A 小区: a gated estate inside a community; residents name it in addresses."""

    __tablename__ = "estates"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(128))
    # Who takes reports placed in the estate but at no building (a gate, the square …); None = the staff queue.
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id", ondelete="SET NULL"))

    community: Mapped[Community] = relationship()


class PlaceKind(StrEnum):
    """What a named place in an estate is; the words residents use for each kind are in nlp.places."""

    GATE = "gate"
    SQUARE = "square"
    GARAGE = "garage"
    PARKING = "parking"
    BINS = "bins"
    PARCEL_LOCKER = "parcel_locker"
    FITNESS = "fitness"
    ROAD = "road"
    GREEN = "green"
    OTHER = "other"


class EstatePlace(Base):
    """A named place in an estate that is not a building: 东门, 中心广场, 地下车库, 垃圾站 … with its aliases.

    ``grid_id`` routes reports placed here (else the estate's grid, else the staff queue).
    """

    __tablename__ = "estate_places"
    __table_args__ = (UniqueConstraint("estate_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estates.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16), default=PlaceKind.OTHER)
    aliases: Mapped[list[str]] = mapped_column(default=list)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id", ondelete="SET NULL"))

    estate: Mapped[Estate] = relationship()
    grid: Mapped[Grid | None] = relationship()


class Grid(Base):
    """A 网格: the patch of buildings one grid member (and a backup) looks after."""

    __tablename__ = "grids"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(128))

    community: Mapped[Community] = relationship()


class Building(Base):
    """A 楼栋; ``number`` is the normalised form nlp.address yields ("3", "B")."""

    __tablename__ = "buildings"
    __table_args__ = (UniqueConstraint("estate_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estates.id", ondelete="CASCADE"))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id", ondelete="SET NULL"))
    number: Mapped[str] = mapped_column(String(16))
    units: Mapped[list[str]] = mapped_column(default=list)

    estate: Mapped[Estate] = relationship()
    grid: Mapped[Grid | None] = relationship()


class Department(Base):
    """物业, 供水, 派出所 …: a body a ticket can be transferred (or escalated) to."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(128))
    phone: Mapped[str | None] = mapped_column(String(32))

    community: Mapped[Community | None] = relationship()


class DepartmentCategory(Base):
    """Which categories a department owns (a category has at most one owner)."""

    __tablename__ = "department_categories"
    __table_args__ = (UniqueConstraint("category_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"))
