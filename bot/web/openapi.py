"""The OpenAPI 3.1 document for /api/v1, with request schemas taken from the pydantic models."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from bot import texts
from bot.dialog.capability import Registry


def _schema(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema(ref_template="#/components/schemas/{model}")


def _body(name: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}}


_OK = {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}
_ERRORS = {
    "401": {"description": "missing or invalid token", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
    "422": {"description": "invalid field(s)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
}
_NOT_FOUND = {"404": {"description": "no such record", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}
_ID = [{"name": "rule_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
_WORD_ID = [{"name": "word_id", "in": "path", "required": True, "schema": {"type": "integer"}}]


def _bounded_ids(paths: dict[str, Any]) -> dict[str, Any]:
    """Every whole-number path parameter is a database id: say so (the app refuses others with 404)."""
    from bot.web.api import MAX_ID

    for item in paths.values():
        for operation in item.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                schema = parameter.get("schema", {})
                if parameter.get("in") == "path" and schema.get("type") == "integer":
                    schema.setdefault("minimum", 1)
                    schema.setdefault("maximum", MAX_ID)
    return paths


def document(registry: Registry) -> dict[str, Any]:
    """The framework's paths and every capability's (``Capability.api``)."""
    from bot.web.api import ExplainIn, LoginIn, RuleIn, RulePatch, WordIn

    parts = registry.openapi_parts()
    schemas: dict[str, Any] = {}
    for model in (RuleIn, RulePatch, WordIn, ExplainIn, LoginIn, *(m for part in parts for m in part.schemas)):
        schema = _schema(model)
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    schemas["Error"] = {
        "type": "object",
        "required": ["error", "message"],
        "properties": {
            "error": {"type": "string"},
            "message": {"type": "string"},
            "errors": {"type": "array", "items": {"type": "object", "properties": {"field": {"type": "string"}, "message": {"type": "string"}}}},
        },
    }
    secured = [{"bearer": []}]
    return {
        "openapi": "3.1.0",
        "info": {"title": texts.OPENAPI_TITLE, "version": "1"},
        "servers": [{"url": "/api/v1"}],
        "components": {"schemas": schemas, "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": secured,
        "paths": _bounded_ids({
            "/login": {"post": {"summary": "Exchange username and password for a token (429 after too many failures)", "security": [], "requestBody": _body("LoginIn"), "responses": {"200": _OK, **_ERRORS}}},
            "/tokens": {"get": {"summary": "API tokens: who, issued, last used, expiry, revocation", "responses": {"200": _OK, **_ERRORS}}},
            "/tokens/{token_id}": {"delete": {"summary": "Revoke a token", "parameters": [{"name": "token_id", "in": "path", "required": True, "schema": {"type": "integer"}}], "responses": {"204": {"description": "revoked"}, **_ERRORS, **_NOT_FOUND}}},
            "/rules": {
                "get": {"summary": "List rules", "parameters": [{"name": "intent", "in": "query", "schema": {"type": "string"}}], "responses": {"200": _OK, **_ERRORS}},
                "post": {"summary": "Create a rule", "requestBody": _body("RuleIn"), "responses": {"201": _OK, **_ERRORS}},
            },
            "/rules/{rule_id}": {
                "get": {"summary": "One rule", "parameters": _ID, "responses": {"200": _OK, **_ERRORS, **_NOT_FOUND}},
                "put": {"summary": "Replace a rule", "parameters": _ID, "requestBody": _body("RuleIn"), "responses": {"200": _OK, **_ERRORS, **_NOT_FOUND}},
                "patch": {"summary": "Change some fields of a rule", "parameters": _ID, "requestBody": _body("RulePatch"), "responses": {"200": _OK, **_ERRORS, **_NOT_FOUND}},
                "delete": {"summary": "Delete a rule", "parameters": _ID, "responses": {"204": {"description": "deleted"}, **_ERRORS, **_NOT_FOUND}},
            },
            "/words": {
                "get": {"summary": "List admin-added dictionary words", "responses": {"200": _OK, **_ERRORS}},
                "post": {"summary": "Add a word jieba must keep whole", "requestBody": _body("WordIn"), "responses": {"201": _OK, **_ERRORS}},
            },
            "/words/{word_id}": {"delete": {"summary": "Delete a word", "parameters": _WORD_ID, "responses": {"204": {"description": "deleted"}, **_ERRORS, **_NOT_FOUND}}},
            "/route/explain": {"post": {"summary": "Tokens, entities, candidates and the winner for a message; optionally with a draft rule", "requestBody": _body("ExplainIn"), "responses": {"200": _OK, **_ERRORS}}},
            "/outbox/undelivered": {"get": {"summary": "Dead and failed outbound messages with their errors", "responses": {"200": _OK, **_ERRORS}}},
            "/outbox/{outbox_id}/retry": {"post": {"summary": "Send a dead message again", "parameters": [{"name": "outbox_id", "in": "path", "required": True, "schema": {"type": "integer"}}], "responses": {"200": _OK, **_ERRORS, **_NOT_FOUND}}},
            "/inbound/failed": {"get": {"summary": "The staff queue: messages the bot failed to handle, with their text", "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}}], "responses": {"200": _OK, **_ERRORS}}},
            "/inbound/{message_id}/resolve": {"post": {"summary": "Take a failed message off the staff queue", "parameters": [{"name": "message_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647}}], "responses": {"200": _OK, **_ERRORS, **_NOT_FOUND}}},
            "/route/unmatched": {"get": {"summary": "Recent messages no rule matched", "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}}], "responses": {"200": _OK, **_ERRORS}}},
            **{path: item for part in parts for path, item in part.paths(_OK, _ERRORS, _NOT_FOUND, _body).items()},
        }),
    }
