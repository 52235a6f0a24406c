"""admin create: accounts for the JSON API and the admin UI."""

from __future__ import annotations

import logging

import click

from bot import texts
from bot.cli.common import CONFIG_OPTION, load_cli_config

log = logging.getLogger("bot")


@click.group()
def admin() -> None:
    """Admin accounts."""


@admin.command("create")
@CONFIG_OPTION
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True, help="Prompted when not given.")
def admin_create(config_path: str | None, username: str, password: str) -> None:
    """Create an admin (or reset the password) and print a new API token."""
    config = load_cli_config(config_path)
    from bot.db import Database
    from bot.web.auth import create_admin, issue_token

    db = Database(config.database_url)
    db.upgrade()
    with db.session() as session:
        user = create_admin(session, username, password)
        token = issue_token(session, user)
    click.echo(texts.CLI_ADMIN_READY.format(username=username))
    click.echo(token)
