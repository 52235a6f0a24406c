"""Where a problem is: an nlp Address resolved against the estates and buildings we know."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.cache import cached, watch_tables
from models import Building, Estate, Grid, Resident
from nlp.address import Address

watch_tables("grids")


@dataclass(frozen=True)
class Place:
    label: str
    building: Building | None = None
    estate: Estate | None = None
    unit: str | None = None
    room: str | None = None

    @property
    def grid_id(self) -> int | None:
        return self.building.grid_id if self.building else None


@dataclass(frozen=True)
class Unresolved:
    """An address we could not pin down; ``ambiguous`` when several estates have that building."""

    ambiguous: bool


def estate_names(db: Session) -> list[str]:
    return list(db.scalars(select(Estate.name)))


def resolve(db: Session, address: Address | None, prefer_estate_id: int | None = None) -> Place | Unresolved:
    """A building (and so a grid) for the address, or why not.

    A building number we do not know still makes a place (the label is kept and
    the ticket goes to the staff queue); a unit or room alone does not.
    """
    if address is None or address.building is None:
        return Unresolved(ambiguous=False)
    query = select(Building, Estate).join(Estate, Building.estate_id == Estate.id).where(
        Building.number == address.building
    )
    if address.estate:
        query = query.where(Estate.name == address.estate)
    candidates = [(b, e) for b, e in db.execute(query)]
    if len(candidates) > 1 and prefer_estate_id is not None:
        candidates = [c for c in candidates if c[1].id == prefer_estate_id] or candidates
    if len(candidates) > 1:
        return Unresolved(ambiguous=True)
    if not candidates:
        return Place(label=address.label(), unit=address.unit, room=address.room)
    building, estate = candidates[0]
    label = Address(estate=estate.name, building=building.number, unit=address.unit, room=address.room).label()
    return Place(label=label, building=building, estate=estate, unit=address.unit, room=address.room)


def resident_place(db: Session, resident: Resident | None) -> Place | None:
    """The resident's own home, when they told us and we know the building."""
    if resident is None or resident.building_id is None:
        return None
    building = db.get(Building, resident.building_id)
    if building is None:
        return None
    estate = db.get(Estate, building.estate_id)
    return Place(label=resident.address, building=building, estate=estate, unit=resident.unit, room=resident.room)


def grid_name(db: Session, grid_id: int | None) -> str:
    if not grid_id:
        return ""
    names = cached(db, "community.grid_names", lambda session: dict(session.execute(select(Grid.id, Grid.name)).all()))
    return names.get(grid_id) or ""
