"""Who receives a series: subscriptions by chat or QR scene, opt-outs, and the followers we know of.

An unfollow ends every subscription and marks the follower gone; from then on
no audience includes them, and their bulletins still waiting in the outbox are
cancelled. Leaving one series (退订) ends that subscription, or records an
opt-out when the series goes to all followers or to residents of a place.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import AudienceKind, BulletinSeries, Follower, OutboxMessage, OutboxStatus, Subscription

OPTED_OUT = "unsubscribe"
UNFOLLOWED = "unfollow"


def note_follow(db: Session, account: str, openid: str, now: datetime, scene: str | None = None) -> None:
    """Record that ``openid`` follows the account (a follow event, or any sign of life such as subscribing)."""
    row = db.scalar(select(Follower).where(Follower.account == account, Follower.openid == openid))
    if row is None:
        db.add(Follower(account=account, openid=openid, scene=scene, followed_at=now))
    else:
        if row.unfollowed_at is not None:  # followed again
            row.unfollowed_at, row.followed_at = None, now
        if scene:
            row.scene = scene
    db.flush()


def note_unfollow(db: Session, account: str, openid: str, now: datetime) -> int:
    """The user unfollowed: end all their subscriptions and cancel their queued bulletins; returns subscriptions ended."""
    row = db.scalar(select(Follower).where(Follower.account == account, Follower.openid == openid))
    if row is None:
        db.add(Follower(account=account, openid=openid, followed_at=now, unfollowed_at=now))
    else:
        row.unfollowed_at = now
    ended = db.execute(
        update(Subscription)
        .where(Subscription.openid == openid, Subscription.ended_at.is_(None))
        .values(ended_at=now, end_reason=UNFOLLOWED)
        .execution_options(synchronize_session=False)
    ).rowcount
    cancel_queued(db, openid, "cancelled: the user unfollowed the account")
    return int(ended or 0)


def cancel_queued(db: Session, openid: str, reason: str, series: BulletinSeries | None = None) -> int:
    """Bulletins (of ``series``, or all) still pending for ``openid`` will not be sent."""
    condition = [
        OutboxMessage.recipient == openid,
        OutboxMessage.kind == "bulletin",
        OutboxMessage.status == OutboxStatus.PENDING,
    ]
    if series is not None:
        condition.append(OutboxMessage.idempotency_key.like(f"bulletin:{series.id}:%"))
    result = db.execute(
        update(OutboxMessage).where(*condition).values(status=OutboxStatus.FAILED, last_error=reason)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


def is_subscribed(db: Session, series: BulletinSeries, openid: str) -> bool:
    return db.scalar(
        select(Subscription.id).where(Subscription.series_id == series.id, Subscription.openid == openid,
                                      Subscription.ended_at.is_(None))
    ) is not None


def subscribe(db: Session, series: BulletinSeries, account: str, openid: str, now: datetime, source: str) -> bool:
    """Start (or resume) a subscription; False when it was already active."""
    row = db.scalar(select(Subscription).where(Subscription.series_id == series.id, Subscription.openid == openid))
    note_follow(db, account, openid, now)
    if row is None:
        db.add(Subscription(series_id=series.id, account=account, openid=openid, source=source, created_at=now))
        db.flush()
        return True
    if row.ended_at is None:
        return False
    row.ended_at, row.end_reason, row.created_at, row.source, row.account = None, None, now, source, account
    db.flush()
    return True


def unsubscribe(db: Session, series: BulletinSeries, account: str, openid: str, now: datetime) -> bool:
    """Stop ``series`` for ``openid``; True when they were receiving it (a subscription, or an audience by place)."""
    row = db.scalar(select(Subscription).where(Subscription.series_id == series.id, Subscription.openid == openid))
    was_active = row is not None and row.ended_at is None
    if row is None:
        if series.audience == AudienceKind.SUBSCRIBERS:
            return False
        # All followers / residents of a place: remember the opt-out so the audience leaves them out.
        db.add(Subscription(series_id=series.id, account=account, openid=openid, source="chat", created_at=now,
                            ended_at=now, end_reason=OPTED_OUT))
    elif was_active:
        row.ended_at, row.end_reason = now, OPTED_OUT
    elif series.audience == AudienceKind.SUBSCRIBERS:
        return False
    cancel_queued(db, openid, "cancelled: the user unsubscribed", series)
    db.flush()
    return was_active or series.audience != AudienceKind.SUBSCRIBERS


def active_series(db: Session, openid: str) -> list[BulletinSeries]:
    """The enabled series ``openid`` has an active subscription to."""
    return list(
        db.scalars(
            select(BulletinSeries)
            .join(Subscription, Subscription.series_id == BulletinSeries.id)
            .where(Subscription.openid == openid, Subscription.ended_at.is_(None), BulletinSeries.enabled.is_(True))
            .order_by(BulletinSeries.id)
        )
    )
