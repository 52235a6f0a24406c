"""Receiving one message: store it once, handle it in its user's turn, answer within WeChat's window.

WeChat retries an unanswered message up to three times, possibly at another
process. The inbound row, unique per (account, dedupe key), is written in the
same transaction as everything the handler changed and queued: claim, handling
and outbox commit together or not at all, so a crash never leaves a claim
behind and a retry simply handles the message again. A retry of a message
already handled finds the row (one read, no lock) and answers what is stored.

One user's messages are handled one at a time: the transaction takes the
user's lock (``Database.locked``: a PostgreSQL advisory lock, SQLite's write
lock) before it changes anything, so a message sees everything the user's
previous one changed — their Person, their conversation step — whichever
process handled it. When the lock was busy, the row is looked up again under
it: the holder may have been this very message, delivered twice at once.
Within a process a duplicate delivery does not even queue for the lock: it
waits for the first request's answer (``_InFlight``), at most until the first
request's own budget ends, and answers "success" at once when the first has
already given up — its reply then travels through the outbox.

A handler that fails is run once more in a fresh transaction. If it fails
again the message is stored ``failed`` with its text: the staff queue
(``GET /api/v1/inbound/failed``), which the apology tells the user about.

When the database cannot be reached, the message goes to the local spool
(bot/wechat/spool.py) and the user is told it will be answered; the spool is
replayed into the inbox, in order, when the database is back
(bot/wechat/replay.py), and the reply then travels through the outbox. A
user with messages waiting in the spool has their next ones queued behind them.

If handling outlives the reply budget (4 s of WeChat's 5), the request answers
"success" and the handler's reply is queued as a customer-service message.
The passive answer is handed to the request only after the transaction
committed. A request handles its message on its own thread while this
process's recent messages were all handled far inside the budget (``_Pacer``);
otherwise on the handler pool, so that it can answer "success" in time
whatever the handler does.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from bot import texts
from bot.db import is_unavailable, stale_connection
from bot.delivery.outbox import Outbox
from bot.dialog.dispatcher import dispatch
from bot.dialog.message import IncomingMessage
from bot.ops import metrics
from bot.ops.logging_setup import log_context, user_key, user_ref
from bot.prepared import Prepared, values_of
from bot.wechat.spool import SpoolError, SpoolRecord
from models import InboundMessage, InboundStatus

log = logging.getLogger(__name__)

__all__ = ["Answer", "Inbox", "Outcome", "Unavailable", "user_key"]

# A row still "processing" after this long belongs to a crashed process: a
# retry may take it over, so the message is never lost. (Rows are written
# finished now; "processing" ones come from earlier versions.)
STALE_CLAIM = timedelta(seconds=30)
USER_LOCK = "inbox.user"  # Database.locked scope: one user's messages, one at a time
HANDLER_ATTEMPTS = 2  # a failing handler is run once more before the message goes to the staff queue


class Outcome(StrEnum):
    HANDLED = "handled"  # answered (passively or through the outbox)
    DUPLICATE = "duplicate"  # already handled: the stored answer
    FAILED = "failed"  # failed twice: apologised, in the staff queue
    SPOOLED = "spooled"  # the database went away: in the spool, replayed later
    UNAVAILABLE = "unavailable"  # the database went away during a replay: try again later
    SKIPPED = "skipped"  # a replayed record that is already in the inbox
    WAIT = "wait"  # a replayed record whose message another request is still handling


class _AlreadyHandled(Exception):
    """The row was finished meanwhile (a takeover lost the race): undo this attempt."""


class _Duplicate(Exception):
    """The inbound row exists already: the message was handled by another request meanwhile."""


class Unavailable(Exception):
    """Neither the database nor the spool could take the message: WeChat must retry it."""


@dataclass(frozen=True)
class Answer:
    """The passive reply: text, or None for WeChat's empty "success"."""

    text: str | None


class _Handoff:
    """Decides, under a lock, whether the request or the outbox delivers the reply."""

    def __init__(self, deadline: float, *, abandoned: bool = False) -> None:
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.deadline = deadline  # time.monotonic() after which the request no longer waits
        self.abandoned = abandoned  # the request gave up waiting (or, replaying, there is none)
        self.answer: Answer | None = None
        self.unavailable = False  # neither stored nor spooled: the request must fail (WeChat retries)
        self.route = "unmatched"  # what handled it, for the metrics


@dataclass
class _Job:
    msg: IncomingMessage
    received_at: datetime
    record: SpoolRecord | None = None  # replaying this spooled record
    ours: set[int] = field(default_factory=set)
    row_id: int | None = None  # an existing row this job took over (else a new row is inserted)
    written_id: int | None = None  # the row inserted by this attempt; its commit may not have landed
    # The row an earlier attempt inserted: its commit may have landed although it raised (the
    # acknowledgement was lost), so a spooled record names it and the replay sends its reply.
    earlier_written_id: int | None = None
    understanding: Any = None
    understood: bool = False
    connected: bool = False  # the database answered this job at least once
    late: bool = False  # the transaction itself queued the reply for the outbox
    outcome: Outcome = Outcome.HANDLED


class _InFlight:
    """The messages this process is handling right now, by (account, dedupe key)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_key: dict[tuple[str, str], _Handoff] = {}

    def enter(self, key: tuple[str, str], handoff: _Handoff) -> _Handoff | None:
        """Register ``handoff`` for ``key``; the handoff already there when another request has it."""
        with self._lock:
            first = self._by_key.get(key)
            if first is None:
                self._by_key[key] = handoff
            return first

    def leave(self, key: tuple[str, str], handoff: _Handoff) -> None:
        with self._lock:
            if self._by_key.get(key) is handoff:
                del self._by_key[key]


class _Pacer:
    """Whether a request may handle its message on its own thread (no hop to the handler pool).

    On its own thread a request cannot answer "success" before the handler is
    done, so it does so only while the slowest of this process's last
    ``WINDOW`` handlings took under ``SHARE`` of the reply budget (and after
    ``MIN_SAMPLES`` of them). One slow handling sends the next ``WINDOW``
    messages through the pool, which keeps the budget whatever they do.
    """

    WINDOW = 32
    MIN_SAMPLES = 8
    SHARE = 0.25

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._recent: deque[float] = deque(maxlen=self.WINDOW)

    def inline(self, budget: float) -> bool:
        recent = self._recent
        return len(recent) >= self.MIN_SAMPLES and max(recent) < budget * self.SHARE

    def record(self, seconds: float) -> None:
        with self._lock:
            self._recent.append(seconds)


def runtime(services: Any) -> tuple[_InFlight, _Pacer]:
    """This process's in-flight table and pacer for ``services`` (created on first use)."""
    state = getattr(services, "_inbox_runtime", None)
    if state is None:
        state = services.__dict__.setdefault("_inbox_runtime", (_InFlight(), _Pacer()))
    return state  # type: ignore[no-any-return]


class Inbox:
    def __init__(self, services: Any) -> None:
        self.services = services
        self.inflight, self.pacer = runtime(services)

    def receive(self, msg: IncomingMessage) -> Answer:
        """Store, handle (once) and answer one message within the reply budget.

        Raises:
            Unavailable: the database is unreachable and the spool refused the message.
        """
        started = time.monotonic()
        with log_context(user=user_ref(msg.user_id)):
            answer, route = self._receive(msg, started)
        metrics.observe_message(msg.event or msg.kind, route, time.monotonic() - started)
        return answer

    def _receive(self, msg: IncomingMessage, started: float) -> tuple[Answer, str]:
        services = self.services
        budget = services.config.server.reply_budget_seconds
        deadline = started + budget
        spool = services.spool
        if spool.has_pending():
            if spool.holds_user(msg.account, msg.user_id):
                # The user's earlier messages wait in the spool (the database is, or was just, away):
                # this one queues behind them, so their messages are handled in order.
                services.wake_replayer()
                return self._spool(msg, None, texts.SPOOLED), Outcome.SPOOLED.value
            services.wake_replayer()  # the database may answer again: replay what waits
        key = (msg.account, msg.dedupe_key)
        handoff = _Handoff(deadline)
        first = self.inflight.enter(key, handoff)
        if first is not None:
            return self._await_in_process(msg, first), Outcome.DUPLICATE.value
        job = _Job(msg, services.clock.now())
        if self.pacer.inline(budget):
            self._handle(job, handoff)
        else:
            services.executor.submit(contextvars.copy_context().run, self._handle, job, handoff)
            handoff.done.wait(max(0.0, deadline - time.monotonic()))
        with handoff.lock:
            if handoff.answer is not None:
                return handoff.answer, handoff.route
            if handoff.unavailable:
                raise Unavailable("the database is unreachable and the spool refused the message")
            handoff.abandoned = True
        if not handoff.done.is_set():
            log.warning("reply budget exceeded, answering later key=%s", msg.dedupe_key)
        return Answer(None), handoff.route

    def _await_in_process(self, msg: IncomingMessage, first: _Handoff) -> Answer:
        """A duplicate delivery while this process handles the first: its answer, or "success" at once."""
        log.info("duplicate delivery while the first is handled key=%s", msg.dedupe_key)
        with first.lock:
            if first.abandoned:
                return Answer(None)  # the first request gave up: its reply goes through the outbox
        first.done.wait(max(0.0, first.deadline - time.monotonic()))
        with first.lock:
            if first.answer is not None:
                return first.answer
            first.abandoned = True  # nobody passes the answer on in time now: the outbox will
        return Answer(None)

    # -- the spool ----------------------------------------------------------------

    def _spool(self, msg: IncomingMessage, row_id: int | None, text: str) -> Answer:
        try:
            self.services.spool.append(SpoolRecord(msg, self.services.clock.now(), row_id))
        except SpoolError as exc:
            log.error("could not spool key=%s: %s", msg.dedupe_key, exc)
            raise Unavailable(str(exc)) from exc
        return Answer(text)

    def replay(self, record: SpoolRecord, ours: set[int]) -> Outcome:
        """Store and handle one spooled message (its reply goes through the outbox).

        ``ours`` holds rows this replayer claimed earlier: those it takes back at
        once; another process's fresh claim it waits for (``Outcome.WAIT``), a
        stale one it takes over.
        """
        msg = record.msg
        key = (msg.account, msg.dedupe_key)
        handoff = _Handoff(time.monotonic(), abandoned=True)
        if self.inflight.enter(key, handoff) is not None:
            return Outcome.WAIT  # a request of this process is handling it right now
        job = _Job(msg, record.received_at, record=record, ours=ours)
        with log_context(user=user_ref(msg.user_id)):
            outcome = self._handle(job, handoff, spool_on_outage=False)
        if outcome is Outcome.UNAVAILABLE and job.row_id is not None:
            ours.add(job.row_id)
        elif job.row_id is not None:
            ours.discard(job.row_id)
        return outcome

    # -- handling -----------------------------------------------------------------

    def _handle(self, job: _Job, handoff: _Handoff, *, spool_on_outage: bool = True) -> Outcome:
        started = time.monotonic()
        try:
            outcome = self._attempt(job, handoff, spool_on_outage)
            handoff.route = handoff.route if outcome is Outcome.HANDLED else outcome.value
            return outcome
        finally:
            self.pacer.record(time.monotonic() - started)
            handoff.done.set()
            self.inflight.leave((job.msg.account, job.msg.dedupe_key), handoff)

    def _attempt(self, job: _Job, handoff: _Handoff, spool_on_outage: bool) -> Outcome:
        msg = job.msg
        error: Exception | None = None
        for attempt in range(1, HANDLER_ATTEMPTS + 1):
            try:
                self._handle_once(job, handoff)
                return job.outcome
            except _AlreadyHandled:
                log.warning("message was handled meanwhile, attempt undone key=%s", msg.dedupe_key)
                return Outcome.HANDLED
            except Exception as exc:  # noqa: BLE001 - the one error boundary on the request path
                error = exc
                if is_unavailable(exc):
                    log.warning("database unavailable while handling (%s) attempt=%s key=%s",
                                type(exc).__name__, attempt, msg.dedupe_key)
                    if not job.connected and not stale_connection(exc):
                        break  # not reachable at all: spool now rather than wait for a second timeout
                else:
                    log.exception("handler failed attempt=%s channel=%s key=%s",
                                  attempt, msg.channel, msg.dedupe_key)
        assert error is not None
        if is_unavailable(error):
            if not spool_on_outage:
                return Outcome.UNAVAILABLE
            row_id = job.written_id or job.row_id or job.earlier_written_id
            try:
                self.services.spool.append(SpoolRecord(msg, job.received_at, row_id))
            except SpoolError as exc:
                log.error("could not spool key=%s: %s", msg.dedupe_key, exc)
                with handoff.lock:
                    handoff.unavailable = True
                return Outcome.UNAVAILABLE
            log.warning("database unavailable: spooled key=%s", msg.dedupe_key)
            with handoff.lock:
                if not handoff.abandoned:
                    handoff.answer = Answer(texts.SPOOLED)
            return Outcome.SPOOLED
        self._record_failure(job, handoff, error)
        return Outcome.FAILED

    def _understand(self, job: _Job) -> Any:
        """The NLP result for the message's text, computed once and outside every lock."""
        if not job.understood:
            msg = job.msg
            if msg.text and not msg.is_event:
                job.understanding = self.services.understand(msg.text)
            job.understood = True
        return job.understanding

    def _handle_once(self, job: _Job, handoff: _Handoff) -> None:
        services = self.services
        msg = job.msg
        understanding = self._understand(job)
        db = services.db
        if job.written_id is not None:
            job.earlier_written_id = job.written_id
        job.written_id = None
        with db.sessions() as session:
            # A retry of a message already handled: answer what is stored, without any lock.
            stored = _find(session, msg)
            job.connected = True
            if self._settle_existing(session, job, handoff, stored, locked=False):
                session.rollback()
                return
            user = f"{msg.account}:{msg.user_id}"
            try:
                with db.locked(session, USER_LOCK, user) as waited:
                    if waited and job.row_id is None and self._settle_existing(
                            session, job, handoff, _find(session, msg), locked=True):
                        session.commit()  # the holder was this very message (a concurrent duplicate)
                        return
                    if job.row_id is not None and not _take_over(session, job.row_id, services.clock.now()):
                        raise _AlreadyHandled
                    decision = self._run(session, job, handoff, understanding)
                    session.commit()
            except _Duplicate:
                # Inserted by a concurrent delivery meanwhile (another process): its answer is ours.
                self._settle_existing(session, job, handoff, _find(session, msg), locked=False)
                session.rollback()
                return
        # Committed: only now may the request pass the answer on.
        text = decision.reply.text
        handoff.route = decision.intent or "unmatched"
        with handoff.lock:
            abandoned = handoff.abandoned
            if not abandoned:
                handoff.answer = Answer(text)
        if abandoned and not job.late and text:  # the request gave up while the transaction committed
            self._defer(msg, job.written_id or job.row_id, text)
        log.info("handled channel=%s key=%s intent=%s", msg.channel, msg.dedupe_key, decision.intent)

    def _run(self, session: Any, job: _Job, handoff: _Handoff, understanding: Any) -> Any:
        """Dispatch and record the outcome in the caller's transaction; returns the Decision."""
        msg = job.msg
        now = self.services.clock.now()
        decision = dispatch(msg, db=session, services=self.services, now=now, understanding=understanding)
        text = decision.reply.text
        with handoff.lock:
            late = handoff.abandoned or time.monotonic() >= handoff.deadline
            if late:
                handoff.abandoned = True
        job.late = late
        status = InboundStatus.DONE
        if late and text:
            _queue_late_reply(session, msg, text, now)
            status = InboundStatus.DEFERRED
        reply = {"text": text}
        if job.row_id is not None:
            if not _finish_row(session, job.row_id, status, reply, now, intent=decision.intent):
                raise _AlreadyHandled
            return decision
        session.flush()  # the handler's own changes first: their errors are the handler's
        values = _row_values(msg, job.received_at, now, status=status, reply=reply, intent=decision.intent,
                             handled_at=now)
        try:
            job.written_id = _INSERT_ROW.scalar(session, values)
        except IntegrityError as exc:
            raise _Duplicate from exc
        return decision

    def _settle_existing(self, session: Any, job: _Job, handoff: _Handoff, row: Any, *, locked: bool) -> bool:
        """Deal with a row already stored for this message; False when this job must still handle it.

        A request answers what is stored, or takes over a stale claim (job.row_id).
        A replay queues a reply its user never saw, takes a claim back, or skips.
        """
        if row is None:
            return False
        msg = job.msg
        now = self.services.clock.now()
        stale = row.claimed_at < now - STALE_CLAIM
        if job.record is None:
            if row.status != InboundStatus.PROCESSING:
                log.info("duplicate delivery key=%s", msg.dedupe_key)
                job.outcome = Outcome.DUPLICATE
                with handoff.lock:
                    if not handoff.abandoned:
                        handoff.answer = _stored_answer(row)
                return True
            if stale:
                log.warning("taking over a stale claim key=%s", msg.dedupe_key)
                job.row_id = row.id
                return False
            job.outcome = Outcome.DUPLICATE  # an earlier version's request is still working: it will deliver
            with handoff.lock:
                if not handoff.abandoned:
                    handoff.answer = Answer(None)
            return True
        # Replaying a spooled record.
        record = job.record
        if row.status == InboundStatus.DONE and row.id == record.row_id and (row.reply or {}).get("text"):
            # The commit landed just as the database went away, so the user was told "we will reply":
            # the reply they never saw goes through the outbox now (a write: under the user's lock).
            if locked:
                _queue_late_reply(session, msg, row.reply["text"], now)
                session.execute(update(InboundMessage).where(InboundMessage.id == row.id)
                                .values(status=InboundStatus.DEFERRED))
            else:
                with self.services.db.locked(session, USER_LOCK, f"{msg.account}:{msg.user_id}"):
                    fresh = _find(session, msg)
                    if fresh is not None and fresh.status == InboundStatus.DONE:
                        _queue_late_reply(session, msg, row.reply["text"], now)
                        session.execute(update(InboundMessage).where(InboundMessage.id == row.id)
                                        .values(status=InboundStatus.DEFERRED))
                    session.commit()
            job.outcome = Outcome.SKIPPED
            return True
        if row.status != InboundStatus.PROCESSING:
            job.outcome = Outcome.SKIPPED  # handled already
            return True
        if row.id == record.row_id or row.id in job.ours or stale:
            job.row_id = row.id
            return False
        job.outcome = Outcome.WAIT  # another request is handling it right now
        return True

    def _defer(self, msg: IncomingMessage, row_id: int | None, text: str) -> None:
        """The request stopped waiting while the handler committed: send the reply through the outbox."""
        if row_id is None:
            return
        try:
            with self.services.db.session() as db:
                now = self.services.clock.now()
                _queue_late_reply(db, msg, text, now)
                db.execute(update(InboundMessage).where(InboundMessage.id == row_id)
                           .values(status=InboundStatus.DEFERRED))
        except Exception:  # noqa: BLE001 - the message is handled; only its reply is lost
            log.exception("could not queue the late reply key=%s", msg.dedupe_key)

    def _record_failure(self, job: _Job, handoff: _Handoff, error: Exception) -> None:
        """Keep the message (status failed: the staff queue) and apologise; nothing is silently dropped."""
        msg = job.msg
        text = texts.INTERNAL_ERROR
        try:
            with self.services.db.session() as db:
                now = self.services.clock.now()
                with handoff.lock:
                    late = handoff.abandoned or time.monotonic() >= handoff.deadline
                    if late:
                        handoff.abandoned = True
                # A late apology travels through the outbox: retries must answer "success", not repeat it.
                reply = {"text": text, "via": "outbox"} if late else {"text": text}
                error_note = f"handler failed {HANDLER_ATTEMPTS} times ({type(error).__name__}); see the server log"
                if job.row_id is not None:
                    if not _finish_row(db, job.row_id, InboundStatus.FAILED, reply, now, error=error_note):
                        return  # finished elsewhere meanwhile: nothing to apologise for
                else:
                    _INSERT_ROW.execute(db, _row_values(msg, job.received_at, now, status=InboundStatus.FAILED,
                                                        reply=reply, error=error_note, handled_at=now))
                if late:
                    _queue_late_reply(db, msg, text, now)
        except IntegrityError:
            return  # handled by a concurrent delivery meanwhile: nothing to apologise for
        except Exception:  # noqa: BLE001 - database down: still answer the user
            log.exception("could not record the failure key=%s", msg.dedupe_key)
        with handoff.lock:
            if not handoff.abandoned:
                handoff.answer = Answer(text)


# Every message runs these: prepared statements on the Table (bot/prepared.py), not SQLAlchemy's execution
# layer, which costs several times the statement itself.
_IN = InboundMessage.__table__
_FIND = Prepared(select(_IN.c.id, _IN.c.status, _IN.c.claimed_at, _IN.c.reply).where(
    _IN.c.account == bindparam("account"), _IN.c.dedupe_key == bindparam("key")))


def _find(session: Any, msg: IncomingMessage) -> Any:
    """The stored row of this message (a few columns), or None."""
    return _FIND.first(session, {"account": msg.account, "key": msg.dedupe_key})


_ROW_COLUMNS = ("account", "dedupe_key", "channel", "user_id", "msg_type", "event", "content", "media_id", "extra",
                "status", "intent", "reply", "error", "received_at", "claimed_at", "handled_at")
_INSERT_ROW = Prepared(insert(_IN).values(values_of(_IN, _ROW_COLUMNS)).returning(_IN.c.id))


def _row_values(msg: IncomingMessage, received_at: datetime, now: datetime, **values: Any) -> dict[str, Any]:
    """The inbound row, finished: it is written once, with the outcome (one prebuilt INSERT)."""
    return {
        "account": msg.account,
        "dedupe_key": msg.dedupe_key,
        "channel": msg.channel,
        "user_id": msg.user_id,
        "msg_type": msg.kind,
        "event": msg.event,
        "content": msg.text or None,
        "media_id": msg.media_id,
        "extra": _jsonable(msg.extra),
        "received_at": received_at,
        "claimed_at": now,
        "intent": None,
        "error": None,
        **values,
    }


def _take_over(session: Any, row_id: int, now: datetime) -> bool:
    """Claim a "processing" row left behind (a crashed process, a replay's own earlier claim)."""
    result = session.execute(
        update(InboundMessage)
        .where(InboundMessage.id == row_id, InboundMessage.status == InboundStatus.PROCESSING)
        .values(claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)


def _finish_row(db: Any, row_id: int, status: str, reply: dict[str, Any], now: datetime, **values: Any) -> bool:
    """Record the outcome; False if the row is no longer "processing" (someone else finished it)."""
    result = db.execute(
        update(InboundMessage)
        .where(InboundMessage.id == row_id, InboundMessage.status == InboundStatus.PROCESSING)
        .values(status=status, reply=reply, handled_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)


def _queue_late_reply(db: Any, msg: IncomingMessage, text: str, now: Any) -> None:
    Outbox(db, now).text(
        channel=msg.channel,
        account=msg.account,
        recipient=msg.user_id,
        kind="late_reply",
        text=text,
        key=f"late_reply:{msg.account}:{msg.dedupe_key}",
    )


def _stored_answer(row: Any) -> Answer:
    if row.status == InboundStatus.DEFERRED or (row.reply or {}).get("via") == "outbox":
        return Answer(None)  # the real reply travels through the outbox
    return Answer((row.reply or {}).get("text"))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value if isinstance(value, (str, int, float, bool)) or value is None else str(value)
