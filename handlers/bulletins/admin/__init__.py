"""The bulletins pages: series (enable, schedule, audience), the content calendar with empty days and entry
editing, a preview of any day, a test send to one person, and the delivery report of every run; the
dashboard's block shows today's runs."""

from __future__ import annotations

import calendar as month_calendar
import secrets
from datetime import date, timedelta
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from bot.dialog.capability import AdminPage, DashboardPanel
from bot.web.admin import audit
from bot.web.admin.access import admin_blueprint, allow, now, services, viewer
from handlers.bulletins import fanout, service
from handlers.bulletins.admin import texts
from handlers.bulletins.calendar import ContentError, parse_series
from handlers.bulletins.importing import ADMIN, entry_columns
from handlers.bulletins.render import render_text
from handlers.bulletins.report import run_report
from models import BulletinEntry, BulletinRun, BulletinSeries, Identity, IdentityKind, Person, Subscription

bp = admin_blueprint("bulletins_admin", __name__, url_prefix="/admin/bulletins")
ROLES = ("staff",)


def _series_or_none(s: Any, slug: str) -> BulletinSeries | None:
    return service.series_by_slug(s, slug)


@bp.get("")
@allow(*ROLES)
def series_list() -> Any:
    svc = services()
    with svc.db.session() as s:
        rows = list(s.scalars(select(BulletinSeries).order_by(BulletinSeries.id)))
        subscribers = dict(s.execute(select(Subscription.series_id, func.count()).where(
            Subscription.ended_at.is_(None)).group_by(Subscription.series_id)).all())
        last_runs = {r.series_id: r for r in s.scalars(select(BulletinRun).order_by(BulletinRun.id))}
        schedules = {r.id: service.schedule_text(service.cron_of(r, svc.config)) for r in rows}
        return render_template("bulletins_admin/list.html", rows=rows, subscribers=subscribers, last_runs=last_runs,
                               schedules=schedules, tx=texts)


@bp.post("/<slug>/toggle")
@allow(*ROLES)
def toggle(slug: str) -> Any:
    with services().db.session() as s:
        series = _series_or_none(s, slug)
        if series is None:
            return render_template("admin/error.html", message=texts.NOT_FOUND), 404
        series.enabled = not series.enabled
        series.source, series.updated_at = ADMIN, now()
        audit.record(s, "bulletin_series.enable" if series.enabled else "bulletin_series.disable",
                     target_type="bulletin_series", target_id=slug, summary=series.name,
                     before={"enabled": not series.enabled}, after={"enabled": series.enabled})
        flash((texts.ENABLED if series.enabled else texts.DISABLED).format(name=series.name))
    return redirect(request.referrer or url_for("bulletins_admin.series_list"))


def _month(value: str | None, today: date) -> date:
    try:
        year, month = (int(p) for p in (value or "").split("-"))
        return date(year, month, 1)
    except ValueError:
        return today.replace(day=1)


@bp.get("/<slug>")
@allow(*ROLES)
def series_page(slug: str) -> Any:
    svc = services()
    today = service.local_day(now(), svc.config)
    try:
        day = date.fromisoformat(request.args.get("date", "")) if request.args.get("date") else today
    except ValueError:
        day = today
    first = _month(request.args.get("month"), day)
    with svc.db.session() as s:
        series = _series_or_none(s, slug)
        if series is None:
            return render_template("admin/error.html", message=texts.NOT_FOUND), 404
        content = service.content_of(s, series)
        bulletin = service.bulletin_of(s, series, day)
        keyed = {r.key: r for r in s.scalars(select(BulletinEntry).where(BulletinEntry.series_id == series.id))}
        days = [first + timedelta(days=n) for n in range(month_calendar.monthrange(first.year, first.month)[1])]
        month = [(d, [keyed.get(e.key) for e in content.entries_for(d)]) for d in days]
        empty_in_year = len(content.days_without_entries(first.year))
        runs = list(s.scalars(select(BulletinRun).where(BulletinRun.series_id == series.id)
                              .order_by(BulletinRun.id.desc()).limit(20)))
        people = s.execute(select(Identity.value, Person.name).join(Person, Person.id == Identity.person_id)
                           .where(Identity.kind == IdentityKind.OPENID).order_by(Person.id)).all()
        previous = (first - timedelta(days=1)).replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return render_template("bulletins_admin/series.html", series=series, day=day, preview=render_text(bulletin),
                               showed=texts.SHOWED.get(bulletin.kind.value, bulletin.kind.value), month=month,
                               first=first, previous=previous, following=following, empty_in_year=empty_in_year,
                               runs=runs, people=people, tx=texts, evergreen=len(content.evergreen),
                               schedule=service.schedule_text(service.cron_of(series, svc.config)))


@bp.route("/<slug>/entries/<path:key>", methods=["GET", "POST"])
@allow(*ROLES)
def entry(slug: str, key: str) -> Any:
    """Edit one entry, or (key ``new`` with ?day=MM-DD) write one for an empty day."""
    with services().db.session() as s:
        series = _series_or_none(s, slug)
        row = None if series is None else s.scalar(select(BulletinEntry).where(
            BulletinEntry.series_id == series.id, BulletinEntry.key == key))
        if series is None or (row is None and key != "new"):
            return render_template("admin/error.html", message=texts.NOT_FOUND), 404
        month_day = row.month_day if row else (request.values.get("day") or "")[:5]
        if request.method == "GET":
            return render_template("bulletins_admin/entry.html", series=series, row=row, month_day=month_day,
                                   error=None)
        form = request.form
        new_key = row.key if row else f"admin-{month_day}-{secrets.token_hex(3)}"
        item = {"key": new_key, "title": (form.get("title") or "").strip(), "body": (form.get("body") or "").strip()}
        if form.get("url"):
            item["url"] = form["url"].strip()
        if row is not None and row.on_date is not None:
            item["date"] = row.on_date.isoformat()
        elif month_day:
            item["day"] = month_day
            if row is not None and row.year is not None:
                item["year"] = row.year
        evergreen = "day" not in item and "date" not in item
        try:
            raw = {"series": slug, "title": series.name, ("evergreen" if evergreen else "entries"): [item]}
            parsed = parse_series(raw, source="entry")
            checked = (parsed.evergreen if evergreen else parsed.entries)[0]
        except ContentError as exc:
            return render_template("bulletins_admin/entry.html", series=series, row=row, month_day=month_day,
                                   error=texts.ENTRY_INVALID.format(error=exc), values=item), 422
        before = audit.snapshot(row, ["key", "title", "body", "url"]) if row else None
        if row is None:
            position = (s.scalar(select(func.max(BulletinEntry.position)).where(
                BulletinEntry.series_id == series.id)) or 0) + 1
            row = BulletinEntry(series_id=series.id, key=new_key, **entry_columns(checked, position),
                                source=ADMIN, updated_at=now())
            s.add(row)
        else:
            for column, value in entry_columns(checked, row.position).items():
                setattr(row, column, value)
            row.source, row.updated_at = ADMIN, now()
        s.flush()
        audit.record(s, "bulletin_entry.create" if before is None else "bulletin_entry.update",
                     target_type="bulletin_entry", target_id=f"{slug}/{row.key}", summary=row.title, before=before,
                     after=audit.snapshot(row, ["key", "title", "body", "url"]))
        flash(texts.ENTRY_SAVED.format(day=month_day or "", title=row.title))
        year = service.local_day(now(), services().config).year
        month = f"{year}-{month_day[:2]}" if month_day and month_day[:2].isdigit() else ""
        return redirect(url_for("bulletins_admin.series_page", slug=slug, month=month or None))


@bp.post("/<slug>/test")
@allow(*ROLES)
def send_test(slug: str) -> Any:
    svc = services()
    openid = (request.form.get("openid") or "").strip()
    if not openid:
        flash(texts.TEST_NEEDS_OPENID, "error")
        return redirect(url_for("bulletins_admin.series_page", slug=slug))
    at = now()
    with svc.db.session() as s:
        series = _series_or_none(s, slug)
        if series is None:
            return render_template("admin/error.html", message=texts.NOT_FOUND), 404
        sent = fanout.queue_test(s, svc.config, series, service.local_day(at, svc.config), at, openid=openid)
        if sent.outbox_id is None:
            flash(texts.TEST_FAILED.format(reason=texts.REASONS.get(sent.reason, sent.reason)), "error")
        else:
            audit.record(s, "bulletin.test", target_type="bulletin_series", target_id=slug,
                         summary=f"{viewer().username} -> {openid[:8]}", after={"outbox_id": sent.outbox_id})
            flash(texts.TEST_QUEUED.format(outbox_id=sent.outbox_id, channel=sent.channel))
    return redirect(url_for("bulletins_admin.series_page", slug=slug))


@bp.get("/runs/<int:run_id>")
@allow(*ROLES)
def run(run_id: int) -> Any:
    with services().db.session() as s:
        report = run_report(s, run_id)
    if report is None:
        return render_template("admin/error.html", message=texts.NOT_FOUND), 404
    return render_template("bulletins_admin/run.html", report=report, tx=texts)


def render_panel(view: Any) -> str:
    """Today's bulletin runs and what became of their messages."""
    day = service.local_day(view.now, view.services.config)
    with view.services.db.session() as s:
        rows = s.execute(select(BulletinRun, BulletinSeries.name).join(
            BulletinSeries, BulletinSeries.id == BulletinRun.series_id).where(BulletinRun.day == day)
            .order_by(BulletinRun.id)).all()
        reports = [(name, run_report(s, run_row.id)) for run_row, name in rows]
    return render_template("bulletins_admin/panel.html", reports=reports, tx=texts)


MENU = (AdminPage(texts.MENU, "bulletins_admin.series_list", ROLES, order=30),)
PANEL = DashboardPanel(render_panel, ROLES, order=30)
