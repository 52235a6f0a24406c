"""JSON API for issue 6: statistics, escalating and de-escalating by hand, the holiday table."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from flask import g, jsonify, request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from bot.delivery.outbox import Outbox
from bot.web.api import (
    MSG_NOT_FOUND,
    api_blueprint,
    authenticated,
    current_services,
    error,
    int_arg,
    parse_body,
    unprocessable,
)
from bot.workcalendar import set_day
from handlers.tickets import escalation, stats
from models import DayKind, Holiday, HolidayYear, Ticket

bp = api_blueprint("escalation_api", __name__)


class EscalateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(default="", max_length=200)


# The calendar covers years with data (chinese-calendar starts in 2004); far-off years are typos.
MIN_YEAR, MAX_YEAR = 1970, 2100
Day = Annotated[date, Field(ge=date(MIN_YEAR, 1, 1), le=date(MAX_YEAR, 12, 31))]


class HolidayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: Day
    kind: DayKind = DayKind.HOLIDAY
    name: str = Field(default="", max_length=64)


@bp.get("/stats")
@authenticated
def ticket_stats() -> Any:
    """Optional ?since=ISO datetime (tickets created since then)."""
    services = current_services()
    since = None
    if request.args.get("since"):
        try:
            since = datetime.fromisoformat(request.args["since"])
        except ValueError:
            return unprocessable([{"field": "since", "message": "must be an ISO date-time with a time zone"}])
        if since.tzinfo is None:
            return unprocessable([{"field": "since", "message": "must include a time zone"}])
        if not MIN_YEAR <= since.year <= MAX_YEAR:
            return unprocessable([{"field": "since", "message": f"year must be between {MIN_YEAR} and {MAX_YEAR}"}])
    with services.db.session() as s:
        return jsonify(stats.compute(s, services.config, services.clock.now(), since))


def _change_level(number: str, up: bool) -> Any:
    if request.get_json(silent=True) is not None:
        parse_body(EscalateIn)
    services = current_services()
    now = services.clock.now()
    with services.db.session() as s:
        ticket = s.scalar(select(Ticket).where(Ticket.number == number.upper()))
        if ticket is None:
            return error(404, "not_found", MSG_NOT_FOUND.format(resource="ticket", id=number))
        if up:
            escalation.escalate(s, Outbox(s, now), services.config, ticket, now, reason="admin", admin=g.admin)
        else:
            escalation.deescalate(s, services.config, ticket, now, admin=g.admin)
        return jsonify({"number": ticket.number, "escalation_level": ticket.escalation_level,
                        "department": ticket.department_id})


@bp.post("/tickets/<number>/escalate")
@authenticated
def escalate_ticket(number: str) -> Any:
    return _change_level(number, up=True)


@bp.post("/tickets/<number>/deescalate")
@authenticated
def deescalate_ticket(number: str) -> Any:
    return _change_level(number, up=False)


@bp.get("/holidays")
@authenticated
def list_holidays() -> Any:
    """Optional ?year=2027."""
    year = int_arg("year", None, MIN_YEAR, MAX_YEAR)
    with current_services().db.session() as s:
        query = select(Holiday).order_by(Holiday.day)
        if year is not None:
            query = query.where(Holiday.day >= date(year, 1, 1), Holiday.day <= date(year, 12, 31))
        years = {y.year: y.source for y in s.scalars(select(HolidayYear))}
        return jsonify({"holidays": [{"date": h.day.isoformat(), "kind": h.kind, "name": h.name, "source": h.source}
                                     for h in s.scalars(query)],
                        "years": years})


@bp.post("/holidays")
@authenticated
def add_holiday() -> Any:
    """Add or change one day; its year then counts as known (no more weekend fallback)."""
    body = parse_body(HolidayIn)
    services = current_services()
    with services.db.session() as s:
        row = set_day(s, body.date, body.kind.value, body.name, f"admin:{g.admin}", services.clock.now())
        return jsonify({"date": row.day.isoformat(), "kind": row.kind, "name": row.name, "source": row.source}), 201


SCHEMAS: list[type[BaseModel]] = [EscalateIn, HolidayIn]


def openapi_paths(ok: dict[str, Any], errors: dict[str, Any], not_found: dict[str, Any],
                  body: Any) -> dict[str, Any]:
    number = [{"name": "number", "in": "path", "required": True, "schema": {"type": "string"}}]
    return {
        "/stats": {"get": {
            "summary": "Tickets by status, category, grid and member; median minutes to accept and resolve; "
                       "overdue and escalated by department; satisfaction rate (default closes excluded); "
                       "calendar_missing_years lists years counted as plain weekends for lack of holiday data",
            "parameters": [{"name": "since", "in": "query", "schema": {"type": "string", "format": "date-time"}}],
            "responses": {"200": ok, **errors}}},
        "/tickets/{number}/escalate": {"post": {
            "summary": "Escalate one rung (staff → department → street office) and notify that rung",
            "parameters": number, "requestBody": body("EscalateIn"), "responses": {"200": ok, **errors, **not_found}}},
        "/tickets/{number}/deescalate": {"post": {
            "summary": "Step down one rung (nobody is messaged)",
            "parameters": number, "requestBody": body("EscalateIn"), "responses": {"200": ok, **errors, **not_found}}},
        "/holidays": {
            "get": {"summary": "Public holidays and make-up working days; years with data",
                    "parameters": [{"name": "year", "in": "query",
                                    "schema": {"type": "integer", "minimum": MIN_YEAR, "maximum": MAX_YEAR}}],
                    "responses": {"200": ok, **errors}},
            "post": {"summary": "Add or change a holiday (kind holiday) or make-up working day (kind workday)",
                     "requestBody": body("HolidayIn"), "responses": {"201": ok, **errors}}},
    }
