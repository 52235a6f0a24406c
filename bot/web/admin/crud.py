"""Setup pages from the JSON API's resources: a table, a form generated from the body schema, delete.

A capability that serves a ``bot.web.resources.Resource`` on its API gets the
same records editable in the browser with ``register_resource_pages``: the form
fields come from the resource's pydantic schema, the values are validated by
that schema and saved by the resource's own ``columns`` / ``after`` functions,
so the web and the API cannot disagree. Natural keys other records use cannot
change; a record still in use cannot be deleted; every change is audited.
"""

from __future__ import annotations

import enum
import json
import re
import types
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from pydantic import BaseModel, ValidationError
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.web.admin import audit, texts
from bot.web.admin.access import services
from bot.web.resources import Invalid, Resource

Choices = Callable[[Session], list[tuple[Any, str]]]
PAGE_SIZE = 50
_SPLIT = re.compile(r"[\s,，、;；]+")


@dataclass(frozen=True)
class ListFilter:
    """A pick list above a setup page's table (``?name=value``): e.g. the places of one estate.

    ``options`` gives (value, label) pairs; ``condition(value)`` is the SQL condition on the
    resource's model. A new record started from a filtered list has the field filled in.
    """

    label: str
    options: Choices
    condition: Callable[[str], Any]


@dataclass(frozen=True)
class ResourcePage:
    """One resource's setup page: its title, the columns of its table, labels and pick lists of its form."""

    resource: Resource
    title: str
    columns: tuple[str, ...]  # keys of resource.to_dict shown in the table
    labels: dict[str, str] = field(default_factory=dict)  # field or column -> label; default: the name
    choices: dict[str, Choices] = field(default_factory=dict)  # field -> (value, label) options
    hints: dict[str, str] = field(default_factory=dict)
    search: tuple[str, ...] = ("code", "name")  # columns the search box looks in
    filters: dict[str, ListFilter] = field(default_factory=dict)  # form field -> pick list above the table
    display: dict[str, dict[str, str]] = field(default_factory=dict)  # column -> stored value -> words shown
    # column -> (value, label) options read when the table is shown: a stored code in words (a department's name)
    lookups: dict[str, Choices] = field(default_factory=dict)
    # What the index counts, when it is not the rows (grid assignments counted as the people holding them).
    count: Callable[[Session], int] | None = None

    @property
    def path(self) -> str:
        return self.resource.path


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    widget: str  # text, number, checkbox, select, words, json, fieldset, textarea
    required: bool
    value: Any
    options: list[tuple[Any, str]] = field(default_factory=list)
    children: list[FormField] = field(default_factory=list)
    hint: str = ""
    fixed: bool = False


def cell_text(page: ResourcePage, column: str, value: Any) -> str:
    """One table cell in words: yes/no, the page's words for stored values, a record's labelled parts.

    A mapping (or a list of them) shows the keys the page labels as ``column.key``
    (every key when it labels none; an empty label shows the value alone), e.g. a person's grids as
    “网格 xfl-g1 角色 主责（值班） 在岗 是”.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return texts.YES if value else texts.NO
    if column in page.display and not isinstance(value, (list, dict)):
        return page.display[column].get(str(value), str(value))
    if isinstance(value, dict):
        labelled = [k for k in value if f"{column}.{k}" in page.labels]
        parts = []
        for key in labelled or list(value):
            shown = texts.CRUD_DEFAULT if value[key] is None else cell_text(page, key, value[key])
            label = page.labels[f"{column}.{key}"] if labelled else ""
            parts.append(f"{label} {shown}" if label else shown)
        if not labelled:
            return ":".join(parts)
        named = all(page.labels[f"{column}.{key}"] for key in labelled)
        return (texts.CRUD_PART_JOINER if named else " ").join(parts)
    if isinstance(value, (list, tuple)):
        return texts.CRUD_ITEM_JOINER.join(cell_text(page, column, item) for item in value)
    return str(value)


def _with_lookups(s: Session, page: ResourcePage) -> ResourcePage:
    """The page with its coded columns (a pick list's codes, its lookups) shown by their labels."""
    looked_up = {column: {str(value): label for value, label in options(s)}
                 for column, options in {**page.choices, **page.lookups}.items()
                 if column in page.columns and column not in page.display}
    return replace(page, display={**looked_up, **page.display}) if looked_up else page


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """(the type inside Optional, whether None is allowed)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return (args[0] if len(args) == 1 else annotation), True
    return annotation, False


def _widget(annotation: Any) -> tuple[str, list[tuple[Any, str]]]:
    inner, _ = _unwrap(annotation)
    origin = typing.get_origin(inner)
    if inner is bool:
        return "checkbox", []
    if inner is int or inner is float:
        return "number", []
    if isinstance(inner, type) and issubclass(inner, enum.Enum):
        return "select", [(m.value, m.value) for m in inner]
    if origin is typing.Literal:
        return "select", [(v, v) for v in typing.get_args(inner)]
    if isinstance(inner, type) and issubclass(inner, BaseModel):
        return "fieldset", []
    if origin is list:
        (item,) = typing.get_args(inner) or (str,)
        if typing.get_origin(item) is typing.Annotated:  # list[Annotated[str, Field(max_length=…)]]
            item = typing.get_args(item)[0]
        return ("words", []) if item is str else ("json", [])
    return "text", []


def form_fields(page: ResourcePage, s: Session, values: dict[str, Any], editing: bool) -> list[FormField]:
    """The schema's fields as form fields, with the record's (or the submitted) values."""
    found = []
    for name, info in page.resource.schema.model_fields.items():
        widget, options = _widget(info.annotation)
        _, optional = _unwrap(info.annotation)
        if name in page.choices:
            widget, options = "select", page.choices[name](s)
        children = []
        if widget == "fieldset":
            inner, _ = _unwrap(info.annotation)
            sub = values.get(name) or {}
            for child, child_info in inner.model_fields.items():
                child_widget, child_options = _widget(child_info.annotation)
                children.append(FormField(f"{name}.{child}", page.labels.get(f"{name}.{child}", child), child_widget,
                                          False, sub.get(child), child_options))
        found.append(FormField(
            name, page.labels.get(name, name), widget,
            required=info.is_required() and not optional, value=values.get(name, info.default
                                                                             if not info.is_required() else None),
            options=options, children=children, hint=page.hints.get(name, ""),
            fixed=editing and name in page.resource.fixed,
        ))
    return found


def parse_form(page: ResourcePage, form: Any) -> dict[str, Any]:
    """The submitted form as a request body (the API's shape), before the schema validates it."""
    body: dict[str, Any] = {}
    for name, info in page.resource.schema.model_fields.items():
        widget, _ = _widget(info.annotation)
        _, optional = _unwrap(info.annotation)
        if name in page.choices:
            widget = "select"
        if widget == "fieldset":
            inner, _ = _unwrap(info.annotation)
            if optional and not form.get(f"{name}.__set"):
                body[name] = None
                continue
            sub = {}
            for child, child_info in inner.model_fields.items():
                child_widget, _ = _widget(child_info.annotation)
                raw = form.get(f"{name}.{child}")
                if child_widget == "checkbox":
                    sub[child] = raw in ("on", "1", "true", "y")
                elif raw not in (None, ""):
                    sub[child] = raw
            body[name] = sub
            continue
        raw = form.get(name)
        if widget == "checkbox":
            body[name] = raw in ("on", "1", "true", "y")
        elif widget == "words":
            body[name] = [w for w in _SPLIT.split(raw or "") if w]
        elif widget == "json":
            try:
                body[name] = json.loads(raw) if raw and raw.strip() else []
            except json.JSONDecodeError:
                raise Invalid(name, texts.CRUD_BAD_JSON) from None
        elif raw is None or raw == "":
            if optional:
                body[name] = None
            elif not info.is_required():
                continue
            else:
                body[name] = raw
        else:
            body[name] = raw.strip()
    return body


def _validation_errors(exc: ValidationError) -> dict[str, str]:
    return {".".join(str(p) for p in e["loc"]) or "(body)": e["msg"] for e in exc.errors()}


def save(s: Session, res: Resource, row: Any | None, data: dict[str, Any]) -> Any:
    """Create or change one record like the API does; raises Invalid or IntegrityError."""
    columns = res.columns(s, data)
    if row is None:
        row = res.model(**columns)
        s.add(row)
    else:
        for name in res.fixed:
            if name in columns and columns[name] != getattr(row, name):
                raise Invalid(name, texts.CRUD_FIXED.format(field=name))
        for name, value in columns.items():
            if name != "created_at":
                setattr(row, name, value)
    s.flush()
    if res.after:
        res.after(s, row, data)
    s.flush()
    return row


def register_resource_pages(bp: Blueprint, pages: Sequence[ResourcePage], *, title: str,
                            extra_links: Sequence[tuple[str, str]] = ()) -> None:
    """Add an index (``<bp>.index``) and, per page, list / new / edit / delete views to ``bp``."""
    by_path = {page.path: page for page in pages}

    def index() -> Any:
        with services().db.session() as s:
            counts = {p.path: p.count(s) if p.count else s.scalar(select(func.count()).select_from(p.resource.model)) or 0
                      for p in pages}
        return render_template("admin/crud/index.html", title=title, pages=pages, counts=counts,
                               links=[(label, url_for(endpoint)) for label, endpoint in extra_links],
                               bp=bp.name)

    def listing(path: str) -> Any:
        page = by_path.get(path)
        if page is None:
            return render_template("admin/error.html", message=texts.NOT_FOUND), 404
        model = page.resource.model
        q = (request.args.get("q") or "").strip()
        number = max(request.args.get("page", 1, type=int) or 1, 1)
        with services().db.session() as s:
            query = select(model)
            searchable = [getattr(model, c) for c in page.search if hasattr(model, c)]
            if q and searchable:
                query = query.where(or_(*(c.like(f"%{q}%") for c in searchable)))
            chosen = {name: request.args.get(name, "") for name in page.filters}
            for name, value in chosen.items():
                if value:
                    query = query.where(page.filters[name].condition(value))
            filters = [(name, f.label, f.options(s), chosen[name]) for name, f in page.filters.items()]
            total = s.scalar(select(func.count()).select_from(query.subquery())) or 0
            rows = s.scalars(query.options(*page.resource.load).order_by(model.id)
                             .offset((number - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
            items = [(row.id, page.resource.to_dict(s, row)) for row in rows]
            shown = _with_lookups(s, page)
        return render_template("admin/crud/list.html", page=shown, items=items, q=q, total=total, number=number,
                               pages=max(1, -(-total // PAGE_SIZE)), title=title, bp=bp.name, filters=filters,
                               chosen={k: v for k, v in chosen.items() if v})

    def form_page(path: str, item_id: int | None = None) -> Any:
        page = by_path.get(path)
        if page is None:
            return render_template("admin/error.html", message=texts.NOT_FOUND), 404
        with services().db.session() as s:
            values: dict[str, Any] = {}
            if item_id is not None:
                row = s.get(page.resource.model, item_id)
                if row is None:
                    return render_template("admin/error.html", message=texts.NOT_FOUND), 404
                values = page.resource.to_dict(s, row)
            else:
                values = {name: request.args[name] for name in page.filters if request.args.get(name)}
            return render_template("admin/crud/form.html", page=page, item_id=item_id, errors={}, title=title,
                                   fields=form_fields(page, s, values, item_id is not None), bp=bp.name)

    def submit(path: str, item_id: int | None = None) -> Any:
        page = by_path.get(path)
        if page is None:
            return render_template("admin/error.html", message=texts.NOT_FOUND), 404
        res = page.resource
        with services().db.session() as s:
            row = s.get(res.model, item_id) if item_id is not None else None
            if item_id is not None and row is None:
                return render_template("admin/error.html", message=texts.NOT_FOUND), 404
            before = res.to_dict(s, row) if row is not None else None
            errors: dict[str, str] = {}
            body: dict[str, Any] = {}
            try:
                body = parse_form(page, request.form)
                data = res.schema.model_validate(body).model_dump(mode="json")
                with s.begin_nested():
                    row = save(s, res, row, data)
            except ValidationError as exc:
                errors = _validation_errors(exc)
            except Invalid as exc:
                errors = {exc.field: exc.message}
            except IntegrityError:
                errors = {"(body)": texts.CRUD_CONFLICT}
            if errors:
                shown = {**(before or {}), **body}
                return render_template("admin/crud/form.html", page=page, item_id=item_id, errors=errors,
                                       title=title, fields=form_fields(page, s, shown, item_id is not None),
                                       bp=bp.name), 422
            after = res.to_dict(s, row)
            audit.record(s, f"{res.path}.{'create' if before is None else 'update'}", target_type=res.path,
                         target_id=row.id, summary=str(after.get("code") or after.get("name") or row.id),
                         before=audit.plain(before), after=audit.plain(after))
            flash(texts.CRUD_SAVED.format(what=page.title))
        return redirect(url_for(f"{bp.name}.crud_list", path=path))

    def delete(path: str, item_id: int) -> Any:
        page = by_path.get(path)
        if page is None:
            return render_template("admin/error.html", message=texts.NOT_FOUND), 404
        res = page.resource
        with services().db.session() as s:
            row = s.get(res.model, item_id)
            if row is None:
                return render_template("admin/error.html", message=texts.NOT_FOUND), 404
            reason = res.in_use(s, row) if res.in_use else None
            if reason:
                flash(texts.CRUD_IN_USE.format(reason=reason), "error")
                return redirect(url_for(f"{bp.name}.crud_edit", path=path, item_id=item_id))
            before = res.to_dict(s, row)
            if res.on_delete:
                res.on_delete(s, row)
            try:
                with s.begin_nested():
                    s.delete(row)
                    s.flush()
            except IntegrityError:
                flash(texts.CRUD_IN_USE.format(reason=texts.CRUD_REFERENCED), "error")
                return redirect(url_for(f"{bp.name}.crud_edit", path=path, item_id=item_id))
            audit.record(s, f"{res.path}.delete", target_type=res.path, target_id=item_id,
                         summary=str(before.get("code") or before.get("name") or item_id), before=audit.plain(before))
            flash(texts.CRUD_DELETED.format(what=page.title))
        return redirect(url_for(f"{bp.name}.crud_list", path=path))

    bp.add_app_template_global(cell_text, "crud_cell")
    bp.add_url_rule("/", "index", index, methods=["GET"])
    bp.add_url_rule("/<path>", "crud_list", listing, methods=["GET"])
    bp.add_url_rule("/<path>/new", "crud_new", form_page, methods=["GET"])
    bp.add_url_rule("/<path>", "crud_create", submit, methods=["POST"])
    bp.add_url_rule("/<path>/<int:item_id>", "crud_edit", form_page, methods=["GET"])
    bp.add_url_rule("/<path>/<int:item_id>", "crud_save", submit, methods=["POST"])
    bp.add_url_rule("/<path>/<int:item_id>/delete", "crud_delete", delete, methods=["POST"])
