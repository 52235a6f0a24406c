"""The reminders pages: every reminder (staff's and residents') with cancel, and a form that schedules a
staff reminder to a building, 小区, grid or group robot after showing whom it reaches at each send time.

The time is read like a resident's message (``nlp.timeparse``), so "下周三晚上7点" works; the page
states the resolved times before anything is saved.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import Config
from bot.dialog.capability import AdminPage
from bot.web.admin import audit
from bot.web.admin.access import admin_blueprint, allow, is_htmx, now, services, viewer
from handlers.reminders import audience, service
from handlers.reminders.admin import texts
from handlers.reminders.api import LEAD, LEAD_MINUTES
from models import Building, Estate, Grid, Reminder, ReminderStatus
from nlp.timeparse import Moment, parse_time

bp = admin_blueprint("reminders_admin", __name__, url_prefix="/admin/reminders")
ROLES = ("staff",)
MAX_TEXT = 1000


class Refused(Exception):
    """The form cannot be scheduled; the message says why."""


def plan(s: Session, config: Config, form: Any, at: datetime) -> tuple[str, str, datetime, list[tuple[int | None, datetime]]]:
    """(audience kind, code, event time, [(lead minutes, send time)]) from the form."""
    kind, code = form.get("kind", ""), (form.get("code") or "").strip()
    if kind == audience.ROBOT:
        if code not in config.robots:
            raise Refused(texts.BAD_AUDIENCE.format(kind=texts.AUDIENCE_KINDS[kind], code=code))
    elif kind not in audience.PLACES or not audience.place_exists(s, kind, code):
        raise Refused(texts.BAD_AUDIENCE.format(kind=texts.AUDIENCE_KINDS.get(kind, kind), code=code))
    when = (form.get("when") or "").strip()[:200]
    result = parse_time(when, at.astimezone(config.tz), is_workday=service.Workdays(s, config, at)) if when else None
    if result is None:
        raise Refused(texts.NO_TIME.format(when=when))
    if not isinstance(result.when, Moment):
        raise Refused(texts.NO_REPEAT)
    event = result.first.astimezone(UTC)
    minutes = []
    for lead in (form.get("lead") or "").replace("，", " ").replace(",", " ").split():
        found = LEAD.match(lead.strip().lower())
        if found is None:
            raise Refused(texts.BAD_LEAD.format(lead=lead))
        minutes.append(int(found.group(1)) * LEAD_MINUTES[found.group(2)])
    sends: list[tuple[int | None, datetime]] = [(m, event - timedelta(minutes=m)) for m in sorted(set(minutes),
                                                                                                  reverse=True)]
    sends = sends or [(None, event)]
    for _, send_at in sends:
        if send_at <= at:
            raise Refused(texts.PAST.format(at=send_at.astimezone(config.tz).strftime("%Y-%m-%d %H:%M")))
    return kind, code, event, sends


def _places(s: Session) -> dict[str, list[tuple[str, str]]]:
    buildings = s.execute(select(Building.code, Estate.name, Building.number).join(
        Estate, Estate.id == Building.estate_id).order_by(Building.code)).all()
    return {
        "building": [(code, texts.BUILDING_NAME.format(estate=estate, number=number))
                     for code, estate, number in buildings],
        "estate": list(s.execute(select(Estate.code, Estate.name).order_by(Estate.code)).all()),
        "grid": list(s.execute(select(Grid.code, Grid.name).order_by(Grid.code)).all()),
        "robot": [(name, name) for name in services().config.robots],
    }


@bp.get("")
@allow(*ROLES)
def reminders() -> Any:
    status = request.args.get("status", ReminderStatus.ACTIVE)
    kind = request.args.get("kind", "")
    query = select(Reminder).order_by(Reminder.next_due_at, Reminder.id).limit(500)
    if status in set(ReminderStatus):
        query = query.where(Reminder.status == status)
    if kind == "staff":
        query = query.where(Reminder.number.is_(None))
    elif kind == "resident":
        query = query.where(Reminder.number.is_not(None))
    with services().db.session() as s:
        rows = list(s.scalars(query))
        places = _places(s)
        # The audience in words (幸福里小区3栋, 第二网格); a code no longer on file is shown as it is.
        names = {(k, code): name for k, options in places.items() for code, name in options}
        return render_template("reminders_admin/list.html", rows=rows, status=status, kind=kind, tx=texts,
                               places=places, names=names, rule_text=service.rule_text)


@bp.post("/preview")
@allow(*ROLES)
def preview() -> Any:
    svc = services()
    with svc.db.session() as s:
        try:
            kind, code, event, sends = plan(s, svc.config, request.form, now())
        except Refused as exc:
            return render_template("reminders_admin/_preview.html", error=str(exc))
        rows = audience.preview(s, svc.config, kind, code, [at for _, at in sends])
    return render_template("reminders_admin/_preview.html", rows=rows, event=event, tx=texts, error=None)


@bp.post("")
@allow(*ROLES)
def schedule() -> Any:
    svc = services()
    text = (request.form.get("text") or "").strip()
    at = now()
    if not text or len(text) > MAX_TEXT:
        flash(texts.NEED_TEXT, "error")
        return redirect(url_for("reminders_admin.reminders"))
    with svc.db.session() as s:
        try:
            kind, code, event, sends = plan(s, svc.config, request.form, at)
        except Refused as exc:
            flash(str(exc), "error")
            return redirect(url_for("reminders_admin.reminders"))
        series = uuid.uuid4().hex
        for lead, send_at in sends:
            row = Reminder(number=None, text=text, status=ReminderStatus.ACTIVE, next_due_at=send_at,
                           event_at=event if lead is not None else None, lead_minutes=lead, series=series,
                           sent_count=0, created_by=f"admin:{viewer().username}", created_at=at, updated_at=at)
            if kind == audience.ROBOT:
                row.channel, row.account, row.recipient = audience.ROBOT_CHANNEL, audience.ROBOT, code
            else:
                row.audience_kind, row.audience_code = kind, code
            s.add(row)
        s.flush()
        when = event.astimezone(svc.config.tz).strftime("%Y-%m-%d %H:%M")
        audit.record(s, "reminder.schedule", target_type="reminder_series", target_id=series, summary=text[:255],
                     after={"to": {kind: code}, "event_at": event.isoformat(), "sends": [a.isoformat() for _, a in sends]})
        flash(texts.SCHEDULED.format(count=len(sends), when=when))
    return redirect(url_for("reminders_admin.reminders", kind="staff"))


@bp.post("/<int:reminder_id>/cancel")
@allow(*ROLES)
def cancel(reminder_id: int) -> Any:
    at = now()
    with services().db.session() as s:
        row = s.get(Reminder, reminder_id)
        if row is None:
            return redirect(url_for("reminders_admin.reminders"))
        rows = list(s.scalars(select(Reminder).where(Reminder.series == row.series))) if row.series else [row]
        done = 0
        for r in rows:
            if r.status == ReminderStatus.ACTIVE:
                service.cancel(s, r, at)
                done += 1
        audit.record(s, "reminder.cancel", target_type="reminder", target_id=reminder_id, summary=row.text[:255],
                     before={"status": "active"}, after={"status": "cancelled", "count": done})
        flash(texts.CANCELLED.format(count=done))
    if is_htmx():
        return "", 204
    return redirect(request.referrer or url_for("reminders_admin.reminders"))


MENU = (AdminPage(texts.MENU, "reminders_admin.reminders", ROLES, order=35),)
