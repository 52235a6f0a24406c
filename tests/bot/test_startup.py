"""Start-up shortcuts (issue 16, cold start) behave like what they replace."""

from __future__ import annotations

import gc
from pathlib import Path

from alembic.script import ScriptDirectory
from click.testing import CliRunner
from sqlalchemy import text

from bot.cli import main
from bot.db import Database, _head_revision, alembic_config, schema_is_current


def _gc_after(args: list[str]) -> bool:
    """Whether the cycle collector is on after the command line ran, started as bot/__main__.py starts it."""
    was = gc.isenabled()
    gc.disable()
    try:
        CliRunner().invoke(main, args)
        return gc.isenabled()
    finally:
        if was:
            gc.enable()


def test_a_short_command_switches_the_cycle_collector_back_on() -> None:
    assert _gc_after(["init", "--help"])


def test_a_long_running_command_leaves_it_off_until_warm() -> None:
    # serve switches it on itself (bot.cli.common.warmed_up) once the app is built.
    assert not _gc_after(["serve", "--help"])
    assert not _gc_after(["worker", "--help"])


def test_the_head_read_from_the_files_is_alembics(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        assert _head_revision() == ScriptDirectory.from_config(alembic_config(db)).get_current_head()
    finally:
        db.dispose()


def test_a_database_one_migration_behind_is_not_current(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        db.upgrade()
        script = ScriptDirectory.from_config(alembic_config(db))
        previous = script.get_revision(script.get_current_head()).down_revision
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": previous})
        assert not schema_is_current(db)
    finally:
        db.dispose()
