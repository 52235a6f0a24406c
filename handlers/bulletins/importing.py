"""The ``bulletins`` import section: series with their schedule, audience and ladder, and their content.

Each record is one series, matched on its ``series`` slug. Its content comes from a series file
(``content:``, the format of docs/bulletins.md, relative to the importing file) or inline
(``entries:`` / ``evergreen:`` in the same shape). Entries match on their key within the series.
A series or entry an admin changed through the API since is kept unless ``--force``; entries the
file does not mention are left alone (admins may have added them). Documented in docs/import.md.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from bot.importer import ImportContext
from handlers.bulletins import service
from handlers.bulletins.calendar import (
    MAX_SERIES_TITLE_CHARS,
    ContentError,
    Entry,
    MonthDay,
    Series,
    load_series,
    parse_series,
)
from handlers.bulletins.render import Format
from models import AudienceKind, Building, BulletinEntry, BulletinSeries, Grid

SECTION = "bulletins"
SCHEDULE_KEYS = {"series", "name", "cron", "audience", "targets", "ladder", "format", "template_id", "enabled", "notes"}
INLINE_KEYS = {"description", "fallbacks", "entries", "evergreen"}
ADMIN = "admin"
IMPORT = "import"


def import_bulletins(ctx: ImportContext) -> None:
    """``bulletins``: one record per series; its content from ``content`` (a file) or inline."""
    for index, record in enumerate(ctx.records(SECTION)):
        where = f"{SECTION}[{index}]"
        ctx.check_keys(SECTION, index, record, SCHEDULE_KEYS | INLINE_KEYS | {"content"})
        slug = str(ctx.require(SECTION, index, record, "series"))
        content = _content(ctx, record, slug, where)
        columns = _columns(ctx, record, content, where)
        row = _upsert_series(ctx, slug, columns)
        _upsert_entries(ctx, row, content)
    ctx.session.flush()


def _content(ctx: ImportContext, record: dict[str, Any], slug: str, where: str) -> Series:
    try:
        if record.get("content") is not None:
            inline = sorted(INLINE_KEYS & set(record))
            if inline:
                raise ctx.fail(f"{where} ({slug}): give either 'content' (a series file) or {inline} inline, not both")
            path = Path(str(record["content"]))
            content = _load_cached(path if path.is_absolute() else ctx.path.parent / path)
            if content.slug != slug:
                raise ctx.fail(f"{where}: 'series' is {slug!r} but {record['content']} holds series {content.slug!r}")
            return content
        raw = {k: record[k] for k in INLINE_KEYS if k in record}
        return parse_series({"series": slug, "title": record.get("name"), **raw}, source=f"{ctx.path}: {where}")
    except ContentError as exc:
        raise ctx.fail(str(exc)) from None


def _load_cached(path: Path) -> Series:
    """A series file, parsed once per process while it is unchanged (tests import the defaults again and again)."""
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return load_series(path)  # names the missing file
    return _parsed(path.resolve(), stamp)


@lru_cache(maxsize=32)
def _parsed(path: Path, stamp: int) -> Series:
    return load_series(path)


def _columns(ctx: ImportContext, record: dict[str, Any], content: Series, where: str) -> dict[str, Any]:
    name = str(record.get("name") or content.title).strip()
    if not name or len(name) > MAX_SERIES_TITLE_CHARS:
        raise ctx.fail(f"{where}: 'name' must be 1 to {MAX_SERIES_TITLE_CHARS} characters, got {name!r}")
    audience = str(record.get("audience") or AudienceKind.SUBSCRIBERS)
    if audience not in set(AudienceKind):
        raise ctx.fail(f"{where}: 'audience' must be one of {[a.value for a in AudienceKind]}, got {audience!r}")
    targets = record.get("targets") or []
    if not isinstance(targets, list) or not all(isinstance(t, str) and t for t in targets):
        raise ctx.fail(f"{where}: 'targets' must be a list of codes or robot names")
    problem = check_targets(ctx.session, audience, targets)
    if problem:
        raise ctx.fail(f"{where}: 'targets': {problem}")
    ladder = record.get("ladder") or service.default_ladder(audience)
    if not isinstance(ladder, list) or (problem := service.check_ladder(audience, [str(r) for r in ladder])):
        raise ctx.fail(f"{where}: 'ladder': {problem or 'must be a list of rungs'}")
    fmt = str(record.get("format") or Format.TEXT)
    if fmt not in set(Format):
        raise ctx.fail(f"{where}: 'format' must be one of {[f.value for f in Format]}, got {fmt!r}")
    cron = str(record.get("cron") or "")
    if cron and (problem := service.check_cron(cron)):
        raise ctx.fail(f"{where}: 'cron' {cron!r}: {problem}")
    enabled = record.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ctx.fail(f"{where}: 'enabled' must be true or false")
    return {
        "name": name, "description": content.description, "cron": cron, "audience": audience,
        "audience_targets": [str(t) for t in targets], "ladder": [str(r) for r in ladder], "format": fmt,
        "fallbacks": [f.value for f in content.fallbacks], "template_id": str(record.get("template_id") or ""),
        "enabled": enabled, "notes": str(record.get("notes") or ""),
    }


def check_targets(db: Session, audience: str, targets: list[str]) -> str | None:
    """Why the targets do not fit the audience (unknown grid or building codes …), or None."""
    if audience in (AudienceKind.SUBSCRIBERS, AudienceKind.FOLLOWERS):
        return f"a {audience} audience takes no targets" if targets else None
    if not targets:
        return f"a {audience} audience needs at least one target"
    model = {AudienceKind.GRID: Grid, AudienceKind.BUILDING: Building}.get(AudienceKind(audience))
    if model is None:
        return None  # robot names are checked against `robots` by the health check
    known = set(db.scalars(select(model.code).where(model.code.in_(targets))))
    missing = [t for t in targets if t not in known]
    return f"no {model.__tablename__} with code(s) {missing}" if missing else None


def _upsert_series(ctx: ImportContext, slug: str, columns: dict[str, Any]) -> BulletinSeries:
    session, report = ctx.session, ctx.report
    row = session.scalar(select(BulletinSeries).where(BulletinSeries.slug == slug))
    if row is None:
        row = BulletinSeries(slug=slug, source=IMPORT, created_at=ctx.now, updated_at=ctx.now, **columns)
        session.add(row)
        session.flush()
        report.count(report.created, "bulletin_series")
        return row
    if row.source == ADMIN and not ctx.force:
        report.kept.append(f"bulletin series {slug}")
        return row
    changed = {k: v for k, v in columns.items() if getattr(row, k) != v}
    if changed or row.source != IMPORT:
        for key, value in changed.items():
            setattr(row, key, value)
        row.source, row.updated_at = IMPORT, ctx.now
        report.count(report.updated, "bulletin_series")
    else:
        report.count(report.unchanged, "bulletin_series")
    return row


def entry_columns(entry: Entry, position: int) -> dict[str, Any]:
    when = entry.when
    return {
        "month_day": str(when) if isinstance(when, MonthDay) else None,
        "on_date": None if when is None or isinstance(when, MonthDay) else when,
        "year": entry.year if isinstance(when, MonthDay) else None,
        "title": entry.title, "body": entry.body, "url": entry.url, "position": position,
    }


def _upsert_entries(ctx: ImportContext, series: BulletinSeries, content: Series) -> None:
    session, report = ctx.session, ctx.report
    existing = {r.key: r for r in session.scalars(select(BulletinEntry).where(BulletinEntry.series_id == series.id))}
    new = []
    for position, entry in enumerate([*content.entries, *content.evergreen]):
        columns = entry_columns(entry, position)
        row = existing.get(entry.key)
        if row is None:
            new.append({"series_id": series.id, "key": entry.key, "source": IMPORT, "updated_at": ctx.now, **columns})
            report.count(report.created, "bulletin_entries")
        elif row.source == ADMIN and not ctx.force:
            report.kept.append(f"bulletin entry {series.slug}/{entry.key}")
        elif any(getattr(row, k) != v for k, v in columns.items()) or row.source != IMPORT:
            for key, value in columns.items():
                setattr(row, key, value)
            row.source, row.updated_at = IMPORT, ctx.now
            report.count(report.updated, "bulletin_entries")
        else:
            report.count(report.unchanged, "bulletin_entries")
    if new:
        session.execute(insert(BulletinEntry), new)  # one statement: the defaults are imported into every test database
