"""The ticket actions of the web UI on the JSON API: POST /api/v1/tickets/<number>/actions, and bulk.

Same rules as the pages: the token's account acts with its role (a 网格员 only on its
grids' tickets, and only 接单 / 完成 / notes), every change is written to the ticket's
history and the audit log, and residents hear of it through the outbox.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from flask import g, jsonify
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from bot.web.admin.access import Viewer
from bot.web.api import MSG_NOT_FOUND, api_blueprint, authenticated, current_services, error, parse_body
from handlers.tickets import service
from handlers.tickets.admin import scope
from handlers.tickets.admin.views import apply_action
from models import AdminUser

bp = api_blueprint("tickets_actions_api", __name__)
_NUMBER = re.compile(r"^[Tt]\d{8}-\d{4,9}$")
Action = Literal["assign", "transfer", "escalate", "deescalate", "category", "close", "note", "note_public",
                 "accept", "complete", "report_in", "merge", "split", "place"]


class TicketActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Action
    note: str = Field(default="", max_length=1000, pattern=r"^[^\x00]*$",
                      description="close / note / note_public: the text (required)")
    person: int | None = Field(default=None, ge=1, le=2**31 - 1,
                               description="assign / transfer: the person id; split: the joined reporter's person id")
    department: int | None = Field(default=None, ge=1, le=2**31 - 1, description="transfer: the department id")
    category: str | None = Field(default=None, max_length=64, pattern=r"^[a-z][a-z0-9_]*$",
                                 description="category: the new category slug")
    into: str | None = Field(default=None, max_length=32, pattern=r"^[Tt]\d{8}-\d{4,9}$",
                             description="merge: the number of the ticket this duplicate is merged into")
    estate: int | None = Field(default=None, ge=1, le=2**31 - 1, description="place: the estate id (required)")
    building: str | None = Field(default=None, max_length=16, pattern=r"^[^\x00]*$",
                                 description="place: the building number in that estate (3, B)")
    unit: str | None = Field(default=None, max_length=16, pattern=r"^[^\x00]*$",
                             description="place: the unit (needs a building)")
    room: str | None = Field(default=None, max_length=16, pattern=r"^[^\x00]*$",
                             description="place: the room number, digits or letters (needs a building)")
    spot: str | None = Field(default=None, max_length=40, pattern=r"^[^\x00]*$",
                             description="place: where in words (the stairwell, a garage entrance), after the address")
    reassign: bool = Field(default=False, description="place: the new place's grid and on-duty member take it over")


class BulkActionIn(TicketActionIn):
    numbers: list[Annotated[str, Field(max_length=32)]] = Field(min_length=1, max_length=200)


def _who(session: Any) -> Viewer | None:
    user = session.scalar(select(AdminUser).where(AdminUser.username == g.admin))
    if user is None or not user.active:
        return None
    return Viewer(user.id, user.username, user.display_name or user.username, user.role, user.person_id)


def _act(session: Any, number: str, body: TicketActionIn, who: Viewer) -> tuple[dict[str, Any], int]:
    """(the answer, its HTTP status: 200 done, 404 unknown or out of the account's scope, 409 refused,
    422 a merge refused: these two tickets are not one matter)."""
    services = current_services()
    ticket = service.ticket_by_number(session, number) if _NUMBER.match(number) else None
    allowed = scope.scope_of(session, services.config, who.role, who.person_id)
    if ticket is None or not allowed.allows(ticket):
        return {"number": number, "done": False, "message": MSG_NOT_FOUND.format(resource="ticket", id=number)}, 404
    form = MultiDict({k: str(v) for k, v in body.model_dump(exclude={"action", "numbers"}).items() if v is not None})
    savepoint = session.begin_nested()
    message, ok = apply_action(session, ticket, body.action, form, services.clock.now(), who)
    (savepoint.commit if ok else savepoint.rollback)()
    return {"number": ticket.number, "done": ok, "message": message, "status": ticket.status,
            "escalation_level": ticket.escalation_level}, 200 if ok else (422 if body.action == "merge" else 409)


@bp.post("/tickets/<number>/actions")
@authenticated
def ticket_action(number: str) -> Any:
    """One action; 200 with the ticket's new status, 409 with the reason when it was refused."""
    body = parse_body(TicketActionIn)
    with current_services().db.session() as s:
        who = _who(s)
        if who is None:
            return error(403, "forbidden", "the account is deactivated")
        answer, status = _act(s, number, body, who)
        if status == 404:
            return error(404, "not_found", answer["message"])
        if status == 200:
            return jsonify(answer), 200
        return error(status, "refused", answer["message"])


@bp.post("/tickets/actions")
@authenticated
def bulk_action() -> Any:
    """The same action on several tickets; each answers for itself."""
    body = parse_body(BulkActionIn)
    with current_services().db.session() as s:
        who = _who(s)
        if who is None:
            return error(403, "forbidden", "the account is deactivated")
        return jsonify({"results": [_act(s, number, body, who)[0] for number in dict.fromkeys(body.numbers)]})


SCHEMAS: list[type[BaseModel]] = [TicketActionIn, BulkActionIn]


def openapi_paths(ok: dict[str, Any], errors: dict[str, Any], not_found: dict[str, Any], body: Any) -> dict[str, Any]:
    number = [{"name": "number", "in": "path", "required": True, "schema": {"type": "string"}}]
    refused = {"409": {"description": "refused (the message says why; nothing changed)",
                       "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}
    refused["422"] = {"description": "a merge refused (the target is closed, or another estate, urgency or category)",
                      "content": refused["409"]["content"]}
    return {
        "/tickets/{number}/actions": {"post": {
            "summary": "Act on a ticket as in the web UI: assign, transfer, escalate, deescalate, category, close, "
                       "note, note_public, accept, complete, report_in, merge (into), split (person) "
                       "(roles and scope as the account's)",
            "parameters": number, "requestBody": body("TicketActionIn"),
            "responses": {"200": ok, **errors, **not_found, **refused}}},
        "/tickets/actions": {"post": {
            "summary": "The same action on several tickets (numbers); one result per ticket",
            "requestBody": body("BulkActionIn"), "responses": {"200": ok, **errors}}},
    }
