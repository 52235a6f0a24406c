"""Images, voice and locations attached to tickets, and the worker sweep that downloads them.

WeChat keeps an uploaded media id for 3 days only, so the worker fetches each
pending file through /cgi-bin/media/get (with the shared access token) and
stores it under ``media.dir``/<ticket number>/. A location has nothing to fetch.
"""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.delivery.outbox import Outbox
from bot.dialog.message import IncomingMessage
from bot.jobs.scheduler import Sweep
from models import MediaStatus, Person, Ticket, TicketMedia

log = logging.getLogger(__name__)

MEDIA_GET = "/cgi-bin/media/get"
MAX_ATTEMPTS = 5
# A media id older than this is gone on WeChat's side: stop trying.
MEDIA_ID_LIFETIME = timedelta(days=3)
ATTACHABLE = frozenset({"image", "voice", "video", "shortvideo", "location"})

# (channel, account, media_id) -> (bytes, content type); raises on failure.
Fetcher = Callable[[str, str, str], tuple[bytes, str]]


class MediaGone(Exception):
    """WeChat says the media id is invalid or expired (40007): retrying cannot help."""


def attach(db: Session, ticket: Ticket, msg: IncomingMessage, person: Person | None, now: datetime) -> TicketMedia:
    """Record an image/voice/video/location message as part of the ticket."""
    data: dict[str, Any] = {}
    if msg.location is not None:
        data = {"latitude": msg.location.latitude, "longitude": msg.location.longitude, "label": msg.location.label}
    if msg.kind == "voice" and msg.text:
        data["recognition"] = msg.text
    row = TicketMedia(
        ticket_id=ticket.id, person_id=person.id if person else None, kind=msg.kind, channel=msg.channel,
        account=msg.account, media_id=msg.media_id, data=data,
        status=MediaStatus.PENDING if msg.media_id else MediaStatus.NONE, created_at=now,
    )
    db.add(row)
    db.flush()
    return row


def download_pending(db: Session, now: datetime, fetch: Fetcher, media_dir: Path, limit: int = 20) -> int:
    """Fetch pending media and store them; returns how many were stored.

    No transaction stays open across a download (each may take seconds, two
    calls when the token must be refreshed): the pending rows are read in one
    short transaction, each file is fetched outside any, and each result is
    recorded in its own short transaction on ``db``'s engine.
    """
    engine = db.get_bind()
    with Session(engine, expire_on_commit=False) as s, s.begin():
        rows = s.execute(
            select(TicketMedia.id, TicketMedia.media_id, TicketMedia.channel, TicketMedia.account, TicketMedia.kind,
                   TicketMedia.created_at, Ticket.number)
            .outerjoin(Ticket, Ticket.id == TicketMedia.ticket_id)
            .where(TicketMedia.status == MediaStatus.PENDING).order_by(TicketMedia.id).limit(limit)
        ).all()
    stored = 0
    for media_id, wechat_id, channel, account, kind, created_at, number in rows:
        if number is None or wechat_id is None:
            _record(engine, media_id, status=MediaStatus.FAILED, attempt=False)
            continue
        try:
            content, content_type = fetch(channel, account, wechat_id)
        except MediaGone as exc:
            _record(engine, media_id, status=MediaStatus.FAILED, last_error=str(exc))
            continue
        except Exception as exc:  # noqa: BLE001 - network/token trouble: retry on the next sweep
            error = f"{type(exc).__name__}: {exc}"[:500]
            attempts = _record(engine, media_id, last_error=error)
            if attempts >= MAX_ATTEMPTS or now - created_at > MEDIA_ID_LIFETIME:
                _record(engine, media_id, status=MediaStatus.FAILED, attempt=False)
            log.warning("media %s of %s not fetched: %s", media_id, number, error)
            continue
        extension = mimetypes.guess_extension(content_type.split(";")[0].strip()) or ".bin"
        folder = media_dir / number
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{media_id}-{kind}{extension}"
        path.write_bytes(content)
        _record(engine, media_id, status=MediaStatus.STORED, path=str(path), stored_at=now, last_error=None)
        stored += 1
    return stored


def _record(engine: Any, media_id: int, *, attempt: bool = True, **values: Any) -> int:
    """Write one download's outcome in its own short transaction; returns the row's attempts."""
    with Session(engine, expire_on_commit=False) as s, s.begin():
        row = s.get(TicketMedia, media_id)
        if row is None:
            return 0
        if attempt:
            row.attempts += 1
        for name, value in values.items():
            setattr(row, name, value)
        return row.attempts


def wechat_fetcher(config: Any, tokens: Any) -> Fetcher:
    """Download through WeChat's (or WeCom's) media/get with the shared token store."""
    from bot.clock import SystemClock
    from bot.delivery.channels.errors import CannotDeliver
    from bot.delivery.channels.http import WeChatHTTP
    from bot.delivery.channels.official_account import OfficialAccountChannel
    from bot.delivery.channels.wecom_app import WeComAppChannel

    callers: dict[str, Any] = {}
    timeout = config.outbox.http_timeout_seconds
    if config.wechat.app_id and config.wechat.app_secret:
        oa = OfficialAccountChannel(
            WeChatHTTP(config.wechat.api_base, timeout=timeout, proxy=config.proxy), tokens,
            app_id=config.wechat.app_id, app_secret=config.wechat.app_secret, templates={},
            last_inbound=lambda account, user: None, clock=SystemClock(),
            token_endpoint=config.channels.official_account_token,
        )
        callers["official_account"] = oa.caller
    if config.wecom is not None and config.wecom.secret:
        wecom = WeComAppChannel(
            WeChatHTTP(config.wecom.api_base, timeout=timeout, proxy=config.proxy), tokens,
            corp_id=config.wecom.corp_id, agent_id=config.wecom.agent_id, secret=config.wecom.secret,
        )
        callers["wecom_app"] = wecom.caller

    def fetch(channel: str, account: str, media_id: str) -> tuple[bytes, str]:
        caller = callers.get(channel)
        if caller is None:
            raise CannotDeliver(f"no {channel} credentials to download media")
        token = caller.tokens.get(caller.key, caller.fetch)
        response = _get(caller.http, token, media_id)
        if _errcode(response) in (40001, 40014, 42001):
            token = caller.tokens.get(caller.key, caller.fetch, invalid=token)
            response = _get(caller.http, token, media_id)
        code = _errcode(response)
        if code == 40007:
            raise MediaGone(f"media id {media_id} invalid or expired")
        if code:
            raise RuntimeError(f"media/get errcode {code}")
        response.raise_for_status()
        return response.content, response.headers.get("Content-Type", "application/octet-stream")

    return fetch


def _get(http: Any, token: str, media_id: str) -> Any:
    return http.session.get(http.root + MEDIA_GET, params={"access_token": token, "media_id": media_id},
                            timeout=http.timeout)


def _errcode(response: Any) -> int:
    """media/get answers the file itself, or JSON with an errcode."""
    if "json" not in response.headers.get("Content-Type", "") and not response.content.startswith(b"{"):
        return 0
    try:
        return int(response.json().get("errcode", 0) or 0)
    except ValueError:
        return 0


def media_sweep(config: Any, tokens: Any) -> Callable[[Session, Outbox, datetime], int]:
    """The scheduler job: ``func(db, outbox, now) -> int`` over this deployment's credentials."""
    fetch = wechat_fetcher(config, tokens)
    media_dir = config.media_path

    def sweep(db: Session, outbox: Outbox, now: datetime) -> int:
        return download_pending(db, now, fetch, media_dir)

    return sweep


def media_jobs(services: Any) -> list[Sweep]:
    """The download sweep; none in console mode (no credentials to download with)."""
    from bot.delivery.channels import console_mode
    from bot.delivery.tokens import build_token_store

    config = services.config
    if console_mode(config):
        return []
    tokens = build_token_store(services.db, config.redis, services.clock)
    return [Sweep("tickets.media_download", media_sweep(config, tokens), config.tickets.media_sweep_seconds)]
