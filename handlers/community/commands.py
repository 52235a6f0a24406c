"""``python -m bot admin bind-code``: a one-time code that links a member's or staff's WeChat account."""

from __future__ import annotations

import click

from bot.cli.common import CONFIG_OPTION, load_cli_config, require_schema
from bot.clock import wall_now
from handlers.community import texts


@click.command("bind-code")
@CONFIG_OPTION
@click.argument("person")
@click.option("--minutes", type=int, default=None, help="Validity (default: tickets.bind_code_minutes).")
def admin_bind_code(config_path: str | None, person: str, minutes: int | None) -> None:
    """Issue a one-time binding code for a grid member or staff (PERSON: their code or id).

    They send "绑定 <code>" from WeChat or WeCom; the code works once and expires.
    """
    config = load_cli_config(config_path)
    from sqlalchemy import select

    from bot.db import Database
    from handlers.community.people import issue_bind_code
    from models import Person

    db = Database(config.database_url)
    require_schema(db)
    with db.session() as session:
        row = session.scalar(select(Person).where(Person.code == person))
        if row is None and person.isdigit():
            row = session.get(Person, int(person))
        if row is None:
            raise click.ClickException(texts.CLI_PERSON_NOT_FOUND.format(person=person))
        code = issue_bind_code(session, row, wall_now(), minutes or config.tickets.bind_code_minutes, by="cli")
        local = code.expires_at.astimezone(config.tz).strftime("%Y-%m-%d %H:%M")
    click.echo(texts.CLI_BIND_CODE.format(name=row.name or row.code, code=code.code, expires=local))
    click.echo(texts.CLI_BIND_CODE_HOWTO.format(code=code.code))
