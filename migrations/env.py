"""Alembic environment: runs against the engine handed in by bot.db, or sqlalchemy.url."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

import models

config = context.config
target_metadata = models.Base.metadata


def run_migrations() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations()
