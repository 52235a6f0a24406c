"""Receiving one message: store it once, decide within WeChat's window, remember the answer.

WeChat retries an unanswered message up to three times, possibly at another
process. The inbound row, unique per (account, dedupe key), is the lock: the
first request inserts it and handles the message; a retry finds the row and
waits for the stored answer instead of handling it again.

If handling outlives the reply budget (4 s of WeChat's 5), the request answers
"success" and the handler's reply is queued as a customer-service message in
the handler's own transaction.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot import texts
from bot.delivery.outbox import Outbox
from bot.dialog.dispatcher import dispatch
from bot.dialog.message import IncomingMessage
from models import InboundMessage, InboundStatus

log = logging.getLogger(__name__)

# A row still "processing" after this long belongs to a crashed process: a
# retry may take it over, so the message is never lost.
STALE_CLAIM = timedelta(seconds=30)
_POLL_SECONDS = 0.05


@dataclass(frozen=True)
class Answer:
    """The passive reply: text, or None for WeChat's empty "success"."""

    text: str | None


def user_key(user_id: str) -> str:
    """A short hash of a user id for logs (openids are personal data)."""
    return hashlib.sha256(user_id.encode()).hexdigest()[:10]


class _Handoff:
    """Decides, under a lock, whether the request or the outbox delivers the reply."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.abandoned = False  # the request gave up waiting
        self.answer: Answer | None = None


class Inbox:
    def __init__(self, services: Any) -> None:
        self.services = services

    def receive(self, msg: IncomingMessage) -> Answer:
        """Store, handle (once) and answer one message within the reply budget."""
        budget = self.services.config.server.reply_budget_seconds
        deadline = time.monotonic() + budget
        row_id = self._claim(msg)
        if row_id is None:
            return self._await_original(msg, deadline)
        return self._handle_within(msg, row_id, deadline)

    # -- claiming -----------------------------------------------------------------

    def _claim(self, msg: IncomingMessage) -> int | None:
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
            received_at=now,
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

    def _handle(self, msg: IncomingMessage, row_id: int, handoff: _Handoff) -> None:
        try:
            self._handle_once(msg, row_id, handoff)
        except Exception:  # noqa: BLE001 - the one error boundary on the request path
            log.exception(
                "handler failed channel=%s key=%s user=%s", msg.channel, msg.dedupe_key, user_key(msg.user_id)
            )
            self._record_failure(msg, row_id, handoff)
        finally:
            handoff.done.set()

    def _handle_once(self, msg: IncomingMessage, row_id: int, handoff: _Handoff) -> None:
        services = self.services
        with services.db.session() as db:
            now = services.clock.now()
            decision = dispatch(msg, db=db, services=services, now=now)
            text = decision.reply.text
            row = db.get(InboundMessage, row_id)
            assert row is not None
            row.intent = decision.intent
            row.handled_at = now
            row.reply = {"text": text}
            with handoff.lock:
                if handoff.abandoned and text:
                    _queue_late_reply(db, msg, text, now)
                    row.status = InboundStatus.DEFERRED
                else:
                    row.status = InboundStatus.DONE
                    handoff.answer = Answer(text)
        log.info(
            "handled channel=%s key=%s user=%s intent=%s",
            msg.channel, msg.dedupe_key, user_key(msg.user_id), decision.intent,
        )

    def _record_failure(self, msg: IncomingMessage, row_id: int, handoff: _Handoff) -> None:
        """Keep the message (status failed) and apologise; nothing is silently dropped."""
        text = texts.INTERNAL_ERROR
        try:
            with self.services.db.session() as db:
                now = self.services.clock.now()
                row = db.get(InboundMessage, row_id)
                with handoff.lock:
                    late = handoff.abandoned
                    if late:
                        _queue_late_reply(db, msg, text, now)
                    else:
                        handoff.answer = Answer(text)
                if row is not None:
                    row.status = InboundStatus.FAILED
                    row.error = "handler crashed; see the server log"
                    # A late apology already travels through the outbox:
                    # retries must answer "success", not apologise again.
                    row.reply = {"text": text, "via": "outbox"} if late else {"text": text}
                    row.handled_at = now
        except Exception:  # noqa: BLE001 - database down: still answer the user
            log.exception("could not record the failure key=%s", msg.dedupe_key)
            with handoff.lock:
                handoff.answer = Answer(text)


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
