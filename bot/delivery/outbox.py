"""The durable outbox: enqueue in the caller's transaction; claim, send and record in the worker.

Anything that talks to WeChat's API goes through here. A row's life:

    pending --claim--> sending --sent / failed (permanent) / dead (attempts exhausted)
                          |  \\--retry: pending again at next_attempt_at (backoff with jitter)
                          \\--lease expired (the worker died): due again, claimed by anyone

Claiming moves ``next_attempt_at`` to the end of the lease, so one index
(status, next_attempt_at) finds both pending rows and abandoned claims.
PostgreSQL claims with ``FOR UPDATE SKIP LOCKED`` so any number of workers
split the queue; on SQLite the claiming UPDATE re-checks the same condition,
which keeps even an accidental second dispatcher from sending a row twice.
The attempt is counted when the row is claimed, so a message that crashes its
worker every time still ends up dead instead of looping forever.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections import deque
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, make_transient_to_detached

from bot.clock import Clock, SystemClock
from bot.config import OutboxConfig, RateLimitsConfig
from bot.db import Database
from bot.delivery.channels.base import Outbound
from bot.delivery.channels.errors import CannotDeliver, Outcome, outcome_of
from bot.errors import BotError
from bot.ops import metrics
from models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

# Back off at least this long after a quota / frequency error (45009 …).
RATE_LIMITED_MIN_DELAY = 60.0
# A local rate limit shorter than this is waited out; longer, the row is put back.
MAX_INLINE_WAIT = 1.0


_COLUMNS = ("idempotency_key", "channel", "account", "recipient", "kind", "payload", "status", "attempts",
            "next_attempt_at", "created_at")


def _enqueue(insert: Any) -> Any:
    table = OutboxMessage.__table__
    statement = insert(OutboxMessage).values({name: bindparam(name, type_=table.c[name].type) for name in _COLUMNS})
    return statement.on_conflict_do_nothing(index_elements=["idempotency_key"]).returning(OutboxMessage.id)


_ENQUEUE = {"postgresql": _enqueue(pg_insert), "sqlite": _enqueue(sqlite_insert)}


class Outbox:
    """Queues messages as rows of the session's current transaction."""

    def __init__(self, db: Session, now: datetime) -> None:
        self.db = db
        self.now = now

    def enqueue(
        self,
        *,
        channel: str,
        account: str,
        recipient: str,
        kind: str,
        payload: dict[str, Any],
        key: str | None = None,
    ) -> OutboxMessage:
        """Queue one message; with an idempotency ``key`` the same message is queued once.

        One statement: INSERT … ON CONFLICT (key) DO NOTHING RETURNING id; only
        when the key is taken is the existing row read (and returned).
        """
        values: dict[str, Any] = {
            "idempotency_key": key or f"{kind}:{uuid.uuid4().hex}",
            "channel": channel,
            "account": account,
            "recipient": recipient,
            "kind": kind,
            "payload": payload,
            "status": OutboxStatus.PENDING,
            "attempts": 0,
            "next_attempt_at": self.now,
            "created_at": self.now,
        }
        statement = _ENQUEUE["postgresql" if self.db.get_bind().dialect.name == "postgresql" else "sqlite"]
        new_id = self.db.scalar(statement, values)  # pending changes are flushed first, as before a query
        if new_id is None:
            existing = self.db.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == key))
            assert existing is not None
            return existing
        # The row as inserted, known to the session without reading it back.
        row = OutboxMessage(id=new_id, **values, lease_until=None, lease_owner=None, last_error=None,
                            delivered_via=None, sent_at=None)
        make_transient_to_detached(row)
        self.db.add(row)
        return row

    def text(
        self, *, channel: str, account: str, recipient: str, kind: str, text: str, key: str | None = None
    ) -> OutboxMessage:
        return self.enqueue(
            channel=channel,
            account=account,
            recipient=recipient,
            kind=kind,
            payload={"msgtype": "text", "text": text},
            key=key,
        )


# -- admin: dead and failed rows ------------------------------------------------------


@dataclass(frozen=True)
class UndeliveredRow:
    id: int
    channel: str
    recipient: str
    kind: str
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime


def undelivered(db: Session, *, limit: int = 100) -> list[UndeliveredRow]:
    """Dead and failed messages, newest first, with their errors (what an admin reviews)."""
    rows = db.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status.in_([OutboxStatus.DEAD, OutboxStatus.FAILED]))
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    return [
        UndeliveredRow(r.id, r.channel, r.recipient, r.kind, r.status, r.attempts, r.last_error, r.created_at)
        for r in rows
    ]


def retry_dead(db: Session, outbox_id: int, now: datetime | None = None) -> bool:
    """Send a dead (or permanently failed) message again, with a fresh set of attempts.

    Returns False when the row does not exist or is not dead/failed. The last
    error stays on the row until the next attempt replaces it.
    """
    now = now or SystemClock().now()
    result = db.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id, OutboxMessage.status.in_([OutboxStatus.DEAD, OutboxStatus.FAILED]))
        .values(status=OutboxStatus.PENDING, attempts=0, next_attempt_at=now, lease_owner=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def retry_dead_messages(database: Database, ids: Sequence[int] | None = None, now: datetime | None = None) -> int:
    """CLI entry: retry the given rows, or every dead row when ``ids`` is None; returns how many."""
    with database.session() as db:
        if ids is None:
            ids = list(db.scalars(select(OutboxMessage.id).where(OutboxMessage.status == OutboxStatus.DEAD)))
        return sum(1 for outbox_id in ids if retry_dead(db, outbox_id, now))


# -- rate limits -----------------------------------------------------------------------


class RateLimiter:
    """Per-channel messages-per-minute limits of one worker process (0 = unlimited).

    A channel whose limit counts per recipient (the group robot: 20 a minute per
    key) gets a sliding window per recipient; the others a token bucket.
    """

    def __init__(self, limits: RateLimitsConfig, clock: Any = time.monotonic) -> None:
        self.limits = limits.model_dump()
        self.clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # channel -> (tokens, at)
        self._windows: dict[tuple[str, str], deque[float]] = {}

    def wait(self, channel: str, recipient: str, per_recipient: bool) -> float:
        """Seconds to wait before sending; 0 means go now (and the send is counted)."""
        per_minute = int(self.limits.get(channel, 0) or 0)
        if per_minute <= 0:
            return 0.0
        now = self.clock()
        with self._lock:
            if per_recipient:
                window = self._windows.setdefault((channel, recipient), deque())
                while window and window[0] <= now - 60.0:
                    window.popleft()
                if len(window) >= per_minute:
                    return window[0] + 60.0 - now
                window.append(now)
                return 0.0
            rate = per_minute / 60.0
            capacity = max(1.0, rate)
            tokens, at = self._buckets.get(channel, (capacity, now))
            tokens = min(capacity, tokens + (now - at) * rate)
            if tokens < 1.0:
                self._buckets[channel] = (tokens, now)
                return (1.0 - tokens) / rate
            self._buckets[channel] = (tokens - 1.0, now)
            return 0.0


# -- the dispatcher ----------------------------------------------------------------------


def backoff_delay(attempts: int, config: OutboxConfig, rng: random.Random) -> float:
    """Exponential backoff with jitter: base·2^(n-1), capped, then a random 50–100 % of it.

    The jitter spreads retries of a burst (say, after WeChat was down) instead
    of firing them all in the same second again.
    """
    exponent = min(max(attempts - 1, 0), 30)
    delay = min(config.backoff_max_seconds, config.backoff_base_seconds * (2**exponent))
    return delay * rng.uniform(0.5, 1.0)


@dataclass
class DrainReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    dead: int = 0
    deferred: int = 0
    released: int = 0

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.failed + self.dead + self.deferred


_DUE = (OutboxStatus.PENDING, OutboxStatus.SENDING)


class Dispatcher:
    """Claims due rows, sends each through its channel and records the outcome at once."""

    def __init__(
        self,
        db: Database,
        channels: Any,  # bot.delivery.channels.ChannelSet
        config: OutboxConfig,
        *,
        clock: Clock | None = None,
        limiter: RateLimiter | None = None,
        owner: str | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.db = db
        self.channels = channels
        self.config = config
        self.clock = clock or SystemClock()
        self.limiter = limiter
        self.owner = owner or f"dispatcher:{uuid.uuid4().hex[:12]}"
        self.rng = rng or random.Random()
        self.is_postgres = db.engine.dialect.name == "postgresql"
        self._pool: ThreadPoolExecutor | None = None

    def drain(self, *, stop: threading.Event | None = None, budget_seconds: float | None = None) -> DrainReport:
        """Send due messages until none is left, ``stop`` is set or the budget is spent.

        Up to ``outbox.concurrency`` sends of a batch run at once (WeChat
        answers in tens of milliseconds; one at a time would cap a worker at a
        few dozen messages a second). Each outcome is recorded as soon as its
        send returns, so a crash re-sends at most the sends in flight.
        """
        report = DrainReport()
        deadline = None if budget_seconds is None else time.monotonic() + budget_seconds

        def over() -> bool:
            return (stop is not None and stop.is_set()) or (deadline is not None and time.monotonic() > deadline)

        def in_order(messages: list[Outbound]) -> list[str]:
            outcomes = []
            for message in messages:
                if over():
                    self.release([message])
                    outcomes.append("released")
                else:
                    outcomes.append(self.deliver(message))
            return outcomes

        while not over():
            batch = self.claim()
            if not batch:
                break
            # One recipient's messages go one after another, in queue order, so a
            # resident never reads "done" before "accepted"; recipients run in parallel.
            groups: dict[tuple[str, str], list[Outbound]] = {}
            for message in batch:
                groups.setdefault((message.channel, message.recipient), []).append(message)
            if self.config.concurrency > 1 and len(groups) > 1:
                results = list(self._executor().map(in_order, groups.values()))
            else:
                results = [in_order(group) for group in groups.values()]
            for outcome in (o for group in results for o in group):
                setattr(report, outcome, getattr(report, outcome) + 1)
        return report

    def _executor(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.config.concurrency, thread_name_prefix="outbox-send")
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def claim(self, limit: int | None = None) -> list[Outbound]:
        """Lease up to ``limit`` due rows to this dispatcher (committed before anything is sent)."""
        now = self.clock.now()
        lease_until = now + timedelta(seconds=self.config.lease_seconds)
        due = (OutboxMessage.status.in_(_DUE), OutboxMessage.next_attempt_at <= now)
        wanted = limit or self.config.batch_size
        # One index-ordered scan per status (abandoned claims first: they are the older) rather than one
        # "status IN (...) ORDER BY" that sorts every due row on every claim: with a bulletin's 100,000
        # rows queued that sort took 0.7 s per batch on PostgreSQL. PostgreSQL keeps equal times in index
        # (insertion) order, since ordering them by id would sort the whole tie again; SQLite's index
        # already ends with the id.
        order = (OutboxMessage.next_attempt_at,) if self.is_postgres else (OutboxMessage.next_attempt_at, OutboxMessage.id)
        with self.db.session() as s:
            self._relax_durability(s)
            ids: list[int] = []
            for status in (OutboxStatus.SENDING, OutboxStatus.PENDING):
                query = (
                    select(OutboxMessage.id)
                    .where(OutboxMessage.status == status, OutboxMessage.next_attempt_at <= now)
                    .order_by(*order)
                    .limit(wanted - len(ids))
                )
                if self.is_postgres:
                    query = query.with_for_update(skip_locked=True)
                ids.extend(s.scalars(query))
                if len(ids) >= wanted:
                    break
            if not ids:
                return []
            rows = s.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids), *due)
                .values(
                    status=OutboxStatus.SENDING,
                    lease_owner=self.owner,
                    lease_until=lease_until,
                    next_attempt_at=lease_until,
                    attempts=OutboxMessage.attempts + 1,
                )
                .returning(
                    OutboxMessage.id,
                    OutboxMessage.channel,
                    OutboxMessage.account,
                    OutboxMessage.recipient,
                    OutboxMessage.kind,
                    OutboxMessage.payload,
                    OutboxMessage.idempotency_key,
                    OutboxMessage.attempts,
                )
                .execution_options(synchronize_session=False)
            ).all()
        messages = [Outbound(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]) for r in rows]
        messages.sort(key=lambda m: m.id)
        return messages

    def deliver(self, message: Outbound) -> str:
        """Send one claimed message and record what happened; returns the DrainReport field it counts in."""
        channel = self.channels.get(message.channel)
        if channel is None:
            return self._finish_failed(message, CannotDeliver(f"channel {message.channel!r} is not configured"))
        if self.limiter is not None:
            wait = self.limiter.wait(message.channel, message.recipient, channel.capabilities.per_recipient_rate_limit)
            if wait > MAX_INLINE_WAIT:
                self._put_back(message, self.clock.now() + timedelta(seconds=wait))
                return "deferred"
            if wait > 0:
                time.sleep(wait)
        try:
            delivery = channel.push(message)
        except BotError as exc:
            metrics.observe_send(message.channel, "error", getattr(exc, "errcode", None))
            return self._finish_failed(message, exc)
        except Exception as exc:  # noqa: BLE001 - a bug in a channel must not lose the message
            log.exception("channel %s crashed on outbox id=%s", message.channel, message.id)
            metrics.observe_send(message.channel, "crash")
            return self._finish_failed(message, exc)
        metrics.observe_send(message.channel, "sent")
        with self.db.session() as s:
            self._relax_durability(s)
            # Recorded even if our lease ran out meanwhile: the message did go out.
            s.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message.id)
                .values(
                    status=OutboxStatus.SENT,
                    sent_at=self.clock.now(),
                    lease_owner=None,
                    lease_until=None,
                    delivered_via=delivery.via,
                    last_error=delivery.detail or None,
                )
                .execution_options(synchronize_session=False)
            )
        return "sent"

    def release(self, messages: Sequence[Outbound]) -> int:
        """Give claimed but unsent rows back at once (shutdown), without counting an attempt."""
        now = self.clock.now()
        for message in messages:
            self._put_back(message, now)
        return len(messages)

    def _relax_durability(self, s: Session) -> None:
        """Skip the per-commit WAL flush for claims and outcomes on PostgreSQL.

        A PostgreSQL crash could then forget the last fraction of a second of
        them: a forgotten claim leaves the row pending, a forgotten "sent"
        resends it, and nothing is lost or corrupted. It makes each message
        several times cheaper than waiting for fsync. A worker crash is not
        affected: its commits already reached the server.
        """
        if self.is_postgres:
            s.execute(text("SET LOCAL synchronous_commit TO OFF"))

    # -- outcomes ---------------------------------------------------------------------------

    def _finish_failed(self, message: Outbound, error: Exception) -> str:
        outcome = outcome_of(error) if isinstance(error, BotError) else Outcome.RETRY
        if outcome is Outcome.REFRESH_TOKEN:
            outcome = Outcome.RETRY  # the channel already refreshed and retried once
        reason = f"{type(error).__name__}: {error}"[:1000]
        now = self.clock.now()
        values: dict[str, Any] = {"last_error": reason, "lease_owner": None, "lease_until": None}
        if outcome in (Outcome.FAIL, Outcome.FALLBACK):
            values["status"] = OutboxStatus.FAILED
            counted = "failed"
            log.warning("outbox id=%s failed permanently: %s", message.id, reason)
        elif message.attempts >= self.config.max_attempts:
            values["status"] = OutboxStatus.DEAD
            counted = "dead"
            log.error("outbox id=%s dead after %s attempts: %s", message.id, message.attempts, reason)
        else:
            delay = backoff_delay(message.attempts, self.config, self.rng)
            if outcome is Outcome.BACK_OFF:
                delay = max(delay, RATE_LIMITED_MIN_DELAY * self.rng.uniform(1.0, 1.5))
            values["status"] = OutboxStatus.PENDING
            values["next_attempt_at"] = now + timedelta(seconds=delay)
            counted = "retried"
            log.info("outbox id=%s attempt %s failed (%s), retry in %.0fs", message.id, message.attempts, reason, delay)
        self._update_own(message, values)
        return counted

    def _put_back(self, message: Outbound, when: datetime) -> None:
        self._update_own(
            message,
            {
                "status": OutboxStatus.PENDING,
                "next_attempt_at": when,
                "attempts": OutboxMessage.attempts - 1,
                "lease_owner": None,
                "lease_until": None,
            },
        )

    def _update_own(self, message: Outbound, values: dict[str, Any]) -> None:
        # Only while we still hold the lease: after it expired another worker owns the row.
        with self.db.session() as s:
            self._relax_durability(s)
            s.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == message.id,
                    OutboxMessage.lease_owner == self.owner,
                    OutboxMessage.status == OutboxStatus.SENDING,
                )
                .values(**values)
                .execution_options(synchronize_session=False)
            )
