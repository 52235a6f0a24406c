"""Receiving one message: store it once, handle it in its user's turn, answer within WeChat's window.

WeChat retries an unanswered message up to three times, possibly at another
process. The inbound row, unique per (account, dedupe key), is the lock: the
first request inserts it and handles the message; a retry finds the row and
waits for the stored answer instead of handling it again.

One user's messages are handled one at a time: the handler's transaction
starts by taking the user's lock (``Database.serialized``: a PostgreSQL
advisory lock, SQLite's write lock), so a message sees everything the user's
previous one changed — their Person, their conversation step — whichever
process handled it.

A handler that fails is run once more in a fresh transaction. If it fails
again the message stays ``failed`` with its text: the staff queue
(``GET /api/v1/inbound/failed``), which the apology tells the user about.

When the database cannot be reached, the message goes to the local spool
(bot/wechat/spool.py) and the user is told it will be answered; the spool is
replayed into the inbox, in order, when the database is back
(bot/wechat/replay.py), and the reply then travels through the outbox. A
user with messages waiting in the spool has their next ones queued behind them.

If handling outlives the reply budget (4 s of WeChat's 5), the request answers
"success" and the handler's reply is queued as a customer-service message.
The passive answer is handed to the request only after the handler's
transaction committed.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot import texts
from bot.db import is_unavailable
from bot.delivery.outbox import Outbox
from bot.dialog.dispatcher import dispatch
from bot.dialog.message import IncomingMessage
from bot.wechat.spool import SpoolError, SpoolRecord
from models import InboundMessage, InboundStatus

log = logging.getLogger(__name__)

# A row still "processing" after this long belongs to a crashed process: a
# retry may take it over, so the message is never lost.
STALE_CLAIM = timedelta(seconds=30)
_POLL_SECONDS = 0.05
USER_LOCK = "inbox.user"  # Database.serialized scope: one user's messages, one at a time
HANDLER_ATTEMPTS = 2  # a failing handler is run once more before the message goes to the staff queue


class Outcome(StrEnum):
    HANDLED = "handled"  # answered (passively or through the outbox)
    FAILED = "failed"  # failed twice: apologised, in the staff queue
    SPOOLED = "spooled"  # the database went away: in the spool, replayed later
    UNAVAILABLE = "unavailable"  # the database went away during a replay: try again later
    SKIPPED = "skipped"  # a replayed record that is already in the inbox
    WAIT = "wait"  # a replayed record whose message another request is still handling


class _AlreadyHandled(Exception):
    """The row was finished meanwhile (a commit whose outcome was unknown, a takeover): undo this attempt."""


class Unavailable(Exception):
    """Neither the database nor the spool could take the message: WeChat must retry it."""


@dataclass(frozen=True)
class Answer:
    """The passive reply: text, or None for WeChat's empty "success"."""

    text: str | None


def user_key(user_id: str) -> str:
    """A short hash of a user id for logs (openids are personal data)."""
    return hashlib.sha256(user_id.encode()).hexdigest()[:10]


class _Handoff:
    """Decides, under a lock, whether the request or the outbox delivers the reply."""

    def __init__(self, *, abandoned: bool = False) -> None:
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.abandoned = abandoned  # the request gave up waiting (or, replaying, there is none)
        self.answer: Answer | None = None


class Inbox:
    def __init__(self, services: Any) -> None:
        self.services = services

    def receive(self, msg: IncomingMessage) -> Answer:
        """Store, handle (once) and answer one message within the reply budget.

        Raises:
            Unavailable: the database is unreachable and the spool refused the message.
        """
        services = self.services
        deadline = time.monotonic() + services.config.server.reply_budget_seconds
        spooled = services.spool.has_pending()
        if spooled and services.spool.holds_user(msg.account, msg.user_id):
            # The user's earlier messages wait in the spool (the database is, or was just, away):
            # this one queues behind them, so their messages are handled in order.
            services.wake_replayer()
            return self._spool(msg, None, texts.SPOOLED)
        try:
            row_id = self._claim(msg, services.clock.now())
            if spooled:
                services.wake_replayer()  # the database answers again: replay what waits
            if row_id is None:
                return self._await_original(msg, deadline)
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            log.warning("database unavailable (%s): spooling key=%s user=%s",
                        type(exc).__name__, msg.dedupe_key, user_key(msg.user_id))
            return self._spool(msg, None, texts.SPOOLED)
        return self._handle_within(msg, row_id, deadline)

    # -- claiming -----------------------------------------------------------------

    def _claim(self, msg: IncomingMessage, received_at: datetime) -> int | None:
        """Insert the inbound row; None if another request already has it."""
        now = self.services.clock.now()
        row = InboundMessage(
            account=msg.account,
            dedupe_key=msg.dedupe_key,
            channel=msg.channel,
            user_id=msg.user_id,
            msg_type=msg.kind,
            event=msg.event,
            content=msg.text or None,
            media_id=msg.media_id,
            extra=_jsonable(msg.extra),
            status=InboundStatus.PROCESSING,
            received_at=received_at,
            claimed_at=now,
        )
        try:
            with self.services.db.session() as db:
                db.add(row)
        except IntegrityError:
            return None
        return row.id

    def _await_original(self, msg: IncomingMessage, deadline: float) -> Answer:
        """A retry: wait for the first request's answer, or take over a stale claim."""
        log.info("duplicate delivery key=%s user=%s", msg.dedupe_key, user_key(msg.user_id))
        while True:
            with self.services.db.session() as db:
                row = db.scalar(
                    select(InboundMessage).where(
                        InboundMessage.account == msg.account,
                        InboundMessage.dedupe_key == msg.dedupe_key,
                    )
                )
                if row is None:  # anonymised and purged long ago: nothing to redo
                    return Answer(None)
                if row.status != InboundStatus.PROCESSING:
                    return _stored_answer(row)
                if self._take_over_stale(db, row.id):
                    row_id = row.id
                    break
            if time.monotonic() >= deadline:
                return Answer(None)  # the first request is still working; it will deliver
            time.sleep(_POLL_SECONDS)
        log.warning("taking over a stale claim key=%s", msg.dedupe_key)
        return self._handle_within(msg, row_id, deadline)

    def _take_over_stale(self, db: Any, row_id: int) -> bool:
        now = self.services.clock.now()
        result = db.execute(
            update(InboundMessage)
            .where(
                InboundMessage.id == row_id,
                InboundMessage.status == InboundStatus.PROCESSING,
                InboundMessage.claimed_at < now - STALE_CLAIM,
            )
            .values(claimed_at=now)
        )
        return result.rowcount == 1

    # -- the spool ----------------------------------------------------------------

    def _spool(self, msg: IncomingMessage, row_id: int | None, text: str) -> Answer:
        try:
            self.services.spool.append(SpoolRecord(msg, self.services.clock.now(), row_id))
        except SpoolError as exc:
            log.error("could not spool key=%s user=%s: %s", msg.dedupe_key, user_key(msg.user_id), exc)
            raise Unavailable(str(exc)) from exc
        return Answer(text)

    def replay(self, record: SpoolRecord, ours: set[int]) -> Outcome:
        """Store and handle one spooled message (its reply goes through the outbox).

        ``ours`` holds the rows this replayer claimed before the database went
        away again: those it takes back at once; another process's fresh claim
        it waits for (``Outcome.WAIT``), a stale one it takes over.
        """
        msg = record.msg
        try:
            row_id = self._claim(msg, record.received_at)
            if row_id is None:
                taken = self._take_over_spooled(msg, record, ours)
                if not isinstance(taken, int):
                    return taken
                row_id = taken
        except Exception as exc:  # noqa: BLE001 - one bad record must not block the ones behind it
            if is_unavailable(exc):
                return Outcome.UNAVAILABLE
            log.exception("spooled message could not be stored, skipped key=%s user=%s",
                          msg.dedupe_key, user_key(msg.user_id))
            return Outcome.SKIPPED
        outcome = self._handle(msg, row_id, _Handoff(abandoned=True), spool_on_outage=False)
        if outcome is Outcome.UNAVAILABLE:
            ours.add(row_id)
        else:
            ours.discard(row_id)
        return outcome

    def _take_over_spooled(self, msg: IncomingMessage, record: SpoolRecord, ours: set[int]) -> int | Outcome:
        now = self.services.clock.now()
        with self.services.db.session() as db:
            row = db.execute(
                select(InboundMessage.id, InboundMessage.status, InboundMessage.claimed_at, InboundMessage.reply)
                .where(InboundMessage.account == msg.account, InboundMessage.dedupe_key == msg.dedupe_key)
            ).one_or_none()
            if row is None:
                return Outcome.SKIPPED  # purged long ago
            if row.status == InboundStatus.DONE and row.id == record.row_id and (row.reply or {}).get("text"):
                # The handler's commit landed just as the database went away, so the user was told
                # "we will reply": the reply they never saw goes through the outbox now.
                _queue_late_reply(db, msg, row.reply["text"], now)
                db.execute(update(InboundMessage).where(InboundMessage.id == row.id)
                           .values(status=InboundStatus.DEFERRED))
                return Outcome.SKIPPED
            if row.status != InboundStatus.PROCESSING:
                return Outcome.SKIPPED  # handled already
            mine = row.id == record.row_id or row.id in ours
            if not mine and row.claimed_at >= now - STALE_CLAIM:
                return Outcome.WAIT  # another request is handling it right now
            taken = db.execute(
                update(InboundMessage)
                .where(InboundMessage.id == row.id, InboundMessage.status == InboundStatus.PROCESSING,
                       InboundMessage.claimed_at == row.claimed_at)
                .values(claimed_at=now)
            ).rowcount
        return row.id if taken == 1 else Outcome.WAIT

    # -- handling -----------------------------------------------------------------

    def _handle_within(self, msg: IncomingMessage, row_id: int, deadline: float) -> Answer:
        handoff = _Handoff()
        self.services.executor.submit(self._handle, msg, row_id, handoff)
        handoff.done.wait(max(0.0, deadline - time.monotonic()))
        with handoff.lock:
            if handoff.answer is not None:
                return handoff.answer
            handoff.abandoned = True
        log.warning("reply budget exceeded, answering later key=%s", msg.dedupe_key)
        return Answer(None)

    def _handle(self, msg: IncomingMessage, row_id: int, handoff: _Handoff, *, spool_on_outage: bool = True) -> Outcome:
        try:
            return self._attempt(msg, row_id, handoff, spool_on_outage)
        finally:
            handoff.done.set()

    def _attempt(self, msg: IncomingMessage, row_id: int, handoff: _Handoff, spool_on_outage: bool) -> Outcome:
        error: Exception | None = None
        for attempt in range(1, HANDLER_ATTEMPTS + 1):
            try:
                self._handle_once(msg, row_id, handoff)
                return Outcome.HANDLED
            except _AlreadyHandled:
                log.warning("message was handled meanwhile, attempt undone key=%s", msg.dedupe_key)
                return Outcome.HANDLED
            except Exception as exc:  # noqa: BLE001 - the one error boundary on the request path
                error = exc
                if is_unavailable(exc):
                    log.warning("database unavailable while handling (%s) attempt=%s key=%s",
                                type(exc).__name__, attempt, msg.dedupe_key)
                else:
                    log.exception("handler failed attempt=%s channel=%s key=%s user=%s",
                                  attempt, msg.channel, msg.dedupe_key, user_key(msg.user_id))
        assert error is not None
        if is_unavailable(error):
            if not spool_on_outage:
                return Outcome.UNAVAILABLE
            try:
                self.services.spool.append(SpoolRecord(msg, self.services.clock.now(), row_id))
            except SpoolError as exc:
                log.error("could not spool key=%s: %s", msg.dedupe_key, exc)
            else:
                with handoff.lock:
                    if not handoff.abandoned:
                        handoff.answer = Answer(texts.SPOOLED)
                return Outcome.SPOOLED
        self._record_failure(msg, row_id, handoff, error)
        return Outcome.FAILED

    def _handle_once(self, msg: IncomingMessage, row_id: int, handoff: _Handoff) -> None:
        services = self.services
        with services.db.serialized(USER_LOCK, f"{msg.account}:{msg.user_id}") as db:
            now = services.clock.now()
            decision = dispatch(msg, db=db, services=services, now=now)
            text = decision.reply.text
            with handoff.lock:
                late = handoff.abandoned
            status = InboundStatus.DONE
            if late and text:
                _queue_late_reply(db, msg, text, now)
                status = InboundStatus.DEFERRED
            if not _finish_row(db, row_id, status, {"text": text}, now, intent=decision.intent):
                raise _AlreadyHandled
        # Committed: only now may the request pass the answer on.
        with handoff.lock:
            if not handoff.abandoned:
                handoff.answer = Answer(text)
            gave_up_meanwhile = handoff.abandoned and not late and bool(text)
        if gave_up_meanwhile:
            self._defer(msg, row_id, text or "")
        log.info(
            "handled channel=%s key=%s user=%s intent=%s",
            msg.channel, msg.dedupe_key, user_key(msg.user_id), decision.intent,
        )

    def _defer(self, msg: IncomingMessage, row_id: int, text: str) -> None:
        """The request stopped waiting while the handler committed: send the reply through the outbox."""
        try:
            with self.services.db.session() as db:
                now = self.services.clock.now()
                _queue_late_reply(db, msg, text, now)
                db.execute(update(InboundMessage).where(InboundMessage.id == row_id)
                           .values(status=InboundStatus.DEFERRED))
        except Exception:  # noqa: BLE001 - the message is handled; only its reply is lost
            log.exception("could not queue the late reply key=%s", msg.dedupe_key)

    def _record_failure(self, msg: IncomingMessage, row_id: int, handoff: _Handoff, error: Exception) -> None:
        """Keep the message (status failed: the staff queue) and apologise; nothing is silently dropped."""
        text = texts.INTERNAL_ERROR
        try:
            with self.services.db.session() as db:
                now = self.services.clock.now()
                with handoff.lock:
                    late = handoff.abandoned
                # A late apology travels through the outbox: retries must answer "success", not repeat it.
                reply = {"text": text, "via": "outbox"} if late else {"text": text}
                error_note = f"handler failed {HANDLER_ATTEMPTS} times ({type(error).__name__}); see the server log"
                if not _finish_row(db, row_id, InboundStatus.FAILED, reply, now, error=error_note):
                    return  # finished elsewhere meanwhile: nothing to apologise for
                if late:
                    _queue_late_reply(db, msg, text, now)
        except Exception:  # noqa: BLE001 - database down: still answer the user
            log.exception("could not record the failure key=%s", msg.dedupe_key)
        with handoff.lock:
            if not handoff.abandoned:
                handoff.answer = Answer(text)


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


def _stored_answer(row: InboundMessage) -> Answer:
    if row.status == InboundStatus.DEFERRED or (row.reply or {}).get("via") == "outbox":
        return Answer(None)  # the real reply travels through the outbox
    return Answer((row.reply or {}).get("text"))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value if isinstance(value, (str, int, float, bool)) or value is None else str(value)
