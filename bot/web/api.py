"""The JSON API under /api/v1: its helpers, login, rules, dictionary words, routing explanations, the outbox.

Capabilities serve their own blueprints made with ``api_blueprint`` and use
``current_services``, ``parse_body``, ``error``, ``unprocessable`` and
``authenticated`` from here.

Authenticated with ``Authorization: Bearer <token>`` (``python -m bot admin
create`` prints one; ``POST /api/v1/login`` issues more). Validation errors are
422 with one entry per wrong field. Described at /api/v1/openapi.json.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Annotated, Any

from flask import Blueprint, Response, current_app, g, jsonify, request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select, update

from bot.routing import rulestore
from bot.web import auth
from models import DictionaryWord, InboundMessage, InboundStatus
from models import Rule as RuleRow
from nlp.router import Router
from nlp.rules import MAX_KEYWORD_CHARS, MAX_KEYWORDS, MAX_PRIORITY, MIN_PRIORITY, RuleError

if TYPE_CHECKING:
    from bot.services import Services

# The `message` of every API error is English, like the field errors pydantic writes (one language per field).
MSG_LOGIN_REQUIRED = "login required: send the header Authorization: Bearer <token>"
MSG_TOKEN_INVALID = "the token is invalid or has been revoked"
MSG_LOGIN_FAILED = "wrong username or password"
MSG_NOT_FOUND = "{resource} {id} not found"
MSG_OUTBOX_NOT_RETRYABLE = "outbox message {id} does not exist or has not failed"
MSG_NOT_FAILED = "inbound message {id} does not exist or is not in the staff queue"
_FIELD_IN_MESSAGE = re.compile(r"fields? '([a-z_]+)'")

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


def api_blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint under /api/v1 whose invalid bodies answer 422 with one entry per wrong field."""
    blueprint = Blueprint(name, import_name, url_prefix="/api/v1")
    blueprint.register_error_handler(ValidationError, _validation_failed)
    blueprint.register_error_handler(RuleError, _rule_invalid)
    return blueprint


bp = api_blueprint("api", __name__)


@bp.post("/login")
def login() -> Any:
    body = parse_body(LoginIn)
    with current_services().db.session() as session:
        user = auth.login(session, body.username, body.password)
        if user is None:
            return error(401, "unauthorized", MSG_LOGIN_FAILED)
        return jsonify({"token": auth.issue_token(session, user), "username": user.username})


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


