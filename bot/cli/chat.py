"""chat and explain: talk to the bot, and ask why a message went where it did."""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

import click

from bot import texts
from bot.cli.common import CONFIG_OPTION, build_services, load_cli_config, local_time, safe_url
from bot.config import REPO_ROOT, Config

log = logging.getLogger("bot")


@click.command()
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
    from bot.wechat.client import ChatClient, app_poster, http_poster

    if config_path is None and not os.environ.get("BOT_CONFIG"):
        config_path = str(REPO_ROOT / "config.yaml")  # the demo's settings
    config = load_cli_config(config_path)
    if url:
        poster = http_poster(url)
    else:
        from bot import create_app

        services = build_services(config, warm=False)
        services.db.upgrade()
        _warn_when_empty(services.db, config)
        if at:
            from bot.clock import FixedClock

            services.clock = FixedClock(local_time(config, at))
        from bot.routing.engine import attach_nlp

        attach_nlp(services)
        poster = app_poster(create_app(services=services))
    client = ChatClient(config, poster, openid=openid)
    pushes = _PushViewer(services.db) if not url else _remote_viewer(config)
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


def _warn_when_empty(db: Any, config: Config) -> None:
    """A database without rules answers everything with the fallback: say so, and how to fill it."""
    from sqlalchemy import func, select

    from models import Rule

    with db.session() as session:
        if session.scalar(select(func.count()).select_from(Rule)):
            return
    click.echo(texts.CLI_CHAT_EMPTY_DATABASE.format(url=safe_url(config.database_url)), err=True)


class _PushViewer:
    """Show what the bot queued or sent to the current identity (task pushes, status updates).

    The outbox is the record of every push, whichever process sent it (the console channel
    of a running worker included). ``catch_up``: on the first look at a recipient, also show
    what reached them since their last message before this session (``chat --url``, where the
    server and the worker ran while no terminal was open).
    """

    def __init__(self, db: Any, catch_up: bool = False) -> None:
        from sqlalchemy import func, select

        from models import InboundMessage, OutboxMessage

        self.db = db
        self.catch_up = catch_up
        with db.session() as s:
            self.seen = s.scalar(select(func.max(OutboxMessage.id))) or 0
            self.said_before = s.scalar(select(func.max(InboundMessage.id))) or 0  # messages before this session
        self.shown: dict[str, int] = {}

    def _start(self, recipient: str) -> int:
        if recipient in self.shown or not self.catch_up:
            return max(self.seen, self.shown.get(recipient, 0))
        from sqlalchemy import func, select

        from models import InboundMessage, OutboxMessage

        with self.db.session() as s:
            last = s.scalar(select(func.max(InboundMessage.id)).where(InboundMessage.user_id == recipient,
                                                                       InboundMessage.id <= self.said_before))
            said_at = s.get(InboundMessage, last).received_at if last else None
            if said_at is None:
                return self.seen
            return s.scalar(select(func.max(OutboxMessage.id)).where(OutboxMessage.created_at < said_at)) or 0

    def show(self, recipient: str) -> None:
        from sqlalchemy import select

        from models import OutboxMessage

        start = self._start(recipient)
        with self.db.session() as s:
            rows = s.scalars(select(OutboxMessage).where(
                OutboxMessage.recipient == recipient, OutboxMessage.id > start,
            ).order_by(OutboxMessage.id)).all()
            for row in rows:
                payload = row.payload
                text = payload.get("text") or payload.get("head_content") or payload
                click.echo(texts.CLI_PUSHED.format(recipient=recipient, text=text))
            self.shown[recipient] = max([start, *(row.id for row in rows)])


def _remote_viewer(config: Config) -> _PushViewer | None:
    """``chat --url``: the pushes are read from the server's database when this config reaches it."""
    from bot.db import Database, schema_is_current

    db = Database(config.database_url)
    try:
        if not schema_is_current(db):
            return None
    except Exception:  # noqa: BLE001 - no database here: the replies alone are shown
        log.info("chat --url: the server's database is not reachable from here; pushes are not shown")
        return None
    return _PushViewer(db, catch_up=True)


def _prompt_lines(client: Any):  # type: ignore[no-untyped-def]
    click.echo(texts.CLI_CHAT_HELP)
    while True:
        try:
            yield input(texts.CLI_CHAT_PROMPT.format(openid=client.openid))
        except (EOFError, KeyboardInterrupt):
            click.echo("")
            return


@click.command()
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

    config = load_cli_config(config_path)
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
    from bot.routing.engine import NlpEngine

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
