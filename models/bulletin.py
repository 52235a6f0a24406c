"""Bulletins: series and their dated content, one-off posts, subscriptions, followers, runs and deliveries.

A series (今日党史, 社区公告 …) is posted on its cron schedule to an audience
through a ladder of channel rungs. Each (series, day, recipient) is delivered
at most once: ``bulletin_deliveries`` holds one row per such triple (``post_id``
0 is the daily bulletin; a one-off post has its own id) under a unique
constraint, and the outbox row it queues has a key derived from the same
triple, so a resumed or doubled fan-out inserts nothing twice.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class AudienceKind(StrEnum):
    SUBSCRIBERS = "subscribers"  # whoever subscribed to the series (by chat, QR scene or API)
    FOLLOWERS = "followers"  # every follower of the Official Account we know of
    GRID = "grid"  # residents of the buildings of these grids (codes in audience_targets)
    BUILDING = "building"  # residents of these buildings (codes in audience_targets)
    ROBOTS = "robots"  # WeCom group robots by name (audience_targets), e.g. the party members' group


class Rung(StrEnum):
    """One step of a series' channel ladder; the first a recipient qualifies for is used."""

    CUSTOM = "custom"  # Official Account customer-service message: only within 48 h of the user's last message
    TEMPLATE = "template"  # Official Account template message: needs a template id
    ROBOT = "robot"  # WeCom group robot (robots audience only): 20 messages a minute per robot


class RunStatus(StrEnum):
    RUNNING = "running"
    DONE = "done"


class DeliveryStatus(StrEnum):
    QUEUED = "queued"  # an outbox row carries it (its status says sent / failed / …)
    SKIPPED = "skipped"  # no rung could take it; ``reason`` says why


class PostStatus(StrEnum):
    SCHEDULED = "scheduled"
    PUBLISHED = "published"
    CANCELLED = "cancelled"
    MISSED = "missed"  # due while every worker was down for longer than bulletins.catch_up_hours


class BulletinSeries(Base):
    __tablename__ = "bulletin_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64))  # the title every bulletin shows
    description: Mapped[str] = mapped_column(Text, default="")
    cron: Mapped[str] = mapped_column(String(64), default="")  # crontab in the configured zone; "" = bulletins.default_cron
    audience: Mapped[str] = mapped_column(String(16), default=AudienceKind.SUBSCRIBERS)
    audience_targets: Mapped[list[str]] = mapped_column(default=list)  # grid / building codes, robot names
    ladder: Mapped[list[str]] = mapped_column(default=list)  # Rung values, in order
    format: Mapped[str] = mapped_column(String(16), default="text")  # text / markdown / news
    fallbacks: Mapped[list[str]] = mapped_column(default=list)  # this_week / evergreen
    template_id: Mapped[str] = mapped_column(String(128), default="")  # overrides templates.bulletin
    enabled: Mapped[bool] = mapped_column(default=True)
    notes: Mapped[str] = mapped_column(Text, default="")  # editors' notes, never shown to residents
    source: Mapped[str] = mapped_column(String(16), default="import")  # "admin" once edited: imports keep it
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class BulletinEntry(Base):
    """Dated content: recurring on ``month_day`` ("MM-DD"), once on ``on_date``, or evergreen (neither)."""

    __tablename__ = "bulletin_entries"
    __table_args__ = (UniqueConstraint("series_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("bulletin_series.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    month_day: Mapped[str | None] = mapped_column(String(5))
    on_date: Mapped[date | None] = mapped_column(Date)
    year: Mapped[int | None]
    title: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(512))
    position: Mapped[int] = mapped_column(default=0)  # file order (evergreen items rotate in it)
    source: Mapped[str] = mapped_column(String(16), default="import")
    updated_at: Mapped[datetime]


class BulletinPost(Base):
    """A one-off post of a series, sent to the series' audience at ``publish_at``."""

    __tablename__ = "bulletin_posts"
    __table_args__ = (Index("ix_bulletin_posts_due", "status", "publish_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("bulletin_series.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(512))
    publish_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default=PostStatus.SCHEDULED)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime]


class Subscription(Base):
    """One Official Account user's subscription to one series; ``ended_at`` set when they left."""

    __tablename__ = "bulletin_subscriptions"
    __table_args__ = (UniqueConstraint("series_id", "openid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("bulletin_series.id", ondelete="CASCADE"))
    account: Mapped[str] = mapped_column(String(128))
    openid: Mapped[str] = mapped_column(String(128))
    source: Mapped[str] = mapped_column(String(32), default="chat")  # chat, qrscene, api
    created_at: Mapped[datetime]  # when the current (or last) subscription began
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(32))  # unsubscribe, unfollow, admin


class Follower(Base):
    """Who follows the Official Account, from the follow and unfollow events (and anyone who subscribed)."""

    __tablename__ = "followers"
    __table_args__ = (UniqueConstraint("account", "openid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(128))
    openid: Mapped[str] = mapped_column(String(128))
    scene: Mapped[str | None] = mapped_column(String(64))  # the QR scene of the last follow
    followed_at: Mapped[datetime]
    unfollowed_at: Mapped[datetime | None]


class BulletinRun(Base):
    """One fan-out of a series for a day (or of a one-off post) and its counts."""

    __tablename__ = "bulletin_runs"
    __table_args__ = (UniqueConstraint("series_id", "day", "post_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("bulletin_series.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    post_id: Mapped[int] = mapped_column(default=0)  # 0: the daily bulletin
    slot_at: Mapped[datetime]  # the scheduled time it answers to
    status: Mapped[str] = mapped_column(String(16), default=RunStatus.RUNNING)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=1)  # >1: resumed after a worker died mid-run
    recipients: Mapped[int] = mapped_column(default=0)
    queued: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(16), default="")  # what the day showed: today, this_week, evergreen …


class BulletinDelivery(Base):
    """The exactly-once record: one row per (series, day, post, recipient), queued or skipped with a reason.

    No foreign keys and no index besides the unique key: a fan-out writes 100,000 of these at once, and
    per-row key checks cost a quarter of that; the fan-out takes both ids from rows it has just read, and a
    series with runs is never deleted.
    """

    __tablename__ = "bulletin_deliveries"
    # The unique key's leading columns also find a run's deliveries (a run is its series, day and post).
    __table_args__ = (UniqueConstraint("series_id", "day", "post_id", "recipient"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int]
    day: Mapped[date] = mapped_column(Date)
    post_id: Mapped[int] = mapped_column(default=0)
    recipient: Mapped[str] = mapped_column(String(255))  # openid, robot name, or person:<id> when it had none
    run_id: Mapped[int]
    channel: Mapped[str] = mapped_column(String(32), default="")
    rung: Mapped[str | None] = mapped_column(String(16))  # the rung chosen at fan-out
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(64))
    outbox_key: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime]
