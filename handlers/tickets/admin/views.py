"""The tickets pages: the list (views, filters, search, bulk actions, CSV), one ticket's whole story and its actions."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from flask import Response, flash, redirect, render_template, request, send_file, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.delivery.outbox import Outbox
from bot.errors import UserFacingError
from bot.web.admin import audit
from bot.web.admin.access import Viewer, admin_blueprint, allow, forbidden, is_htmx, now, services, viewer
from handlers.community.people import display_name, mask_phone, roles_of
from handlers.tickets import escalation, service
from handlers.tickets import texts as ticket_texts
from handlers.tickets.admin import actions, merge, place, scope, texts
from models import (
    Building,
    Category,
    Department,
    Estate,
    Grid,
    GridMember,
    Identity,
    OutboxMessage,
    Person,
    Staff,
    Ticket,
    TicketAlert,
    TicketMedia,
    TicketStatus,
)

bp = admin_blueprint("tickets_admin", __name__, url_prefix="/admin/tickets")
WORKERS = ("staff", "grid", "department")
STAFF_ACTIONS = {"assign", "transfer", "escalate", "deescalate", "category", "close", "merge", "split", "place"}
PERSON_ACTIONS = {"accept", "complete", "report_in"}


def _scope(s: Session) -> scope.Scope:
    who = viewer()
    return scope.scope_of(s, services().config, who.role, who.person_id)


def _choices(s: Session) -> dict[str, Any]:
    members = s.execute(select(Person.id, Person.name, Person.code).where(
        Person.id.in_(select(GridMember.person_id).union(select(Staff.person_id)))).order_by(Person.code)).all()
    return {
        "categories": list(s.execute(select(Category.slug, Category.name).order_by(Category.name)).all()),
        "grids": list(s.execute(select(Grid.id, Grid.name).order_by(Grid.code)).all()),
        "estates": list(s.execute(select(Estate.id, Estate.name).order_by(Estate.code)).all()),
        "departments": list(s.execute(select(Department.id, Department.name).order_by(Department.code)).all()),
        "workers": [(pid, name or code or str(pid)) for pid, name, code in members],
        "views": texts.VIEWS, "statuses": texts.STATUS_NAMES,
    }


def _category_names(s: Session) -> dict[str, str]:
    return dict(s.execute(select(Category.slug, Category.name)).all())


# -- the list ------------------------------------------------------------------------------------


@bp.get("")
@allow(*WORKERS)
def tickets() -> Any:
    args = request.args
    page = max(args.get("page", 1, type=int) or 1, 1)
    svc = services()
    at = now()
    with svc.db.session() as s:
        query = scope.ticket_query(_scope(s), args, svc.config, at)
        total = s.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
        rows = list(s.scalars(query.offset((page - 1) * scope.PAGE_SIZE).limit(scope.PAGE_SIZE)))
        overdue_ids = set(s.scalars(select(Ticket.id).where(escalation.overdue_condition(at),
                                                            Ticket.id.in_([t.id for t in rows]))))
        context = {
            "rows": rows, "total": total, "page": page, "pages": max(1, -(-total // scope.PAGE_SIZE)),
            "names": scope.names_of(s, {t.assignee_id for t in rows} | {t.reporter_id for t in rows}),
            "category_names": _category_names(s), "overdue_ids": overdue_ids, "args": args, "tx": texts,
            "view": args.get("view", "open"), **_choices(s),
        }
        if is_htmx() and request.headers.get("HX-Target") == "ticket-results":
            return render_template("tickets_admin/_results.html", **context)
        return render_template("tickets_admin/list.html", **context)


@bp.get("/export.csv")
@allow(*WORKERS)
def export() -> Response:
    """The filtered list (every page) as CSV, with a byte-order mark so spreadsheet programs read the Chinese."""
    svc = services()
    with svc.db.session() as s:
        query = scope.ticket_query(_scope(s), request.args, svc.config, now()).limit(scope.EXPORT_LIMIT)
        rows = list(s.scalars(query))
        names = scope.names_of(s, {t.assignee_id for t in rows} | {t.reporter_id for t in rows})
        categories = _category_names(s)
        overdue_ids = set(s.scalars(select(Ticket.id).where(escalation.overdue_condition(now()))))
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(texts.CSV_HEADER)
        tz = svc.config.tz
        fmt = "%Y-%m-%d %H:%M"
        for t in rows:
            writer.writerow([
                t.number, texts.STATUS_CLOSED_UNRESOLVED if service.closed_unresolved(t) else texts.STATUS_NAMES.get(t.status, t.status),
                categories.get(t.category, t.category),
                texts.YES if t.urgent else texts.NO, t.location, t.description, names.get(t.reporter_id, ""),
                t.grid.name if t.grid else "", names.get(t.assignee_id or 0, ""),
                t.department.name if t.department else "", texts.LEVEL_NAMES.get(t.escalation_level, ""),
                texts.YES if (t.overdue or t.id in overdue_ids) else texts.NO,
                t.created_at.astimezone(tz).strftime(fmt),
                t.accepted_at.astimezone(tz).strftime(fmt) if t.accepted_at else "",
                t.done_at.astimezone(tz).strftime(fmt) if t.done_at else "",
                ticket_texts.RATING_NAMES.get(t.rating or "", ""),
            ])
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={texts.CSV_FILENAME}"})


# -- one ticket ----------------------------------------------------------------------------------


def _ticket(s: Session, number: str) -> Ticket | None:
    return service.ticket_by_number(s, number)


def _timeline(s: Session, ticket: Ticket) -> list[dict[str, Any]]:
    """Events, photos and every message sent about the ticket, in time order."""
    items: list[dict[str, Any]] = []
    for e in service.events_of(s, ticket):
        name = texts.EVENT_NAMES.get(e.kind) or escalation.event_name(e)
        if e.kind == "closed" and (e.data or {}).get("via") == "chat":  # 关闭 T… 原因: nothing was done
            name = texts.EVENT_CLOSED_UNRESOLVED
        items.append({"at": e.at, "kind": e.kind, "title": name, "who": service.actor_name(e), "note": e.note,
                      "internal": e.kind == "note", "data": e.data or {}})
    for m in s.scalars(select(TicketMedia).where(TicketMedia.ticket_id == ticket.id).order_by(TicketMedia.id)):
        items.append({"at": m.created_at, "kind": "media", "title": m.kind, "who": "", "note": "", "media": m,
                      "internal": False, "data": m.data or {}})
    alerted = s.execute(select(TicketAlert, Person.name).join(Person, Person.id == TicketAlert.person_id)
                        .where(TicketAlert.ticket_id == ticket.id).order_by(TicketAlert.id)).all()
    for alert, name in alerted:
        items.append({"at": alert.alerted_at, "kind": "alert", "title": alert.rung, "who": name or "",
                      "note": "", "internal": False, "data": {"acknowledged_at": alert.acknowledged_at,
                                                               "via": alert.via or ""}})
    key = f"ticket:{ticket.number}:%"
    sent = list(s.scalars(select(OutboxMessage).where(OutboxMessage.idempotency_key.like(key)).order_by(OutboxMessage.id)))
    people = {value: display_name(person) for value, person in s.execute(
        select(Identity.value, Person).join(Person, Person.id == Identity.person_id)
        .where(Identity.value.in_({o.recipient for o in sent})))}
    for o in sent:
        who = texts.SENT_TO.format(name=people.get(o.recipient) or o.recipient[:8] + "…")
        items.append({"at": o.created_at, "kind": "message", "title": o.kind, "who": who,
                      "note": o.payload.get("text") or o.payload.get("head_content") or "", "internal": False,
                      "data": {"status": o.status, "channel": o.channel}})
    return sorted(items, key=lambda i: i["at"])


@bp.get("/<number>")
@allow(*WORKERS)
def ticket(number: str) -> Any:
    svc = services()
    with svc.db.session() as s:
        t = _ticket(s, number)
        if t is None:
            return render_template("admin/error.html", message=texts.ERR_NOT_YOURS.format(number=number)), 404
        if not _scope(s).allows(t):
            return forbidden(viewer())
        reporters = [(r, s.get(Person, r.person_id)) for r in service.reporters(s, t)]
        active = escalation.active_deadline(t)
        building = s.get(Building, t.building_id) if t.building_id else None
        estate_id = building.estate_id if building is not None else t.estate_id
        return render_template(
            "tickets_admin/detail.html", t=t, timeline=_timeline(s, t), reporters=reporters, mask=mask_phone,
            place_now={"estate": estate_id, "building": building.number if building else "", "unit": t.unit or "",
                       "room": t.room or ""},
            display_name=display_name, assignee=s.get(Person, t.assignee_id) if t.assignee_id else None,
            category=service.category_name(s, t.category), active=active, tx=texts,
            rating=ticket_texts.RATING_NAMES.get(t.rating or "", ""), is_open=actions.is_open(t),
            rung=escalation.rung_name(s, svc.config, t, t.escalation_level) if t.escalation_level else "",
            overdue=t.id in set(s.scalars(select(Ticket.id).where(escalation.overdue_condition(now()),
                                                                  Ticket.id == t.id))),
            can_staff=viewer().may(("staff",)), has_person=viewer().person_id is not None,
            **_choices(s))


@bp.post("/<number>")
@allow(*WORKERS)
def act(number: str) -> Any:
    action = request.form.get("action", "")
    svc = services()
    at = now()
    with svc.db.session() as s:
        t = _ticket(s, number)
        if t is None or not _scope(s).allows(t):
            return forbidden(viewer())
        savepoint = s.begin_nested()
        message, ok = apply_action(s, t, action, request.form, at, viewer())
        (savepoint.commit if ok else savepoint.rollback)()
        flash(message, "ok" if ok else "error")
    return redirect(url_for("tickets_admin.ticket", number=number))


def _snapshot(t: Ticket) -> dict[str, Any]:
    return audit.snapshot(t, ["status", "category", "assignee_id", "department_id", "escalation_level", "closed_at",
                              "location", "building_id", "unit", "room", "grid_id"])


def apply_action(s: Session, t: Ticket, action: str, form: Any, at: Any, who: Viewer) -> tuple[str, bool]:
    """Do one action on one ticket as ``who`` (the web form or the JSON API); (message, done).

    ``form`` is a mapping with ``note``, ``person`` (id), ``department`` (id) and ``category`` (slug)
    as the action needs them. The ticket's scope is the caller's to check.
    """
    svc = services()
    outbox = Outbox(s, at)
    note = (form.get("note") or "").strip()[:1000]
    if action in STAFF_ACTIONS and not who.may(("staff",)):
        return texts.ERR_NOT_YOURS.format(number=t.number), False
    if action in ("close", "note", "note_public") and not note:
        return texts.ERR_NOTE_REQUIRED, False
    if action not in ("note",) and action != "note_public" and t.status in (TicketStatus.CLOSED,
                                                                             TicketStatus.CANCELLED):
        return texts.ERR_ALREADY_CLOSED.format(number=t.number), False
    before = _snapshot(t)
    person = s.get(Person, who.person_id) if who.person_id else None
    try:
        if action == "assign":
            target = s.get(Person, form.get("person", type=int) or 0)
            if target is None:
                return texts.ERR_NO_TARGET, False
            actions.assign_to(s, outbox, svc.config, t, target, who.username, at)
            message = texts.DONE_ASSIGNED.format(number=t.number, name=display_name(target))
        elif action == "transfer":
            target_person = s.get(Person, form.get("person", type=int) or 0) if form.get("person") else None
            target_dept = s.get(Department, form.get("department", type=int) or 0) if form.get("department") else None
            target = target_dept or target_person
            if target is None:
                return texts.ERR_NO_TARGET, False
            name = actions.transfer_to(s, outbox, svc.config, t, target, note, who.username, at)
            message = texts.DONE_TRANSFERRED.format(number=t.number, name=name)
        elif action == "escalate":
            rung = actions.escalate(s, outbox, svc.config, t, who.username, at)
            message = texts.DONE_ESCALATED.format(number=t.number, rung=rung)
        elif action == "deescalate":
            escalation.deescalate(s, svc.config, t, at, admin=who.username)
            message = texts.DONE_DEESCALATED.format(number=t.number)
        elif action == "category":
            category = s.scalar(select(Category).where(Category.slug == form.get("category", "")))
            if category is None:
                return texts.ERR_UNKNOWN_CATEGORY.format(category=form.get("category", "")), False
            actions.change_category(s, svc.config, t, category, who.username, at, outbox=outbox)
            message = texts.DONE_CATEGORY.format(number=t.number, category=category.name)
        elif action == "merge":
            number = (form.get("into") or "").strip().upper()
            into = _ticket(s, number) if number else None
            if into is None or not scope.scope_of(s, svc.config, who.role, who.person_id).allows(into):
                return texts.ERR_MERGE_TARGET.format(number=number), False
            merge.merge(s, outbox, svc.config, t, into, who.username, at)
            message = texts.DONE_MERGED.format(number=t.number, into=into.number)
        elif action == "split":
            target = s.get(Person, form.get("person", type=int) or 0)
            if target is None:
                return texts.ERR_NO_TARGET, False
            new = merge.split(s, outbox, svc.config, t, target.id, who.username, at)
            message = texts.DONE_SPLIT.format(name=display_name(target), into=new.number)
        elif action == "place":
            new = place.read_form(s, form)
            reassign = str(form.get("reassign") or "").lower() in ("1", "on", "true", "y", "yes")
            moved = place.correct(s, outbox, svc.config, t, new, reassign, who.username, at)
            message = texts.DONE_PLACE.format(number=t.number, location=new.label)
            if moved.data.get("reassign"):
                handler = display_name(s.get(Person, t.assignee_id)) if t.assignee_id else texts.PLACE_HANDLER_QUEUE
                message = texts.DONE_PLACE_REASSIGNED.format(number=t.number, location=new.label, handler=handler)
        elif action == "close":
            actions.close(s, outbox, t, note, who.username, at)
            message = texts.DONE_CLOSED.format(number=t.number)
        elif action in ("note", "note_public"):
            actions.add_note(s, outbox, t, note, action == "note_public", who.username, at, actor=person)
            message = (texts.DONE_NOTE_PUBLIC if action == "note_public" else texts.DONE_NOTE).format(number=t.number)
        elif action in PERSON_ACTIONS:
            if person is None:
                return texts.ERR_NO_PERSON, False
            message, ok = _person_action(s, outbox, t, person, action, note, at)
            if not ok:
                return message, False
        else:
            return texts.ERR_NOT_YOURS.format(number=t.number), False
    except UserFacingError as exc:
        return exc.text, False
    audit.record(s, f"ticket.{action}", target_type="ticket", target_id=t.number, summary=note or message,
                 before=before, after=_snapshot(t), actor=who.username, actor_id=who.id)
    return message, True


def _person_action(s: Session, outbox: Outbox, t: Ticket, person: Person, action: str, note: str,
                   at: Any) -> tuple[str, bool]:
    """接单, 完成, 报到 in the worker's own name, as in chat."""
    svc = services()
    roles = roles_of(s, person, svc.config.tickets.street_department)
    if action == "report_in":
        if t.escalation_level < escalation.DEPARTMENT or not escalation.may_report_in(s, svc.config, t, roles):
            return texts.ERR_REPORT_IN.format(number=t.number), False
        due = escalation.report_in(s, outbox, svc.config, t, person, at)
        return texts.DONE_REPORTED_IN.format(number=t.number, due=service.local(due, svc.config.tz)), True
    if not roles.may_act_on(person.id, t):
        return texts.ERR_NOT_YOURS.format(number=t.number), False
    if action == "accept":
        service.accept(s, outbox, t, person, at)
        return texts.DONE_ACCEPTED.format(number=t.number), True
    service.complete(s, outbox, t, person, note or ticket_texts.MEMBER_DONE_DEFAULT_NOTE, at)
    return texts.DONE_COMPLETED.format(number=t.number), True


@bp.post("/bulk")
@allow("staff")
def bulk() -> Any:
    numbers = request.form.getlist("numbers")[:200]
    action = request.form.get("bulk_action", "")
    if not numbers:
        flash(texts.ERR_NOTHING_SELECTED, "error")
        return redirect(request.referrer or url_for("tickets_admin.tickets"))
    if action not in texts.BULK_ACTIONS:
        flash(texts.ERR_NOT_YOURS.format(number=""), "error")
        return redirect(request.referrer or url_for("tickets_admin.tickets"))
    done, problems = 0, []
    at = now()
    with services().db.session() as s:
        allowed = _scope(s)
        for number in numbers:
            t = _ticket(s, number)
            if t is None or not allowed.allows(t):
                continue
            savepoint = s.begin_nested()
            message, ok = apply_action(s, t, action, request.form, at, viewer())
            (savepoint.commit if ok else savepoint.rollback)()
            if ok:
                done += 1
            else:
                problems.append(message)
    flash(texts.DONE_BULK.format(count=done, action=texts.BULK_ACTIONS[action]))
    for problem in problems[:5]:
        flash(problem, "error")
    return redirect(request.referrer or url_for("tickets_admin.tickets"))


@bp.get("/media/<int:media_id>")
@allow(*WORKERS)
def media(media_id: int) -> Any:
    svc = services()
    with svc.db.session() as s:
        row = s.get(TicketMedia, media_id)
        t = s.get(Ticket, row.ticket_id) if row else None
        if row is None or t is None or not row.path:
            return render_template("admin/error.html", message=texts.ERR_NOT_YOURS.format(number="")), 404
        if not _scope(s).allows(t):
            return forbidden(viewer())
        root = svc.config.media_path.resolve()
        path = Path(row.path)
        path = (path if path.is_absolute() else root / path).resolve()
        if root not in path.parents or not path.is_file():
            return render_template("admin/error.html", message=texts.ERR_NOT_YOURS.format(number=t.number)), 404
    return send_file(path)


@bp.post("/<number>/phone")
@allow(*WORKERS)
def phone(number: str) -> Any:
    """The reporter's full phone number, written to the ticket's history and the audit log as viewed."""
    with services().db.session() as s:
        t = _ticket(s, number)
        if t is None or not _scope(s).allows(t):
            return forbidden(viewer())
        reporter = s.get(Person, t.reporter_id)
        event = service.add_event(s, t, "phone_viewed", now())
        event.actor = f"{actions.ADMIN}{viewer().username}"
        audit.record(s, "ticket.phone_viewed", target_type="ticket", target_id=t.number, summary=t.number)
        return render_template("tickets_admin/_phone.html", phone=(reporter.phone if reporter else None) or "")

