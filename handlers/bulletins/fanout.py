"""Fan-out: a due series (or one-off post) becomes one delivery row and one outbox row per recipient.

Who: the series' audience (subscribers, all followers, residents of grids or buildings, group
robots by name), less anyone who unfollowed or opted out of the series.

How: the first rung of the series' ladder the recipient qualifies for. ``custom`` (an Official
Account customer-service message) only when the inbound log shows a message from them within the
48-hour window, less a safety margin so the window is still open when the worker sends;
``template`` when a template id is configured (``templates.bulletin`` or the series' own);
``robot`` for group robots (20 messages a minute each, enforced by the outbox's rate limiter).
When no rung fits, the delivery is recorded as skipped with the reason. The rung that finally
delivered is the outbox row's ``delivered_via`` (a customer-service message WeChat refuses with
45015 still falls back to the template).

Once: ``bulletin_deliveries`` is unique per (series, day, post, recipient), and the outbox row is
inserted only for a delivery row this transaction inserted: on PostgreSQL by one statement (a
data-modifying CTE feeding the outbox from ``INSERT … ON CONFLICT DO NOTHING RETURNING``), on
SQLite, which has one writer at a time, by a ``NOT EXISTS`` check inside the same transaction. The
outbox key is derived from the same triple and is unique too. Recipients are written in batches of
``bulletins.fanout_batch_size``, one transaction each: a worker killed mid-run leaves whole
batches, and the next run of the same issue inserts only what is missing. Two workers fanning out
the same issue at once both end with exactly one row per recipient.

Fast: recipients reach the database as arrays (PostgreSQL ``unnest``) or through a temporary
table (SQLite), and each rung's payload is rendered once and attached in SQL, so 100,000
recipients are a few dozen statements rather than 200,000 ORM objects.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Date, and_, bindparam, func, select, text, update
from sqlalchemy.orm import Session

from bot.config import Config
from bot.db import Database
from bot.delivery.channels import console_mode
from bot.delivery.channels.official_account import CUSTOMER_SERVICE_WINDOW
from bot.delivery.outbox import Outbox
from bot.jobs.scheduler import CronJob
from handlers.bulletins import service, texts
from handlers.bulletins.calendar import Bulletin
from models import (
    AudienceKind,
    Building,
    BulletinDelivery,
    BulletinPost,
    BulletinRun,
    BulletinSeries,
    DeliveryStatus,
    Follower,
    Grid,
    Identity,
    IdentityKind,
    InboundMessage,
    PostStatus,
    Resident,
    Rung,
    RunStatus,
    Subscription,
)
from models.base import UTCDateTime

log = logging.getLogger(__name__)

KIND = "bulletin"  # the outbox kind (and templates.bulletin)
ROBOT_ACCOUNT = "wecom_robot"
# Customer-service only if the user's last message is at least this far inside the 48-hour window,
# so the window is still open when the worker gets to the message.
WINDOW_MARGIN = timedelta(hours=1)
OFFICIAL_ACCOUNT = "official_account"
# A fan-out queueing at least this many messages refreshes PostgreSQL's statistics of the outbox.
ANALYZE_AFTER = 10_000


class Reason(StrEnum):
    """Why a recipient got no delivery (shown in the run's report)."""

    OUTSIDE_WINDOW = "outside_48h_window"  # no template rung in the ladder
    NO_TEMPLATE_ID = "outside_48h_no_template_id"  # a template rung, but no template id configured
    NO_OPENID = "no_openid"  # a resident with no Official Account identity
    ROBOT_NOT_CONFIGURED = "robot_not_configured"  # a robot name missing from `robots`


@dataclass(frozen=True)
class Issue:
    """One thing to fan out: a series' bulletin of a day (post_id 0) or one of its one-off posts."""

    series_id: int
    day: date
    post_id: int
    slot_at: datetime


@dataclass
class Plan:
    """Every recipient of one issue with its channel, rung and status (column arrays)."""

    recipients: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    rungs: list[str | None] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    reasons: list[str | None] = field(default_factory=list)

    def add(self, recipient: str, channel: str, rung: str | None, reason: str | None) -> None:
        self.recipients.append(recipient)
        self.channels.append(channel)
        self.rungs.append(rung)
        self.statuses.append(DeliveryStatus.QUEUED if rung else DeliveryStatus.SKIPPED)
        self.reasons.append(reason)

    def __len__(self) -> int:
        return len(self.recipients)


@dataclass(frozen=True)
class RunResult:
    run_id: int
    recipients: int
    queued: int  # all queued deliveries of the run
    skipped: int
    added: int  # messages this attempt queued (less than ``queued`` when it finished a killed run)


# --- what is due ---------------------------------------------------------------------------------


def _never(*_: Any) -> int:
    return 0


def last_slot(cron: str, now: datetime, config: Config) -> datetime | None:
    """The newest slot of ``cron`` at or before ``now`` within the catch-up window."""
    job = CronJob("bulletins:slot", _never, cron, config.bulletins.catch_up_hours * 3600, 0)
    return job.last_slot(now, config.tz)


def due_issues(db: Session, now: datetime, config: Config) -> list[Issue]:
    """Daily bulletins whose slot has come and whose run is not done; one-off posts whose time has come."""
    issues: list[Issue] = []
    for series in service.enabled_series(db):
        cron = service.cron_of(series, config)
        if service.check_cron(cron) is not None:
            log.error("bulletin series %s has an invalid cron %r; skipped", series.slug, cron)
            continue
        slot = last_slot(cron, now, config)
        if slot is None:
            continue
        day = slot.astimezone(config.tz).date()
        status = db.scalar(select(BulletinRun.status).where(
            BulletinRun.series_id == series.id, BulletinRun.day == day, BulletinRun.post_id == 0))
        if status != RunStatus.DONE:
            issues.append(Issue(series.id, day, 0, slot))
    oldest = now - timedelta(hours=config.bulletins.catch_up_hours)
    posts = db.scalars(
        select(BulletinPost)
        .join(BulletinSeries, BulletinSeries.id == BulletinPost.series_id)
        .where(BulletinPost.status == PostStatus.SCHEDULED, BulletinPost.publish_at <= now,
               BulletinSeries.enabled.is_(True))
        .order_by(BulletinPost.publish_at, BulletinPost.id)
    )
    for post in posts:
        if post.publish_at < oldest:
            post.status = PostStatus.MISSED
            log.warning("bulletin post %s was due at %s while no worker ran; marked missed", post.id, post.publish_at)
            continue
        issues.append(Issue(post.series_id, post.publish_at.astimezone(config.tz).date(), post.id, post.publish_at))
    return issues


# --- who, and by which rung -------------------------------------------------------------------------


def _opted_out(series: BulletinSeries) -> Any:
    """openids whose subscription to the series has ended (they said 退订, or unfollowed)."""
    return select(Subscription.openid).where(Subscription.series_id == series.id, Subscription.ended_at.is_not(None))


def openid_audience(db: Session, series: BulletinSeries, config: Config) -> tuple[list[str], list[str]]:
    """(openids to reach, ``person:<id>`` of residents without one) for an Official Account audience."""
    kind = series.audience
    if kind == AudienceKind.SUBSCRIBERS:
        rows = db.scalars(
            select(Subscription.openid)
            .outerjoin(Follower, and_(Follower.account == Subscription.account, Follower.openid == Subscription.openid))
            .where(Subscription.series_id == series.id, Subscription.ended_at.is_(None),
                   Follower.unfollowed_at.is_(None))
        )
        return sorted(set(rows)), []
    if kind == AudienceKind.FOLLOWERS:
        rows = db.scalars(
            select(Follower.openid).where(Follower.account == config.account_id, Follower.unfollowed_at.is_(None),
                                          Follower.openid.not_in(_opted_out(series)))
        )
        return sorted(set(rows)), []
    query = (
        select(Resident.person_id, Identity.value)
        .join(Building, Building.id == Resident.building_id)
        .outerjoin(Identity, and_(Identity.person_id == Resident.person_id, Identity.kind == IdentityKind.OPENID))
    )
    targets = list(series.audience_targets or [])
    if kind == AudienceKind.GRID:
        query = query.join(Grid, Grid.id == Building.grid_id).where(Grid.code.in_(targets))
    else:
        query = query.where(Building.code.in_(targets))
    rows = db.execute(query).all()
    gone = set(db.scalars(select(Follower.openid).where(Follower.unfollowed_at.is_not(None))))
    gone |= set(db.scalars(_opted_out(series)))
    openids = {value for _, value in rows if value and value not in gone}
    reached = {person for person, value in rows if value}
    unreachable = sorted({f"person:{person}" for person, value in rows if not value and person not in reached})
    return sorted(openids), unreachable


def in_window(db: Session, config: Config, now: datetime) -> set[str]:
    """openids whose last message is inside the 48-hour customer-service window (less the margin)."""
    since = now - (CUSTOMER_SERVICE_WINDOW - WINDOW_MARGIN)
    return set(db.scalars(
        select(InboundMessage.user_id).distinct().where(
            InboundMessage.channel == OFFICIAL_ACCOUNT, InboundMessage.account == config.account_id,
            InboundMessage.received_at >= since)
    ))


def choose_rung(ladder: Iterable[str], window_open: bool, template_id: str) -> tuple[str | None, str | None]:
    """(rung, None) for the first rung the recipient qualifies for, else (None, reason)."""
    ladder = list(ladder)
    for rung in ladder:
        if rung == Rung.CUSTOM and window_open:
            return Rung.CUSTOM, None
        if rung == Rung.TEMPLATE and template_id:
            return Rung.TEMPLATE, None
    if Rung.TEMPLATE in ladder:
        return None, Reason.NO_TEMPLATE_ID
    return None, Reason.OUTSIDE_WINDOW


def plan(db: Session, series: BulletinSeries, config: Config, now: datetime) -> Plan:
    """Every recipient of the series with the rung that will carry it, or the reason none can."""
    result = Plan()
    ladder = list(series.ladder or service.default_ladder(series.audience))
    if series.audience == AudienceKind.ROBOTS:
        known = config.robots
        check = not console_mode(config)
        for name in sorted(set(series.audience_targets or [])):
            if check and name not in known:
                result.add(name, "wecom_robot", None, Reason.ROBOT_NOT_CONFIGURED)
            else:
                result.add(name, "wecom_robot", Rung.ROBOT, None)
        return result
    openids, unreachable = openid_audience(db, series, config)
    window = in_window(db, config, now) if Rung.CUSTOM in ladder else set()
    template_id = service.template_id_of(series, config)
    # Two possible outcomes per recipient (inside the window or not), decided once, not 100,000 times.
    inside, outside = choose_rung(ladder, True, template_id), choose_rung(ladder, False, template_id)
    chosen = [inside if openid in window else outside for openid in openids]
    count = len(openids)
    result.recipients.extend(openids)
    result.channels.extend([OFFICIAL_ACCOUNT] * count)
    result.rungs.extend(rung for rung, _ in chosen)
    result.statuses.extend(DeliveryStatus.QUEUED if rung else DeliveryStatus.SKIPPED for rung, _ in chosen)
    result.reasons.extend(reason for _, reason in chosen)
    for person in unreachable:
        result.add(person, OFFICIAL_ACCOUNT, None, Reason.NO_OPENID)
    return result


# --- writing -----------------------------------------------------------------------------------------

_DELIVERIES = """
INSERT INTO bulletin_deliveries (series_id, day, post_id, recipient, run_id, channel, rung, status, reason,
                                 outbox_key, created_at)
SELECT :series_id, :day, :post_id, src.recipient, :run_id, src.channel, src.rung, src.status, src.reason,
       CASE WHEN src.status = 'queued' THEN :key_prefix || src.recipient END, :now
FROM {source} WHERE true
ON CONFLICT (series_id, day, post_id, recipient) DO NOTHING"""

_OUTBOX_COLUMNS = """INSERT INTO outbox_messages (idempotency_key, channel, account, recipient, kind, payload, status,
                             attempts, next_attempt_at, created_at)"""
_OUTBOX_VALUES = """{key}, src.channel, CASE WHEN src.rung = 'robot' THEN :robot_account ELSE :account END, src.recipient,
       :kind, {payload}, 'pending', 0, :now, :now"""
_PAYLOAD = "CASE src.rung WHEN 'custom' THEN {custom} WHEN 'template' THEN {template} ELSE {robot} END"
_PAYLOAD_TEXT = _PAYLOAD.format(custom=":p_custom", template=":p_template", robot=":p_robot")
# Each parameter cast on its own is folded into a constant: the JSON is parsed once per batch, not per row.
_PAYLOAD_JSON = _PAYLOAD.format(custom="CAST(:p_custom AS json)", template="CAST(:p_template AS json)",
                                robot="CAST(:p_robot AS json)")

_POSTGRES = (
    "WITH src0 AS (SELECT * FROM unnest(CAST(:recipients AS text[]), CAST(:channels AS text[]), "
    "CAST(:rungs AS text[]), CAST(:statuses AS text[]), CAST(:reasons AS text[])) "
    "AS u(recipient, channel, rung, status, reason)), "
    "ins AS (" + _DELIVERIES.format(source="src0 AS src")
    + " RETURNING recipient, channel, rung, outbox_key) "
    + _OUTBOX_COLUMNS + " SELECT " + _OUTBOX_VALUES.format(key="src.outbox_key", payload=_PAYLOAD_JSON)
    + " FROM ins AS src WHERE src.outbox_key IS NOT NULL ON CONFLICT (idempotency_key) DO NOTHING"
)

_SQLITE_SOURCE = "bulletin_fanout_src"
_SQLITE_CREATE = (f"CREATE TEMP TABLE IF NOT EXISTS {_SQLITE_SOURCE} (recipient TEXT PRIMARY KEY, channel TEXT NOT NULL, "
                  "rung TEXT, status TEXT NOT NULL, reason TEXT)")
_SQLITE_OUTBOX = (
    _OUTBOX_COLUMNS + " SELECT " + _OUTBOX_VALUES.format(key=":key_prefix || src.recipient", payload=_PAYLOAD_TEXT)
    + f" FROM {_SQLITE_SOURCE} AS src WHERE src.status = 'queued' AND NOT EXISTS (SELECT 1 FROM bulletin_deliveries d"
    " WHERE d.series_id = :series_id AND d.day = :day AND d.post_id = :post_id AND d.recipient = src.recipient)"
    " ON CONFLICT (idempotency_key) DO NOTHING"
)


def _typed(statement: str) -> Any:
    return text(statement).bindparams(bindparam("now", type_=UTCDateTime()), bindparam("day", type_=Date()))


def outbox_key_prefix(issue: Issue) -> str:
    return f"bulletin:{issue.series_id}:{issue.day.isoformat()}:{issue.post_id}:"


def write_batch(db: Database, issue: Issue, run_id: int, batch: Plan, payloads: service.Payloads,
                config: Config, now: datetime) -> None:
    """One transaction: the batch's delivery rows, and an outbox row for each delivery row it inserted."""
    params: dict[str, Any] = {
        "series_id": issue.series_id, "day": issue.day, "post_id": issue.post_id, "run_id": run_id,
        "key_prefix": outbox_key_prefix(issue), "now": now, "account": config.account_id,
        "robot_account": ROBOT_ACCOUNT, "kind": KIND,
        "p_custom": payloads.custom, "p_template": payloads.template, "p_robot": payloads.robot,
    }
    with db.session() as s:
        if db.engine.dialect.name == "postgresql":
            # Claims and fan-out rows may lose the last fraction of a second in a server crash: the next
            # run of the issue re-inserts exactly those (see bot/delivery/outbox.py on the same trade-off).
            s.execute(text("SET LOCAL synchronous_commit TO OFF"))
            s.execute(_typed(_POSTGRES), {**params, "recipients": batch.recipients, "channels": batch.channels,
                                           "rungs": batch.rungs, "statuses": batch.statuses, "reasons": batch.reasons})
            return
        connection = s.connection()
        connection.exec_driver_sql(_SQLITE_CREATE)
        connection.exec_driver_sql(f"DELETE FROM {_SQLITE_SOURCE}")
        # Plain tuples straight to the driver: SQLAlchemy's per-row parameter handling costs more than the insert.
        connection.exec_driver_sql(
            f"INSERT INTO {_SQLITE_SOURCE} VALUES (?, ?, ?, ?, ?)",
            list(zip(batch.recipients, batch.channels, [str(r) if r else None for r in batch.rungs],
                     [str(st) for st in batch.statuses], [str(w) if w else None for w in batch.reasons], strict=True)),
        )
        s.execute(_typed(_SQLITE_OUTBOX), params)  # before the deliveries: NOT EXISTS sees only older rows
        s.execute(_typed(_DELIVERIES.format(source=f"{_SQLITE_SOURCE} AS src")), params)
        connection.exec_driver_sql(f"DELETE FROM {_SQLITE_SOURCE}")


def _slices(whole: Plan, size: int) -> Iterable[Plan]:
    for start in range(0, len(whole), size):
        end = start + size
        yield Plan(whole.recipients[start:end], whole.channels[start:end], whole.rungs[start:end],
                   whole.statuses[start:end], whole.reasons[start:end])


def _insert_ignore(db: Database) -> Any:
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def open_run(db: Database, issue: Issue, now: datetime) -> tuple[int, bool]:
    """(run id, already done): create the run row, or count another attempt at an unfinished one."""
    key = (BulletinRun.series_id == issue.series_id, BulletinRun.day == issue.day,
           BulletinRun.post_id == issue.post_id)
    with db.session() as s:
        inserted = s.scalar(
            _insert_ignore(db)(BulletinRun.__table__).values(
                series_id=issue.series_id, day=issue.day, post_id=issue.post_id, slot_at=issue.slot_at,
                status=RunStatus.RUNNING, started_at=now, attempts=1, recipients=0, queued=0, skipped=0, kind="",
            ).on_conflict_do_nothing(index_elements=["series_id", "day", "post_id"]).returning(BulletinRun.__table__.c.id)
        )
        run = s.execute(select(BulletinRun.id, BulletinRun.status).where(*key)).one()
        if inserted is None and run.status != RunStatus.DONE:
            s.execute(update(BulletinRun).where(BulletinRun.id == run.id).values(attempts=BulletinRun.attempts + 1))
        return run.id, run.status == RunStatus.DONE


def compose(db: Session, series: BulletinSeries, issue: Issue) -> Bulletin:
    if issue.post_id:
        post = db.get(BulletinPost, issue.post_id)
        if post is None:
            raise LookupError(f"bulletin post {issue.post_id} vanished")
        return service.post_bulletin(series, post, issue.day)
    return service.bulletin_of(db, series, issue.day)


def run_issue(db: Database, config: Config, issue: Issue, now: datetime) -> RunResult | None:
    """Fan one issue out (or finish one a killed worker left half done); None when it was already done."""
    run_id, done = open_run(db, issue, now)
    if done:
        return None
    with db.session() as s:
        series = s.get(BulletinSeries, issue.series_id)
        if series is None:
            return None
        bulletin = compose(s, series, issue)
        rendered = service.payloads(series, bulletin, config)
        recipients = plan(s, series, config, now)
        slug, kind = series.slug, bulletin.kind
        before = _queued(s, issue)
    for batch in _slices(recipients, config.bulletins.fanout_batch_size):
        write_batch(db, issue, run_id, batch, rendered, config, now)
    with db.session() as s:
        counts = dict(s.execute(
            select(BulletinDelivery.status, func.count()).where(*of_issue(issue))
            .group_by(BulletinDelivery.status)
        ).all())
        queued, skipped = counts.get(DeliveryStatus.QUEUED, 0), counts.get(DeliveryStatus.SKIPPED, 0)
        s.execute(update(BulletinRun).where(BulletinRun.id == run_id).values(
            status=RunStatus.DONE, finished_at=now, recipients=queued + skipped, queued=queued, skipped=skipped,
            kind=str(kind)))
        if issue.post_id:
            s.execute(update(BulletinPost).where(BulletinPost.id == issue.post_id)
                      .values(status=PostStatus.PUBLISHED))
    if queued - before >= ANALYZE_AFTER and db.engine.dialect.name == "postgresql":
        # The planner last counted few pending rows: without fresh statistics it would sort every one of
        # them on each claim of the outbox instead of reading the first batch off the index.
        with db.session() as s:
            s.execute(text("ANALYZE outbox_messages"))
    log.info("bulletin %s %s post=%s: %s queued (%s now), %s skipped", slug, issue.day, issue.post_id, queued,
             queued - before, skipped)
    return RunResult(run_id, queued + skipped, queued, skipped, queued - before)


def of_issue(issue: Issue) -> tuple[Any, ...]:
    """The deliveries of one issue (its run), found through the unique key's leading columns."""
    return (BulletinDelivery.series_id == issue.series_id, BulletinDelivery.day == issue.day,
            BulletinDelivery.post_id == issue.post_id)


def _queued(db: Session, issue: Issue) -> int:
    return db.scalar(select(func.count()).select_from(BulletinDelivery).where(
        *of_issue(issue), BulletinDelivery.status == DeliveryStatus.QUEUED)) or 0


def fan_out_due(db: Database, config: Config, now: datetime) -> int:
    """The cron job: fan out every due issue; returns the messages it queued."""
    with db.session() as s:
        issues = due_issues(s, now, config)
    queued = 0
    for issue in issues:
        result = run_issue(db, config, issue, now)
        queued += result.added if result else 0
    return queued


# --- a test send from the editorial API -----------------------------------------------------------------


@dataclass(frozen=True)
class TestSend:
    outbox_id: int | None
    channel: str
    rung: str | None
    reason: str | None


def queue_test(db: Session, config: Config, series: BulletinSeries, day: date, now: datetime, *,
               openid: str | None = None, robot: str | None = None) -> TestSend:
    """Queue the day's bulletin, marked as a test, to one openid (by the ladder's rules) or robot; no delivery row."""
    bulletin = service.bulletin_of(db, series, day)
    if robot is not None:
        if not console_mode(config) and robot not in config.robots:
            return TestSend(None, "wecom_robot", None, Reason.ROBOT_NOT_CONFIGURED)
        rendered = service.payloads(series, bulletin, config, prefix=texts.TEST_PREFIX, ladder=[Rung.ROBOT])
        channel, account, recipient, rung = "wecom_robot", ROBOT_ACCOUNT, robot, Rung.ROBOT
    else:
        if not openid:
            raise ValueError("a test send needs an openid or a robot")
        ladder = [r for r in (series.ladder or []) if r != Rung.ROBOT] or [Rung.CUSTOM, Rung.TEMPLATE]
        rendered = service.payloads(series, bulletin, config, prefix=texts.TEST_PREFIX, ladder=ladder)
        found, reason = choose_rung(ladder, openid in in_window(db, config, now), service.template_id_of(series, config))
        if found is None:
            return TestSend(None, OFFICIAL_ACCOUNT, None, reason)
        channel, account, recipient, rung = OFFICIAL_ACCOUNT, config.account_id, openid, found
    payload = json.loads(rendered.for_rung(rung) or "{}")
    row = Outbox(db, now).enqueue(channel=channel, account=account, recipient=recipient, kind=KIND, payload=payload)
    return TestSend(row.id, channel, rung, None)
