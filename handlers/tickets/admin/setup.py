"""The tickets capability's setup pages: categories with their duplicate scope and deadlines, and the holiday calendar.

The ``chinese-calendar`` package knows the official schedule only up to its last
release; the years after it (2027 once it ends with 2026) are entered here as
holidays and 调休 working days, and deadlines counted in working time use them
from the next ticket on.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from bot.web.admin import audit
from bot.web.admin.access import admin_blueprint, now, services, viewer
from bot.web.admin.crud import ResourcePage, register_resource_pages
from bot.workcalendar import set_day
from handlers.tickets import api
from handlers.tickets.admin import texts
from models import DayKind, Department, Holiday, HolidayYear

bp = admin_blueprint("tickets_setup", __name__, url_prefix="/admin/setup")

PAGES = [
    ResourcePage(api.RESOURCES[0], texts.MENU_CATEGORIES, ("slug", "name", "urgent", "dedupe_scope", "department",
                                                           "deadlines"),
                 labels=texts.CATEGORY_LABELS, search=("slug", "name"), display={"dedupe_scope": texts.DEDUPE_SCOPES},
                 choices={"dedupe_scope": lambda s: list(texts.DEDUPE_SCOPES.items())},
                 lookups={"department": lambda s: list(s.execute(select(Department.code, Department.name)).tuples())},
                 hints={"slug": texts.CATEGORY_SLUG_HINT, "dedupe_scope": texts.CATEGORY_SCOPE_HINT}),
]
register_resource_pages(bp, PAGES, title=texts.SETUP_TITLE, extra_links=[(texts.MENU_HOLIDAYS, "tickets_setup.holidays")])


@bp.get("/holidays")
def holidays() -> Any:
    today = now().astimezone(services().config.tz).date()
    year = request.args.get("year", type=int) or today.year
    year = min(max(year, 2000), 2100)
    with services().db.session() as s:
        days = list(s.scalars(select(Holiday).where(Holiday.day >= date(year, 1, 1), Holiday.day <= date(year, 12, 31))
                              .order_by(Holiday.day)))
        known = s.get(HolidayYear, year)
        years = sorted(set(s.scalars(select(HolidayYear.year))) | {today.year, today.year + 1})
        return render_template("tickets_admin/holidays.html", year=year, days=days, known=known, years=years,
                               kinds=texts.DAY_KINDS, tx=texts)


@bp.post("/holidays")
def save_holiday() -> Any:
    try:
        day = date.fromisoformat(request.form.get("day", ""))
        kind = DayKind(request.form.get("kind", ""))
    except ValueError:
        flash(texts.HOLIDAY_INVALID, "error")
        return redirect(url_for("tickets_setup.holidays"))
    name = (request.form.get("name") or "").strip()[:64]
    with services().db.session() as s:
        existing = s.scalar(select(Holiday).where(Holiday.day == day))
        before = audit.snapshot(existing, ["day", "kind", "name", "source"]) if existing else None
        row = set_day(s, day, kind.value, name, f"admin:{viewer().username}", now())
        audit.record(s, "holiday.set", target_type="holiday", target_id=day.isoformat(), summary=name or kind.value,
                     before=before, after=audit.snapshot(row, ["day", "kind", "name", "source"]))
    flash(texts.HOLIDAY_SAVED.format(day=day.isoformat(), kind=texts.DAY_KINDS[kind.value]))
    return redirect(url_for("tickets_setup.holidays", year=day.year))


@bp.post("/holidays/<int:holiday_id>/delete")
def delete_holiday(holiday_id: int) -> Any:
    with services().db.session() as s:
        row = s.get(Holiday, holiday_id)
        if row is None:
            return redirect(url_for("tickets_setup.holidays"))
        before = audit.snapshot(row, ["day", "kind", "name", "source"])
        year = row.day.year
        s.delete(row)
        audit.record(s, "holiday.delete", target_type="holiday", target_id=before["day"], summary=before["name"],
                     before=before)
    flash(texts.HOLIDAY_DELETED.format(day=before["day"]))
    return redirect(url_for("tickets_setup.holidays", year=year))
