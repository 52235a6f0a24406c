"""The command line: ``python -m bot <command> --help``."""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

import click

from bot import texts
from bot.config import REPO_ROOT, Config, ConfigError, load_config
from bot.logging_setup import setup_logging

log = logging.getLogger("bot")
DEMO_ADMIN = ("admin", "linli-demo")
CONFIG_OPTION = click.option(
    "--config", "config_path", type=click.Path(dir_okay=False), default=None,
    help="Path to config.yaml (default: $BOT_CONFIG, else built-in defaults).",
)


def _load(config_path: str | None, **overrides: Any) -> Config:
    try:
        config = load_config(config_path, overrides=overrides or None)
    except ConfigError as exc:
        raise click.ClickException(f"configuration error:\n{exc}") from None
    setup_logging(config.log_level)
    return config


def _services(config: Config, *, warm: bool = True) -> Any:
    from bot.db import Database
    from bot.services import Services

    services = Services(config=config, db=Database(config.database_url))
    if warm:
        from bot.nlp_engine import attach_nlp

        attach_nlp(services)
    return services


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Linli (邻里): community-governance WeChat bot."""


@main.command()
@CONFIG_OPTION
def init(config_path: str | None) -> None:
    """Create or upgrade the database schema and load the default content from data/."""
    config = _load(config_path)
    from bot.db import Database
    from bot.importer import import_defaults

    db = Database(config.database_url)
    db.upgrade()
    report = import_defaults(db)
    click.echo(texts.CLI_DATABASE_READY.format(url=_safe_url(config.database_url)))
    click.echo(report.summary())


@main.command("import")
@CONFIG_OPTION
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--force", is_flag=True, help="Overwrite rules that an admin changed since the last import.")
def import_cmd(config_path: str | None, files: tuple[str, ...], force: bool) -> None:
    """Load communities, categories, rules and words from YAML files (see docs/import.md)."""
    config = _load(config_path)
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


@main.command()
@CONFIG_OPTION
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
def serve(config_path: str | None, host: str, port: int, threads: int) -> None:
    """Run the webhook server (/wechat, /wecom, /healthz, /api/v1)."""
    config = _load(config_path)
    services = _services(config)
    _require_schema(services)
    _serve(services, host, port, threads)


@main.command()
@CONFIG_OPTION
def worker(config_path: str | None) -> None:
    """Run the scheduler and the outbox dispatcher."""
    config = _load(config_path)
    services = _services(config, warm=False)
    _require_schema(services)
    from bot.tickets.media import register_media_sweep
    from bot.worker import run_worker

    register_media_sweep(services)
    _register_ticket_sweeps(services)
    run_worker(services)


@main.command()
@CONFIG_OPTION
@click.option("--host", default=None, help="Default: demo.host in the config (127.0.0.1).")
@click.option("--port", default=None, type=int, help="Default: demo.port in the config (8080).")
@click.option("--var-dir", default=None, help="Where the demo database lives (default: var/demo).")
def demo(config_path: str | None, host: str | None, port: int | None, var_dir: str | None) -> None:
    """Run server and worker in one process on SQLite with demo data and the console channel.

    The configuration (default: the repository's config.yaml) is the base; the
    demo always uses its own SQLite file and the console channel on top.
    """
    started = time.monotonic()
    var = Path(var_dir) if var_dir else REPO_ROOT / "var" / "demo"
    # The console channel, always: a secret in the environment must not make the demo talk to WeChat.
    config = _load(
        config_path or os.environ.get("BOT_CONFIG") or str(REPO_ROOT / "config.yaml"),
        database=f"sqlite:///{var / 'linli.db'}",
        var_dir=str(var),
        channels={"mode": "console"},
    )
    host = host or config.demo.host
    port = port or config.demo.port
    from bot.importer import import_defaults, import_file
    from bot.nlp_engine import attach_nlp

    services = _services(config, warm=False)
    services.db.upgrade()
    import_defaults(services.db)
    import_file(services.db, REPO_ROOT / "data" / "demo.yaml")
    attach_nlp(services)
    from bot.tickets.media import register_media_sweep
    from bot.worker import start_background_worker

    register_media_sweep(services)
    _register_ticket_sweeps(services)
    start_background_worker(services)
    from bot.auth import create_admin, issue_token

    with services.db.session() as session:
        token = issue_token(session, create_admin(session, DEMO_ADMIN[0], DEMO_ADMIN[1]))
    url = f"http://{host}:{port}"
    click.echo(texts.CLI_DEMO_STARTED.format(path=var / "linli.db"))
    click.echo(texts.CLI_DEMO_WEBHOOK.format(url=url))
    click.echo(texts.CLI_DEMO_CHAT.format(url=url))
    click.echo(texts.CLI_DEMO_API.format(url=url))
    click.echo(texts.CLI_DEMO_ADMIN.format(username=DEMO_ADMIN[0], password=DEMO_ADMIN[1], token=token))
    click.echo(texts.CLI_DEMO_STARTUP_TIME.format(seconds=time.monotonic() - started))
    _serve(services, host, port, 8)


@main.command()
@CONFIG_OPTION
@click.option("--url", default=None, help="A running server, e.g. http://127.0.0.1:8080 (default: in-process).")
@click.option("--user", "openid", default="oDemoResident", show_default=True, help="The openid to speak as.")
@click.option("-m", "--message", "messages", multiple=True, help="Send these messages and exit.")
@click.option("--at", "at", default=None, help='In-process only: pretend it is this local time ("2026-11-23 10:00").')
def chat(config_path: str | None, url: str | None, openid: str, messages: tuple[str, ...], at: str | None) -> None:
    """Talk to the bot from the terminal, as a WeChat user would.

    Type a message and press Enter. /user NAME switches identity, /subscribe
    follows the account, /quit leaves.
    """
    from bot.chat import ChatClient, app_poster, http_poster

    if config_path is None and not os.environ.get("BOT_CONFIG"):
        config_path = str(REPO_ROOT / "config.yaml")  # the demo's settings
    config = _load(config_path)
    if url:
        poster = http_poster(url)
    else:
        from bot import create_app

        services = _services(config, warm=False)
        services.db.upgrade()
        if at:
            from bot.clock import FixedClock

            services.clock = FixedClock(_local_time(config, at))
        from bot.nlp_engine import attach_nlp

        attach_nlp(services)
        poster = app_poster(create_app(services=services))
    client = ChatClient(config, poster, openid=openid)
    pushes = None if url else _PushViewer(services)
    lines = iter(messages) if messages else _prompt_lines(client)
    sent = failed = 0
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if line in ("/quit", "/exit"):
            break
        if line.startswith("/user "):
            client.openid = line.split(maxsplit=1)[1]
            click.echo(texts.CLI_CHAT_SPEAKING_AS.format(openid=client.openid))
            if pushes is not None:
                pushes.show(client.openid)
            continue
        try:
            reply = client.subscribe() if line == "/subscribe" else client.say(line)
        except Exception as exc:  # noqa: BLE001 - show the operator and keep chatting
            click.echo(texts.CLI_CHAT_SEND_FAILED.format(error=exc), err=True)
            failed += 1
            continue
        sent += 1
        if messages:
            click.echo(f"> {line}")
        click.echo(texts.CLI_CHAT_REPLY.format(reply=reply) if reply else texts.CLI_CHAT_NO_REPLY)
        if pushes is not None:
            pushes.show(client.openid)
    if failed and not sent:
        sys.exit(1)  # scripts using -m must see that nothing got through


@main.command()
@CONFIG_OPTION
@click.argument("text", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one object per line when reading stdin).")
@click.option("--community", default=None, help="Route as in this community (code).")
def explain(config_path: str | None, text: str | None, as_json: bool, community: str | None) -> None:
    """Explain how a message is routed: tokens, entities, candidate rules, the winner.

    Without TEXT, reads one message per line from standard input (one JSON
    object per line with --json), so a whole evaluation set runs in one process.
    """
    import json

    config = _load(config_path)
    engine = _explain_engine(config)
    messages = [text] if text is not None else (line.rstrip("\n") for line in sys.stdin)
    for message in messages:
        if not message.strip():
            continue
        result = engine.explain(message, community=community)
        if as_json or text is None:
            click.echo(json.dumps(result, ensure_ascii=False))
        else:
            click.echo(_format_explanation(result))


def _explain_engine(config: Config) -> Any:
    from bot.db import Database, schema_is_current
    from bot.nlp_engine import NlpEngine

    db = Database(config.database_url)
    try:
        current = schema_is_current(db)
    except Exception:  # noqa: BLE001 - no database at all: explain from data/
        current = False
    if not current:
        click.echo(texts.CLI_EXPLAIN_NO_DATABASE, err=True)
        db = Database("sqlite://")
        db.upgrade()
        from bot.importer import import_defaults

        import_defaults(db)
    engine = NlpEngine(db, config.nlp.cache_dir or str(config.var_path / "cache"))
    engine.warm()
    return engine


def _format_explanation(result: dict[str, Any]) -> str:
    lines = [
        texts.CLI_EXPLAIN_MESSAGE.format(text=result["text"]),
        texts.CLI_EXPLAIN_TOKENS.format(tokens=" / ".join(result["tokens"])),
        texts.CLI_EXPLAIN_ENTITIES.format(entities=result["entities"]),
        texts.CLI_EXPLAIN_RESULT.format(
            intent=result["intent"], category=result["category"], rule=result["rule"],
            urgent=texts.CLI_EXPLAIN_URGENT if result.get("urgent") else "",
        ),
        texts.CLI_EXPLAIN_REASON.format(reason=result["winner_reason"]),
        texts.CLI_EXPLAIN_CANDIDATES,
    ]
    for c in result["candidates"][:10]:
        lines.append(texts.CLI_EXPLAIN_CANDIDATE.format(
            router=c["router"], rule=c["rule"], intent=c["intent"], status=c["status"], matched=c["matched"],
            missing=c["missing"], vetoed_by=c["vetoed_by"], priority=c["priority"],
        ))
    return "\n".join(lines)


@main.group()
def outbox() -> None:
    """Messages that could not be delivered: list and retry."""


@outbox.command("dead")
@CONFIG_OPTION
@click.option("--limit", default=50, show_default=True)
def outbox_dead(config_path: str | None, limit: int) -> None:
    """List dead and failed outbound messages with their last error."""
    config = _load(config_path)
    from bot.db import Database
    from bot.outbox import undelivered

    with Database(config.database_url).session() as session:
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
    config = _load(config_path)
    from bot.db import Database
    from bot.outbox import retry_dead_messages

    count = retry_dead_messages(Database(config.database_url), None if retry_all else list(ids))
    click.echo(texts.CLI_OUTBOX_REQUEUED.format(count=count))


@main.group()
def admin() -> None:
    """Admin accounts."""


@admin.command("create")
@CONFIG_OPTION
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True, help="Prompted when not given.")
def admin_create(config_path: str | None, username: str, password: str) -> None:
    """Create an admin (or reset the password) and print a new API token."""
    config = _load(config_path)
    from bot.auth import create_admin, issue_token
    from bot.db import Database

    db = Database(config.database_url)
    db.upgrade()
    with db.session() as session:
        user = create_admin(session, username, password)
        token = issue_token(session, user)
    click.echo(texts.CLI_ADMIN_READY.format(username=username))
    click.echo(token)


class _PushViewer:
    """In-process chat: show what the bot queued for the current identity (task pushes, status updates)."""

    def __init__(self, services: Any) -> None:
        from sqlalchemy import func, select

        from models import OutboxMessage

        self.services = services
        with services.db.session() as s:
            self.seen = s.scalar(select(func.max(OutboxMessage.id))) or 0
        self.shown: dict[str, int] = {}

    def show(self, recipient: str) -> None:
        from sqlalchemy import select

        from models import OutboxMessage

        with self.services.db.session() as s:
            rows = s.scalars(select(OutboxMessage).where(
                OutboxMessage.recipient == recipient,
                OutboxMessage.id > max(self.seen, self.shown.get(recipient, 0)),
            ).order_by(OutboxMessage.id)).all()
            for row in rows:
                text = row.payload.get("text") or row.payload
                click.echo(texts.CLI_PUSHED.format(recipient=recipient, text=text))
                self.shown[recipient] = row.id


@admin.command("bind-code")
@CONFIG_OPTION
@click.argument("person")
@click.option("--minutes", type=int, default=None, help="Validity (default: tickets.bind_code_minutes).")
def admin_bind_code(config_path: str | None, person: str, minutes: int | None) -> None:
    """Issue a one-time binding code for a grid member or staff (PERSON: their code or id).

    They send "绑定 <code>" from WeChat or WeCom; the code works once and expires.
    """
    config = _load(config_path)
    from datetime import UTC, datetime

    from sqlalchemy import select

    from bot.db import Database
    from bot.tickets.people import issue_bind_code
    from models import Person

    db = Database(config.database_url)
    _require_schema_db(db)
    with db.session() as session:
        row = session.scalar(select(Person).where(Person.code == person))
        if row is None and person.isdigit():
            row = session.get(Person, int(person))
        if row is None:
            raise click.ClickException(texts.CLI_PERSON_NOT_FOUND.format(person=person))
        code = issue_bind_code(session, row, datetime.now(UTC), minutes or config.tickets.bind_code_minutes, by="cli")
        local = code.expires_at.astimezone(config.tz).strftime("%Y-%m-%d %H:%M")
    click.echo(texts.CLI_BIND_CODE.format(name=row.name or row.code, code=code.code, expires=local))
    click.echo(texts.CLI_BIND_CODE_HOWTO.format(code=code.code))


SWEEP_LEASE_MINUTES = 10


def _register_ticket_sweeps(services: Any) -> None:
    from bot.tickets.escalation import register_deadline_sweep

    register_deadline_sweep(services)


def _local_time(config: Config, text: str) -> Any:
    from datetime import datetime

    try:
        naive = datetime.strptime(text.strip(), "%Y-%m-%d %H:%M")
    except ValueError:
        raise click.BadParameter(f"{text!r}: expected local time like \"2026-11-23 10:00\"", param_hint="--at") from None
    return naive.replace(tzinfo=config.tz)


@main.command()
@CONFIG_OPTION
@click.option("--at", "at", default=None, help='Local time to run as, e.g. "2026-11-23 10:00" (default: now).')
def sweep(config_path: str | None, at: str | None) -> None:
    """Run every periodic sweep once, as of a chosen time, and show what they queued.

    Deadlines (reminders, escalation, ratings, default closes) and media
    downloads: the demo can show an escalation without waiting. One run climbs
    every rung whose deadline passed by --at. Each sweep takes the same lease
    as the worker, so a sweep a live worker is running is skipped, not doubled.
    Safe to repeat: a second run at the same time queues nothing new.
    """
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import func, select

    from bot import scheduler
    from bot.tickets.media import register_media_sweep
    from models import OutboxMessage

    config = _load(config_path)
    services = _services(config, warm=False)
    _require_schema(services)
    now = _local_time(config, at).astimezone(UTC) if at else datetime.now(UTC)
    register_media_sweep(services)
    _register_ticket_sweeps(services)
    with services.db.session() as s:
        before = s.scalar(select(func.max(OutboxMessage.id))) or 0
    wall = datetime.now(UTC)
    owner = f"cli:{os.getpid()}"
    for job in scheduler.sweeps():
        # The worker's lease: never beside a live worker's run of the same sweep.
        count = scheduler.run_job(services.db, job.name, job.func, not_run_since=wall + timedelta(seconds=1),
                                  now=wall, owner=owner, lease=timedelta(minutes=SWEEP_LEASE_MINUTES), as_of=now)
        click.echo(f"{job.name}: {count}" if count is not None else texts.CLI_SWEEP_BUSY.format(job=job.name))
    with services.db.session() as s:
        rows = s.scalars(select(OutboxMessage).where(OutboxMessage.id > before).order_by(OutboxMessage.id)).all()
        for row in rows:
            p = row.payload
            if p.get("msgtype") == "msgmenu":
                text = p["head_content"] + " " + " ".join(f"[{o['content']}]" for o in p.get("list", []))
            else:
                text = p.get("text") or p
            click.echo(texts.CLI_SWEEP_PUSHED.format(recipient=row.recipient, kind=row.kind, text=text))


def _require_schema_db(db: Any) -> None:
    from bot.db import schema_is_current

    if not schema_is_current(db):
        raise click.ClickException(texts.CLI_SCHEMA_MISSING)


def _prompt_lines(client: Any):  # type: ignore[no-untyped-def]
    click.echo(texts.CLI_CHAT_HELP)
    while True:
        try:
            yield input(texts.CLI_CHAT_PROMPT.format(openid=client.openid))
        except (EOFError, KeyboardInterrupt):
            click.echo("")
            return


def _require_schema(services: Any) -> None:
    from bot.db import schema_is_current

    if not schema_is_current(services.db):
        raise click.ClickException(texts.CLI_SCHEMA_MISSING)


def _serve(services: Any, host: str, port: int, threads: int) -> None:
    from waitress import serve as waitress_serve

    from bot import create_app

    app = create_app(services=services)
    log.info("listening on http://%s:%s", host, port)
    # Refuse oversize bodies in the server too, before Flask buffers anything.
    waitress_serve(
        app, host=host, port=port, threads=threads, ident="linli",
        max_request_body_size=services.config.server.max_body_bytes,
    )


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
