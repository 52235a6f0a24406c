"""Alembic migrations build the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from bot.db import Database, schema_is_current
from models import Base


def test_migrations_bring_the_database_to_the_newest_revision(db):
    # The fixture built this database from empty with `upgrade()`.
    assert schema_is_current(db)
    assert set(Base.metadata.tables) <= set(inspect(db.engine).get_table_names())


def test_models_and_migrations_do_not_differ(db):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={"compare_type": True, "render_as_batch": db.is_sqlite},
        )
        diff = compare_metadata(context, Base.metadata)
    assert diff == [], "models and migrations differ; add a migration:\n" + "\n".join(map(str, diff))


def test_an_empty_sqlite_file_is_not_current_until_upgraded(tmp_path: Path):
    db = Database(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        assert not schema_is_current(db)
        db.upgrade()
        assert schema_is_current(db)
        db.upgrade()  # a second upgrade (python -m bot init twice) changes nothing
        assert schema_is_current(db)
    finally:
        db.dispose()
