"""Retention anonymises in batches that each commit, so a large backlog never holds one long transaction (issue 12)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from bot.db import Database
from bot.jobs import retention
from models import InboundMessage
from tests.delivery.test_scheduler import _at, _inbound


def test_each_batch_is_its_own_transaction(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    now = _at(3, 30)
    for n in range(3):
        _inbound(db, n, now - timedelta(days=200))
    monkeypatch.setattr(retention, "BATCH", 1)
    seen: list[int] = []

    def committed(_conn: object) -> None:
        with db.engine.connect() as other:  # what another process sees as each transaction commits
            seen.append(other.scalar(select(func.count()).select_from(InboundMessage)
                                     .where(InboundMessage.anonymised_at.is_not(None))))

    event.listen(db.engine, "commit", committed)
    try:
        with db.session() as s:
            assert retention.anonymise_inbound(s, now, 180) == 3
            during = list(seen)
    finally:
        event.remove(db.engine, "commit", committed)
    # Just before each commit another connection sees the batches committed so far: 0, 1, 2, then the
    # empty last look; all of it before the job's own transaction ended.
    assert during == [0, 1, 2, 3]
