"""Import section ``categories``: the kinds of report, matched on their slug."""

from __future__ import annotations

from sqlalchemy import select

from bot.importer import ImportContext
from models import Category

DEDUPE_SCOPES = ("building", "unit")


def import_categories(ctx: ImportContext) -> None:
    session, report = ctx.session, ctx.report
    for index, record in enumerate(ctx.records("categories")):
        ctx.check_keys("categories", index, record, {"slug", "name", "urgent", "dedupe_scope"})
        slug = str(ctx.require("categories", index, record, "slug"))
        name = str(ctx.require("categories", index, record, "name"))
        urgent = bool(record.get("urgent", False))
        scope = str(record.get("dedupe_scope", "building"))
        if scope not in DEDUPE_SCOPES:
            raise ctx.fail(f"categories[{index}]: field 'dedupe_scope' must be building or unit")
        row = session.scalar(select(Category).where(Category.slug == slug))
        if row is None:
            session.add(Category(slug=slug, name=name, urgent=urgent, dedupe_scope=scope))
            report.count(report.created, "categories")
        elif (row.name, row.urgent, row.dedupe_scope) != (name, urgent, scope):
            row.name, row.urgent, row.dedupe_scope = name, urgent, scope
            report.count(report.updated, "categories")
        else:
            report.count(report.unchanged, "categories")
    session.flush()
