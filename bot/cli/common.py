"""What every command shares: the --config option, loading it, the services, the schema check."""

from __future__ import annotations

import logging
from typing import Any

import click

from bot.config import Config, ConfigError, load_config
from bot.ops.logging_setup import setup_logging

log = logging.getLogger("bot")
CONFIG_OPTION = click.option(
    "--config", "config_path", type=click.Path(dir_okay=False), default=None,
    help="Path to config.yaml (default: $BOT_CONFIG, else built-in defaults).",
)


def load_cli_config(config_path: str | None, **overrides: Any) -> Config:
    """The validated configuration, or one error naming the wrong key (exit 1)."""
    try:
        config = load_config(config_path, overrides=overrides or None)
    except ConfigError as exc:
        raise click.ClickException(f"configuration error:\n{exc}") from None
    from bot.cli import preflight
    from bot.ops import redact

    redact.add_config_secrets(config)
    preflight.remember(config.database_url)
    setup_logging(config.log_level, config.log_format)
    return config


def build_services(config: Config, *, warm: bool = True) -> Any:
    """The process-wide services; ``warm`` loads the NLP engine (the tokenizer and the rules)."""
    from bot.db import Database
    from bot.services import Services

    # Long-running processes replay messages spooled during a database outage.
    services = Services(config=config, db=Database(config.database_url), background_replay=True)
    if warm:
        from bot.routing.engine import attach_nlp

        attach_nlp(services)
    return services


def warmed_up() -> None:
    """The process is built (modules, jieba, routers, the app): keep what start-up made out of the
    cycle collector's sight from now on, and switch the collector (back) on.

    Fewer objects for every later collection to walk (shorter pauses on the message path), and under
    gunicorn, done before the fork, none of their pages is written by a collection in a worker, so
    they stay shared copy-on-write.
    """
    import gc

    gc.freeze()
    gc.enable()


def require_schema(db: Any) -> None:
    """Stop with the fix when the database is missing, unreachable, not initialised or not migrated."""
    from bot.cli.preflight import check_database

    check_database(db)


def local_time(config: Config, text: str) -> Any:
    """``"2026-11-23 10:00"`` in the configured time zone."""
    from datetime import datetime

    try:
        naive = datetime.strptime(text.strip(), "%Y-%m-%d %H:%M")
    except ValueError:
        raise click.BadParameter(f"{text!r}: expected local time like \"2026-11-23 10:00\"", param_hint="--at") from None
    return naive.replace(tzinfo=config.tz)


def safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
