"""CRUD over a model as a table of ``Resource`` rows: list, create, read, change, delete.

Capabilities describe their records (the body schema, how body fields become
columns, how a row reads back, why a row must not be deleted) and call
``register_resources`` on their blueprint; ``resource_paths`` documents them.
Foreign keys are given by natural key (``community: xingfuli``); a wrong one is
a 422 naming the field, a duplicate natural key a 409.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from copy import copy
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Blueprint, jsonify, request
from pydantic import BaseModel, ConfigDict, create_model
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.web.api import MAX_ID, MSG_NOT_FOUND, authenticated, current_services, error, parse_body, unprocessable


class In(BaseModel):
    """A request body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


def patch_model(model: type[In]) -> type[In]:
    """The same fields with the same limits, each optional (PATCH): what POST refuses, PATCH refuses too.

    A field left out keeps its value; ``null`` is accepted only where POST accepts it.
    """
    fields = {}
    for name, info in model.model_fields.items():
        optional = copy(info)
        optional.default, optional.default_factory = None, None
        fields[name] = (info.annotation, optional)
    return create_model(model.__name__.removesuffix("In") + "Patch", __base__=In, **fields)  # type: ignore[call-overload]


class Invalid(Exception):
    """A field names something that does not exist or does not fit: answered 422 with the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def by_code(session: Session, model: Any, code: str | None, field: str) -> Any:
    """The row with this natural key (None for None), or Invalid naming the field."""
    if code is None:
        return None
    row = session.scalar(select(model).where(model.code == code))
    if row is None:
        raise Invalid(field, f"no {model.__tablename__} record with code '{code}'")
    return row


def by_id(session: Session, model: Any, value: int, field: str) -> Any:
    row = session.get(model, value)
    if row is None:
        raise Invalid(field, f"no {model.__tablename__} record with id {value}")
    return row


def request_now() -> datetime:
    """The services' clock inside a request (tests fix it)."""
    return current_services().clock.now()


@dataclass(frozen=True)
class Resource:
    path: str
    model: Any
    schema: type[In]
    columns: Callable[[Session, dict[str, Any]], dict[str, Any]]  # body fields -> column values
    to_dict: Callable[[Session, Any], dict[str, Any]]
    after: Callable[[Session, Any, dict[str, Any]], None] | None = None
    # Why a row must not be deleted (still referenced), or None; a reason answers 409.
    in_use: Callable[[Session, Any], str | None] | None = None
    # Fields a PATCH may not change (natural keys other records refer to by value).
    fixed: tuple[str, ...] = ()
    on_delete: Callable[[Session, Any], None] | None = None  # tidy rows tied by value, not by foreign key
    load: tuple[Any, ...] = ()  # loader options for the list (selectinload of what to_dict reads)
    # Reads what to_dict needs for all listed rows in a few queries, into ``session.info`` (no per-row queries).
    prefetch: Callable[[Session, list[Any]], None] | None = None


def register_resources(bp: Blueprint, resources: Sequence[Resource]) -> None:
    for res in resources:
        _register(bp, res)


def _register(bp: Blueprint, res: Resource) -> None:
    patch = patch_model(res.schema)

    def save(row: Any | None, data: dict[str, Any]) -> Any:
        with current_services().db.session() as s:
            try:
                columns = res.columns(s, data)
                if row is None:
                    row = res.model(**columns)
                    s.add(row)
                else:
                    row = s.get(res.model, row)
                    for name in res.fixed:
                        if name in columns and columns[name] != getattr(row, name):
                            raise Invalid(name, f"{name} is a stable key other records use; it cannot change")
                    for name, value in columns.items():
                        if name != "created_at":
                            setattr(row, name, value)
                s.flush()
                if res.after:
                    res.after(s, row, data)
                s.flush()
            except Invalid as exc:
                s.rollback()
                return unprocessable([{"field": exc.field, "message": exc.message}])
            except IntegrityError:
                s.rollback()
                return error(409, "conflict", f"{res.path}: a record with this natural key already exists")
            return jsonify(res.to_dict(s, row))

    def list_view() -> Any:
        with current_services().db.session() as s:
            rows = list(s.scalars(select(res.model).options(*res.load).order_by(res.model.id)))
            if res.prefetch and rows:
                res.prefetch(s, rows)
            return jsonify({res.path: [res.to_dict(s, r) for r in rows]})

    def create_view() -> Any:
        data = parse_body(res.schema).model_dump(mode="json")
        answer = save(None, data)
        return (answer, 201) if not isinstance(answer, tuple) else answer

    def item_view(item_id: int) -> Any:
        with current_services().db.session() as s:
            row = s.get(res.model, item_id)
            if row is None:
                return error(404, "not_found", MSG_NOT_FOUND.format(resource=res.path, id=item_id))
            if request.method == "GET":
                return jsonify(res.to_dict(s, row))
            if request.method == "DELETE":
                reason = res.in_use(s, row) if res.in_use else None
                if reason:
                    return error(409, "in_use", reason)
                if res.on_delete:
                    res.on_delete(s, row)
                s.delete(row)
                try:
                    s.flush()
                except IntegrityError:  # still referenced by a record in_use does not know about
                    s.rollback()
                    return error(409, "in_use", f"{res.path} {item_id} is still referenced by other records")
                return "", 204
        data = parse_body(patch).model_dump(mode="json", exclude_unset=True)
        return save(item_id, data)

    for name, view in (("list", list_view), ("create", create_view), ("item", item_view)):
        view.__name__ = f"{res.path}_{name}"
    bp.add_url_rule(f"/{res.path}", view_func=authenticated(list_view), methods=["GET"])
    bp.add_url_rule(f"/{res.path}", view_func=authenticated(create_view), methods=["POST"])
    bp.add_url_rule(f"/{res.path}/<int:item_id>", view_func=authenticated(item_view),
                    methods=["GET", "PATCH", "DELETE"])


ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_ID}


def _inline_body(model: type[In]) -> dict[str, Any]:
    """A request body described in place (nested models refer to the POST schema's components)."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schema.pop("$defs", None)
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def resource_paths(resources: Sequence[Resource], ok: dict[str, Any], errors: dict[str, Any],
                   not_found: dict[str, Any], body: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    """OpenAPI path items for the resources' five operations."""
    item = [{"name": "item_id", "in": "path", "required": True, "schema": ID_SCHEMA}]
    error_body = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    conflict = {"409": {"description": "a record with this natural key already exists", "content": error_body}}
    in_use = {"409": {"description": "still in use by other records", "content": error_body}}
    paths: dict[str, Any] = {}
    for res in resources:
        name = res.schema.__name__
        fixed = f" ({', '.join(res.fixed)} cannot change)" if res.fixed else ""
        paths[f"/{res.path}"] = {
            "get": {"summary": f"List {res.path}", "responses": {"200": ok, **errors}},
            "post": {"summary": f"Create one of {res.path}", "requestBody": body(name),
                     "responses": {"201": ok, **errors, **conflict}},
        }
        paths[f"/{res.path}/{{item_id}}"] = {
            "get": {"summary": f"One of {res.path}", "parameters": item, "responses": {"200": ok, **errors, **not_found}},
            "patch": {"summary": f"Change fields of one of {res.path}{fixed}", "parameters": item,
                      "requestBody": _inline_body(patch_model(res.schema)),
                      "responses": {"200": ok, **errors, **not_found, **conflict}},
            "delete": {"summary": f"Delete one of {res.path}", "parameters": item,
                       "responses": {"204": {"description": "deleted"}, **errors, **not_found,
                                     **(in_use if res.in_use else {})}},
        }
    return paths
