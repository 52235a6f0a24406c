"""Editorial JSON API for bulletins, on the bulletins capability's /api/v1 blueprint.

Series (by slug): list, create, read, change, delete. Their entries (by key): list, create, read,
change, delete. Preview a day in any format, send a test to one openid or robot, list the days of a
year without an entry, one-off posts, and the delivery report of each run. A series or entry an
admin changes here is kept by later imports unless ``--force``.
"""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime
from typing import Any

from flask import g, jsonify, request
from pydantic import AwareDatetime, Field
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

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
from bot.web.resources import In, request_now
from handlers.bulletins import fanout, service
from handlers.bulletins.calendar import DEFAULT_FALLBACKS, ContentError, Fallback, parse_series
from handlers.bulletins.importing import ADMIN, check_targets, entry_columns
from handlers.bulletins.render import Format, render_markdown, render_news, render_text, utf8_len
from handlers.bulletins.report import run_report, run_summary
from models import (
    AudienceKind,
    BulletinEntry,
    BulletinPost,
    BulletinRun,
    BulletinSeries,
    PostStatus,
    Rung,
    Subscription,
)

bp = api_blueprint("bulletins_api", __name__)

SLUG = r"^[a-z][a-z0-9_]*$"
MAX_RUNS = 200


class SeriesIn(In):
    slug: str = Field(pattern=SLUG, max_length=64)
    name: str = Field(min_length=1, max_length=20, description="the title every bulletin shows")
    description: str = Field(default="", max_length=2000)
    cron: str = Field(default="", max_length=64,
                      description="crontab in the configured time zone; empty = bulletins.default_cron (07:00)")
    audience: AudienceKind = AudienceKind.SUBSCRIBERS
    targets: list[str] = Field(default=[], max_length=500, description="grid or building codes, or robot names")
    ladder: list[Rung] | None = Field(default=None, description="default: [custom, template]; robots: [robot]")
    format: Format = Format.TEXT
    fallbacks: list[Fallback] = list(DEFAULT_FALLBACKS)
    template_id: str = Field(default="", max_length=128, description="overrides templates.bulletin")
    enabled: bool = True
    notes: str = Field(default="", max_length=4000, description="for editors; never shown to residents")


class SeriesPatch(In):
    name: str | None = Field(default=None, min_length=1, max_length=20)
    description: str | None = Field(default=None, max_length=2000)
    cron: str | None = Field(default=None, max_length=64)
    audience: AudienceKind | None = None
    targets: list[str] | None = Field(default=None, max_length=500)
    ladder: list[Rung] | None = None
    format: Format | None = None
    fallbacks: list[Fallback] | None = None
    template_id: str | None = Field(default=None, max_length=128)
    enabled: bool | None = None
    notes: str | None = Field(default=None, max_length=4000)


class EntryIn(In):
    key: str | None = Field(default=None, max_length=64, description="default: MM-DD/YYYY, the date, or evergreen-N")
    day: str | None = Field(default=None, description='"MM-DD": every year on that day')
    date: dt.date | None = Field(default=None, description="once, on this date")
    year: int | None = Field(default=None, description="the year of the event (with day)")
    title: str = Field(min_length=1, max_length=40)
    body: str = Field(min_length=1, max_length=400)
    url: str | None = Field(default=None, max_length=512)


class EntryPatch(In):
    day: str | None = None
    date: dt.date | None = None
    year: int | None = None
    title: str | None = Field(default=None, min_length=1, max_length=40)
    body: str | None = Field(default=None, min_length=1, max_length=400)
    url: str | None = Field(default=None, max_length=512)


class TestIn(In):
    openid: str | None = Field(default=None, max_length=128, description="an Official Account user (an admin's)")
    robot: str | None = Field(default=None, max_length=64, description="a group robot name from `robots`")
    date: dt.date | None = Field(default=None, description="the day to send; default today")


class PostIn(In):
    title: str = Field(min_length=1, max_length=40)
    body: str = Field(min_length=1, max_length=400)
    url: str | None = Field(default=None, max_length=512)
    publish_at: AwareDatetime = Field(description="when to send it to the series' audience (with a time zone)")


SCHEMAS = [SeriesIn, SeriesPatch, EntryIn, EntryPatch, TestIn, PostIn]


# --- helpers ------------------------------------------------------------------------------------------


def _invalid(field: str, message: str) -> Any:
    return unprocessable([{"field": field, "message": message}])


def _not_found(what: str, key: object) -> Any:
    return error(404, "not_found", MSG_NOT_FOUND.format(resource=what, id=key))


def _series_dict(s: Session, row: BulletinSeries) -> dict[str, Any]:
    config = current_services().config
    subscribers = s.scalar(select(func.count()).select_from(Subscription).where(
        Subscription.series_id == row.id, Subscription.ended_at.is_(None))) or 0
    entries = s.scalar(select(func.count()).select_from(BulletinEntry).where(BulletinEntry.series_id == row.id)) or 0
    return {
        "id": row.id, "slug": row.slug, "name": row.name, "description": row.description,
        "cron": row.cron, "schedule": service.cron_of(row, config), "audience": row.audience,
        "targets": list(row.audience_targets or []), "ladder": list(row.ladder or []), "format": row.format,
        "fallbacks": list(row.fallbacks or []), "template_id": row.template_id,
        "template_id_in_use": service.template_id_of(row, config), "enabled": row.enabled, "notes": row.notes,
        "source": row.source, "subscribers": subscribers, "entries": entries,
        "updated_at": row.updated_at.isoformat(),
    }


def _check_series(s: Session, data: dict[str, Any]) -> tuple[str, str] | None:
    """(field, message) for the first thing wrong with a series' combined fields, or None."""
    if data["cron"] and (problem := service.check_cron(data["cron"])):
        return "cron", problem
    if problem := check_targets(s, data["audience"], data["targets"]):
        return "targets", problem
    if problem := service.check_ladder(data["audience"], data["ladder"]):
        return "ladder", problem
    return None


def _apply_series(row: BulletinSeries, data: dict[str, Any], now: datetime) -> None:
    for field, column in (("name", "name"), ("description", "description"), ("cron", "cron"),
                          ("audience", "audience"), ("targets", "audience_targets"), ("ladder", "ladder"),
                          ("format", "format"), ("fallbacks", "fallbacks"), ("template_id", "template_id"),
                          ("enabled", "enabled"), ("notes", "notes")):
        setattr(row, column, data[field])
    row.source, row.updated_at = ADMIN, now


def _series_data(row: BulletinSeries) -> dict[str, Any]:
    return {"name": row.name, "description": row.description, "cron": row.cron, "audience": row.audience,
            "targets": list(row.audience_targets or []), "ladder": list(row.ladder or []), "format": row.format,
            "fallbacks": list(row.fallbacks or []), "template_id": row.template_id, "enabled": row.enabled,
            "notes": row.notes}


def _entry_dict(row: BulletinEntry) -> dict[str, Any]:
    return {"key": row.key, "day": row.month_day, "date": row.on_date.isoformat() if row.on_date else None,
            "year": row.year, "evergreen": row.month_day is None and row.on_date is None, "title": row.title,
            "body": row.body, "url": row.url, "source": row.source, "updated_at": row.updated_at.isoformat()}


def _validated_entry(slug: str, data: dict[str, Any], evergreen: bool) -> Any:
    """The calendar's own validation of one entry (a ContentError says what is wrong)."""
    item = {k: v for k, v in data.items() if v is not None and k in ("key", "day", "date", "year", "title", "body",
                                                                       "url")}
    if evergreen:
        content = parse_series({"series": slug, "title": "x", "evergreen": [item]}, source="entry")
        return content.evergreen[0]
    content = parse_series({"series": slug, "title": "x", "entries": [item]}, source="entry")
    return content.entries[0]


def _day_arg(name: str = "date") -> date | None:
    value = request.args.get(name)
    if not value:
        return None
    return date.fromisoformat(value)


# --- series ---------------------------------------------------------------------------------------------


@bp.get("/bulletins/series")
@authenticated
def list_series() -> Any:
    with current_services().db.session() as s:
        rows = s.scalars(select(BulletinSeries).order_by(BulletinSeries.id))
        return jsonify({"series": [_series_dict(s, r) for r in rows]})


@bp.post("/bulletins/series")
@authenticated
def create_series() -> Any:
    body = parse_body(SeriesIn).model_dump(mode="json")
    body["ladder"] = body["ladder"] or service.default_ladder(body["audience"])
    now = request_now()
    with current_services().db.session() as s:
        if problem := _check_series(s, body):
            return _invalid(*problem)
        if service.series_by_slug(s, body["slug"]) is not None:
            return error(409, "conflict", f"series {body['slug']} already exists")
        row = BulletinSeries(slug=body["slug"], created_at=now)
        _apply_series(row, body, now)
        s.add(row)
        s.flush()
        return jsonify(_series_dict(s, row)), 201


@bp.route("/bulletins/series/<slug>", methods=["GET", "PATCH", "DELETE"])
@authenticated
def one_series(slug: str) -> Any:
    with current_services().db.session() as s:
        row = service.series_by_slug(s, slug)
        if row is None:
            return _not_found("series", slug)
        if request.method == "GET":
            return jsonify(_series_dict(s, row))
        if request.method == "DELETE":
            runs = s.scalar(select(func.count()).select_from(BulletinRun).where(BulletinRun.series_id == row.id))
            if runs:
                return error(409, "in_use", f"series {slug} has {runs} runs with delivery records; "
                                            "disable it (enabled: false) instead of deleting it")
            s.delete(row)
            return "", 204
        changes = parse_body(SeriesPatch).model_dump(mode="json", exclude_unset=True)
        data = {**_series_data(row), **{k: v for k, v in changes.items() if v is not None or k == "ladder"}}
        if "audience" in changes and "ladder" not in changes:
            data["ladder"] = service.default_ladder(data["audience"])
        data["ladder"] = data["ladder"] or service.default_ladder(data["audience"])
        if problem := _check_series(s, data):
            return _invalid(*problem)
        _apply_series(row, data, request_now())
        s.flush()
        return jsonify(_series_dict(s, row))


# --- entries ------------------------------------------------------------------------------------------


@bp.get("/bulletins/series/<slug>/entries")
@authenticated
def list_entries(slug: str) -> Any:
    month = int_arg("month", None, 1, 12)
    with current_services().db.session() as s:
        series = service.series_by_slug(s, slug)
        if series is None:
            return _not_found("series", slug)
        query = select(BulletinEntry).where(BulletinEntry.series_id == series.id)
        if month:
            query = query.where(BulletinEntry.month_day.like(f"{month:02d}-%"))
        rows = s.scalars(query.order_by(BulletinEntry.position, BulletinEntry.id))
        return jsonify({"series": slug, "entries": [_entry_dict(r) for r in rows]})


@bp.post("/bulletins/series/<slug>/entries")
@authenticated
def create_entry(slug: str) -> Any:
    body = parse_body(EntryIn).model_dump(mode="json")
    now = request_now()
    with current_services().db.session() as s:
        series = service.series_by_slug(s, slug)
        if series is None:
            return _not_found("series", slug)
        evergreen = body.get("day") is None and body.get("date") is None
        try:
            entry = _validated_entry(slug, body, evergreen)
        except ContentError as exc:
            return _invalid("(entry)", str(exc))
        key = body.get("key") or entry.key
        if evergreen and not body.get("key"):
            count = s.scalar(select(func.count()).select_from(BulletinEntry).where(
                BulletinEntry.series_id == series.id, BulletinEntry.month_day.is_(None),
                BulletinEntry.on_date.is_(None))) or 0
            key = f"evergreen-{count + 1}"
        position = (s.scalar(select(func.max(BulletinEntry.position)).where(BulletinEntry.series_id == series.id))
                    or 0) + 1
        row = BulletinEntry(series_id=series.id, key=key, source=ADMIN, updated_at=now,
                            **entry_columns(entry, position))
        s.add(row)
        try:
            s.flush()
        except IntegrityError:
            s.rollback()
            return error(409, "conflict", f"series {slug} already has an entry with key {key}")
        return jsonify(_entry_dict(row)), 201


@bp.route("/bulletins/series/<slug>/entries/<path:key>", methods=["GET", "PATCH", "DELETE"])
@authenticated
def one_entry(slug: str, key: str) -> Any:
    with current_services().db.session() as s:
        series = service.series_by_slug(s, slug)
        row = None if series is None else s.scalar(
            select(BulletinEntry).where(BulletinEntry.series_id == series.id, BulletinEntry.key == key))
        if row is None:
            return _not_found("entry", f"{slug}/{key}")
        if request.method == "GET":
            return jsonify(_entry_dict(row))
        if request.method == "DELETE":
            s.delete(row)
            return "", 204
        changes = parse_body(EntryPatch).model_dump(mode="json", exclude_unset=True)
        current = _entry_dict(row)
        merged = {**current, **changes}
        if "date" in changes and changes["date"] is not None:
            merged["day"], merged["year"] = None, None
        if "day" in changes and changes["day"] is not None:
            merged["date"] = None
        evergreen = merged.get("day") is None and merged.get("date") is None
        try:
            entry = _validated_entry(slug, {**merged, "key": row.key}, evergreen)
        except ContentError as exc:
            return _invalid("(entry)", str(exc))
        for column, value in entry_columns(entry, row.position).items():
            setattr(row, column, value)
        row.source, row.updated_at = ADMIN, request_now()
        s.flush()
        return jsonify(_entry_dict(row))


# --- editorial tools ------------------------------------------------------------------------------------


@bp.get("/bulletins/series/<slug>/preview")
@authenticated
def preview(slug: str) -> Any:
    try:
        day = _day_arg() or service.local_day(request_now(), current_services().config)
        fmt = Format(request.args.get("format") or Format.TEXT)
    except ValueError as exc:
        return _invalid("query", str(exc))
    with current_services().db.session() as s:
        series = service.series_by_slug(s, slug)
        if series is None:
            return _not_found("series", slug)
        bulletin = service.bulletin_of(s, series, day)
        answer: dict[str, Any] = {
            "series": slug, "date": day.isoformat(), "format": fmt.value, "showed": bulletin.kind.value,
            "source_day": bulletin.source_day.isoformat() if bulletin.source_day else None,
            "entries": [e.key for e in bulletin.entries],
        }
        if fmt is Format.NEWS:
            article = render_news(bulletin)
            answer["news"] = {"title": article.title, "description": article.description, "url": article.url}
        else:
            rendered = render_text(bulletin) if fmt is Format.TEXT else render_markdown(bulletin)
            answer.update({"text": rendered, "bytes": utf8_len(rendered)})
        return jsonify(answer)


@bp.post("/bulletins/series/<slug>/test")
@authenticated
def send_test(slug: str) -> Any:
    body = parse_body(TestIn)
    if (not body.openid) == (not body.robot):
        return _invalid("openid", "give exactly one of openid or robot")
    services = current_services()
    now = request_now()
    with services.db.session() as s:
        series = service.series_by_slug(s, slug)
        if series is None:
            return _not_found("series", slug)
        day = body.date or service.local_day(now, services.config)
        sent = fanout.queue_test(s, services.config, series, day, now, openid=body.openid, robot=body.robot)
        if sent.outbox_id is None:
            return error(409, "cannot_deliver", f"no rung can reach this recipient now: {sent.reason}")
        return jsonify({"outbox_id": sent.outbox_id, "channel": sent.channel, "rung": sent.rung,
                        "date": day.isoformat()}), 202


@bp.get("/bulletins/series/<slug>/empty-days")
@authenticated
def empty_days(slug: str) -> Any:
    try:
        year = int(request.args.get("year") or service.local_day(request_now(), current_services().config).year)
        if not 1970 <= year <= 2100:  # the last day of 9999 has no next day to look at
            raise ValueError("year must be between 1970 and 2100")
    except ValueError as exc:
        return _invalid("year", str(exc))
    with current_services().db.session() as s:
        series = service.series_by_slug(s, slug)
        if series is None:
            return _not_found("series", slug)
        days = service.content_of(s, series).days_without_entries(year)
        return jsonify({"series": slug, "year": year, "count": len(days), "days": [d.isoformat() for d in days]})


# --- one-off posts --------------------------------------------------------------------------------------


def _post_dict(row: BulletinPost) -> dict[str, Any]:
    return {"id": row.id, "title": row.title, "body": row.body, "url": row.url,
            "publish_at": row.publish_at.isoformat(), "status": row.status, "created_by": row.created_by}


@bp.route("/bulletins/series/<slug>/posts", methods=["GET", "POST"])
@authenticated
def posts(slug: str) -> Any:
    body = parse_body(PostIn) if request.method == "POST" else None
    with current_services().db.session() as s:
        series = service.series_by_slug(s, slug)
        if series is None:
            return _not_found("series", slug)
        if body is None:
            rows = s.scalars(select(BulletinPost).where(BulletinPost.series_id == series.id)
                             .order_by(BulletinPost.publish_at.desc()))
            return jsonify({"series": slug, "posts": [_post_dict(r) for r in rows]})
        row = BulletinPost(series_id=series.id, title=body.title, body=body.body, url=body.url,
                           publish_at=body.publish_at, status=PostStatus.SCHEDULED, created_by=g.admin,
                           created_at=request_now())
        s.add(row)
        s.flush()
        return jsonify(_post_dict(row)), 201


@bp.delete("/bulletins/posts/<int:post_id>")
@authenticated
def cancel_post(post_id: int) -> Any:
    with current_services().db.session() as s:
        row = s.get(BulletinPost, post_id)
        if row is None:
            return _not_found("post", post_id)
        if row.status != PostStatus.SCHEDULED:
            return error(409, "not_scheduled", f"post {post_id} is {row.status}; only a scheduled post can be cancelled")
        row.status = PostStatus.CANCELLED
        return jsonify(_post_dict(row))


# --- runs and their reports --------------------------------------------------------------------------------


@bp.get("/bulletins/runs")
@authenticated
def list_runs() -> Any:
    slug = request.args.get("series")
    with current_services().db.session() as s:
        query = select(BulletinRun, BulletinSeries.slug).join(BulletinSeries, BulletinSeries.id == BulletinRun.series_id)
        if slug:
            query = query.where(BulletinSeries.slug == slug)
        rows = s.execute(query.order_by(BulletinRun.id.desc()).limit(MAX_RUNS))
        return jsonify({"runs": [run_summary(run, run_slug) for run, run_slug in rows]})


@bp.get("/bulletins/runs/<int:run_id>")
@authenticated
def one_run(run_id: int) -> Any:
    with current_services().db.session() as s:
        report = run_report(s, run_id)
        if report is None:
            return _not_found("run", run_id)
        return jsonify(report)


# --- OpenAPI ---------------------------------------------------------------------------------------------


def openapi_paths(ok: dict[str, Any], errors: dict[str, Any], not_found: dict[str, Any], body: Any) -> dict[str, Any]:
    """The paths above, for bot/web/openapi.py."""
    slug = [{"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}]
    key = [*slug, {"name": "key", "in": "path", "required": True, "schema": {"type": "string"},
                   "description": "may contain '/', e.g. 07-01/1921"}]
    conflict = {"409": {"description": "conflict (exists, in use, or cannot deliver)"}}

    def query(name: str, kind: str, about: str) -> dict[str, Any]:
        return {"name": name, "in": "query", "schema": {"type": kind}, "description": about}

    return {
        "/bulletins/series": {
            "get": {"summary": "List bulletin series with their subscriber and entry counts",
                    "responses": {"200": ok, **errors}},
            "post": {"summary": "Create a series (schedule, audience, channel ladder, format)",
                     "requestBody": body("SeriesIn"), "responses": {"201": ok, **errors, **conflict}},
        },
        "/bulletins/series/{slug}": {
            "get": {"summary": "One series", "parameters": slug, "responses": {"200": ok, **errors, **not_found}},
            "patch": {"summary": "Change fields of a series (imports keep the change unless --force)",
                      "parameters": slug, "requestBody": body("SeriesPatch"),
                      "responses": {"200": ok, **errors, **not_found}},
            "delete": {"summary": "Delete a series that never ran (otherwise disable it)", "parameters": slug,
                       "responses": {"204": {"description": "deleted"}, **errors, **not_found, **conflict}},
        },
        "/bulletins/series/{slug}/entries": {
            "get": {"summary": "The series' entries and evergreen items", "parameters": [
                *slug, query("month", "integer", "only recurring entries of this month")],
                "responses": {"200": ok, **errors, **not_found}},
            "post": {"summary": "Add an entry (day: recurring, date: once, neither: evergreen)", "parameters": slug,
                     "requestBody": body("EntryIn"), "responses": {"201": ok, **errors, **not_found, **conflict}},
        },
        "/bulletins/series/{slug}/entries/{key}": {
            "get": {"summary": "One entry", "parameters": key, "responses": {"200": ok, **errors, **not_found}},
            "patch": {"summary": "Edit an entry", "parameters": key, "requestBody": body("EntryPatch"),
                      "responses": {"200": ok, **errors, **not_found}},
            "delete": {"summary": "Delete an entry", "parameters": key,
                       "responses": {"204": {"description": "deleted"}, **errors, **not_found}},
        },
        "/bulletins/series/{slug}/preview": {
            "get": {"summary": "Preview a day as text, markdown or news (with the fallback the day takes)",
                    "parameters": [*slug, query("date", "string", "YYYY-MM-DD; default today"),
                                   query("format", "string", "text (default), markdown or news")],
                    "responses": {"200": ok, **errors, **not_found}},
        },
        "/bulletins/series/{slug}/test": {
            "post": {"summary": "Send a day's bulletin, marked as a test, to one openid or robot",
                     "parameters": slug, "requestBody": body("TestIn"),
                     "responses": {"202": ok, **errors, **not_found, **conflict}},
        },
        "/bulletins/series/{slug}/empty-days": {
            "get": {"summary": "Days of a year without an entry of their own",
                    "parameters": [*slug, query("year", "integer", "default: this year")],
                    "responses": {"200": ok, **errors, **not_found}},
        },
        "/bulletins/series/{slug}/posts": {
            "get": {"summary": "One-off posts of the series", "parameters": slug,
                    "responses": {"200": ok, **errors, **not_found}},
            "post": {"summary": "Schedule a one-off post to the series' audience", "parameters": slug,
                     "requestBody": body("PostIn"), "responses": {"201": ok, **errors, **not_found}},
        },
        "/bulletins/posts/{post_id}": {
            "delete": {"summary": "Cancel a scheduled post", "parameters": [
                {"name": "post_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "responses": {"200": ok, **errors, **not_found, **conflict}},
        },
        "/bulletins/runs": {
            "get": {"summary": "Recent runs (newest first)",
                    "parameters": [query("series", "string", "only this series")],
                    "responses": {"200": ok, **errors}},
        },
        "/bulletins/runs/{run_id}": {
            "get": {"summary": "Delivery report of a run: sent, failed, pending, skipped, per rung, with reasons",
                    "parameters": [{"name": "run_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                    "responses": {"200": ok, **errors, **not_found}},
        },
    }
