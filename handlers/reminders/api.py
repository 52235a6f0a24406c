"""JSON API for reminders: staff schedule a message to a building, 小区, grid or group robot; everyone's listed.

    POST /api/v1/reminders/preview   who it reaches, on which channel, at each send time (nothing saved)
    POST /api/v1/reminders           schedule it: {"text", "to": {"building": "xfl-3"}, "when": "下周三晚上7点",
                                     "lead": ["1d", "1h"]} — one send per lead time (a series), or at the time
    GET  /api/v1/reminders           ?status=active|done|missed|cancelled|all, ?kind=staff|resident, ?series=
    GET  /api/v1/reminders/<id>
    DELETE /api/v1/reminders/<id>    cancel one (a resident's too); ?series=1 cancels its whole series

The time is ``at`` (ISO 8601 with a zone) or ``when`` in Chinese, read by the
same parser as residents' messages; the answer always states the resolved
times so a misread is visible before anything is sent.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import g, jsonify, request
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import Config
from bot.web.api import MSG_NOT_FOUND, api_blueprint, authenticated, current_services, error, parse_body, unprocessable
from handlers.reminders import audience, service
from models import Reminder, ReminderStatus
from nlp.timeparse import Moment, parse_time

bp = api_blueprint("reminders_api", __name__)

LEAD = re.compile(r"^(\d{1,5})([mhd]?)$")
LEAD_MINUTES = {"": 1, "m": 1, "h": 60, "d": 1440}
MAX_LIST = 500


class AudienceIn(BaseModel):
    """Exactly one of: a building, estate (小区) or grid code, or a group robot's name from ``robots``."""

    model_config = ConfigDict(extra="forbid")

    building: str | None = Field(default=None, max_length=64)
    estate: str | None = Field(default=None, max_length=64)
    grid: str | None = Field(default=None, max_length=64)
    robot: str | None = Field(default=None, max_length=64)

    @model_validator(mode="after")
    def _exactly_one(self) -> AudienceIn:
        if sum(v is not None for v in (self.building, self.estate, self.grid, self.robot)) != 1:
            raise ValueError("give exactly one of building, estate, grid, robot")
        return self

    @property
    def kind_code(self) -> tuple[str, str]:
        for kind in (*audience.PLACES, audience.ROBOT):
            value = getattr(self, kind)
            if value is not None:
                return kind, value
        raise AssertionError("validated")


class StaffReminderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=1000, description="The message, as residents will read it")
    to: AudienceIn
    at: datetime | None = Field(default=None, description="The time (of the event), ISO 8601 with a zone")
    when: str | None = Field(default=None, max_length=200, description="The time in Chinese, read like a resident's message")
    lead: list[str] = Field(default=[], max_length=6,
                            description="Send this long before the time: 1d, 2h, 30m (0 = at the time); "
                                        "empty = once, at the time")

    @model_validator(mode="after")
    def _one_time(self) -> StaffReminderIn:
        if (self.at is None) == (self.when is None):
            raise ValueError("give exactly one of at, when")
        if self.at is not None and self.at.tzinfo is None:
            raise ValueError("at must include a time zone")
        return self


class _Invalid(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def _event_time(body: StaffReminderIn, s: Session, config: Config, now: datetime) -> datetime:
    if body.at is not None:
        return body.at.astimezone(UTC)
    result = parse_time(body.when or "", now.astimezone(config.tz), is_workday=service.Workdays(s, config, now))
    if result is None:
        raise _Invalid("when", f"no time found in {body.when!r}")
    if not isinstance(result.when, Moment):
        raise _Invalid("when", "a staff reminder is sent at one time (lead times for several); repeats are not supported")
    return result.first.astimezone(UTC)


def _leads(body: StaffReminderIn) -> list[int]:
    minutes = []
    for index, item in enumerate(body.lead):
        found = LEAD.match(item.strip().lower())
        if found is None:
            raise _Invalid(f"lead.{index}", f"{item!r} is not a lead time like 1d, 2h, 30m or 0")
        minutes.append(int(found.group(1)) * LEAD_MINUTES[found.group(2)])
    return sorted(set(minutes), reverse=True)


def _plan(body: StaffReminderIn, s: Session, config: Config, now: datetime) -> tuple[datetime, list[tuple[int | None, datetime]]]:
    """The event time and each (lead minutes, send time); refuses an unknown audience or a send time in the past."""
    kind, code = body.to.kind_code
    if kind == audience.ROBOT:
        if code not in config.robots:
            raise _Invalid("to.robot", f"no group robot named {code!r} in the configuration (robots)")
    elif not audience.place_exists(s, kind, code):
        raise _Invalid(f"to.{kind}", f"no {kind} with code {code!r}")
    event = _event_time(body, s, config, now)
    leads = _leads(body)
    sends: list[tuple[int | None, datetime]] = [(m, event - timedelta(minutes=m)) for m in leads] or [(None, event)]
    for lead, at in sends:
        if at <= now:
            field = "lead" if lead else ("at" if body.at is not None else "when")
            local = at.astimezone(config.tz).isoformat(timespec="minutes")
            raise _Invalid(field, f"the send time {local} is in the past")
    return event, sends


def _row(r: Reminder, config: Config) -> dict[str, Any]:
    def iso(at: datetime | None) -> str | None:
        return at.astimezone(config.tz).isoformat() if at else None

    if r.recipient is not None and r.channel == audience.ROBOT_CHANNEL:
        to: dict[str, Any] = {"robot": r.recipient}
    elif r.recipient is not None:
        to = {"channel": r.channel, "recipient": r.recipient}
    else:
        to = {r.audience_kind or "": r.audience_code}
    return {"id": r.id, "kind": "resident" if r.number is not None else "staff", "number": r.number, "text": r.text,
            "to": to, "status": r.status, "next_due_at": iso(r.next_due_at), "repeat": r.repeat,
            "rule": service.rule_text(r.repeat) if r.repeat else None, "event_at": iso(r.event_at),
            "lead_minutes": r.lead_minutes, "series": r.series, "sent_count": r.sent_count,
            "last_due_at": iso(r.last_due_at), "created_by": r.created_by, "created_at": iso(r.created_at)}


@bp.post("/reminders/preview")
@authenticated
def preview_reminder() -> Any:
    """Who the reminder would reach, per send time and channel; nothing is saved."""
    body = parse_body(StaffReminderIn)
    services = current_services()
    now = services.clock.now()
    with services.db.session() as s:
        try:
            event, sends = _plan(body, s, services.config, now)
        except _Invalid as exc:
            return unprocessable([{"field": exc.field, "message": exc.message}])
        kind, code = body.to.kind_code
        return jsonify({"event_at": event.astimezone(services.config.tz).isoformat(),
                        "sends": audience.preview(s, services.config, kind, code, [at for _, at in sends])})


@bp.post("/reminders")
@authenticated
def schedule_reminder() -> Any:
    """Schedule the message: one row per send time, sharing a series; answers the rows and the preview."""
    body = parse_body(StaffReminderIn)
    services = current_services()
    config = services.config
    now = services.clock.now()
    with services.db.session() as s:
        try:
            event, sends = _plan(body, s, config, now)
        except _Invalid as exc:
            return unprocessable([{"field": exc.field, "message": exc.message}])
        kind, code = body.to.kind_code
        series = uuid.uuid4().hex
        rows = []
        for lead, at in sends:
            row = Reminder(number=None, text=body.text.strip(), status=ReminderStatus.ACTIVE, next_due_at=at,
                           event_at=event if lead is not None else None, lead_minutes=lead, series=series,
                           sent_count=0, created_by=f"admin:{g.admin}", created_at=now, updated_at=now)
            if kind == audience.ROBOT:
                row.channel, row.account, row.recipient = audience.ROBOT_CHANNEL, audience.ROBOT, code
            else:
                row.audience_kind, row.audience_code = kind, code
            s.add(row)
            rows.append(row)
        s.flush()
        return jsonify({"series": series, "event_at": event.astimezone(config.tz).isoformat(),
                        "reminders": [_row(r, config) for r in rows],
                        "preview": audience.preview(s, config, kind, code, [at for _, at in sends])}), 201


@bp.get("/reminders")
@authenticated
def list_all_reminders() -> Any:
    """Reminders, soonest first: ?status= (default active; all), ?kind=staff|resident, ?series=."""
    services = current_services()
    status = request.args.get("status", ReminderStatus.ACTIVE)
    if status != "all" and status not in set(ReminderStatus):
        return unprocessable([{"field": "status", "message": "one of active, done, missed, cancelled, all"}])
    query = select(Reminder).order_by(Reminder.next_due_at, Reminder.id).limit(MAX_LIST)
    if status != "all":
        query = query.where(Reminder.status == status)
    kind = request.args.get("kind")
    if kind == "staff":
        query = query.where(Reminder.number.is_(None))
    elif kind == "resident":
        query = query.where(Reminder.number.is_not(None))
    elif kind:
        return unprocessable([{"field": "kind", "message": "one of staff, resident"}])
    if request.args.get("series"):
        query = query.where(Reminder.series == request.args["series"])
    with services.db.session() as s:
        return jsonify({"reminders": [_row(r, services.config) for r in s.scalars(query)]})


@bp.get("/reminders/<int:reminder_id>")
@authenticated
def get_reminder(reminder_id: int) -> Any:
    services = current_services()
    with services.db.session() as s:
        row = s.get(Reminder, reminder_id)
        if row is None:
            return error(404, "not_found", MSG_NOT_FOUND.format(resource="reminder", id=reminder_id))
        return jsonify(_row(row, services.config))


@bp.delete("/reminders/<int:reminder_id>")
@authenticated
def cancel_reminder(reminder_id: int) -> Any:
    """Cancel one reminder (?series=1: every active one of its series); a finished one is left as it is."""
    services = current_services()
    now = services.clock.now()
    with services.db.session() as s:
        row = s.get(Reminder, reminder_id)
        if row is None:
            return error(404, "not_found", MSG_NOT_FOUND.format(resource="reminder", id=reminder_id))
        rows = [row]
        if request.args.get("series") in ("1", "true") and row.series:
            rows = list(s.scalars(select(Reminder).where(Reminder.series == row.series)))
        for r in rows:
            if r.status == ReminderStatus.ACTIVE or (r.last_due_at is not None and r.last_due_at > now):
                service.cancel(s, r, now)
        return jsonify({"reminders": [_row(r, services.config) for r in rows]})


SCHEMAS: list[type[BaseModel]] = [StaffReminderIn]


def openapi_paths(ok: dict[str, Any], errors: dict[str, Any], not_found: dict[str, Any], body: Any) -> dict[str, Any]:
    """The paths above, for bot/web/openapi.py."""
    rid = [{"name": "reminder_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
    query = [{"name": n, "in": "query", "schema": {"type": "string"}} for n in ("status", "kind", "series")]
    return {
        "/reminders/preview": {"post": {
            "summary": "How many people a staff reminder reaches at each send time, per channel (Official Account "
                       "customer-service message, its template outside the 48-hour window, WeCom app, group robot), "
                       "and how many it cannot reach and why; nothing is saved",
            "requestBody": body("StaffReminderIn"), "responses": {"200": ok, **errors}}},
        "/reminders": {
            "post": {"summary": "Schedule a message to the residents of a building, estate or grid, or to a group "
                                "robot, at a time or with lead times (one reminder per lead time, sharing a series)",
                     "requestBody": body("StaffReminderIn"), "responses": {"201": ok, **errors}},
            "get": {"summary": "Reminders, soonest first (default: active ones of residents and staff)",
                    "parameters": query, "responses": {"200": ok, **errors}}},
        "/reminders/{reminder_id}": {
            "get": {"summary": "One reminder", "parameters": rid, "responses": {"200": ok, **errors, **not_found}},
            "delete": {"summary": "Cancel a reminder (?series=1: its whole series)",
                       "parameters": [*rid, {"name": "series", "in": "query", "schema": {"type": "string"}}],
                       "responses": {"200": ok, **errors, **not_found}}},
    }
