"""The rules/words version counter: concurrent bumps are never lost (issue 12)."""

from __future__ import annotations

import threading
import time

from bot.db import Database
from bot.routing import rulestore


def test_two_concurrent_bumps_both_count(db: Database) -> None:
    with db.session() as s:
        assert rulestore.bump(s, rulestore.WORDS_COUNTER) == 1
    first = db.sessions()
    first.begin()
    assert rulestore.bump(first, rulestore.WORDS_COUNTER) == 2  # holds the row (or SQLite's write lock)
    results: list[object] = []

    def second() -> None:
        try:
            with db.session() as s:
                results.append(rulestore.bump(s, rulestore.WORDS_COUNTER))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            results.append(exc)

    thread = threading.Thread(target=second)
    thread.start()
    time.sleep(0.5)  # the second edit has read (or is waiting for) the counter
    first.commit()
    first.close()
    thread.join(20)
    assert results == [3]
    with db.session() as s:
        assert rulestore.versions(s)[1] == 3


def test_the_first_bump_creates_the_counter(db: Database) -> None:
    with db.session() as s:
        assert rulestore.versions(s) == (0, 0)
        assert rulestore.bump(s, rulestore.RULES_COUNTER) == 1
        assert rulestore.bump(s, rulestore.RULES_COUNTER) == 2
    with db.session() as s:
        assert rulestore.versions(s) == (2, 0)
