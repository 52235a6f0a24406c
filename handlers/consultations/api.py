"""JSON API for consultations: the staff queue of residents who asked for a person, and answering them."""

from __future__ import annotations

from typing import Any

from flask import g, jsonify, request
from pydantic import BaseModel, Field
from sqlalchemy import select

from bot.web.api import MSG_NOT_FOUND, api_blueprint, authenticated, current_services, error, parse_body
from handlers.consultations import service
from models import Consultation, ConsultationStatus

bp = api_blueprint("consultations_api", __name__)


class AnswerIn(BaseModel):
    text: str = Field(min_length=1, max_length=1000)


def consultation_dict(s: Any, c: Consultation, full: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "number": c.number, "status": c.status, "person": c.person_id, "channel": c.channel,
        "created_at": c.created_at.isoformat(), "last_message_at": c.last_message_at.isoformat(),
        "answered_at": c.answered_at.isoformat() if c.answered_at else None,
    }
    if full:
        data["messages"] = [{"at": m.at.isoformat(), "from_resident": m.from_resident, "author": m.author,
                             "text": m.text} for m in service.messages(s, c)]
    return data


@bp.get("/consultations")
@authenticated
def list_consultations() -> Any:
    """Newest first; ``status`` filters (open, answered, closed; comma-separated)."""
    with current_services().db.session() as s:
        query = select(Consultation).order_by(Consultation.last_message_at.desc(), Consultation.id.desc()).limit(200)
        statuses = [v for v in (request.args.get("status") or "").split(",") if v]
        if statuses:
            query = query.where(Consultation.status.in_(statuses))
        return jsonify({"consultations": [consultation_dict(s, c) for c in s.scalars(query)]})


@bp.get("/consultations/<number>")
@authenticated
def get_consultation(number: str) -> Any:
    with current_services().db.session() as s:
        found = service.by_number(s, number)
        if found is None:
            return error(404, "not_found", MSG_NOT_FOUND.format(resource="consultation", id=number))
        return jsonify(consultation_dict(s, found, full=True))


@bp.post("/consultations/<number>/answer")
@authenticated
def answer_consultation(number: str) -> Any:
    """Answer the resident; the answer goes through the outbox on the channel they wrote from."""
    body = parse_body(AnswerIn)
    services = current_services()
    with services.db.session() as s:
        found = service.by_number(s, number)
        if found is None:
            return error(404, "not_found", MSG_NOT_FOUND.format(resource="consultation", id=number))
        if found.status == ConsultationStatus.CLOSED:
            return error(409, "closed", f"consultation {found.number} is closed")
        from bot.delivery.outbox import Outbox

        now = services.clock.now()
        service.answer(s, Outbox(s, now), found, body.text, now, author=f"admin:{g.admin}", author_id=None)
        return jsonify(consultation_dict(s, found, full=True))


@bp.post("/consultations/<number>/close")
@authenticated
def close_consultation(number: str) -> Any:
    services = current_services()
    with services.db.session() as s:
        found = service.by_number(s, number)
        if found is None:
            return error(404, "not_found", MSG_NOT_FOUND.format(resource="consultation", id=number))
        service.close(found, services.clock.now())
        return jsonify(consultation_dict(s, found))


SCHEMAS: list[type[BaseModel]] = [AnswerIn]


def openapi_paths(ok: dict[str, Any], errors: dict[str, Any], not_found: dict[str, Any], body: Any) -> dict[str, Any]:
    number = [{"name": "number", "in": "path", "required": True, "schema": {"type": "string", "maxLength": 32}}]
    status = [{"name": "status", "in": "query", "schema": {"type": "string"}}]
    return {
        "/consultations": {"get": {"summary": "Residents who asked for a person, newest first", "parameters": status,
                                   "responses": {"200": ok, **errors}}},
        "/consultations/{number}": {"get": {"summary": "One consultation with its messages", "parameters": number,
                                            "responses": {"200": ok, **errors, **not_found}}},
        "/consultations/{number}/answer": {"post": {"summary": "Answer the resident (sent through the outbox)",
                                                    "parameters": number, "requestBody": body("AnswerIn"),
                                                    "responses": {"200": ok, **errors, **not_found}}},
        "/consultations/{number}/close": {"post": {"summary": "Close a consultation", "parameters": number,
                                                   "responses": {"200": ok, **errors, **not_found}}},
    }
