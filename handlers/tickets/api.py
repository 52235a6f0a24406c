"""JSON API for the community model and tickets, on the /api/v1 blueprint of bot.api.

Communities, estates, grids, buildings, departments, categories (with their
duplicate scope and deadlines), persons (with identities), residents (their
addresses), grid memberships and staff: list, create, read, change, delete
(a community or category still in use is refused with 409). Tickets: list with
filters, and one ticket with reporters, events and media. Bind codes for a
person. Foreign keys are given by natural key (``community: xingfuli``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from flask import g, jsonify, request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import texts
from bot.api import _body, _error, _services, _unprocessable, authenticated, bp
from bot.tickets import people
from models import (
    Building,
    Category,
    CategoryDeadline,
    Community,
    Department,
    DepartmentCategory,
    Estate,
    Grid,
    GridMember,
    Identity,
    IdentityKind,
    MemberRole,
    Person,
    Resident,
    Rule,
    Staff,
    Ticket,
    TicketEvent,
    TicketMedia,
    TicketReporter,
)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CommunityIn(_In):
    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=128)


class DeadlinesIn(_In):
    """Minutes; a missing value means the configured default (tickets.* in config)."""

    accept_minutes: int | None = Field(default=None, ge=1)
    resolve_minutes: int | None = Field(default=None, ge=1)
    urgent_accept_minutes: int | None = Field(default=None, ge=1)
    urgent_resolve_minutes: int | None = Field(default=None, ge=1)
    working_hours: bool = False


class CategoryIn(_In):
    slug: str = Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1, max_length=64)
    urgent: bool = False
    dedupe_scope: Literal["building", "unit"] = "building"
    deadlines: DeadlinesIn | None = Field(default=None, description="null = the configured default deadlines")


class ResidentIn(_In):
    person: int
    building: str | None = Field(default=None, description="building code; null = a place we do not know")
    unit: str | None = Field(default=None, max_length=16)
    room: str | None = Field(default=None, max_length=16)
    address: str | None = Field(default=None, max_length=255, description="display form; default built from the rest")


class EstateIn(_In):
    code: str = Field(min_length=1, max_length=64)
    community: str
    name: str = Field(min_length=1, max_length=128)


class GridIn(EstateIn):
    pass


class BuildingIn(_In):
    code: str = Field(min_length=1, max_length=64)
    estate: str
    number: str = Field(min_length=1, max_length=16)
    grid: str | None = None
    units: list[str] = []


class DepartmentIn(_In):
    code: str = Field(min_length=1, max_length=64)
    community: str | None = None
    name: str = Field(min_length=1, max_length=128)
    phone: str | None = None
    categories: list[str] = []


class IdentityIn(_In):
    kind: IdentityKind
    value: str = Field(min_length=1, max_length=128)


class PersonIn(_In):
    code: str | None = Field(default=None, max_length=64)
    name: str | None = Field(default=None, max_length=64)
    phone: str | None = Field(default=None, max_length=32)
    identities: list[IdentityIn] = []


class MemberIn(_In):
    person: int
    grid: str
    role: MemberRole = MemberRole.PRIMARY
    on_duty: bool = True


class StaffIn(_In):
    person: int
    community: str
    department: str | None = None
    title: str = ""


class BindCodeIn(_In):
    minutes: int | None = Field(default=None, ge=1, le=60 * 24 * 30)


def _patch_model(model: type[_In]) -> type[_In]:
    """The same fields, all optional (PATCH)."""
    fields = {name: (info.annotation | None, None) for name, info in model.model_fields.items()}
    from pydantic import create_model

    return create_model(model.__name__.replace("In", "Patch"), __base__=_In, **fields)  # type: ignore[call-overload]


class _Invalid(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def _code(session: Session, model: Any, code: str | None, field: str) -> Any:
    if code is None:
        return None
    row = session.scalar(select(model).where(model.code == code))
    if row is None:
        raise _Invalid(field, f"no {model.__tablename__} record with code '{code}'")
    return row


def _id(session: Session, model: Any, value: int, field: str) -> Any:
    row = session.get(model, value)
    if row is None:
        raise _Invalid(field, f"no {model.__tablename__} record with id {value}")
    return row


# -- resource table ------------------------------------------------------------------------


@dataclass(frozen=True)
class Resource:
    path: str
    model: Any
    schema: type[_In]
    columns: Callable[[Session, dict[str, Any]], dict[str, Any]]  # body fields -> column values
    to_dict: Callable[[Session, Any], dict[str, Any]]
    after: Callable[[Session, Any, dict[str, Any]], None] | None = None
    # Why a row must not be deleted (still referenced), or None; a reason answers 409.
    in_use: Callable[[Session, Any], str | None] | None = None
    # Fields a PATCH may not change (natural keys other records refer to by value).
    fixed: tuple[str, ...] = ()
    on_delete: Callable[[Session, Any], None] | None = None  # tidy rows tied by value, not by foreign key


def _community_code(session: Session, community_id: int | None) -> str | None:
    row = session.get(Community, community_id) if community_id else None
    return row.code if row else None


def _community_cols(s: Session, d: dict[str, Any]) -> dict[str, Any]:
    out = {k: d[k] for k in ("code", "name") if k in d}
    out["created_at"] = datetime.now(UTC)  # used on create only
    return out


def _community_in_use(s: Session, row: Community) -> str | None:
    for model, what in ((Estate, "estates"), (Grid, "grids"), (Department, "departments"), (Staff, "staff"),
                        (Ticket, "tickets")):
        count = s.scalar(select(func.count()).select_from(model).where(model.community_id == row.id))
        if count:
            return f"community '{row.code}' still has {count} {what}; delete or move them first"
    return None


def _category_cols(s: Session, d: dict[str, Any]) -> dict[str, Any]:
    return {k: d[k] for k in ("slug", "name", "urgent", "dedupe_scope") if k in d}


def _category_after(s: Session, row: Category, d: dict[str, Any]) -> None:
    if "deadlines" not in d:
        return
    current = s.scalar(select(CategoryDeadline).where(CategoryDeadline.category == row.slug))
    wanted = d["deadlines"]
    if wanted is None:
        if current is not None:
            s.delete(current)
        return
    if current is None:
        current = CategoryDeadline(category=row.slug)
        s.add(current)
    for name in DeadlinesIn.model_fields:
        setattr(current, name, wanted.get(name, DeadlinesIn.model_fields[name].default))


def _deadlines_dict(s: Session, slug: str) -> dict[str, Any] | None:
    row = s.scalar(select(CategoryDeadline).where(CategoryDeadline.category == slug))
    if row is None:
        return None
    return {name: getattr(row, name) for name in DeadlinesIn.model_fields}


def _category_dict(s: Session, r: Category) -> dict[str, Any]:
    owner = s.scalar(select(Department.code).join(DepartmentCategory).where(DepartmentCategory.category_id == r.id))
    return {"id": r.id, "slug": r.slug, "name": r.name, "urgent": r.urgent, "dedupe_scope": r.dedupe_scope,
            "deadlines": _deadlines_dict(s, r.slug), "department": owner}


def _category_in_use(s: Session, row: Category) -> str | None:
    tickets = s.scalar(select(func.count()).select_from(Ticket).where(Ticket.category == row.slug))
    if tickets:
        return f"category '{row.slug}' has {tickets} tickets; rename it instead of deleting it"
    rules = s.scalar(select(func.count()).select_from(Rule).where(Rule.category == row.slug))
    if rules:
        return f"category '{row.slug}' is used by {rules} rules; change them first"
    return None


def _category_deleted(s: Session, row: Category) -> None:
    for deadline in s.scalars(select(CategoryDeadline).where(CategoryDeadline.category == row.slug)):
        s.delete(deadline)


def _resident_cols(s: Session, d: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {k: (str(d[k]).strip() or None if d[k] is not None else None)
                           for k in ("unit", "room") if k in d}
    if "person" in d:
        out["person_id"] = _id(s, Person, d["person"], "person").id
    if "building" in d:
        building = _code(s, Building, d["building"], "building")
        out["building_id"] = building.id if building else None
    if d.get("address"):
        out["address"] = str(d["address"]).strip()
    out["updated_at"] = datetime.now(UTC)
    return out


def _resident_after(s: Session, row: Resident, d: dict[str, Any]) -> None:
    """Check the unit, and keep the display address in step unless the admin gave their own."""
    building = s.get(Building, row.building_id) if row.building_id else None
    if {"building", "unit"} & d.keys() and building is not None and row.unit and building.units \
            and row.unit not in building.units:
        raise _Invalid("unit", f"building '{building.code}' has units {building.units}, not '{row.unit}'")
    if d.get("address") or not ({"building", "unit", "room"} & d.keys()):
        return
    from nlp.address import Address

    if building is None:
        if not row.address:
            raise _Invalid("address", "give either a building or an address")
        return
    estate = s.get(Estate, building.estate_id)
    row.address = Address(estate=estate.name if estate else None, building=building.number,
                          unit=row.unit, room=row.room).label()


def _resident_dict(s: Session, r: Resident) -> dict[str, Any]:
    person = s.get(Person, r.person_id)
    building = s.get(Building, r.building_id) if r.building_id else None
    return {"id": r.id, "person": r.person_id, "name": person.name if person else None,
            "building": building.code if building else None, "unit": r.unit, "room": r.room,
            "address": r.address, "updated_at": r.updated_at.isoformat()}


def _estate_cols(s: Session, d: dict[str, Any]) -> dict[str, Any]:
    out = {k: d[k] for k in ("code", "name") if k in d}
    if "community" in d:
        out["community_id"] = _code(s, Community, d["community"], "community").id
    return out


def _building_cols(s: Session, d: dict[str, Any]) -> dict[str, Any]:
    out = {k: d[k] for k in ("code", "units") if k in d}
    if "number" in d:
        out["number"] = str(d["number"]).upper()
    if "estate" in d:
        out["estate_id"] = _code(s, Estate, d["estate"], "estate").id
    if "grid" in d:
        grid = _code(s, Grid, d["grid"], "grid")
        out["grid_id"] = grid.id if grid else None
    return out


def _department_cols(s: Session, d: dict[str, Any]) -> dict[str, Any]:
    out = {k: d[k] for k in ("code", "name", "phone") if k in d}
    if "community" in d:
        community = _code(s, Community, d["community"], "community")
        out["community_id"] = community.id if community else None
    return out


def _department_after(s: Session, row: Department, d: dict[str, Any]) -> None:
    if "categories" not in d:
        return
    wanted = []
    for slug in d["categories"] or []:
        category = s.scalar(select(Category).where(Category.slug == slug))
        if category is None:
            raise _Invalid("categories", f"unknown category slug '{slug}'")
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
    out["created_at"] = datetime.now(UTC)  # used on create only
    return out


def _person_after(s: Session, row: Person, d: dict[str, Any]) -> None:
    if "identities" not in d:
        return
    for item in d["identities"] or []:
        kind, value = str(item["kind"]), item["value"]
        existing = s.scalar(select(Identity).where(Identity.kind == kind, Identity.value == value))
        if existing is not None and existing.person_id != row.id:
            raise _Invalid("identities", f"{kind} '{value}' already belongs to person {existing.person_id}")
        if existing is None:
            s.add(Identity(person_id=row.id, kind=kind, value=value, account="", created_at=datetime.now(UTC)))


def _member_cols(s: Session, d: dict[str, Any]) -> dict[str, Any]:
    out = {k: (str(d[k]) if k == "role" else d[k]) for k in ("role", "on_duty") if k in d}
    if "person" in d:
        out["person_id"] = _id(s, Person, d["person"], "person").id
    if "grid" in d:
        out["grid_id"] = _code(s, Grid, d["grid"], "grid").id
    return out


def _staff_cols(s: Session, d: dict[str, Any]) -> dict[str, Any]:
    out = {k: d[k] for k in ("title",) if k in d}
    if "person" in d:
        out["person_id"] = _id(s, Person, d["person"], "person").id
    if "community" in d:
        out["community_id"] = _code(s, Community, d["community"], "community").id
    if "department" in d:
        department = _code(s, Department, d["department"], "department")
        out["department_id"] = department.id if department else None
    return out


def _person_dict(s: Session, p: Person) -> dict[str, Any]:
    return {
        "id": p.id, "code": p.code, "name": p.name, "phone": p.phone,
        "identities": [{"kind": i.kind, "value": i.value} for i in s.scalars(select(Identity).where(Identity.person_id == p.id))],
        "grids": [{"membership": m.id, "grid": s.get(Grid, m.grid_id).code, "role": m.role, "on_duty": m.on_duty}  # type: ignore[union-attr]
                  for m in s.scalars(select(GridMember).where(GridMember.person_id == p.id))],
        "staff": [{"id": st.id, "community": _community_code(s, st.community_id), "title": st.title}
                  for st in s.scalars(select(Staff).where(Staff.person_id == p.id))],
    }


RESOURCES = [
    Resource("communities", Community, CommunityIn, _community_cols,
             lambda s, r: {"id": r.id, "code": r.code, "name": r.name, "created_at": r.created_at.isoformat()},
             in_use=_community_in_use),
    Resource("categories", Category, CategoryIn, _category_cols, _category_dict, _category_after,
             in_use=_category_in_use, fixed=("slug",), on_delete=_category_deleted),
    Resource("residents", Resident, ResidentIn, _resident_cols, _resident_dict, _resident_after),
    Resource("estates", Estate, EstateIn, _estate_cols,
             lambda s, r: {"id": r.id, "code": r.code, "name": r.name, "community": _community_code(s, r.community_id)}),
    Resource("grids", Grid, GridIn, _estate_cols,
             lambda s, r: {"id": r.id, "code": r.code, "name": r.name, "community": _community_code(s, r.community_id)}),
    Resource("buildings", Building, BuildingIn, _building_cols,
             lambda s, r: {"id": r.id, "code": r.code, "number": r.number, "units": r.units,
                           "estate": s.get(Estate, r.estate_id).code,  # type: ignore[union-attr]
                           "grid": s.get(Grid, r.grid_id).code if r.grid_id else None}),  # type: ignore[union-attr]
    Resource("departments", Department, DepartmentIn, _department_cols,
             lambda s, r: {"id": r.id, "code": r.code, "name": r.name, "phone": r.phone,
                           "community": _community_code(s, r.community_id),
                           "categories": list(s.scalars(select(Category.slug).join(DepartmentCategory).where(
                               DepartmentCategory.department_id == r.id).order_by(Category.slug)))},
             _department_after),
    Resource("persons", Person, PersonIn, _person_cols, _person_dict, _person_after),
    Resource("members", GridMember, MemberIn, _member_cols,
             lambda s, r: {"id": r.id, "person": r.person_id, "grid": s.get(Grid, r.grid_id).code,  # type: ignore[union-attr]
                           "role": r.role, "on_duty": r.on_duty}),
    Resource("staff", Staff, StaffIn, _staff_cols,
             lambda s, r: {"id": r.id, "person": r.person_id, "community": _community_code(s, r.community_id),
                           "department": s.get(Department, r.department_id).code if r.department_id else None,  # type: ignore[union-attr]
                           "title": r.title}),
]


def _register(res: Resource) -> None:
    patch_model = _patch_model(res.schema)

    def save(row: Any | None, data: dict[str, Any]) -> Any:
        with _services().db.session() as s:
            try:
                columns = res.columns(s, data)
                if row is None:
                    row = res.model(**columns)
                    s.add(row)
                else:
                    row = s.get(res.model, row)
                    for name in res.fixed:
                        if name in columns and columns[name] != getattr(row, name):
                            raise _Invalid(name, f"{name} is a stable key other records use; it cannot change")
                    for name, value in columns.items():
                        if name != "created_at":
                            setattr(row, name, value)
                s.flush()
                if res.after:
                    res.after(s, row, data)
                s.flush()
            except _Invalid as exc:
                s.rollback()
                return _unprocessable([{"field": exc.field, "message": exc.message}])
            except IntegrityError:
                s.rollback()
                return _error(409, "conflict", f"{res.path}: a record with this natural key already exists")
            return jsonify(res.to_dict(s, row))

    def list_view() -> Any:
        with _services().db.session() as s:
            rows = s.scalars(select(res.model).order_by(res.model.id))
            return jsonify({res.path: [res.to_dict(s, r) for r in rows]})

    def create_view() -> Any:
        data = _body(res.schema).model_dump(mode="json")
        answer = save(None, data)
        return (answer, 201) if not isinstance(answer, tuple) else answer

    def item_view(item_id: int) -> Any:
        with _services().db.session() as s:
            row = s.get(res.model, item_id)
            if row is None:
                return _error(404, "not_found", texts.API_RESOURCE_NOT_FOUND.format(resource=res.path, id=item_id))
            if request.method == "GET":
                return jsonify(res.to_dict(s, row))
            if request.method == "DELETE":
                reason = res.in_use(s, row) if res.in_use else None
                if reason:
                    return _error(409, "in_use", reason)
                if res.on_delete:
                    res.on_delete(s, row)
                s.delete(row)
                return "", 204
        data = _body(patch_model).model_dump(mode="json", exclude_unset=True)
        return save(item_id, data)

    for name, view in (("list", list_view), ("create", create_view), ("item", item_view)):
        view.__name__ = f"{res.path}_{name}"
    bp.add_url_rule(f"/{res.path}", view_func=authenticated(list_view), methods=["GET"])
    bp.add_url_rule(f"/{res.path}", view_func=authenticated(create_view), methods=["POST"])
    bp.add_url_rule(f"/{res.path}/<int:item_id>", view_func=authenticated(item_view),
                    methods=["GET", "PATCH", "DELETE"])


for _resource in RESOURCES:
    _register(_resource)


@bp.post("/persons/<int:person_id>/bind-codes")
@authenticated
def issue_bind_code(person_id: int) -> Any:
    """A one-time code the member or staff sends as "绑定 123456"."""
    body = _body(BindCodeIn)
    services = _services()
    with services.db.session() as s:
        person = s.get(Person, person_id)
        if person is None:
            return _error(404, "not_found", texts.API_RESOURCE_NOT_FOUND.format(resource="persons", id=person_id))
        minutes = body.minutes or services.config.tickets.bind_code_minutes  # type: ignore[attr-defined]
        row = people.issue_bind_code(s, person, services.clock.now(), minutes, by=g.admin)
        return jsonify({"code": row.code, "person": person.id, "expires_at": row.expires_at.isoformat()}), 201


# -- tickets -----------------------------------------------------------------------------


def ticket_dict(s: Session, t: Ticket, full: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "number": t.number, "status": t.status, "category": t.category, "location": t.location,
        "description": t.description, "urgent": t.urgent, "channel": t.channel,
        "grid": s.get(Grid, t.grid_id).code if t.grid_id else None,  # type: ignore[union-attr]
        "assignee": t.assignee_id, "department": s.get(Department, t.department_id).code if t.department_id else None,  # type: ignore[union-attr]
        "created_at": t.created_at.isoformat(), "accepted_at": t.accepted_at.isoformat() if t.accepted_at else None,
        "done_at": t.done_at.isoformat() if t.done_at else None,
        "accept_due_at": t.accept_due_at.isoformat() if t.accept_due_at else None,
    }
    if full:
        data["reporters"] = [{"person": r.person_id, "channel": r.channel, "original": r.original,
                              "joined_at": r.joined_at.isoformat()}
                             for r in s.scalars(select(TicketReporter).where(TicketReporter.ticket_id == t.id))]
        data["events"] = [{"at": e.at.isoformat(), "actor": e.actor, "actor_id": e.actor_id, "kind": e.kind,
                           "note": e.note, "data": e.data}
                          for e in s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == t.id).order_by(TicketEvent.id))]
        data["media"] = [{"id": m.id, "kind": m.kind, "status": m.status, "path": m.path, "data": m.data}
                         for m in s.scalars(select(TicketMedia).where(TicketMedia.ticket_id == t.id).order_by(TicketMedia.id))]
    return data


@bp.get("/tickets")
@authenticated
def list_tickets() -> Any:
    """Filters: status, category, grid (code), assignee (person id), limit (default 100)."""
    args = request.args
    try:
        limit = min(max(int(args.get("limit", 100)), 1), 1000)
        assignee = int(args["assignee"]) if args.get("assignee") else None
    except ValueError:
        return _unprocessable([{"field": "limit/assignee", "message": "must be an integer"}])
    with _services().db.session() as s:
        query = select(Ticket).order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(limit)
        if args.get("status"):
            query = query.where(Ticket.status.in_(args["status"].split(",")))
        if args.get("category"):
            query = query.where(Ticket.category == args["category"])
        if args.get("grid"):
            query = query.join(Grid, Grid.id == Ticket.grid_id).where(Grid.code == args["grid"])
        if assignee is not None:
            query = query.where(Ticket.assignee_id == assignee)
        return jsonify({"tickets": [ticket_dict(s, t) for t in s.scalars(query)]})


@bp.get("/tickets/<number>")
@authenticated
def get_ticket(number: str) -> Any:
    with _services().db.session() as s:
        ticket = s.scalar(select(Ticket).where(Ticket.number == number.upper()))
        if ticket is None:
            return _error(404, "not_found", texts.API_TICKET_NOT_FOUND.format(number=number))
        return jsonify(ticket_dict(s, ticket, full=True))


SCHEMAS: list[type[BaseModel]] = [CommunityIn, CategoryIn, DeadlinesIn, ResidentIn, EstateIn, GridIn, BuildingIn, DepartmentIn, IdentityIn, PersonIn, MemberIn, StaffIn,
                                  BindCodeIn]


def openapi_paths(ok: dict[str, Any], errors: dict[str, Any], not_found: dict[str, Any],
                  body: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    """The paths above, for bot/openapi.py."""
    item = [{"name": "item_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
    error_body = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    conflict = {"409": {"description": "a record with this natural key already exists", "content": error_body}}
    in_use = {"409": {"description": "still in use by other records", "content": error_body}}
    paths: dict[str, Any] = {}
    for res in RESOURCES:
        name = res.schema.__name__
        fixed = f" ({', '.join(res.fixed)} cannot change)" if res.fixed else ""
        paths[f"/{res.path}"] = {
            "get": {"summary": f"List {res.path}", "responses": {"200": ok, **errors}},
            "post": {"summary": f"Create one of {res.path}", "requestBody": body(name),
                     "responses": {"201": ok, **errors, **conflict}},
        }
        paths[f"/{res.path}/{{item_id}}"] = {
            "get": {"summary": f"One of {res.path}", "parameters": item, "responses": {"200": ok, **errors, **not_found}},
            "patch": {"summary": f"Change fields of one of {res.path}{fixed}", "parameters": item,
                      "requestBody": body(name), "responses": {"200": ok, **errors, **not_found, **conflict}},
            "delete": {"summary": f"Delete one of {res.path}", "parameters": item,
                       "responses": {"204": {"description": "deleted"}, **errors, **not_found,
                                     **(in_use if res.in_use else {})}},
        }
    person = [{"name": "person_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
    paths["/persons/{person_id}/bind-codes"] = {"post": {
        "summary": "Issue a one-time binding code for a member or staff (they send the bind command with it)", "parameters": person,
        "requestBody": body("BindCodeIn"), "responses": {"201": ok, **errors, **not_found}}}
    filters = [{"name": n, "in": "query", "schema": {"type": t}} for n, t in
               (("status", "string"), ("category", "string"), ("grid", "string"), ("assignee", "integer"), ("limit", "integer"))]
    paths["/tickets"] = {"get": {"summary": "List tickets, newest first (status may be a comma-separated list)",
                                 "parameters": filters, "responses": {"200": ok, **errors}}}
    number = [{"name": "number", "in": "path", "required": True, "schema": {"type": "string"}}]
    paths["/tickets/{number}"] = {"get": {"summary": "One ticket with reporters, events and media",
                                          "parameters": number, "responses": {"200": ok, **errors, **not_found}}}
    return paths
