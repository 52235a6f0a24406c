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
        token = issue_token(session, user, days=config.admin.api_token_days, label="cli")
    click.echo(texts.CLI_ADMIN_READY.format(username=username))
    click.echo(token)


@admin.command("revoke")
@CONFIG_OPTION
@click.argument("token_ids", nargs=-1, type=int)
@click.option("--user", "username", default=None, help="Revoke every token of this admin.")
def admin_revoke(config_path: str | None, token_ids: tuple[int, ...], username: str | None) -> None:
    """Revoke API tokens by id (GET /api/v1/tokens lists them) or all of one admin's (--user)."""
    if not token_ids and not username:
        raise click.UsageError("give token ids or --user USERNAME")
    config = load_cli_config(config_path)
    from sqlalchemy import select

    from bot.cli.common import require_schema
    from bot.db import Database
    from bot.web.auth import revoke, revoke_all
    from models import AdminUser

    db = Database(config.database_url)
    require_schema(db)
    count = 0
    with db.session() as session:
        if username:
            user = session.scalar(select(AdminUser).where(AdminUser.username == username))
            if user is None:
                raise click.ClickException(texts.CLI_ADMIN_UNKNOWN.format(username=username))
            count += revoke_all(session, user)
        count += sum(revoke(session, token_id) for token_id in token_ids)
    click.echo(texts.CLI_TOKENS_REVOKED.format(count=count))
