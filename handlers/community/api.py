"""JSON API for the community model, on the community capability's /api/v1 blueprint.

Communities, estates, grids, buildings, named places of estates (gates, squares …), departments, persons (with identities),
residents (their addresses), grid memberships and staff: list, create, read,
change, delete (a community still in use is refused with 409). Bind codes for
a person. Foreign keys are given by natural key (``community: xingfuli``).
"""

from __future__ import annotations

from typing import Annotated, Any

from flask import g, jsonify, request
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from bot.routing.rulestore import WORDS_COUNTER, bump
from bot.web.api import MSG_NOT_FOUND, Id, api_blueprint, authenticated, current_services, error, int_arg, parse_body
from bot.web.resources import In, Invalid, Resource, by_code, by_id, register_resources, request_now, resource_paths
from handlers.community import people, texts
from handlers.community.importing import FACT_FIELDS
from models import (
    BindAttempt,
    Building,
    Category,
    Community,
    Department,
    DepartmentCategory,
    Estate,
    EstatePlace,
    Grid,
    GridMember,
    Identity,
    IdentityKind,
    MemberRole,
    Person,
    PlaceKind,
    Resident,
    Staff,
    Ticket,
)

bp = api_blueprint("community_api", __name__)

class CommunityIn(In):
    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=128)
    office_address: str = Field(default="", max_length=255, description="told to residents: where the office is")
    phone: str = Field(default="", max_length=64, description="the office's phone, told to residents")
    office_hours: str = Field(default="", max_length=255, description="free text, e.g. Mon-Fri 9:00-12:00 13:30-17:30")
    after_hours_phone: str = Field(default="", max_length=64, description="who answers outside office hours")


Code = Annotated[str, Field(min_length=1, max_length=64)]  # a natural key another record refers to


class ResidentIn(In):
    person: Id
    building: Code | None = Field(default=None, description="building code; null = a place we do not know")
    unit: str | None = Field(default=None, max_length=16)
    room: str | None = Field(default=None, max_length=16)
    address: str | None = Field(default=None, max_length=255, description="display form; default built from the rest")


class EstateIn(In):
    code: str = Field(min_length=1, max_length=64)
    community: Code
    name: str = Field(min_length=1, max_length=128)
    grid: Code | None = Field(default=None, description="grid code taking reports placed in the estate at no "
                                                         "building (a gate, the square); null = the staff queue")


class GridIn(In):
    code: str = Field(min_length=1, max_length=64)
    community: Code
    name: str = Field(min_length=1, max_length=128)


PlaceWord = Annotated[str, Field(min_length=1, max_length=64)]


class PlaceIn(In):
    code: str = Field(min_length=1, max_length=64)
    estate: Code
    name: str = Field(min_length=1, max_length=64, description="the name residents use for it (e.g. the east gate)")
    kind: PlaceKind = PlaceKind.OTHER
    aliases: list[PlaceWord] = Field(default=[], max_length=50, description="other words residents use for it")
    grid: Code | None = Field(default=None, description="grid code; null = the estate's grid")


class BuildingIn(In):
    code: str = Field(min_length=1, max_length=64)
    estate: Code
    number: str = Field(min_length=1, max_length=16)
    grid: Code | None = None
    units: list[Annotated[str, Field(min_length=1, max_length=16)]] = Field(default=[], max_length=200)


class DepartmentIn(In):
    code: str = Field(min_length=1, max_length=64)
    community: Code | None = None
    name: str = Field(min_length=1, max_length=128)
    phone: str | None = Field(default=None, max_length=32)
    categories: list[Code] = Field(default=[], max_length=200)


class IdentityIn(In):
    kind: IdentityKind
    value: str = Field(min_length=1, max_length=128)


class PersonIn(In):
    code: str | None = Field(default=None, max_length=64)
    name: str | None = Field(default=None, max_length=64)
    phone: str | None = Field(default=None, max_length=32)
    identities: list[IdentityIn] = Field(default=[], max_length=20)


class MemberIn(In):
    person: Id
    grid: Code
    role: MemberRole = MemberRole.PRIMARY
    on_duty: bool = True
    public_phone: str = Field(default="", max_length=32, description="a work number residents may see")


class StaffIn(In):
    person: Id
    community: Code
    department: Code | None = None
    title: str = Field(default="", max_length=64)


class BindCodeIn(In):
    minutes: int | None = Field(default=None, ge=1, le=60 * 24 * 30)


def _names_changed(s: Session, row: Any, d: dict[str, Any] | None = None) -> None:
    """Community and estate names are tokenizer words and address-parser estates: every process reloads them."""
    bump(s, WORDS_COUNTER)


def _community_code(session: Session, community_id: int | None) -> str | None:
    row = session.get(Community, community_id) if community_id else None
    return row.code if row else None


def _community_cols(s: Session, d: dict[str, Any]) -> dict[str, Any]:
    out = {k: (d[k].strip() if isinstance(d[k], str) else d[k]) for k in ("code", "name", *FACT_FIELDS) if k in d}
    out["created_at"] = request_now()  # used on create only
    return out


def _community_in_use(s: Session, row: Community) -> str | None:
    for model, what in ((Estate, "estates"), (Grid, "grids"), (Department, "departments"), (Staff, "staff"),
                        (Ticket, "tickets")):
        count = s.scalar(select(func.count()).select_from(model).where(model.community_id == row.id))
        if count:
            return f"community '{row.code}' still has {count} {what}; delete or move them first"
    return None


def _resident_cols(s: Session, d: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {k: (str(d[k]).strip() or None if d[k] is not None else None)
                           for k in ("unit", "room") if k in d}
    if "person" in d:
        out["person_id"] = by_id(s, Person, d["person"], "person").id
    if "building" in d:
        building = by_code(s, Building, d["building"], "building")
        out["building_id"] = building.id if building else None
    if d.get("address"):
        out["address"] = str(d["address"]).strip()
    out["updated_at"] = request_now()
    return out


def _resident_after(s: Session, row: Resident, d: dict[str, Any]) -> None:
    """Check the unit, and keep the display address in step unless the admin gave their own."""
    building = s.get(Building, row.building_id) if row.building_id else None
    if {"building", "unit"} & d.keys() and building is not None and row.unit and building.units \
            and row.unit not in building.units:
        raise Invalid("unit", f"building '{building.code}' has units {building.units}, not '{row.unit}'")
    if d.get("address") or not ({"building", "unit", "room"} & d.keys()):
        return
    from nlp.address import Address

    if building is None:
        if not row.address:
            raise Invalid("address", "give either a building or an address")
        return
    estate = s.get(Estate, building.estate_id)
    row.address = Address(estate=estate.name if estate else None, building=building.number,
                          unit=row.unit, room=row.room).label()


def _resident_dict(s: Session, r: Resident) -> dict[str, Any]:
    person, building = r.person, r.building
    return {"id": r.id, "person": r.person_id, "name": person.name if person else None,
            "building": building.code if building else None, "unit": r.unit, "room": r.room,
            "address": r.address, "updated_at": r.updated_at.isoformat()}


def _estate_cols(s: Session, d: dict[str, Any]) -> dict[str, Any]:
    out = {k: d[k] for k in ("code", "name") if k in d}
    if "community" in d:
        out["community_id"] = by_code(s, Community, d["community"], "community").id
    return out


def _estate_with_grid_cols(s: Session, d: dict[str, Any]) -> dict[str, Any]:
    out = _estate_cols(s, d)
    if "grid" in d:
        grid = by_code(s, Grid, d["grid"], "grid")
        out["grid_id"] = grid.id if grid else None
    return out


def _grid_code(s: Session, grid_id: int | None) -> str | None:
    row = s.get(Grid, grid_id) if grid_id else None
    return row.code if row else None


def _place_cols(s: Session, d: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {k: d[k].strip() for k in ("code", "name") if k in d}
    if "kind" in d:
        out["kind"] = str(d["kind"])
    if "aliases" in d:
        out["aliases"] = [a.strip() for a in d["aliases"] or [] if a.strip()]
    return out | _estate_and_grid(s, d)


def _estate_and_grid(s: Session, d: dict[str, Any]) -> dict[str, Any]:
    """The estate and grid columns of a building or a place, from their codes."""
    out: dict[str, Any] = {}
    if "estate" in d:
        out["estate_id"] = by_code(s, Estate, d["estate"], "estate").id
    if "grid" in d:
        grid = by_code(s, Grid, d["grid"], "grid")
        out["grid_id"] = grid.id if grid else None
    return out


def _place_dict(s: Session, r: EstatePlace) -> dict[str, Any]:
    return {"id": r.id, "code": r.code, "estate": r.estate.code, "name": r.name, "kind": r.kind,
            "aliases": list(r.aliases or []), "grid": r.grid.code if r.grid else None}


def _building_cols(s: Session, d: dict[str, Any]) -> dict[str, Any]:
    out = {k: d[k] for k in ("code", "units") if k in d}
    if "number" in d:
        out["number"] = str(d["number"]).upper()
    return out | _estate_and_grid(s, d)


def _department_cols(s: Session, d: dict[str, Any]) -> dict[str, Any]:
    out = {k: d[k] for k in ("code", "name", "phone") if k in d}
    if "community" in d:
        community = by_code(s, Community, d["community"], "community")
        out["community_id"] = community.id if community else None
    return out


def _department_after(s: Session, row: Department, d: dict[str, Any]) -> None:
    if "categories" not in d:
        return
    wanted = []
    for slug in d["categories"] or []:
        category = s.scalar(select(Category).where(Category.slug == slug))
        if category is None:
            raise Invalid("categories", f"unknown category slug '{slug}'")
        wanted.append(category.id)
    for dc in s.scalars(select(DepartmentCategory).where(DepartmentCategory.department_id == row.id)):
        s.delete(dc)
    s.flush()
    for category_id in wanted:
        owner = s.scalar(select(DepartmentCategory).where(DepartmentCategory.category_id == category_id))
        if owner is not None:
            owner.department_id = row.id
        else:
            s.add(DepartmentCategory(department_id=row.id, category_id=category_id))


def _person_cols(s: Session, d: dict[str, Any]) -> dict[str, Any]:
    out = {k: d[k] for k in ("code", "name", "phone") if k in d}
    out["created_at"] = request_now()  # used on create only
    return out


def _person_after(s: Session, row: Person, d: dict[str, Any]) -> None:
    if "identities" not in d:
        return
    for item in d["identities"] or []:
        kind, value = str(item["kind"]), item["value"]
        existing = s.scalar(select(Identity).where(Identity.kind == kind, Identity.value == value))
        if existing is not None and existing.person_id != row.id:
            raise Invalid("identities", f"{kind} '{value}' already belongs to person {existing.person_id}")
        if existing is None:
            s.add(Identity(person_id=row.id, kind=kind, value=value, account="", created_at=request_now()))


def _person_in_use(s: Session, row: Person) -> str | None:
    reported = s.scalar(select(func.count()).select_from(Ticket).where(Ticket.reporter_id == row.id))
    if reported:
        return f"person {row.id} reported {reported} tickets; their history keeps them"
    return None


def _member_cols(s: Session, d: dict[str, Any]) -> dict[str, Any]:
    out = {k: (str(d[k]) if k == "role" else d[k]) for k in ("role", "on_duty", "public_phone") if k in d}
    if out.get("public_phone"):
        out["public_phone"] = out["public_phone"].strip()
        if not people.is_phone(out["public_phone"]):
            raise Invalid("public_phone", texts.MEMBER_PHONE_INVALID.format(phone=out["public_phone"]))
    if "person" in d:
        out["person_id"] = by_id(s, Person, d["person"], "person").id
    if "grid" in d:
        out["grid_id"] = by_code(s, Grid, d["grid"], "grid").id
    return out


def _one_primary(s: Session, row: GridMember, d: dict[str, Any]) -> None:
    """A grid has one primary member (the one a report goes to): a second one is refused, naming the first."""
    if row.role != MemberRole.PRIMARY:
        return
    other = s.execute(select(GridMember, Person.name, Grid.name).join(Person, Person.id == GridMember.person_id)
                      .join(Grid, Grid.id == GridMember.grid_id)
                      .where(GridMember.grid_id == row.grid_id, GridMember.role == MemberRole.PRIMARY,
                             GridMember.id != row.id).limit(1)).first()
    if other is not None:
        _, name, grid = other
        raise Invalid("role", texts.MEMBER_SECOND_PRIMARY.format(grid=grid, name=name or texts.BIND_ROLE_MEMBER))


def _staff_cols(s: Session, d: dict[str, Any]) -> dict[str, Any]:
    out = {k: d[k] for k in ("title",) if k in d}
    if "person" in d:
        out["person_id"] = by_id(s, Person, d["person"], "person").id
    if "community" in d:
        out["community_id"] = by_code(s, Community, d["community"], "community").id
    if "department" in d:
        department = by_code(s, Department, d["department"], "department")
        out["department_id"] = department.id if department else None
    return out


def _department_categories(s: Session, ids: list[int]) -> dict[int, list[str]]:
    """Category slugs of these departments, one query."""
    found: dict[int, list[str]] = {}
    for department_id, slug in s.execute(select(DepartmentCategory.department_id, Category.slug).join(Category)
                                         .where(DepartmentCategory.department_id.in_(ids)).order_by(Category.slug)):
        found.setdefault(department_id, []).append(slug)
    return found


def _person_parts(s: Session, ids: list[int]) -> dict[str, dict[int, list[Any]]]:
    """Identities, grid memberships and staff roles of these persons, three queries in all."""
    parts: dict[str, dict[int, list[Any]]] = {"identities": {}, "grids": {}, "staff": {}}
    for i in s.scalars(select(Identity).where(Identity.person_id.in_(ids)).order_by(Identity.id)):
        parts["identities"].setdefault(i.person_id, []).append(i)
    for m in s.scalars(select(GridMember).options(selectinload(GridMember.grid))
                       .where(GridMember.person_id.in_(ids)).order_by(GridMember.id)):
        parts["grids"].setdefault(m.person_id, []).append(m)
    for st in s.scalars(select(Staff).options(selectinload(Staff.community))
                        .where(Staff.person_id.in_(ids)).order_by(Staff.id)):
        parts["staff"].setdefault(st.person_id, []).append(st)
    return parts


def _prefetch_persons(s: Session, rows: list[Person]) -> None:
    s.info["persons"] = _person_parts(s, [p.id for p in rows])


def _person_dict(s: Session, p: Person) -> dict[str, Any]:
    parts = s.info.get("persons") or _person_parts(s, [p.id])
    return {
        "id": p.id, "code": p.code, "name": p.name, "phone": p.phone,
        "identities": [{"kind": i.kind, "value": i.value} for i in parts["identities"].get(p.id, [])],
        "grids": [{"membership": m.id, "grid": m.grid.code, "role": m.role, "on_duty": m.on_duty}
                  for m in parts["grids"].get(p.id, [])],
        "staff": [{"id": st.id, "community": st.community.code if st.community else None, "title": st.title}
                  for st in parts["staff"].get(p.id, [])],
    }


RESOURCES = [
    Resource("communities", Community, CommunityIn, _community_cols,
             lambda s, r: {"id": r.id, "code": r.code, "name": r.name, "created_at": r.created_at.isoformat(),
                           **{key: getattr(r, key) for key in FACT_FIELDS}},
             _names_changed, in_use=_community_in_use, on_delete=_names_changed),
    Resource("residents", Resident, ResidentIn, _resident_cols, _resident_dict, _resident_after,
             load=(selectinload(Resident.person), selectinload(Resident.building))),
    Resource("estates", Estate, EstateIn, _estate_with_grid_cols,
             lambda s, r: {"id": r.id, "code": r.code, "name": r.name, "community": _community_code(s, r.community_id),
                           "grid": _grid_code(s, r.grid_id)},
             _names_changed, on_delete=_names_changed),
    Resource("grids", Grid, GridIn, _estate_cols,
             lambda s, r: {"id": r.id, "code": r.code, "name": r.name, "community": _community_code(s, r.community_id)}),
    Resource("buildings", Building, BuildingIn, _building_cols,
             lambda s, r: {"id": r.id, "code": r.code, "number": r.number, "units": r.units,
                           "estate": r.estate.code, "grid": r.grid.code if r.grid else None},
             load=(selectinload(Building.estate), selectinload(Building.grid))),
    # Place names and aliases are words the address parser looks for: every process reloads them.
    Resource("places", EstatePlace, PlaceIn, _place_cols, _place_dict, _names_changed, on_delete=_names_changed,
             load=(selectinload(EstatePlace.estate), selectinload(EstatePlace.grid))),
    Resource("departments", Department, DepartmentIn, _department_cols,
             lambda s, r: {"id": r.id, "code": r.code, "name": r.name, "phone": r.phone,
                           "community": _community_code(s, r.community_id),
                           "categories": _department_categories(s, [r.id]).get(r.id, [])
                           if "departments" not in s.info else s.info["departments"].get(r.id, [])},
             _department_after, prefetch=lambda s, rows: s.info.update(
                 departments=_department_categories(s, [r.id for r in rows]))),
    Resource("persons", Person, PersonIn, _person_cols, _person_dict, _person_after, in_use=_person_in_use,
             prefetch=_prefetch_persons),
    Resource("members", GridMember, MemberIn, _member_cols,
             lambda s, r: {"id": r.id, "person": r.person_id, "grid": r.grid.code, "role": r.role, "on_duty": r.on_duty,
                           "public_phone": r.public_phone},
             _one_primary, load=(selectinload(GridMember.grid),)),
    Resource("staff", Staff, StaffIn, _staff_cols,
             lambda s, r: {"id": r.id, "person": r.person_id, "community": _community_code(s, r.community_id),
                           "department": r.department.code if r.department else None,
                           "title": r.title}),
]


register_resources(bp, RESOURCES)


@bp.post("/persons/<int:person_id>/bind-codes")
@authenticated
def issue_bind_code(person_id: int) -> Any:
    """A one-time code the member or staff sends as "绑定 123456"."""
    body = parse_body(BindCodeIn)
    services = current_services()
    with services.db.session() as s:
        person = s.get(Person, person_id)
        if person is None:
            return error(404, "not_found", MSG_NOT_FOUND.format(resource="persons", id=person_id))
        minutes = body.minutes or services.config.tickets.bind_code_minutes  # type: ignore[attr-defined]
        row = people.issue_bind_code(s, person, services.clock.now(), minutes, by=g.admin)
        return jsonify({"code": row.code, "person": person.id, "expires_at": row.expires_at.isoformat()}), 201


@bp.get("/bind-attempts")
@authenticated
def list_bind_attempts() -> Any:
    """Every "bind <code>" tried, newest first: who sent it, how it ended, the code's person when it bound."""
    limit = int_arg("limit", 200, 1, 1000)
    outcome = request.args.get("outcome")
    with current_services().db.session() as s:
        query = select(BindAttempt).order_by(BindAttempt.id.desc()).limit(limit)
        if outcome:
            query = query.where(BindAttempt.outcome == outcome[:16])
        return jsonify({"attempts": [
            {"id": a.id, "at": a.at.isoformat(), "channel": a.channel, "sender": a.sender, "outcome": a.outcome,
             "code": a.code_id, "person": a.person_id} for a in s.scalars(query)]})


# -- tickets -----------------------------------------------------------------------------


SCHEMAS: list[type[BaseModel]] = [CommunityIn, ResidentIn, EstateIn, GridIn, BuildingIn, PlaceIn, DepartmentIn, IdentityIn, PersonIn,
                                  MemberIn, StaffIn, BindCodeIn]


def openapi_paths(ok: dict[str, Any], errors: dict[str, Any], not_found: dict[str, Any],
                  body: Any) -> dict[str, Any]:
    """The paths above, for bot/web/openapi.py."""
    paths = resource_paths(RESOURCES, ok, errors, not_found, body)
    person = [{"name": "person_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
    paths["/bind-attempts"] = {"get": {
        "summary": "Binding-code attempts, newest first (outcome: ok, unknown, used, expired, retired, cooldown)",
        "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
                       {"name": "outcome", "in": "query", "schema": {"type": "string", "maxLength": 16}}],
        "responses": {"200": ok, **errors}}}
    paths["/persons/{person_id}/bind-codes"] = {"post": {
        "summary": "Issue a one-time binding code for a member or staff (they send the bind command with it)", "parameters": person,
        "requestBody": body("BindCodeIn"), "responses": {"201": ok, **errors, **not_found}}}
    return paths
