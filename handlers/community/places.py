"""Where a problem is: an nlp Address resolved against the estates and buildings we know, or a place in an estate.

A place that is no building (a gate, the square, the garage, "4栋后面那块空地") is an
estate-level Place: the estate, the declared EstatePlace when the words name one, the
resident's own words as the label, routed to the place's grid, else the grid of the
building it is next to, else the estate's grid, else the staff queue.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bot.cache import cached, watch_tables
from bot.prepared import Prepared
from models import Building, Estate, EstatePlace, Grid, Resident, Ticket, TicketReporter
from nlp import places as place_words
from nlp.address import Address

watch_tables("grids", "estates", "estate_places", "buildings")


@dataclass(frozen=True)
class EstateInfo:
    """An estate as the place lookups need it: a copy held per process, not a row of any session."""

    id: int
    code: str
    community_id: int
    name: str
    grid_id: int | None


@dataclass(frozen=True)
class BuildingInfo:
    """A building with its estate, copied from the rows (see ``layout``)."""

    id: int
    code: str
    estate_id: int
    grid_id: int | None
    number: str
    estate: EstateInfo
    units: tuple[str, ...] = ()  # the units the import listed (empty: not listed)


@dataclass(frozen=True)
class Layout:
    """Every estate and building, read once per process until one changes (estates and buildings are
    watched tables): a report's place costs no query, where it cost three to five."""

    estates: dict[int, EstateInfo]  # by id, in id order
    buildings: dict[int, BuildingInfo]
    by_number: dict[str, tuple[BuildingInfo, ...]]


def layout(db: Session) -> Layout:
    def load(session: Session) -> Layout:
        estates = {e.id: EstateInfo(e.id, e.code, e.community_id, e.name, e.grid_id)
                   for e in session.scalars(select(Estate).order_by(Estate.id))}
        buildings: dict[int, BuildingInfo] = {}
        by_number: dict[str, list[BuildingInfo]] = {}
        for b in session.scalars(select(Building).order_by(Building.id)):
            info = BuildingInfo(b.id, b.code, b.estate_id, b.grid_id, b.number, estates[b.estate_id],
                                tuple(b.units or ()))
            buildings[b.id] = info
            by_number.setdefault(b.number, []).append(info)
        return Layout(estates, buildings, {k: tuple(v) for k, v in by_number.items()})

    return cached(db, "community.layout", load)


@dataclass(frozen=True)
class Place:
    label: str
    building: Building | BuildingInfo | None = None
    estate: Estate | EstateInfo | None = None
    unit: str | None = None
    room: str | None = None
    place_id: int | None = None  # the estate's declared place (EstatePlace) it names, if any
    route_grid_id: int | None = None  # an estate-level place's grid

    @property
    def grid_id(self) -> int | None:
        return self.building.grid_id if self.building else self.route_grid_id

    @property
    def estate_level(self) -> bool:
        return self.building is None and self.estate is not None


@dataclass(frozen=True)
class Unresolved:
    """An address we could not pin down; ``ambiguous`` when several estates have that building.

    ``needs_estate``: a place word was said ("快递柜") but which estate's is not known.
    """

    ambiguous: bool
    needs_estate: bool = False


@dataclass(frozen=True)
class _Declared:
    id: int
    estate_id: int
    name: str
    words: tuple[str, ...]  # the name and the aliases
    grid_id: int | None


def _declared(db: Session) -> list[_Declared]:
    """Every estate's declared places, read once per process until one changes."""
    def load(session: Session) -> list[_Declared]:
        rows = session.scalars(select(EstatePlace).order_by(EstatePlace.id))
        return [_Declared(p.id, p.estate_id, p.name, (p.name, *(p.aliases or [])), p.grid_id) for p in rows]

    return cached(db, "community.estate_places", load)


def estate_names(db: Session) -> list[str]:
    return [e.name for e in layout(db).estates.values()]


def resolve(db: Session, address: Address | None, prefer_estate_id: int | None = None) -> Place | Unresolved:
    """A building (and so a grid) for the address, or why not.

    A building number we do not know still makes a place (the label is kept and
    the ticket goes to the staff queue); a unit or room alone does not.
    """
    if address is None or address.building is None:
        return Unresolved(ambiguous=False)
    candidates = [(b, b.estate) for b in layout(db).by_number.get(address.building, ())
                  if not address.estate or b.estate.name == address.estate]
    if len(candidates) > 1 and prefer_estate_id is not None:
        candidates = [c for c in candidates if c[1].id == prefer_estate_id] or candidates
    if len(candidates) > 1:
        return Unresolved(ambiguous=True)
    if not candidates:
        return Place(label=address.label(), unit=address.unit, room=address.room)
    building, estate = candidates[0]
    label = Address(estate=estate.name, building=building.number, unit=address.unit, room=address.room).label()
    return Place(label=label, building=building, estate=estate, unit=address.unit, room=address.room)


def locate(db: Session, text: str, address: Address | None, prefer_estate_id: int | None = None,
           free_text: bool = False) -> Place | Unresolved:
    """Where the words say: a place in an estate (gate, square … or near a building), else ``resolve``.

    The estate is the one said, else ``prefer_estate_id`` (the resident's), else the one estate
    declaring the place word said. ``free_text``: the words answer "where is it?", so an estate
    with any other words ("桂花苑 亭子下面") is a place at estate level too.
    """
    estates = layout(db).estates
    named = next((e for e in estates.values() if address is not None and e.name == address.estate), None)
    estate = named if named is not None else estates.get(prefer_estate_id) if prefer_estate_id else None
    declared = _declared(db)
    candidates = [d for d in declared if estate is None or d.estate_id == estate.id]
    span = place_words.address_span(text, address.text) if address is not None and address.building else None
    mention = place_words.find_place(text, [w for d in candidates for w in d.words],
                                     _estate_forms(estates.values()), span)
    if mention is None:
        found = resolve(db, address, prefer_estate_id)
        if isinstance(found, Unresolved) and free_text and named is not None and address is not None \
                and address.building is None:
            rest = place_words.leftover(text, _estate_forms([named]))
            if rest:
                return _estate_place(db, named, rest, None, address)
        return found
    anywhere = mention.key in place_words.SOMEWHERE_IN_THE_ESTATE  # "小区里": less than a building says
    if not mention.near_building and address is not None and address.building \
            and (anywhere or address.unit and place_words.says_inside_a_building(text)):
        inside = resolve(db, address, prefer_estate_id if named is None else named.id)
        if isinstance(inside, Place) and inside.building is not None:
            return inside  # "西门外面…推进楼道里充电 3栋1单元", "1栋有家在小区里开了个棋牌室": the building
    match = [d for d in candidates if mention.key in d.words]
    if estate is None:
        owners = {d.estate_id for d in match} if not place_words.is_generic(mention.key) else set()
        if len(owners) != 1:
            return Unresolved(ambiguous=True, needs_estate=True)
        estate = estates[owners.pop()]
    place = next((d for d in match if d.estate_id == estate.id), None)
    if mention.near_building and address is not None and address.building:
        near = _building_near(db, estate, address, place, mention.phrase)
        if near is not None:
            return near
    return _estate_place(db, estate, mention.phrase, place, address)


def _building_near(db: Session, estate: EstateInfo, address: Address, place: _Declared | None,
                   phrase: str) -> Place | None:
    """"4栋后面那块空地", "1栋楼下广场": the building's place (its grid, its duplicates) with the words kept."""
    if address.estate and address.estate != estate.name:
        return None
    building = _building_of(db, estate.id, address.building)
    if building is None:
        return None
    return Place(label=place_words.place_label(estate.name, phrase), building=building, estate=estate,
                 place_id=place.id if place is not None else None)


def _building_of(db: Session, estate_id: int, number: str | None) -> BuildingInfo | None:
    return next((b for b in layout(db).by_number.get(number or "", ()) if b.estate_id == estate_id), None)


def _estate_forms(estates: Iterable[Estate | EstateInfo]) -> list[str]:
    """Estate names as residents write them: 幸福里小区 and 幸福里."""
    forms: list[str] = []
    for estate in estates:
        forms.append(estate.name)
        forms.extend(place_words.short_forms(estate.name))
    return forms


def _estate_place(db: Session, estate: EstateInfo, phrase: str, place: _Declared | None,
                  address: Address | None) -> Place:
    """An estate-level place; next to a building of that estate, that building's grid takes it."""
    grid_id = place.grid_id if place is not None else None
    if grid_id is None and address is not None and address.building:
        near = _building_of(db, estate.id, address.building)
        grid_id = near.grid_id if near is not None else None
    if place is not None and place.name not in phrase and not any(w in phrase for w in place.words):
        phrase = f"{place.name}{phrase}"
    return Place(label=place_words.place_label(estate.name, phrase), estate=estate,
                 place_id=place.id if place is not None else None, route_grid_id=grid_id or estate.grid_id)


def last_report_place(db: Session, person_id: int) -> Place | None:
    """The place of the person's newest report ("跟刚才一样的地方")."""
    ticket = db.scalar(select(Ticket).join(TicketReporter, TicketReporter.ticket_id == Ticket.id)
                       .where(TicketReporter.person_id == person_id)
                       .order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(1))
    if ticket is None or (ticket.building_id is None and ticket.estate_id is None):
        return None
    known = layout(db)
    building = known.buildings.get(ticket.building_id) if ticket.building_id else None
    estate = building.estate if building is not None else known.estates.get(ticket.estate_id or 0)
    return Place(label=ticket.location, building=building, estate=estate, unit=ticket.unit, room=ticket.room,
                 place_id=ticket.place_id, route_grid_id=None if building else ticket.grid_id)


_R = Resident.__table__.c
_HOME = Prepared(select(_R.building_id, _R.unit, _R.room, _R.address).where(_R.person_id == bindparam("person_id")))


def home_of(db: Session, person_id: int) -> Place | None:
    """The person's own home, when they told us and we know the building (four columns of Resident)."""
    row = _HOME.first(db, {"person_id": person_id})
    building = layout(db).buildings.get(row.building_id) if row is not None and row.building_id else None
    if row is None or building is None:
        return None
    return Place(label=row.address, building=building, estate=building.estate, unit=row.unit, room=row.room)


def as_data(place: Place) -> dict[str, Any]:
    """A place as conversation-state data (JSON); ``from_data`` reads it back."""
    return {"label": place.label, "building_id": place.building.id if place.building else None,
            "estate_id": place.estate.id if place.estate else None, "unit": place.unit, "room": place.room,
            "place_id": place.place_id, "route_grid_id": place.route_grid_id}


def from_data(db: Session, data: dict[str, Any]) -> Place | None:
    """The place ``as_data`` kept, as the buildings and estates are now (None when its building is gone)."""
    known = layout(db)
    building = known.buildings.get(data["building_id"]) if data.get("building_id") else None
    if data.get("building_id") and building is None:
        return None
    estate = building.estate if building is not None else known.estates.get(data.get("estate_id") or 0)
    if building is None and estate is None:
        return None
    return Place(label=str(data.get("label") or ""), building=building, estate=estate, unit=data.get("unit"),
                 room=data.get("room"), place_id=data.get("place_id"), route_grid_id=data.get("route_grid_id"))


def grid_name(db: Session, grid_id: int | None) -> str:
    if not grid_id:
        return ""
    names = cached(db, "community.grid_names", lambda session: dict(session.execute(select(Grid.id, Grid.name)).all()))
    return names.get(grid_id) or ""
