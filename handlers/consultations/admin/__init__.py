"""The consultations queue in the web UI: staff read what residents asked a person, answer (through the
outbox, on the channel the resident used) and close; the dashboard shows how many wait."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from bot.delivery.outbox import Outbox
from bot.dialog.capability import AdminPage, DashboardPanel
from bot.web.admin import audit
from bot.web.admin.access import admin_blueprint, allow, now, services, viewer
from handlers.consultations import service
from handlers.consultations.admin import texts
from models import Consultation, ConsultationStatus, Person

bp = admin_blueprint("consultations_admin", __name__, url_prefix="/admin/consultations")
MAX_ANSWER = 1000


@bp.get("")
@allow("staff")
def queue() -> Any:
    status = request.args.get("status", "open")
    with services().db.session() as s:
        query = select(Consultation).order_by(Consultation.last_message_at.desc(), Consultation.id.desc()).limit(200)
        if status in ("open", "answered", "closed"):
            query = query.where(Consultation.status == status)
        rows = list(s.scalars(query))
        people = {p.id: p for p in s.scalars(select(Person).where(Person.id.in_({c.person_id for c in rows})))}
        latest = {c.id: next((m for m in reversed(service.messages(s, c)) if m.from_resident), None) for c in rows}
        counts = dict(s.execute(select(Consultation.status, func.count()).group_by(Consultation.status)).all())
        return render_template("consultations_admin/queue.html", rows=rows, people=people, latest=latest,
                               status=status, counts=counts, tx=texts)


@bp.get("/<number>")
@allow("staff")
def consultation(number: str) -> Any:
    with services().db.session() as s:
        found = service.by_number(s, number)
        if found is None:
            return render_template("admin/error.html", message=texts.NOT_FOUND), 404
        person = s.get(Person, found.person_id)
        return render_template("consultations_admin/detail.html", c=found, person=person,
                               messages=service.messages(s, found), tx=texts, max_answer=MAX_ANSWER)


@bp.post("/<number>")
@allow("staff")
def act(number: str) -> Any:
    text = (request.form.get("text") or "").strip()
    at = now()
    who = viewer()
    with services().db.session() as s:
        found = service.by_number(s, number)
        if found is None:
            return render_template("admin/error.html", message=texts.NOT_FOUND), 404
        before = audit.snapshot(found, ["status", "answered_at", "closed_at"])
        if request.form.get("action") == "close":
            service.close(found, at)
            flash(texts.CLOSED.format(number=found.number))
        elif found.status == ConsultationStatus.CLOSED:
            flash(texts.CLOSED_ALREADY.format(number=found.number), "error")
            return redirect(url_for("consultations_admin.consultation", number=number))
        elif not text or len(text) > MAX_ANSWER:
            flash(texts.EMPTY_ANSWER, "error")
            return redirect(url_for("consultations_admin.consultation", number=number))
        else:
            service.answer(s, Outbox(s, at), found, text, at, author=f"admin:{who.username}", author_id=who.person_id)
            flash(texts.ANSWERED.format(number=found.number))
        audit.record(s, f"consultation.{request.form.get('action') or 'answer'}", target_type="consultation",
                     target_id=found.number, summary=text[:255], before=before,
                     after=audit.snapshot(found, ["status", "answered_at", "closed_at"]))
    return redirect(url_for("consultations_admin.consultation", number=number))


def render_panel(view: Any) -> str:
    with view.services.db.session() as s:
        waiting = s.scalar(select(func.count()).select_from(Consultation).where(
            Consultation.status == ConsultationStatus.OPEN)) or 0
        oldest = s.scalar(select(func.min(Consultation.last_message_at)).where(
            Consultation.status == ConsultationStatus.OPEN))
    minutes = int((view.now - oldest).total_seconds() // 60) if oldest else None
    return render_template("consultations_admin/panel.html", waiting=waiting, minutes=minutes)


MENU = (AdminPage(texts.MENU, "consultations_admin.queue", ("staff",), order=20),)
PANEL = DashboardPanel(render_panel, ("staff",), order=20)
