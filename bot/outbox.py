"""The durable outbox: enqueue outbound messages in the caller's transaction.

Anything that talks to WeChat's API goes through here; the worker drains it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import OutboxMessage, OutboxStatus


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
        """Queue one message; with an idempotency ``key`` the same message is queued once."""
        if key is not None:
            existing = self.db.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == key))
            if existing is not None:
                return existing
        row = OutboxMessage(
            idempotency_key=key or f"{kind}:{uuid.uuid4().hex}",
            channel=channel,
            account=account,
            recipient=recipient,
            kind=kind,
            payload=payload,
            status=OutboxStatus.PENDING,
            attempts=0,
            next_attempt_at=self.now,
            created_at=self.now,
        )
        self.db.add(row)
        self.db.flush()
        return row

    def text(self, *, channel: str, account: str, recipient: str, kind: str, text: str, key: str | None = None) -> OutboxMessage:
        return self.enqueue(
            channel=channel, account=account, recipient=recipient, kind=kind,
            payload={"msgtype": "text", "text": text}, key=key,
        )
