"""The JSON API under /api/v1: its helpers, login, rules, dictionary words, routing explanations, the outbox.

Capabilities serve their own blueprints made with ``api_blueprint`` and use
``current_services``, ``parse_body``, ``error``, ``unprocessable`` and
``authenticated`` from here.

Authenticated with ``Authorization: Bearer <token>`` (``python -m bot admin
create`` prints one; ``POST /api/v1/login`` issues more). Validation errors are
422 with one entry per wrong field. Described at /api/v1/openapi.json.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Annotated, Any

from flask import Blueprint, Response, current_app, g, jsonify, request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select, update
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from bot.routing import rulestore
from bot.web import auth
from models import DictionaryWord, InboundMessage, InboundStatus
from models import Rule as RuleRow
from nlp.router import Router
from nlp.rules import MAX_KEYWORD_CHARS, MAX_KEYWORDS, MAX_PRIORITY, MIN_PRIORITY, RuleError

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

# The `message` of every API error is English, like the field errors pydantic writes (one language per field).
MSG_LOGIN_REQUIRED = "login required: send the header Authorization: Bearer <token>"
MSG_TOKEN_INVALID = "the token is invalid or has been revoked"
MSG_LOGIN_FAILED = "wrong username or password"
MSG_LOGIN_LOCKED = "too many failed sign-ins: wait and try again"
MSG_NOT_FOUND = "{resource} {id} not found"
MSG_OUTBOX_NOT_RETRYABLE = "outbox message {id} does not exist or has not failed"
MSG_NOT_FAILED = "inbound message {id} does not exist or is not in the staff queue"
MSG_NUL = "must not contain NUL characters"
MSG_UNENCODABLE = "must be valid Unicode text"
MSG_NUMBER_RANGE = "number out of range"
MSG_DATABASE_UNAVAILABLE = "the database is unavailable; try again shortly"
MSG_CONFLICT = "the change conflicts with other records"
MSG_DATA_REFUSED = "a value does not fit its field"
MSG_INTERNAL = "internal error; it has been logged"
_FIELD_IN_MESSAGE = re.compile(r"fields? '([a-z_]+)'")
_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 406: "not_acceptable", 409: "conflict", 413: "too_large",
               415: "unsupported_media_type", 429: "too_many_requests"}
API_PREFIX = "/api/v1"
MAX_ID = 2**31 - 1  # ids and every whole number a column holds (PostgreSQL integer)
Id = Annotated[int, Field(ge=1, le=MAX_ID)]

# Bounds on every admin-supplied size: a 20-digit priority or a 100,000-word keyword
# list is a mistake (or an attack), answered with a 422 naming the field, never a 500.
Keyword = Annotated[str, Field(max_length=MAX_KEYWORD_CHARS)]
Keywords = Annotated[list[Keyword], Field(max_length=MAX_KEYWORDS)]
Synonyms = Annotated[dict[Keyword, Keyword], Field(max_length=MAX_KEYWORDS)]
Priority = Annotated[int, Field(ge=MIN_PRIORITY, le=MAX_PRIORITY)]
Params = Annotated[dict[str, Any], Field(max_length=32)]
ShortName = Annotated[str, Field(max_length=64)]


class RuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=128)
    intent: ShortName
    category: ShortName | None = None
    any: Keywords = []
    all: Keywords = []
    none: Keywords = []
    synonyms: Synonyms = {}
    priority: Priority = 0
    reply: str | None = Field(default=None, max_length=2000)
    params: Params = {}
    enabled: bool = True
    community: ShortName | None = None


class RulePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=128)
    intent: ShortName | None = None
    category: ShortName | None = None
    any: Keywords | None = None
    all: Keywords | None = None
    none: Keywords | None = None
    synonyms: Synonyms | None = None
    priority: Priority | None = None
    reply: str | None = Field(default=None, max_length=2000)
    params: Params | None = None
    enabled: bool | None = None
    community: ShortName | None = None


class WordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    word: str = Field(min_length=1, max_length=64)
    # jieba's own dictionary tops out near 900,000; beyond that a word only overflows the column.
    freq: int | None = Field(default=None, ge=1, le=10_000_000)
    tag: str | None = Field(default=None, max_length=16)


class ExplainIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=5000)
    community: ShortName | None = None
    rule: RuleIn | None = Field(default=None, description="A draft rule to try before saving it")


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(max_length=128)
    password: str = Field(max_length=1024)


def current_services() -> Services:
    return current_app.extensions["linli"]


def error(status: int, code: str, message: str, errors: list[dict[str, str]] | None = None) -> tuple[Response, int]:
    body: dict[str, Any] = {"error": code, "message": message}
    if errors is not None:
        body["errors"] = errors
    return jsonify(body), status


def unprocessable(errors: list[dict[str, str]]) -> tuple[Response, int]:
    return error(422, "validation_error", "; ".join(f"{e['field']}: {e['message']}" for e in errors), errors)


def _pydantic_errors(exc: ValidationError) -> list[dict[str, str]]:
    return [
        {"field": ".".join(str(p) for p in e["loc"]) or "(body)", "message": "unknown field" if e["type"] == "extra_forbidden" else e["msg"]}
        for e in exc.errors()
    ]


def _rule_error(exc: RuleError) -> list[dict[str, str]]:
    found = _FIELD_IN_MESSAGE.search(str(exc))
    return [{"field": found.group(1) if found else "(rule)", "message": str(exc)}]


def parse_body(model: type[BaseModel]) -> BaseModel:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationError.from_exception_data(model.__name__, [{"type": "dict_type", "loc": (), "input": data}])
    return model.model_validate(data)


def authenticated(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
        if not token:
            return error(401, "unauthorized", MSG_LOGIN_REQUIRED)
        with current_services().db.session() as session:
            user = auth.user_for_token(session, token)
            if user is None:
                return error(401, "unauthorized", MSG_TOKEN_INVALID)
            g.admin = user.username
        return view(*args, **kwargs)

    return wrapper


def _validation_failed(exc: ValidationError) -> tuple[Response, int]:
    return unprocessable(_pydantic_errors(exc))


def _rule_invalid(exc: RuleError) -> tuple[Response, int]:
    return unprocessable(_rule_error(exc))


# -- the edge: every /api request is checked before a view runs, and every error is JSON ---------------


class BoundedInt(IntegerConverter):
    """``<int:…>`` in URLs: a database id, 0 … 2^31−1; anything else is no such record (404, JSON)."""

    def __init__(self, map: Any, fixed_digits: int = 0, min: int | None = None, max: int | None = None,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=MAX_ID if max is None else max, signed=signed)


def _install_edge(state: Any) -> None:
    """Once per app: bounded ids in URLs (before any rule is added), and the edge check on /api requests."""
    app = state.app
    if app.extensions.get("linli.api_edge"):
        return
    app.extensions["linli.api_edge"] = True
    app.url_map.converters["int"] = BoundedInt
    app.before_request(_check_edge)
    for code in (400, 404, 405, 406, 409, 413, 415, 500):
        app.register_error_handler(code, _app_http_error)


def _is_api() -> bool:
    return request.path.startswith(API_PREFIX + "/")


def _check_edge() -> Any:
    """NUL bytes, unencodable text and numbers no column can hold are refused with 422 before any view."""
    if not _is_api():
        return None
    problems: list[dict[str, str]] = []
    if "\x00" in request.path:
        problems.append({"field": "(path)", "message": MSG_NUL})
    for key, value in request.args.items(multi=True):
        if "\x00" in key or "\x00" in value:
            problems.append({"field": key.replace("\x00", "") or "(query)", "message": MSG_NUL})
    if request.mimetype == "application/json" and request.content_length:
        _check_value(request.get_json(silent=True), "", problems)
    return unprocessable(problems[:20]) if problems else None


def _check_value(value: Any, where: str, problems: list[dict[str, str]]) -> None:
    if isinstance(value, str):
        if "\x00" in value:
            problems.append({"field": where or "(body)", "message": MSG_NUL})
        elif not _encodable(value):
            problems.append({"field": where or "(body)", "message": MSG_UNENCODABLE})
    elif isinstance(value, bool):
        return
    elif isinstance(value, int):
        if not -MAX_ID <= value <= MAX_ID:
            problems.append({"field": where or "(body)", "message": MSG_NUMBER_RANGE})
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")) or abs(value) > MAX_ID:
            problems.append({"field": where or "(body)", "message": MSG_NUMBER_RANGE})
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_value(item, f"{where}.{index}" if where else str(index), problems)
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{where}.{key}" if where else str(key)
            if "\x00" in key or not _encodable(key):
                problems.append({"field": name.replace("\x00", ""), "message": MSG_NUL})
                continue
            _check_value(item, name, problems)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate ("\ud800") JSON allows and no database stores
        return False
    return True


def _app_http_error(exc: HTTPException) -> Any:
    """404/405/… outside any view (unknown path, wrong method): JSON under /api, the usual page elsewhere."""
    if not _is_api():
        return exc
    return _http_error(exc)


def _http_error(exc: HTTPException) -> tuple[Response, int]:
    code = exc.code or 500
    if code >= 500:
        return _server_error(exc)
    return error(code, _HTTP_CODES.get(code, "http_error"), exc.description or exc.name)


def _server_error(exc: Exception) -> tuple[Response, int]:
    """Any failure inside a view: logged once with its traceback, answered as JSON, never an HTML page."""
    from sqlalchemy.exc import DataError, IntegrityError, InterfaceError, OperationalError

    if isinstance(exc, (OperationalError, InterfaceError)):
        log.warning("API %s %s: database unavailable: %s", request.method, request.path, type(exc).__name__)
        return error(503, "unavailable", MSG_DATABASE_UNAVAILABLE)
    if isinstance(exc, IntegrityError):
        log.info("API %s %s refused by the database: %s", request.method, request.path, type(exc.orig).__name__)
        return error(409, "conflict", MSG_CONFLICT)
    if isinstance(exc, DataError):
        log.info("API %s %s: value refused by the database: %s", request.method, request.path, type(exc.orig).__name__)
        return error(422, "validation_error", MSG_DATA_REFUSED, [{"field": "(body)", "message": MSG_DATA_REFUSED}])
    log.exception("API %s %s failed", request.method, request.path)
    return error(500, "internal_error", MSG_INTERNAL)


def api_blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint under /api/v1: invalid bodies answer 422 with one entry per wrong field, every error is JSON."""
    blueprint = Blueprint(name, import_name, url_prefix=API_PREFIX)
    blueprint.record_once(_install_edge)
    blueprint.register_error_handler(ValidationError, _validation_failed)
    blueprint.register_error_handler(RuleError, _rule_invalid)
    blueprint.register_error_handler(ArgumentInvalid, _argument_invalid)
    blueprint.register_error_handler(HTTPException, _http_error)
    blueprint.register_error_handler(Exception, _server_error)
    return blueprint


def int_arg(name: str, default: int | None, low: int, high: int) -> int | None:
    """A whole-number query parameter within [low, high], or ``Invalid`` (422 naming it)."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ArgumentInvalid(name, "must be a whole number") from None
    if not low <= value <= high:
        raise ArgumentInvalid(name, f"must be between {low} and {high}")
    return value


class ArgumentInvalid(Exception):
    """A query parameter that does not fit: 422 naming it."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name, self.message = name, message


def _argument_invalid(exc: ArgumentInvalid) -> tuple[Response, int]:
    return unprocessable([{"field": exc.name, "message": exc.message}])


bp = api_blueprint("api", __name__)


@bp.post("/login")
def login() -> Any:
    """A token for username and password, throttled like the web sign-in (the same lockout and audit log)."""
    from bot.clock import wall_now
    from bot.web.admin import accounts

    body = parse_body(LoginIn)
    config = current_services().config
    with current_services().db.session() as session:
        result = accounts.attempt(session, config.admin, body.username, body.password, request.remote_addr or "-",
                                  wall_now())
        if result.user is None:
            if result.reason in ("locked", "throttled"):
                response, status = error(429, "too_many_attempts", MSG_LOGIN_LOCKED)
                response.headers["Retry-After"] = str(config.admin.lockout_minutes * 60)
                return response, status
            return error(401, "unauthorized", MSG_LOGIN_FAILED)
        token = auth.issue_token(session, result.user, days=config.admin.api_token_days, label="login")
        return jsonify({"token": token, "username": result.user.username})


# -- tokens ------------------------------------------------------------------------------


@bp.get("/tokens")
@authenticated
def list_tokens() -> Any:
    """Every API token (never the token itself): who, when issued, last used, expiry, revocation."""
    from bot.clock import wall_now

    now = wall_now()
    with current_services().db.session() as session:
        return jsonify({"tokens": [auth.token_dict(row, name, now) for row, name in auth.tokens(session)]})


@bp.delete("/tokens/<int:token_id>")
@authenticated
def revoke_token(token_id: int) -> Any:
    with current_services().db.session() as session:
        if not auth.revoke(session, token_id):
            return error(404, "not_found", MSG_NOT_FOUND.format(resource="live token", id=token_id))
    return "", 204


# -- rules -----------------------------------------------------------------------------


@bp.get("/rules")
@authenticated
def list_rules() -> Any:
    intent = request.args.get("intent")
    with current_services().db.session() as session:
        query = select(RuleRow).order_by(RuleRow.id)
        if intent:
            query = query.where(RuleRow.intent == intent)
        codes = rulestore.community_codes(session)
        return jsonify({"rules": [rulestore.row_to_dict(r, codes) for r in session.scalars(query)]})


@bp.post("/rules")
@authenticated
def create_rule() -> Any:
    body = parse_body(RuleIn)
    with current_services().db.session() as session:
        row = rulestore.create_rule(session, body.model_dump(), by=g.admin)
        return jsonify(rulestore.row_to_dict(row, rulestore.community_codes(session))), 201


def _rule_or_404(session: Any, rule_id: int) -> RuleRow | None:
    return session.get(RuleRow, rule_id)


@bp.get("/rules/<int:rule_id>")
@authenticated
def get_rule(rule_id: int) -> Any:
    with current_services().db.session() as session:
        row = _rule_or_404(session, rule_id)
        if row is None:
            return error(404, "not_found", MSG_NOT_FOUND.format(resource="rule", id=rule_id))
        return jsonify(rulestore.row_to_dict(row, rulestore.community_codes(session)))


@bp.route("/rules/<int:rule_id>", methods=["PUT", "PATCH"])
@authenticated
def change_rule(rule_id: int) -> Any:
    if request.method == "PUT":
        changes = parse_body(RuleIn).model_dump()
    else:
        changes = parse_body(RulePatch).model_dump(exclude_unset=True)
    with current_services().db.session() as session:
        row = _rule_or_404(session, rule_id)
        if row is None:
            return error(404, "not_found", MSG_NOT_FOUND.format(resource="rule", id=rule_id))
        rulestore.update_rule(session, row, changes, by=g.admin)
        return jsonify(rulestore.row_to_dict(row, rulestore.community_codes(session)))


@bp.delete("/rules/<int:rule_id>")
@authenticated
def delete_rule(rule_id: int) -> Any:
    with current_services().db.session() as session:
        row = _rule_or_404(session, rule_id)
        if row is None:
            return error(404, "not_found", MSG_NOT_FOUND.format(resource="rule", id=rule_id))
        rulestore.delete_rule(session, row, by=g.admin)
    return "", 204


# -- dictionary words --------------------------------------------------------------------


def _word_dict(row: DictionaryWord) -> dict[str, Any]:
    return {"id": row.id, "word": row.word, "freq": row.freq, "tag": row.tag, "enabled": row.enabled,
            "updated_at": row.updated_at.isoformat(), "updated_by": row.updated_by}


@bp.get("/words")
@authenticated
def list_words() -> Any:
    with current_services().db.session() as session:
        rows = session.scalars(select(DictionaryWord).order_by(DictionaryWord.word))
        return jsonify({"words": [_word_dict(r) for r in rows]})


@bp.post("/words")
@authenticated
def add_word() -> Any:
    body = parse_body(WordIn)
    word = body.word.strip()
    if not word or any(ch.isspace() for ch in word):
        return unprocessable([{"field": "word", "message": "a word must not be empty or contain spaces"}])
    with current_services().db.session() as session:
        row = rulestore.add_word(session, word, body.freq, body.tag, by=g.admin)
        return jsonify(_word_dict(row)), 201


@bp.delete("/words/<int:word_id>")
@authenticated
def delete_word(word_id: int) -> Any:
    with current_services().db.session() as session:
        row = session.get(DictionaryWord, word_id)
        if row is None:
            return error(404, "not_found", MSG_NOT_FOUND.format(resource="word", id=word_id))
        rulestore.delete_word(session, row)
    return "", 204


# -- routing -------------------------------------------------------------------------------


@bp.post("/route/explain")
@authenticated
def explain_route() -> Any:
    """Explain a message; with ``rule`` set, try a draft rule before saving it."""
    body = parse_body(ExplainIn)
    services = current_services()
    if services.nlp is None:
        return error(503, "unavailable", "NLP engine not started")
    router = None
    if body.rule is not None:
        with services.db.session() as session:
            draft = rulestore.validate_rule(session, body.rule.model_dump(), source="draft")
        rules = [r for r in services.nlp.rules() if r.name != draft.name and r.enabled and r.intent != "tickets.urgent"]
        router = Router([*rules, draft]) if draft.intent != "tickets.urgent" else None
    return jsonify(services.nlp.explain(body.text, community=body.community, router=router))


@bp.get("/route/unmatched")
@authenticated
def unmatched() -> Any:
    """Recent text messages no rule matched: material for new keywords."""
    try:
        limit = min(max(int(request.args.get("limit", 50)), 1), 500)
    except ValueError:
        return unprocessable([{"field": "limit", "message": "must be an integer"}])
    with current_services().db.session() as session:
        rows = session.scalars(
            select(InboundMessage)
            .where(
                InboundMessage.intent.is_(None),
                InboundMessage.content.is_not(None),
                InboundMessage.anonymised_at.is_(None),
                InboundMessage.status != InboundStatus.PROCESSING,
                InboundMessage.msg_type.in_(["text", "voice"]),
            )
            .order_by(InboundMessage.received_at.desc())
            .limit(limit)
        )
        return jsonify({"messages": [
            {"id": r.id, "text": r.content, "channel": r.channel, "received_at": r.received_at.isoformat()} for r in rows
        ]})


# -- the staff queue of messages the bot could not handle --------------------------------

MAX_ID = 2**31 - 1  # ids are 32-bit in PostgreSQL: a larger one cannot exist


@bp.get("/inbound/failed")
@authenticated
def failed_messages() -> Any:
    """Messages whose handler failed twice, oldest first: the residents were told staff would look at them."""
    try:
        limit = min(max(int(request.args.get("limit", 100)), 1), 500)
    except ValueError:
        return unprocessable([{"field": "limit", "message": "must be an integer"}])
    with current_services().db.session() as session:
        rows = session.scalars(
            select(InboundMessage)
            .where(InboundMessage.status == InboundStatus.FAILED)
            .order_by(InboundMessage.received_at, InboundMessage.id)
            .limit(limit)
        )
        return jsonify({"messages": [
            {"id": r.id, "text": r.content, "msg_type": r.msg_type, "media_id": r.media_id, "channel": r.channel,
             "account": r.account, "user_id": r.user_id, "intent": r.intent, "error": r.error,
             "received_at": r.received_at.isoformat()}
            for r in rows
        ]})


@bp.post("/inbound/<int:message_id>/resolve")
@authenticated
def resolve_failed_message(message_id: int) -> Any:
    """Take a failed message off the staff queue once someone has dealt with it."""
    with current_services().db.session() as session:
        done = message_id <= MAX_ID and session.execute(
            update(InboundMessage)
            .where(InboundMessage.id == message_id, InboundMessage.status == InboundStatus.FAILED)
            .values(status=InboundStatus.RESOLVED)
        ).rowcount == 1
    if not done:
        return error(404, "not_found", MSG_NOT_FAILED.format(id=message_id))
    return jsonify({"id": message_id, "status": InboundStatus.RESOLVED.value})


# -- undelivered messages --------------------------------------------------------------


@bp.get("/outbox/undelivered")
@authenticated
def list_undelivered() -> Any:
    """Dead and failed outbound messages with their errors, newest first."""
    from bot.delivery.outbox import undelivered

    with current_services().db.session() as session:
        rows = undelivered(session, limit=200)
        return jsonify({"messages": [
            {"id": r.id, "channel": r.channel, "kind": r.kind, "status": r.status, "attempts": r.attempts,
             "last_error": r.last_error, "created_at": r.created_at.isoformat()}
            for r in rows
        ]})


@bp.post("/outbox/<int:outbox_id>/retry")
@authenticated
def retry_undelivered(outbox_id: int) -> Any:
    from bot.delivery.outbox import retry_dead

    with current_services().db.session() as session:
        if not retry_dead(session, outbox_id, current_services().clock.now()):
            return error(404, "not_found", MSG_OUTBOX_NOT_RETRYABLE.format(id=outbox_id))
    return jsonify({"id": outbox_id, "status": "pending"})


@bp.get("/openapi.json")
def openapi() -> Any:
    from bot.web.openapi import document

    return jsonify(document(current_services().registry))


