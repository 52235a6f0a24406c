"""``python -m bot doctor``: what is wrong with this deployment, each finding with its fix.

The checks run in the order an operator would fix things: the database
(reachable, initialised), the WeChat callback (the server accepts signatures
made with ``wechat.token``; in safe mode the AES key and app id decrypt), the
WeChat and WeCom APIs (reachable, credentials right, this server's IP on the
whitelist), delivery configuration (template ids, group robots that keep
failing), the holiday calendar, and every capability's own health checks
(``Capability.health``). Nothing here changes data, except the one harmless
VIEW event a safe-mode self-request leaves in the inbound log.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot import texts
from bot.clock import wall_now
from bot.config import Config
from bot.db import Database, schema_is_current
from bot.delivery.channels import console_mode
from bot.delivery.channels.errors import ChannelUnavailable
from bot.delivery.channels.http import WeChatHTTP
from bot.errors import WeChatAPIError
from bot.wechat.client import Poster, build_event_xml

# errcodes that mean "this server's IP is not whitelisted" (Official Account / WeCom).
IP_NOT_WHITELISTED = {40164, 60020}
BAD_CREDENTIALS = {40001, 40013, 40125, 41004, 40091, 42001}
ROBOT_FAILURE_WINDOW = timedelta(days=7)


class Level(StrEnum):
    OK = "ok"
    WARN = "warn"
    ERROR = "error"


@dataclass(frozen=True)
class Finding:
    level: Level
    check: str
    message: str
    fix: str = ""


def _ok(check: str, message: str) -> Finding:
    return Finding(Level.OK, check, message)


def _warn(check: str, message: str, fix: str) -> Finding:
    return Finding(Level.WARN, check, message, fix)


def _error(check: str, message: str, fix: str) -> Finding:
    return Finding(Level.ERROR, check, message, fix)


# -- the database ---------------------------------------------------------------------------


def check_database(config: Config) -> tuple[list[Finding], Database | None]:
    """Reachable and migrated; a missing SQLite file is reported, never created."""
    url = make_url(config.database_url)
    safe = url.render_as_string(hide_password=True)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:") \
            and not Path(url.database).exists():
        return [_error("database", texts.DOCTOR_DB_MISSING.format(url=safe), texts.DOCTOR_FIX_INIT)], None
    db = Database(config.database_url)
    try:
        db.ping()
    except Exception as exc:  # noqa: BLE001 - any driver error means the same to the operator
        db.dispose()
        return [_error("database", texts.DOCTOR_DB_UNREACHABLE.format(url=safe, error=type(exc).__name__),
                       texts.DOCTOR_FIX_DB_UNREACHABLE)], None
    if not schema_is_current(db):
        return [_error("database", texts.DOCTOR_DB_NOT_INITIALISED.format(url=safe), texts.DOCTOR_FIX_INIT)], db
    return [_ok("database", texts.DOCTOR_DB_OK.format(url=safe))], db


# -- the WeChat callback ------------------------------------------------------------------


def check_callback(config: Config, post: Poster) -> list[Finding]:
    """Sign a verification GET (and in safe mode an encrypted event) the way WeChat would."""
    wechat = config.wechat
    if not wechat.token:
        return [_error("callback", texts.DOCTOR_NO_TOKEN, texts.DOCTOR_FIX_TOKEN)]
    timestamp, nonce, echo = str(int(time.time())), secrets.token_hex(8), secrets.token_hex(8)
    signature = hashlib.sha1("".join(sorted([wechat.token, timestamp, nonce])).encode()).hexdigest()
    try:
        status, body = post("GET /wechat", {"signature": signature, "timestamp": timestamp, "nonce": nonce,
                                            "echostr": echo}, b"")
    except Exception as exc:  # noqa: BLE001 - connection refused, DNS, timeout: all "not reachable"
        return [_error("callback", texts.DOCTOR_CALLBACK_UNREACHABLE.format(error=type(exc).__name__),
                       texts.DOCTOR_FIX_CALLBACK_UNREACHABLE)]
    if status != 200 or body.decode("utf-8", "replace") != echo:
        return [_error("callback", texts.DOCTOR_TOKEN_MISMATCH.format(status=status), texts.DOCTOR_FIX_TOKEN)]
    findings = [_ok("callback", texts.DOCTOR_TOKEN_OK)]
    if wechat.effective_mode == "plaintext":
        return findings
    return findings + [_check_encrypted(config, post)]


def _check_encrypted(config: Config, post: Poster) -> Finding:
    from wechatpy.crypto import WeChatCrypto
    from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException

    wechat = config.wechat
    try:
        WeChatCrypto(wechat.token, wechat.aes_key, wechat.app_id)  # a malformed key fails here
    except Exception:  # noqa: BLE001 - a malformed key fails inside the library in several ways
        return _error("aes_key", texts.DOCTOR_AES_KEY_INVALID, texts.DOCTOR_FIX_AES_KEY)
    from bot.wechat.client import ChatClient

    client = ChatClient(config, lambda path, query, body: post(path, query, body), openid="oLinliDoctor")
    try:
        client.send_xml(build_event_xml(client.bot_id, client.openid, "VIEW", "linli-doctor"))
    except RuntimeError:
        return _error("aes_key", texts.DOCTOR_AES_MISMATCH, texts.DOCTOR_FIX_AES_KEY)
    except (InvalidAppIdException, InvalidSignatureException):
        return _error("app_id", texts.DOCTOR_APP_ID_MISMATCH, texts.DOCTOR_FIX_APP_ID)
    return _ok("aes_key", texts.DOCTOR_AES_OK)


# -- the WeChat and WeCom APIs --------------------------------------------------------------


def check_apis(config: Config, http_factory: Callable[[str], WeChatHTTP] | None = None) -> list[Finding]:
    """Fetch an access token the way the worker does (stable_token never invalidates the live one)."""
    if console_mode(config):
        return [_ok("wechat_api", texts.DOCTOR_CONSOLE_MODE)]

    def http(base: str) -> WeChatHTTP:
        if http_factory is not None:
            return http_factory(base)
        return WeChatHTTP(base, timeout=config.outbox.http_timeout_seconds, proxy=config.proxy)

    findings: list[Finding] = []
    wechat = config.wechat
    if wechat.app_id and wechat.app_secret:
        body = {"grant_type": "client_credential", "appid": wechat.app_id, "secret": wechat.app_secret}
        findings.append(_token_finding("wechat_api", wechat.api_base, lambda c: c.call(
            "POST", "/cgi-bin/stable_token", body=body), http))
    else:
        findings.append(_warn("wechat_api", texts.DOCTOR_NO_APP_SECRET, texts.DOCTOR_FIX_APP_SECRET))
    wecom = config.wecom
    if wecom is not None and wecom.secret:
        params = {"corpid": wecom.corp_id, "corpsecret": wecom.secret}
        findings.append(_token_finding("wecom_api", wecom.api_base, lambda c: c.call(
            "GET", "/cgi-bin/gettoken", params=params), http))
    return findings


def _token_finding(check: str, base: str, fetch: Callable[[WeChatHTTP], Any],
                   http: Callable[[str], WeChatHTTP]) -> Finding:
    client = http(base)
    try:
        fetch(client)
    except ChannelUnavailable as exc:
        return _error(check, texts.DOCTOR_API_UNREACHABLE.format(base=base, error=exc), texts.DOCTOR_FIX_API_UNREACHABLE)
    except WeChatAPIError as exc:
        if exc.errcode in IP_NOT_WHITELISTED:
            return _error(check, texts.DOCTOR_IP_NOT_WHITELISTED.format(errcode=exc.errcode, detail=exc),
                          texts.DOCTOR_FIX_IP_WHITELIST)
        if exc.errcode in BAD_CREDENTIALS:
            return _error(check, texts.DOCTOR_BAD_CREDENTIALS.format(errcode=exc.errcode),
                          texts.DOCTOR_FIX_APP_SECRET)
        return _error(check, texts.DOCTOR_API_ERROR.format(errcode=exc.errcode), texts.DOCTOR_FIX_API_ERROR)
    finally:
        client.close()
    return _ok(check, texts.DOCTOR_API_OK.format(base=base))


# -- delivery configuration and history -----------------------------------------------------


def check_delivery(config: Config, db: Database | None) -> list[Finding]:
    findings: list[Finding] = []
    if not console_mode(config) and config.wechat.app_id:
        empty = sorted(kind for kind, template in config.templates.items() if not template)
        if not config.templates:
            findings.append(_warn("templates", texts.DOCTOR_NO_TEMPLATES, texts.DOCTOR_FIX_TEMPLATES))
        elif empty:
            findings.append(_warn("templates", texts.DOCTOR_EMPTY_TEMPLATES.format(kinds=", ".join(empty)),
                                  texts.DOCTOR_FIX_TEMPLATES))
    if db is None:
        return findings
    from models import OutboxMessage, OutboxStatus

    since = wall_now() - ROBOT_FAILURE_WINDOW
    with db.session() as s:
        rows = s.execute(
            select(OutboxMessage.channel, OutboxMessage.recipient, OutboxMessage.last_error, func.count())
            .where(OutboxMessage.status.in_([OutboxStatus.DEAD, OutboxStatus.FAILED]), OutboxMessage.created_at >= since)
            .group_by(OutboxMessage.channel, OutboxMessage.recipient, OutboxMessage.last_error)
        ).all()
    missing_templates = sorted({_template_kind(error) for _, _, error, _ in rows if _template_kind(error)})
    if missing_templates:
        findings.append(_error("templates", texts.DOCTOR_TEMPLATE_NEEDED.format(kinds=", ".join(missing_templates)),
                               texts.DOCTOR_FIX_TEMPLATES))
    robots = {}
    for channel, recipient, _, count in rows:
        if channel == "wecom_robot":
            robots[recipient] = robots.get(recipient, 0) + count
    for robot, count in sorted(robots.items()):
        findings.append(_warn("robots", texts.DOCTOR_ROBOT_FAILING.format(robot=robot, count=count),
                              texts.DOCTOR_FIX_ROBOT))
    dead = sum(count for *_, count in rows)
    if dead:
        findings.append(_warn("outbox", texts.DOCTOR_DEAD_MESSAGES.format(count=dead), texts.DOCTOR_FIX_DEAD))
    return findings


def _template_kind(error: str | None) -> str | None:
    marker = "(templates."
    if not error or marker not in error:
        return None
    return error.split(marker, 1)[1].split(")", 1)[0]


# -- time -------------------------------------------------------------------------------------


def check_calendar(config: Config, db: Database | None) -> list[Finding]:
    """The holiday table must cover next year before it starts (chinese-calendar's data ends with 2026)."""
    if db is None:
        return []
    from bot.workcalendar import load_calendar, warn_missing

    now = wall_now()
    year = now.astimezone(config.tz).year
    with db.session() as s:
        calendar = load_calendar(s, config.tz, range(year, year + 2), now)
    missing = [y for y in warn_missing(calendar) if y in (year, year + 1)]
    if missing:
        return [_warn("calendar", texts.DOCTOR_CALENDAR_MISSING.format(years=", ".join(map(str, missing))),
                      texts.DOCTOR_FIX_CALENDAR)]
    return [_ok("calendar", texts.DOCTOR_CALENDAR_OK.format(last=year + 1))]


# -- the whole run ------------------------------------------------------------------------------


def diagnose(config: Config, *, url: str | None = None, services: Any = None,
             http_factory: Callable[[str], WeChatHTTP] | None = None) -> list[Finding]:
    """Every check; ``url`` tests a running server's callback, else an in-process app on this config."""
    findings, db = check_database(config)
    post: Poster | None = None
    if url:
        post = _http_poster(url)
    elif db is not None and findings[0].level is Level.OK:
        post = _app_poster(config, db, services)
    if post is not None:
        findings += check_callback(config, post)
    findings += check_apis(config, http_factory)
    findings += check_delivery(config, db if findings[0].level is Level.OK else None)
    if db is not None and findings[0].level is Level.OK:
        findings += check_calendar(config, db)
        findings += _capability_checks(services, config, db)
    if db is not None and services is None:
        db.dispose()
    return findings


def _capability_checks(services: Any, config: Config, db: Database) -> list[Finding]:
    from bot.services import Services

    own = services if services is not None else Services(config=config, db=db)
    findings = []
    for check in own.registry.health_checks():
        name = getattr(check, "__qualname__", "capability")
        problems = check(own)
        findings += [_warn(name, problem, "") for problem in problems]
    if services is None:
        own.executor.shutdown(wait=False)
    return findings


def _http_poster(base_url: str) -> Poster:
    import requests

    def post(path: str, query: dict[str, str], body: bytes) -> tuple[int, bytes]:
        method, _, path = path.rpartition(" ")
        url = base_url.rstrip("/") + path
        if method == "GET":
            response = requests.get(url, params=query, timeout=5)
        else:
            response = requests.post(url, params=query, data=body, timeout=5)
        return response.status_code, response.content

    return post


def _app_poster(config: Config, db: Database, services: Any) -> Poster:
    from bot.app import create_app
    from bot.services import Services

    return client_poster(create_app(services=services or Services(config=config, db=db)))


def client_poster(app: Any) -> Poster:
    """A poster over the app's test client; ``"GET /wechat"`` sends a GET, a bare path a POST."""
    client = app.test_client()

    def post(path: str, query: dict[str, str], body: bytes) -> tuple[int, bytes]:
        method, _, path = path.rpartition(" ")
        response = client.get(path, query_string=query) if method == "GET" else \
            client.post(path, query_string=query, data=body)
        return response.status_code, response.data

    return post


def worst(findings: Iterable[Finding]) -> Level:
    levels = {f.level for f in findings}
    return Level.ERROR if Level.ERROR in levels else Level.WARN if Level.WARN in levels else Level.OK
