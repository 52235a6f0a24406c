"""One message per resident per sweep: a resident's ticket updates from one sweep are joined.

``ResidentBatch`` stands in for the outbox during a sweep. Plain-text
``ticket_update`` messages are held per recipient; everything else (tasks,
escalations to staff, rating questions) passes straight through. ``flush``
queues one message per recipient: a single update unchanged (same key), several
joined under one heading with a key derived from theirs, so a re-run that
produces the same updates still queues nothing twice.
"""

from __future__ import annotations

import hashlib
from typing import Any

from bot.delivery.outbox import Outbox
from handlers.tickets.notify import texts

BATCHED_KIND = "ticket_update"


class ResidentBatch:
    def __init__(self, outbox: Outbox) -> None:
        self._outbox = outbox
        self._held: dict[tuple[str, str, str], list[tuple[str, str | None]]] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._outbox, name)

    def text(self, *, channel: str, account: str, recipient: str, kind: str, text: str,
             key: str | None = None) -> Any:
        if kind != BATCHED_KIND:
            return self._outbox.text(channel=channel, account=account, recipient=recipient, kind=kind,
                                     text=text, key=key)
        self._held.setdefault((channel, account, recipient), []).append((text, key))
        return None

    def flush(self) -> int:
        """Queue the held updates, one message per recipient; returns how many were queued."""
        for (channel, account, recipient), items in self._held.items():
            if len(items) == 1:
                text, key = items[0]
            else:
                text = texts.TICKET_UPDATES_JOINED.format(lines="\n".join(f"{i}. {t}" for i, (t, _) in
                                                                          enumerate(items, 1)))
                digest = hashlib.sha256("|".join(k or t for t, k in items).encode()).hexdigest()[:24]
                key = f"ticket_updates:{recipient}:{digest}"
            self._outbox.text(channel=channel, account=account, recipient=recipient, kind=BATCHED_KIND,
                              text=text, key=key)
        queued = len(self._held)
        self._held.clear()
        return queued
