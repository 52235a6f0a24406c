"""Series as stored in the database: their content as a calendar Series, a day's bulletin, schedules, payloads.

The calendar (calendar.py) and the renderer (render.py) are pure; this module
reads the rows and hands them over. It also builds the channel-neutral outbox
payload of each ladder rung (bot/delivery/channels/base.py), once per run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import Config
from handlers.bulletins import texts
from handlers.bulletins.calendar import DEFAULT_FALLBACKS, Bulletin, Entry, Fallback, Kind, MonthDay, Series
from handlers.bulletins.render import Format, render_markdown, render_news, render_text, solar_date
from models import AudienceKind, BulletinEntry, BulletinPost, BulletinSeries, Rung

TEMPLATE_KIND = "bulletin"  # templates.bulletin: the template id outside the 48-hour window
OPENID_AUDIENCES = frozenset({AudienceKind.SUBSCRIBERS, AudienceKind.FOLLOWERS, AudienceKind.GRID,
                              AudienceKind.BUILDING})


def cron_of(series: BulletinSeries, config: Config) -> str:
    """The series' crontab, or the configured default (bulletins.default_cron) when it has none."""
    return series.cron or config.bulletins.default_cron


def check_cron(value: str) -> str | None:
    """Why ``value`` is not a crontab ("minute hour day month weekday"), or None."""
    try:
        CronTrigger.from_crontab(value)
    except ValueError as exc:
        return str(exc)
    return None


def schedule_text(cron: str) -> str:
    """``每天07:00`` for a daily crontab, ``按计划`` for anything else."""
    fields = cron.split()
    if len(fields) == 5 and fields[2:] == ["*", "*", "*"] and fields[0].isdigit() and fields[1].isdigit():
        return texts.SCHEDULE_DAILY.format(hour=int(fields[1]), minute=int(fields[0]))
    return texts.SCHEDULE_PLANNED


def default_ladder(audience: str) -> list[str]:
    return [Rung.ROBOT] if audience == AudienceKind.ROBOTS else [Rung.CUSTOM, Rung.TEMPLATE]


def check_ladder(audience: str, ladder: list[str]) -> str | None:
    """Why ``ladder`` does not fit the audience, or None: robots take [robot]; openids custom and template."""
    if not ladder:
        return "the ladder needs at least one rung"
    if len(set(ladder)) != len(ladder):
        return "the ladder lists a rung twice"
    allowed = {Rung.ROBOT} if audience == AudienceKind.ROBOTS else {Rung.CUSTOM, Rung.TEMPLATE}
    wrong = [rung for rung in ladder if rung not in allowed]
    if wrong:
        return f"rung(s) {wrong} do not reach a {audience} audience; allowed: {sorted(allowed)}"
    return None


# --- series and their content ----------------------------------------------------------------------


def series_by_slug(db: Session, slug: str) -> BulletinSeries | None:
    return db.scalar(select(BulletinSeries).where(BulletinSeries.slug == slug))


def enabled_series(db: Session) -> list[BulletinSeries]:
    return list(db.scalars(select(BulletinSeries).where(BulletinSeries.enabled.is_(True)).order_by(BulletinSeries.id)))


def entry_of(row: BulletinEntry) -> Entry:
    when: MonthDay | date | None = None
    if row.month_day:
        month, day = row.month_day.split("-")
        when = MonthDay(int(month), int(day))
    elif row.on_date is not None:
        when = row.on_date
    return Entry(row.key, row.title, row.body, when, row.year, row.url)


def content_of(db: Session, series: BulletinSeries) -> Series:
    """The series' entries and evergreen items as the pure calendar model."""
    rows = db.scalars(
        select(BulletinEntry).where(BulletinEntry.series_id == series.id).order_by(BulletinEntry.position,
                                                                                   BulletinEntry.id)
    )
    dated: list[Entry] = []
    evergreen: list[Entry] = []
    for row in rows:
        entry = entry_of(row)
        (evergreen if entry.when is None else dated).append(entry)
    fallbacks = tuple(Fallback(f) for f in series.fallbacks) if series.fallbacks is not None else DEFAULT_FALLBACKS
    return Series(series.slug, series.name, tuple(dated), tuple(evergreen), fallbacks, series.description)


def bulletin_of(db: Session, series: BulletinSeries, day: date) -> Bulletin:
    """What the series shows on ``day`` (never empty: the calendar falls back)."""
    return content_of(db, series).bulletin_for(day)


def post_bulletin(series: BulletinSeries, post: BulletinPost, day: date) -> Bulletin:
    """A one-off post rendered like a day's bulletin of its series."""
    entry = Entry(f"post-{post.id}", post.title, post.body, day, day.year, post.url)
    return Bulletin(series.slug, series.name, day, Kind.TODAY, (entry,), day)


def local_day(now: datetime, config: Config, offset: int = 0) -> date:
    """The local date of ``now`` (plus ``offset`` days) in the configured time zone."""
    return (now.astimezone(config.tz) + timedelta(days=offset)).date()


# --- payloads ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Payloads:
    """The outbox payload (JSON text) of each rung for one run; None where the rung cannot be used."""

    custom: str | None
    template: str | None
    robot: str | None

    def for_rung(self, rung: str) -> str | None:
        return {Rung.CUSTOM: self.custom, Rung.TEMPLATE: self.template, Rung.ROBOT: self.robot}.get(Rung(rung))


def template_id_of(series: BulletinSeries, config: Config) -> str:
    return series.template_id or config.templates.get(TEMPLATE_KIND, "")


def template_data(bulletin: Bulletin) -> dict[str, Any]:
    headline = bulletin.entries[0].title if bulletin.entries else texts.NOTHING_TODAY
    line = texts.TEMPLATE_CONTENT.format(series=bulletin.series_title, date=solar_date(bulletin.day), headline=headline)
    return {"content": {"value": line[:200]}}


def payloads(series: BulletinSeries, bulletin: Bulletin, config: Config, *, prefix: str = "",
             ladder: list[str] | None = None) -> Payloads:
    """Render once per run: customer-service text or news, template, robot markdown or text.

    ``ladder`` overrides the series' own (a test send to a robot or an openid); ``prefix`` marks a test.
    """
    fmt = Format(series.format)
    ladder = list(ladder or series.ladder or default_ladder(series.audience))
    template_id = template_id_of(series, config)
    data = template_data(bulletin)
    url = next((e.url for e in bulletin.entries if e.url), None)
    custom = template = robot = None
    if Rung.ROBOT in ladder:
        if fmt is Format.TEXT:
            robot = {"msgtype": "text", "text": prefix + render_text(bulletin)}
        else:  # group robots show markdown; a news series posts its markdown form there
            robot = {"msgtype": "markdown", "text": prefix + render_markdown(bulletin)}
    if Rung.CUSTOM in ladder:
        footer = texts.PUSH_FOOTER.format(series=series.name)
        if fmt is Format.NEWS:
            article = render_news(bulletin)
            item = {"title": prefix + article.title, "description": article.description}
            if article.url:
                item["url"] = article.url
            custom = {"msgtype": "news", "articles": [item]}
        else:  # the Official Account has no markdown: text
            custom = {"msgtype": "text", "text": prefix + render_text(bulletin, footer=footer)}
        if Rung.TEMPLATE in ladder and template_id:
            # If the window closes between fan-out and send, the channel falls back to this template.
            custom.update({"template_id": template_id, "template_data": data})
            if url:
                custom["url"] = url
    if Rung.TEMPLATE in ladder and template_id:
        template = {"msgtype": "template", "template_id": template_id, "data": data}
        if url:
            template["url"] = url

    def dump(payload: dict[str, Any] | None) -> str | None:
        return None if payload is None else json.dumps(payload, ensure_ascii=False)

    return Payloads(dump(custom), dump(template), dump(robot))
