"""outbox dead / retry: what could not be delivered."""

from __future__ import annotations

import logging

import click

from bot import texts
from bot.cli.common import CONFIG_OPTION, load_cli_config, require_schema

log = logging.getLogger("bot")


@click.group()
def outbox() -> None:
    """Messages that could not be delivered: list and retry."""


@outbox.command("dead")
@CONFIG_OPTION
@click.option("--limit", default=50, show_default=True)
def outbox_dead(config_path: str | None, limit: int) -> None:
    """List dead and failed outbound messages with their last error."""
    config = load_cli_config(config_path)
    from bot.db import Database
    from bot.delivery.outbox import undelivered

    db = Database(config.database_url)
    require_schema(db)
    with db.session() as session:
        rows = undelivered(session, limit=limit)
    if not rows:
        click.echo(texts.CLI_OUTBOX_EMPTY)
    for row in rows:
        click.echo(texts.CLI_OUTBOX_ROW.format(id=row.id, status=row.status, channel=row.channel, kind=row.kind,
                                              attempts=row.attempts, error=row.last_error))


@outbox.command("retry")
@CONFIG_OPTION
@click.argument("ids", nargs=-1, type=int)
@click.option("--all", "retry_all", is_flag=True, help="Retry every dead message.")
def outbox_retry(config_path: str | None, ids: tuple[int, ...], retry_all: bool) -> None:
    """Send dead messages again with a fresh set of attempts."""
    if not ids and not retry_all:
        raise click.UsageError("give message ids or --all")
    config = load_cli_config(config_path)
    from bot.db import Database
    from bot.delivery.outbox import retry_dead_messages

    db = Database(config.database_url)
    require_schema(db)
    count = retry_dead_messages(db, None if retry_all else list(ids))
    click.echo(texts.CLI_OUTBOX_REQUEUED.format(count=count))
