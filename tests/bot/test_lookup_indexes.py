"""Who reported a ticket and who acted on it are looked up by person: both columns are indexed (issue 12)."""

from __future__ import annotations

from sqlalchemy import inspect

from bot.db import Database


def test_reporter_and_actor_columns_are_indexed(db: Database) -> None:
    inspector = inspect(db.engine)
    indexed = {(table, tuple(index["column_names"])) for table in ("tickets", "ticket_events")
               for index in inspector.get_indexes(table)}
    assert ("tickets", ("reporter_id",)) in indexed
    assert ("ticket_events", ("actor_id",)) in indexed
