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

from sqlalchemy import Integer, any_, bindparam, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.clock import Clock, SystemClock
from bot.config import OutboxConfig, RateLimitsConfig
from bot.db import Database
from bot.delivery.channels.base import Outbound
from bot.delivery.channels.errors import CannotDeliver, Outcome, outcome_of
from bot.errors import BotError
from bot.ops import metrics
from bot.prepared import Prepared, attach_loaded
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
    # On the Table: an ORM-enabled INSERT runs through the ORM's bulk layer, several times the cost.
    statement = insert(table).values({name: bindparam(name, type_=table.c[name].type) for name in _COLUMNS})
    return statement.on_conflict_do_nothing(index_elements=["idempotency_key"]).returning(table.c.id)


_ENQUEUE = Prepared({"postgresql": _enqueue(pg_insert), "sqlite": _enqueue(sqlite_insert)})


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
        new_id = _ENQUEUE.scalar(self.db, values)  # pending changes are flushed first, as before a query
        if new_id is None:
            existing = self.db.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == key))
            assert existing is not None
            return existing
        # The row as inserted, known to the session without reading it back.
        # The row as inserted, in the session without reading it back: a caller may still change it.
        return attach_loaded(self.db, OutboxMessage, {"id": new_id, **values, "lease_until": None,
                                                      "lease_owner": None, "last_error": None,
                                                      "delivered_via": None, "sent_at": None})

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
_T = OutboxMessage.__table__
def _claim_scan(postgres: bool) -> Any:
    # The due index is (status, next_attempt_at, id): rows due at the same moment come in queue order.
    query = (select(_T.c.id).where(_T.c.status == bindparam("status"), _T.c.next_attempt_at <= bindparam("now",
             type_=_T.c.next_attempt_at.type)).order_by(_T.c.next_attempt_at, _T.c.id)
             .limit(bindparam("n", type_=Integer)))
    return query.with_for_update(skip_locked=True) if postgres else query


def _claim_lease(postgres: bool) -> Any:
    ids = _T.c.id == any_(bindparam("ids", type_=ARRAY(Integer))) if postgres else _T.c.id.in_(
        bindparam("ids", expanding=True))
    until = bindparam("until", type_=_T.c.lease_until.type)
    return (
        update(_T)
        .where(ids, _T.c.status.in_(_DUE), _T.c.next_attempt_at <= bindparam("now", type_=_T.c.next_attempt_at.type))
        .values(status=OutboxStatus.SENDING, lease_owner=bindparam("owner"), lease_until=until, next_attempt_at=until,
                attempts=_T.c.attempts + 1)
        .returning(_T.c.id, _T.c.channel, _T.c.account, _T.c.recipient, _T.c.kind, _T.c.payload,
                   _T.c.idempotency_key, _T.c.attempts)
    )


_CLAIM_SCAN = {"postgresql": _claim_scan(True), "sqlite": _claim_scan(False)}
_CLAIM_LEASE = {"postgresql": _claim_lease(True), "sqlite": _claim_lease(False)}
_SENT_VALUES = {"status": OutboxStatus.SENT, "sent_at": bindparam("at", type_=_T.c.sent_at.type), "lease_owner": None,
                "lease_until": None, "delivered_via": bindparam("via"), "last_error": bindparam("error")}
_MARK_SENT = {
    # PostgreSQL: one array parameter (the statement is the same for any number of rows).
    "postgresql": update(_T).where(_T.c.id == any_(bindparam("ids", type_=ARRAY(Integer)))).values(_SENT_VALUES),
    "sqlite": update(_T).where(_T.c.id.in_(bindparam("ids", expanding=True))).values(_SENT_VALUES),
}


# Claims and outcomes skip the WAL flush at commit on PostgreSQL (Dispatcher._relax_durability says why).
_RELAXED = "SET LOCAL synchronous_commit TO OFF"

GATHER_ROWS = 16  # a round with fewer rows than this waits GATHER_SECONDS for more, when more are in flight
GATHER_SECONDS = 0.002


class _Pending:
    __slots__ = ("row", "event", "done", "error")

    def __init__(self, row: dict[str, Any]) -> None:
        self.row = row
        self.event = threading.Event()
        self.done = False
        self.error: BaseException | None = None


class _GroupCommit:
    """Writes what many threads want written in as few transactions as possible.

    A caller hands its row over and waits until it is committed. One caller at
    a time writes, for everyone: all the rows waiting at that moment go into
    one transaction; whoever arrived meanwhile is woken to write the next one.
    With one sender that is one row per transaction, as before; with many, one
    transaction per round of completions.
    """

    def __init__(self, write: Any) -> None:
        self._write = write
        self._lock = threading.Lock()
        self._pending: list[_Pending] = []
        self._writing = False
        self.expecting: Any = lambda: 0  # how many sends are in flight (the drain's pipeline tells)

    def sent(self, row: dict[str, Any]) -> None:
        entry = _Pending(row)
        with self._lock:
            self._pending.append(entry)
            lead = not self._writing
            self._writing = True
        while True:
            if lead:
                self._round()
            else:
                entry.event.wait()
            if entry.done:
                break
            entry.event.clear()  # woken to write the next round (it holds this row too)
            lead = True
        if entry.error is not None:
            raise entry.error

    def _round(self) -> None:
        # Sends are still coming back: gather for a moment, so that a round writes many rows
        # (each round is a transaction; the sends wait 30 ms for WeChat anyway).
        if len(self._pending) < GATHER_ROWS and self.expecting() > len(self._pending):
            time.sleep(GATHER_SECONDS)
        with self._lock:
            batch, self._pending = self._pending, []
        error: BaseException | None = None
        try:
            self._write([e.row for e in batch])
        except BaseException as exc:  # noqa: BLE001 - every waiter of the batch gets it
            error = exc
        for e in batch:
            e.error, e.done = error, True
            e.event.set()
        with self._lock:
            if self._pending:
                self._pending[0].event.set()  # the next writer (not done: it writes the next round)
            else:
                self._writing = False

    def close(self) -> None:
        pass


class _Pipeline:
    """The claimed messages of one drain, per recipient, and the senders working through them."""

    def __init__(self, dispatcher: Dispatcher, report: DrainReport, stopped: Any) -> None:
        self.dispatcher = dispatcher
        self.report = report
        self.stopped = stopped
        self.cond = threading.Condition()
        self.queues: dict[tuple[str, str], deque[Outbound]] = {}  # recipient -> messages not started
        self.waiting_count = 0  # messages in the queues
        self.running = 0  # recipients being worked through
        self.low_water = 0  # the drain waits until claimed-and-unfinished falls to this
        self.parallel = dispatcher.config.concurrency > 1

    def waiting(self) -> int:
        with self.cond:
            return self.waiting_count + self.running

    def in_flight(self) -> int:
        return self.running  # recipients being worked through: each has one send out or being recorded

    def add(self, batch: list[Outbound]) -> None:
        start = []
        with self.cond:
            for message in batch:
                key = (message.channel, message.recipient)
                queue = self.queues.get(key)
                if queue is None:
                    queue = self.queues[key] = deque()
                    start.append(key)
                queue.append(message)
                self.waiting_count += 1
            self.running += len(start)
        for key in start:
            if self.parallel:
                self.dispatcher._executor().submit(self._work, key)
            else:
                self._work(key)

    def _work(self, key: tuple[str, str]) -> None:
        """Send one recipient's messages in order until its queue is empty."""
        while True:
            with self.cond:
                queue = self.queues[key]
                if not queue:
                    del self.queues[key]
                    self.running -= 1
                    self.cond.notify_all()
                    return
                message = queue.popleft()
                self.waiting_count -= 1
            if self.stopped():
                self.dispatcher.release([message])
                outcome = "released"
            else:
                try:
                    outcome = self.dispatcher.deliver(message)
                except Exception:  # noqa: BLE001 - recording failed (the database blinked): the lease resends it
                    log.exception("outbox id=%s: outcome not recorded", message.id)
                    outcome = "failed"
            with self.cond:
                setattr(self.report, outcome, getattr(self.report, outcome) + 1)
                if self.waiting_count + self.running <= self.low_water:
                    self.cond.notify_all()  # the drain may claim more (it is not woken for every send)

    def wait_for_room(self, level: int) -> None:
        """Until the messages claimed and not finished are down to ``level`` (or a stop, or 50 ms)."""
        with self.cond:
            self.low_water = level
            self.cond.wait_for(lambda: self.waiting_count + self.running <= level or self.stopped(), timeout=0.05)

    def finish(self, *, release: bool) -> None:
        """Wait for the senders; with ``release`` the messages not started go back to the queue first."""
        if release:
            with self.cond:
                left = [m for queue in self.queues.values() for m in queue]
                for queue in self.queues.values():
                    queue.clear()
                self.waiting_count = 0
            if left:
                self.dispatcher.release(left)
                with self.cond:
                    self.report.released += len(left)
        with self.cond:
            self.cond.wait_for(lambda: self.running == 0)


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
        self._recorder = _GroupCommit(self._write_sent)
        self._record_connection: Any = None  # held by a drain for the group commits of its sends
        self._claim_connection: Any = None  # held by a drain for its claims (no pool checkout and ping each)

    def drain(self, *, stop: threading.Event | None = None, budget_seconds: float | None = None) -> DrainReport:
        """Send due messages until none is left, ``stop`` is set or the budget is spent.

        A pipeline: up to ``outbox.concurrency`` sends run at once (WeChat
        answers in tens of milliseconds; one at a time would cap a worker at a
        few dozen messages a second), and more rows are claimed as soon as
        there is room, not when a whole batch is done. One recipient's messages
        go one after another, in queue order, so a resident never reads "done"
        before "accepted"; recipients run in parallel. A send's outcome is
        recorded before its sender takes the next message (the "sent" ones of
        all senders together, in one transaction: group commit), so a crash
        re-sends at most the sends in flight. ``stop`` hands the claimed rows
        not yet started back at once; after the budget no more rows are claimed.
        """
        report = DrainReport()
        deadline = None if budget_seconds is None else time.monotonic() + budget_seconds
        stopped = stop.is_set if stop is not None else (lambda: False)
        pipeline = _Pipeline(self, report, stopped)
        room = max(self.config.batch_size, 2 * self.config.concurrency)  # claimed and not yet sent, at most
        if pipeline.parallel and self._record_connection is None:
            self._record_connection = self.db.engine.connect()
        if self._claim_connection is None:
            self._claim_connection = self.db.engine.connect()
        self._recorder.expecting = pipeline.in_flight
        try:
            while not stopped():
                if deadline is not None and time.monotonic() > deadline:
                    break
                wanted = room - pipeline.waiting()
                if wanted >= room // 2:  # claim in good-sized batches, not a few rows at a time
                    batch = self.claim(min(wanted, self.config.batch_size))
                    if not batch:
                        break
                    pipeline.add(batch)
                    if len(batch) == min(wanted, self.config.batch_size):
                        continue  # more may be due: fill the pipeline first
                pipeline.wait_for_room(room // 2)
        finally:
            try:
                pipeline.finish(release=stopped())
            finally:
                self._recorder.expecting = lambda: 0
                for conn in (self._record_connection, self._claim_connection):
                    if conn is not None:
                        conn.close()
                self._record_connection = self._claim_connection = None
        return report

    def _executor(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.config.concurrency, thread_name_prefix="outbox-send")
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        self._recorder.close()

    def claim(self, limit: int | None = None) -> list[Outbound]:
        """Lease up to ``limit`` due rows to this dispatcher (committed before anything is sent)."""
        now = self.clock.now()
        lease_until = now + timedelta(seconds=self.config.lease_seconds)
        wanted = limit or self.config.batch_size
        dialect = "postgresql" if self.is_postgres else "sqlite"
        # One index-ordered scan per status (abandoned claims first: they are the older) rather than one
        # "status IN (...) ORDER BY" that sorts every due row on every claim: with a bulletin's 100,000
        # rows queued that sort took 0.7 s per batch on PostgreSQL. The index ends with the id, so rows due
        # at the same moment come in queue order without a sort (heap order is not insertion order once
        # space is reused). The statements are built once (_CLAIM_*): a claim is three of them, Core
        # statements on a connection (no ORM work per claim), the one a drain holds when there is one.
        lease = {"now": now, "owner": self.owner, "until": lease_until}
        conn = self._claim_connection
        if conn is None:
            with self.db.engine.connect() as own:
                rows = self._claim_rows(own, dialect, wanted, lease)
        else:
            try:
                rows = self._claim_rows(conn, dialect, wanted, lease)
            except Exception:
                self._claim_connection = None  # this drain's next claims take pooled connections
                try:
                    conn.invalidate()
                    conn.close()
                except Exception:  # noqa: BLE001 - it is broken already; the claim's error is the one to raise
                    log.debug("closing a broken claim connection failed", exc_info=True)
                raise
        messages = [Outbound(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]) for r in rows]
        messages.sort(key=lambda m: m.id)
        self._prefetch(messages)
        return messages

    def _claim_rows(self, conn: Any, dialect: str, wanted: int, lease: dict[str, Any]) -> list[Any]:
        with conn.begin():
            if self.is_postgres:
                conn.exec_driver_sql(_RELAXED)
            ids: list[int] = []
            for status in (OutboxStatus.SENDING, OutboxStatus.PENDING):
                ids.extend(conn.scalars(_CLAIM_SCAN[dialect], {"status": status, "now": lease["now"],
                                                               "n": wanted - len(ids)}))
                if len(ids) >= wanted:
                    break
            if not ids:
                return []
            return conn.execute(_CLAIM_LEASE[dialect], {"ids": ids, **lease}).all()

    def _prefetch(self, messages: list[Outbound]) -> None:
        """Let channels look up what the sends will need for the whole batch at once (one query, not one each)."""
        by_channel: dict[str, list[Outbound]] = {}
        for message in messages:
            by_channel.setdefault(message.channel, []).append(message)
        for name, batch in by_channel.items():
            prefetch = getattr(self.channels.get(name), "prefetch", None)
            if prefetch is not None:
                try:
                    prefetch(batch)
                except Exception:  # noqa: BLE001 - an optimisation: each send looks it up itself otherwise
                    log.exception("prefetch for channel %s failed", name)

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
        # Recorded even if our lease ran out meanwhile: the message did go out.
        self._recorder.sent({"id": message.id, "via": delivery.via, "error": delivery.detail or None})
        return "sent"

    def _write_sent(self, rows: list[dict[str, Any]]) -> None:
        """Mark ``rows`` sent, in one transaction: one UPDATE per kind of outcome (nearly always one)."""
        groups: dict[tuple[str, str | None], list[int]] = {}
        for row in rows:
            groups.setdefault((row["via"], row["error"]), []).append(row["id"])
        statement = _MARK_SENT["postgresql" if self.is_postgres else "sqlite"]
        at = self.clock.now()
        conn = self._record_connection
        if conn is None:  # outside a drain (a single deliver): an ordinary short transaction
            with self.db.session() as s:
                self._relax_durability(s)
                for (via, error), ids in groups.items():
                    s.connection().execute(statement, {"ids": ids, "at": at, "via": via, "error": error})
            return
        # During a drain: the connection it holds for this (no pool checkout, no ping per round).
        try:
            with conn.begin():
                if self.is_postgres:
                    conn.exec_driver_sql(_RELAXED)
                for (via, error), ids in groups.items():
                    conn.execute(statement, {"ids": ids, "at": at, "via": via, "error": error})
        except Exception:
            conn.invalidate()  # a broken connection is not reused; the next round takes a new one
            self._record_connection = self.db.engine.connect()
            raise

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
            s.connection().exec_driver_sql(_RELAXED)

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
