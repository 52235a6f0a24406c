"""JSON API for categories and tickets, on the tickets capability's /api/v1 blueprint.

Categories (with their duplicate scope and deadlines): list, create, read,
change, delete (a category still in use is refused with 409). Tickets: list
with filters, and one ticket with reporters, events and media.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from flask import jsonify, request
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from bot.web.api import (
    MAX_ID,
    MSG_NOT_FOUND,
    api_blueprint,
    authenticated,
    current_services,
    error,
    int_arg,
    unprocessable,
)
from bot.web.resources import In, Resource, register_resources, resource_paths
from models import (
    Building,
    Category,
    CategoryDeadline,
    Department,
    DepartmentCategory,
    Estate,
    EstatePlace,
    Grid,
    Rule,
    Ticket,
    TicketEvent,
    TicketMedia,
    TicketReporter,
    TicketStatus,
)

bp = api_blueprint("tickets_api", __name__)
MAX_DEADLINE_MINUTES = 366 * 24 * 60

# A deadline longer than a year is a typo (and would overflow the calendar arithmetic).
Minutes = Annotated[int, Field(ge=1, le=MAX_DEADLINE_MINUTES)]


class DeadlinesIn(In):
    """Minutes; a missing value means the configured default (tickets.* in config)."""

    accept_minutes: Minutes | None = None
    resolve_minutes: Minutes | None = None
    urgent_accept_minutes: Minutes | None = None
    urgent_resolve_minutes: Minutes | None = None
    working_hours: bool = False


class CategoryIn(In):
    slug: str = Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1, max_length=64)
    urgent: bool = False
    dedupe_scope: Literal["building", "unit"] = "building"
    deadlines: DeadlinesIn | None = Field(default=None, description="null = the configured default deadlines")


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


RESOURCES = [
    Resource("categories", Category, CategoryIn, _category_cols, _category_dict, _category_after,
             in_use=_category_in_use, fixed=("slug",), on_delete=_category_deleted),
]
register_resources(bp, RESOURCES)


def _where(s: Session, t: Ticket) -> dict[str, Any]:
    """The estate (of the building, or of a place that is no building) and the estate's named place, by code.

    Read once per request (three small queries), not per listed ticket.
    """
    if "tickets.where" not in s.info:
        s.info["tickets.where"] = (dict(s.execute(select(Building.id, Building.estate_id)).all()),
                                   dict(s.execute(select(Estate.id, Estate.code)).all()),
                                   dict(s.execute(select(EstatePlace.id, EstatePlace.code)).all()))
    buildings, estates, places = s.info["tickets.where"]
    estate_id = buildings.get(t.building_id) if t.building_id else t.estate_id
    return {"estate": estates.get(estate_id) if estate_id else None,
            "place": places.get(t.place_id) if t.place_id else None}


def ticket_dict(s: Session, t: Ticket, full: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "number": t.number, "status": t.status, "category": t.category, "location": t.location,
        "description": t.description, "urgent": t.urgent, "channel": t.channel,
        "grid": t.grid.code if t.grid else None, **_where(s, t),
        "assignee": t.assignee_id, "department": t.department.code if t.department else None,
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
    limit = int_arg("limit", 100, 1, 1000)
    assignee = int_arg("assignee", None, 1, MAX_ID)
    statuses = [v for v in (args.get("status") or "").split(",") if v]
    unknown = sorted(set(statuses) - {str(v) for v in TicketStatus})
    if unknown:
        return unprocessable([{"field": "status", "message": f"unknown status {unknown[0]!r}"}])
    for name in ("category", "grid"):
        if len(args.get(name) or "") > 64:
            return unprocessable([{"field": name, "message": "at most 64 characters"}])
    with current_services().db.session() as s:
        query = select(Ticket).options(selectinload(Ticket.grid), selectinload(Ticket.department)).order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(limit)
        if statuses:
            query = query.where(Ticket.status.in_(statuses))
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
    with current_services().db.session() as s:
        ticket = s.scalar(select(Ticket).where(Ticket.number == number.upper()))
        if ticket is None:
            return error(404, "not_found", MSG_NOT_FOUND.format(resource="ticket", id=number))
        return jsonify(ticket_dict(s, ticket, full=True))


SCHEMAS: list[type[BaseModel]] = [CategoryIn, DeadlinesIn]


def openapi_paths(ok: dict[str, Any], errors: dict[str, Any], not_found: dict[str, Any],
                  body: Any) -> dict[str, Any]:
    """The paths above, for bot/web/openapi.py."""
    paths = resource_paths(RESOURCES, ok, errors, not_found, body)
    filters = [{"name": n, "in": "query", "schema": schema} for n, schema in (
        ("status", {"type": "string", "description": "comma-separated: " + ", ".join(TicketStatus)}),
        ("category", {"type": "string", "maxLength": 64}), ("grid", {"type": "string", "maxLength": 64}),
        ("assignee", {"type": "integer", "minimum": 1, "maximum": MAX_ID}),
        ("limit", {"type": "integer", "minimum": 1, "maximum": 1000}))]
    paths["/tickets"] = {"get": {"summary": "List tickets, newest first (status may be a comma-separated list)",
                                 "parameters": filters, "responses": {"200": ok, **errors}}}
    number = [{"name": "number", "in": "path", "required": True, "schema": {"type": "string"}}]
    paths["/tickets/{number}"] = {"get": {"summary": "One ticket with reporters, events and media",
                                          "parameters": number, "responses": {"200": ok, **errors, **not_found}}}
    return paths
