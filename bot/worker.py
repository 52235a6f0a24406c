"""The worker process: drains the outbox and runs periodic jobs.

Minimal for now (the delivery issue replaces the body): the console channel
marks messages as delivered so the demo shows them.
"""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from sqlalchemy import select

from models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)


def drain_console(services: Any) -> int:
    """Deliver pending console messages by logging them; returns how many."""
    with services.db.session() as db:
        now = services.clock.now()
        rows = db.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.id)
            .limit(100)
        ).all()
        for row in rows:
            log.info("console message to %s: %s", row.recipient[:6] + "…", row.payload.get("text", row.payload))
            row.status = OutboxStatus.SENT
            row.attempts += 1
            row.sent_at = now
        return len(rows)


def _loop(services: Any, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            drain_console(services)
        except Exception:  # noqa: BLE001 - keep the worker alive; the next tick retries
            log.exception("outbox drain failed")
        stop.wait(1.0)


def start_background_worker(services: Any) -> threading.Event:
    stop = threading.Event()
    threading.Thread(target=_loop, args=(services, stop), name="worker", daemon=True).start()
    return stop


def run_worker(services: Any) -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    log.info("worker started")
    _loop(services, stop)
    log.info("worker stopped")
