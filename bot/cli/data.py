"""init and import: the schema and the data."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from bot import texts
from bot.cli.common import CONFIG_OPTION, load_cli_config, safe_url

log = logging.getLogger("bot")


@click.command()
@CONFIG_OPTION
def init(config_path: str | None) -> None:
    """Create or upgrade the database schema and load the default content from data/."""
    config = load_cli_config(config_path)
    from bot.db import Database
    from bot.importer import import_defaults

    db = Database(config.database_url)
    db.upgrade()
    report = import_defaults(db)
    click.echo(texts.CLI_DATABASE_READY.format(url=safe_url(config.database_url)))
    click.echo(report.summary())


@click.command("import")
@CONFIG_OPTION
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--force", is_flag=True, help="Overwrite rules that an admin changed since the last import.")
def import_cmd(config_path: str | None, files: tuple[str, ...], force: bool) -> None:
    """Load communities, categories, rules and words from YAML files (see docs/import.md)."""
    config = load_cli_config(config_path)
    from bot.db import Database
    from bot.importer import ImportFormatError, import_file

    db = Database(config.database_url)
    db.upgrade()
    for path in files:
        try:
            report = import_file(db, Path(path), force=force)
        except ImportFormatError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"{path}: {report.summary()}")
