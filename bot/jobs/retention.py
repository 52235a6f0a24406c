"""Anonymise inbound message text after the retention period (``retention.inbound_text_days``).

The row stays (dedupe, statistics, the 48-hour window); only what the
resident wrote, and the reply that may quote it, is replaced.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, select, update
from sqlalchemy.orm import Session

from bot.delivery.outbox import Outbox
from models import InboundMessage

PLACEHOLDER = "[anonymised]"
BATCH = 1000


def anonymise_inbound(db: Session, now: datetime, days: int, *, batch: int | None = None) -> int:
    """Replace text older than ``days`` with a placeholder; returns how many rows changed.

    Each batch is its own short transaction on ``db``'s engine, so a run over
    a large backlog never holds the write lock (SQLite) or row locks for long,
    and a run that stops half-way keeps what it did.
    """
    cutoff = now - timedelta(days=days)
    size = batch or BATCH
    engine = db.get_bind()
    total = 0
    while True:
        with Session(engine) as s, s.begin():
            ids = list(
                s.scalars(
                    select(InboundMessage.id)
                    .where(InboundMessage.anonymised_at.is_(None), InboundMessage.received_at < cutoff)
                    .order_by(InboundMessage.id)
                    .limit(size)
                )
            )
            if not ids:
                return total
            s.execute(
                update(InboundMessage)
                .where(InboundMessage.id.in_(ids))
                .values(
                    content=case((InboundMessage.content.is_(None), None), else_=PLACEHOLDER),
                    extra={"anonymised": True},
                    reply=None,
                    anonymised_at=now,
                )
                .execution_options(synchronize_session=False)
            )
        total += len(ids)


def retention_job(days: int):  # type: ignore[no-untyped-def]
    """The periodic-job form, ``func(db, outbox, now) -> int``, for the scheduler."""

    def run(db: Session, outbox: Outbox, now: datetime) -> int:
        return anonymise_inbound(db, now, days)

    run.__name__ = "anonymise_inbound"
    return run
