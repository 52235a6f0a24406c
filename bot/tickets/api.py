"""JSON API for the community model and tickets, on the /api/v1 blueprint of bot.api.

Estates, grids, buildings, departments, persons (with identities), grid
memberships and staff: list, create, read, change, delete. Tickets: list with
filters, and one ticket with reporters, events and media. Bind codes for a
person. Foreign keys are given by natural key (``community: xingfuli``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import g, jsonify, request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import texts
from bot.api import _body, _error, _services, _unprocessable, authenticated, bp
from bot.tickets import people
from models import (
    Building,
    Category,
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
    Staff,
    Ticket,
    TicketEvent,
    TicketMedia,
    TicketReporter,
)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


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


def _community_code(session: Session, community_id: int | None) -> str | None:
    row = session.get(Community, community_id) if community_id else None
    return row.code if row else None


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


SCHEMAS: list[type[BaseModel]] = [EstateIn, GridIn, BuildingIn, DepartmentIn, IdentityIn, PersonIn, MemberIn, StaffIn,
                                  BindCodeIn]


def openapi_paths(ok: dict[str, Any], errors: dict[str, Any], not_found: dict[str, Any],
                  body: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    """The paths above, for bot/openapi.py."""
    item = [{"name": "item_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
    paths: dict[str, Any] = {}
    for res in RESOURCES:
        name = res.schema.__name__
        paths[f"/{res.path}"] = {
            "get": {"summary": f"List {res.path}", "responses": {"200": ok, **errors}},
            "post": {"summary": f"Create one of {res.path}", "requestBody": body(name), "responses": {"201": ok, **errors}},
        }
        paths[f"/{res.path}/{{item_id}}"] = {
            "get": {"summary": f"One of {res.path}", "parameters": item, "responses": {"200": ok, **errors, **not_found}},
            "patch": {"summary": f"Change fields of one of {res.path}", "parameters": item,
                      "requestBody": body(name), "responses": {"200": ok, **errors, **not_found}},
            "delete": {"summary": f"Delete one of {res.path}", "parameters": item,
                       "responses": {"204": {"description": "deleted"}, **errors, **not_found}},
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
