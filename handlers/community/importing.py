"""Import of the community model: grids, estates, buildings, named places, departments, members, staff.

Import sections of the community capability (bot.importer runs them); records match on natural keys (``code``),
a person on the member's/staff's ``code``; importing twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import wall_now
from bot.importer import ImportContext
from bot.routing.rulestore import WORDS_COUNTER, bump
from handlers.community import texts
from handlers.community.people import is_phone
from models import (
    Building,
    Category,
    Community,
    Department,
    DepartmentCategory,
    Estate,
    EstatePlace,
    Grid,
    GridMember,
    Identity,
    IdentityKind,
    MemberRole,
    Person,
    PlaceKind,
    Staff,
)

# Parents first: an estate may name its grid; a building its estate and grid; a place its estate and grid.
SECTIONS = ("grids", "estates", "buildings", "places", "departments", "members", "staff")
IDENTITY_KEYS = {"openid": IdentityKind.OPENID, "unionid": IdentityKind.UNIONID, "wecom_userid": IdentityKind.WECOM}

Fail = Callable[[str], Exception]


FACT_FIELDS = ("office_address", "phone", "office_hours", "after_hours_phone")


def import_communities(ctx: ImportContext) -> None:
    """``communities``: code and name, matched on the code, with the community's facts told to residents."""
    session, report = ctx.session, ctx.report
    for index, record in enumerate(ctx.records("communities")):
        ctx.check_keys("communities", index, record, {"code", "name", *FACT_FIELDS})
        code = str(ctx.require("communities", index, record, "code"))
        name = str(ctx.require("communities", index, record, "name"))
        facts = {key: str(record[key]).strip() for key in FACT_FIELDS if record.get(key) is not None}
        row = session.scalar(select(Community).where(Community.code == code))
        if row is None:
            session.add(Community(code=code, name=name, created_at=ctx.now, **facts))
            report.count(report.created, "communities")
        elif row.name != name or any(getattr(row, key) != value for key, value in facts.items()):
            row.name = name
            for key, value in facts.items():
                setattr(row, key, value)
            report.count(report.updated, "communities")
        else:
            report.count(report.unchanged, "communities")
    session.flush()


def import_community_model(ctx: ImportContext) -> None:
    """Grids, estates, buildings, named places, departments, members and staff, parents first."""
    session, report = ctx.session, ctx.report
    for section in SECTIONS:
        rows = ctx.records(section)
        for index, record in enumerate(rows):
            where = f"{section}[{index}]"
            changed = _IMPORTERS[section](session, record, lambda msg, where=where: ctx.fail(f"{where}: {msg}"))
            bucket = {"created": report.created, "updated": report.updated}.get(changed, report.unchanged)
            report.count(bucket, section)
        session.flush()
    if any(report.created.get(s) or report.updated.get(s) for s in ("estates", "places")):
        bump(session, WORDS_COUNTER)  # estate and place names join the tokenizer and the address parser


def _check(record: dict[str, Any], allowed: set[str], fail: Fail) -> None:
    unknown = set(record) - allowed
    if unknown:
        raise fail(f"unknown field(s) {sorted(unknown)}")


def _need(record: dict[str, Any], key: str, fail: Fail) -> str:
    value = record.get(key)
    if value in (None, ""):
        raise fail(f"missing field '{key}'")
    return str(value)


def _by_code(session: Session, model: Any, code: str | None, field: str, fail: Fail) -> Any:
    if code is None:
        return None
    row = session.scalar(select(model).where(model.code == str(code)))
    if row is None:
        raise fail(f"field '{field}': no {model.__tablename__[:-1]} with code '{code}'")
    return row


def _upsert(session: Session, model: Any, key: dict[str, Any], values: dict[str, Any]) -> tuple[Any, str]:
    row = session.scalar(select(model).filter_by(**key))
    if row is None:
        row = model(**key, **values)
        session.add(row)
        session.flush()
        return row, "created"
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return row, "updated" if changed else "unchanged"


def _estate(session: Session, r: dict[str, Any], fail: Fail) -> str:
    _check(r, {"code", "community", "name", "grid"}, fail)
    community = _by_code(session, Community, _need(r, "community", fail), "community", fail)
    values: dict[str, Any] = {"community_id": community.id, "name": _need(r, "name", fail)}
    if "grid" in r:
        grid = _by_code(session, Grid, r.get("grid"), "grid", fail)
        values["grid_id"] = grid.id if grid else None
    return _upsert(session, Estate, {"code": _need(r, "code", fail)}, values)[1]


def _grid(session: Session, r: dict[str, Any], fail: Fail) -> str:
    _check(r, {"code", "community", "name"}, fail)
    community = _by_code(session, Community, _need(r, "community", fail), "community", fail)
    return _upsert(session, Grid, {"code": _need(r, "code", fail)},
                   {"community_id": community.id, "name": _need(r, "name", fail)})[1]


def _building(session: Session, r: dict[str, Any], fail: Fail) -> str:
    _check(r, {"code", "estate", "number", "grid", "units"}, fail)
    estate = _by_code(session, Estate, _need(r, "estate", fail), "estate", fail)
    grid = _by_code(session, Grid, r.get("grid"), "grid", fail)
    number = _need(r, "number", fail).upper()
    units = [str(u) for u in (r.get("units") or [])]
    code = str(r.get("code") or f"{estate.code}-{number}")
    return _upsert(session, Building, {"code": code},
                   {"estate_id": estate.id, "number": number, "grid_id": grid.id if grid else None, "units": units})[1]


def _place(session: Session, r: dict[str, Any], fail: Fail) -> str:
    _check(r, {"code", "estate", "name", "kind", "aliases", "grid"}, fail)
    estate = _by_code(session, Estate, _need(r, "estate", fail), "estate", fail)
    name = _need(r, "name", fail).strip()
    kind = str(r.get("kind") or PlaceKind.OTHER)
    if kind not in {k.value for k in PlaceKind}:
        raise fail(f"field 'kind': must be one of {[k.value for k in PlaceKind]}")
    aliases = r.get("aliases") or []
    if not isinstance(aliases, list):
        raise fail("field 'aliases' must be a list of words")
    grid = _by_code(session, Grid, r.get("grid"), "grid", fail)
    code = str(r.get("code") or f"{estate.code}-{name}")
    return _upsert(session, EstatePlace, {"code": code}, {
        "estate_id": estate.id, "name": name, "kind": kind,
        "aliases": [str(a).strip() for a in aliases if str(a).strip()], "grid_id": grid.id if grid else None,
    })[1]


def _department(session: Session, r: dict[str, Any], fail: Fail) -> str:
    _check(r, {"code", "community", "name", "phone", "categories"}, fail)
    community = _by_code(session, Community, r.get("community"), "community", fail)
    row, changed = _upsert(session, Department, {"code": _need(r, "code", fail)}, {
        "community_id": community.id if community else None, "name": _need(r, "name", fail),
        "phone": str(r["phone"]) if r.get("phone") else None,
    })
    wanted: set[int] = set()
    for slug in r.get("categories") or []:
        category = session.scalar(select(Category).where(Category.slug == str(slug)))
        if category is None:
            raise fail(f"field 'categories': unknown category slug '{slug}'")
        wanted.add(category.id)
    current = {dc.category_id: dc for dc in session.scalars(select(DepartmentCategory).where(DepartmentCategory.department_id == row.id))}
    for category_id in wanted - current.keys():
        owner = session.scalar(select(DepartmentCategory).where(DepartmentCategory.category_id == category_id))
        if owner is not None:
            owner.department_id = row.id
        else:
            session.add(DepartmentCategory(department_id=row.id, category_id=category_id))
        changed = "updated" if changed == "unchanged" else changed
    for category_id in current.keys() - wanted:
        session.delete(current[category_id])
        changed = "updated" if changed == "unchanged" else changed
    return changed


def _person(session: Session, r: dict[str, Any], fail: Fail) -> tuple[Person, str]:
    code = _need(r, "code", fail)
    values: dict[str, Any] = {"name": _need(r, "name", fail)}
    if "phone" in r:
        values["phone"] = str(r["phone"]) if r.get("phone") else None
    row = session.scalar(select(Person).where(Person.code == code))
    changed = "unchanged"
    if row is None:
        row = Person(code=code, created_at=wall_now(), **values)
        session.add(row)
        session.flush()
        changed = "created"
    else:
        for name, value in values.items():
            if getattr(row, name) != value:
                setattr(row, name, value)
                changed = "updated"
    for key, kind in IDENTITY_KEYS.items():
        value = r.get(key)
        if not value:
            continue
        identity = session.scalar(select(Identity).where(Identity.kind == kind, Identity.value == str(value)))
        if identity is None:
            session.add(Identity(person_id=row.id, kind=kind, value=str(value), account="", created_at=wall_now()))
            changed = "updated" if changed == "unchanged" else changed
        elif identity.person_id != row.id:
            raise fail(f"field '{key}': '{value}' already belongs to another person")
    session.flush()
    return row, changed


def _member(session: Session, r: dict[str, Any], fail: Fail) -> str:
    _check(r, {"code", "name", "phone", "grids", *IDENTITY_KEYS}, fail)
    person, changed = _person(session, r, fail)
    for index, entry in enumerate(r.get("grids") or []):
        if not isinstance(entry, dict):
            raise fail(f"grids[{index}] must be a mapping {{grid, role, on_duty}}")
        _check(entry, {"grid", "role", "on_duty", "public_phone"}, fail)
        grid = _by_code(session, Grid, _need(entry, "grid", fail), f"grids[{index}].grid", fail)
        role = str(entry.get("role", MemberRole.PRIMARY))
        if role not in {m.value for m in MemberRole}:
            raise fail(f"field 'grids[{index}].role': must be primary or backup")
        phone = str(entry.get("public_phone") or "").strip()
        if phone and not is_phone(phone):  # residents are given this number: the 网格员 page refuses it too
            raise fail(texts.IMPORT_MEMBER_FIELD.format(code=r["code"], field=f"grids[{index}].public_phone",
                                                        problem=texts.MEMBER_PHONE_INVALID.format(phone=phone)))
        if role == MemberRole.PRIMARY:
            _one_primary(session, grid, person, r, f"grids[{index}].role", fail)
        _, c = _upsert(session, GridMember, {"person_id": person.id, "grid_id": grid.id},
                       {"role": role, "on_duty": bool(entry.get("on_duty", True)), "public_phone": phone})
        if c != "unchanged" and changed == "unchanged":
            changed = "updated"
    return changed


def _one_primary(session: Session, grid: Grid, person: Person, r: dict[str, Any], field: str, fail: Fail) -> None:
    """A grid has one primary member (reports go to them): another person already primary there is refused."""
    session.flush()  # the members of this file imported so far count
    other = session.execute(select(Person.id, Person.name).join(GridMember, GridMember.person_id == Person.id)
                            .where(GridMember.grid_id == grid.id, GridMember.role == MemberRole.PRIMARY,
                                   GridMember.person_id != person.id).limit(1)).first()
    if other is not None:
        problem = texts.MEMBER_SECOND_PRIMARY.format(grid=grid.name, name=other.name or texts.BIND_ROLE_MEMBER)
        raise fail(texts.IMPORT_MEMBER_FIELD.format(code=r["code"], field=field, problem=problem))


def _staff(session: Session, r: dict[str, Any], fail: Fail) -> str:
    _check(r, {"code", "name", "phone", "community", "department", "title", *IDENTITY_KEYS}, fail)
    person, changed = _person(session, r, fail)
    community = _by_code(session, Community, _need(r, "community", fail), "community", fail)
    department = _by_code(session, Department, r.get("department"), "department", fail)
    _, c = _upsert(session, Staff, {"person_id": person.id, "community_id": community.id},
                   {"department_id": department.id if department else None, "title": str(r.get("title") or "")})
    if c != "unchanged" and changed == "unchanged":
        changed = "updated"
    return changed


_IMPORTERS: dict[str, Callable[[Session, dict[str, Any], Fail], str]] = {
    "estates": _estate,
    "grids": _grid,
    "buildings": _building,
    "places": _place,
    "departments": _department,
    "members": _member,
    "staff": _staff,
}
