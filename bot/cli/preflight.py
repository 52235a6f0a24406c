"""Checks every command makes before it starts anything: the database and, for servers, the port.

Each failure is one line naming the fix (``click.ClickException``: "Error: …",
exit status 1), and a failed check leaves nothing behind: no SQLite file or
directory is created, no token issued, no worker or thread started.
"""

from __future__ import annotations

import errno
import socket
from pathlib import Path
from typing import Any

import click
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot import texts

_configured: dict[str, str] = {}


def remember(url: str) -> None:
    """The database this command was configured with, for messages about it."""
    _configured["url"] = url


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for other databases and in-memory SQLite)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def reason(exc: BaseException) -> str:
    """The first line of a database error, without the SQL or a traceback."""
    original = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(original).splitlines() if line.strip()]
    return lines[0][:200] if lines else type(original).__name__


def unreachable(url: str | None, exc: BaseException) -> click.ClickException:
    """One line for a database that does not answer (``url`` None: the configured one)."""
    from bot.cli.common import safe_url

    try:
        shown = safe_url(url or _configured["url"])
    except Exception:  # noqa: BLE001 - an unparsable URL is shown as the key it came from
        shown = "database"
    return click.ClickException(texts.CLI_DATABASE_UNREACHABLE.format(url=shown, reason=reason(exc)))


def check_database(db: Any, *, schema: bool = True) -> None:
    """The database exists, answers and (``schema``) is at the newest migration; else one line with the fix."""
    from bot.db import schema_is_current

    path = sqlite_path(db.url)
    if path is not None and not path.is_file():
        raise click.ClickException(texts.CLI_DATABASE_MISSING.format(path=path))
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        current = schema_is_current(db) if schema else True
    except SQLAlchemyError as exc:
        raise unreachable(db.url, exc) from None
    if not current:
        raise click.ClickException(texts.CLI_SCHEMA_MISSING)


def check_port(host: str, port: int) -> None:
    """The server can listen on host:port (nothing else does); else one line with the fix."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise click.ClickException(texts.CLI_HOST_UNKNOWN.format(host=host, reason=exc.strerror)) from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server will: TIME_WAIT is no conflict
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise click.ClickException(texts.CLI_PORT_TAKEN.format(host=host, port=port)) from None
            raise click.ClickException(texts.CLI_PORT_UNUSABLE.format(host=host, port=port,
                                                                      reason=exc.strerror)) from None
