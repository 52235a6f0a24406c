"""The community capability's setup pages: the community and its facts, estates, grids, buildings, the named
places of each estate (gates, squares … with their aliases), departments, people, members, staff and residents'
addresses (generated from the API's resources), and binding codes."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.dialog.capability import AdminPage
from bot.web.admin import audit
from bot.web.admin.access import admin_blueprint, now, services, viewer
from bot.web.admin.crud import ListFilter, ResourcePage, register_resource_pages
from handlers.community import api, people
from handlers.community.admin import texts
from models import (
    BindCode,
    Building,
    Community,
    Department,
    Estate,
    EstatePlace,
    Grid,
    GridMember,
    MemberRole,
    Person,
    PlaceKind,
    Staff,
)

bp = admin_blueprint("community_admin", __name__, url_prefix="/admin/community")


def _codes(model: Any) -> Any:
    def options(s: Session) -> list[tuple[Any, str]]:
        return [(code, f"{name}（{code}）") for code, name in s.execute(select(model.code, model.name).order_by(model.code))]

    return options


def _buildings(s: Session) -> list[tuple[Any, str]]:
    rows = s.execute(select(Building.code, Estate.name, Building.number).join(Estate, Estate.id == Building.estate_id)
                     .order_by(Building.code)).all()
    return [(code, f"{estate}{number}（{code}）") for code, estate, number in rows]


def _persons(s: Session) -> list[tuple[Any, str]]:
    rows = s.execute(select(Person.id, Person.name, Person.code).where(Person.code.is_not(None)).order_by(Person.code))
    return [(pid, f"{name or ''}（{code}）") for pid, name, code in rows]


def _member_people(s: Session) -> int:
    """网格员 are people: one in two grids (primary here, backup there) counts once."""
    return s.scalar(select(func.count(func.distinct(GridMember.person_id)))) or 0


_BY_PATH = {r.path: r for r in api.RESOURCES}
_COMMON = {"labels": texts.LABELS, "hints": texts.HINTS}
PAGES = [
    ResourcePage(_BY_PATH["communities"], texts.PAGE_TITLES["communities"],
                 ("code", "name", "phone", "office_address", "office_hours", "after_hours_phone"), **_COMMON),
    ResourcePage(_BY_PATH["estates"], texts.PAGE_TITLES["estates"], ("code", "name", "community", "grid"),
                 choices={"community": _codes(Community), "grid": _codes(Grid)}, **_COMMON),
    ResourcePage(_BY_PATH["grids"], texts.PAGE_TITLES["grids"], ("code", "name", "community"),
                 choices={"community": _codes(Community)}, **_COMMON),
    ResourcePage(_BY_PATH["buildings"], texts.PAGE_TITLES["buildings"], ("code", "estate", "number", "units", "grid"),
                 choices={"estate": _codes(Estate), "grid": _codes(Grid)}, search=("code", "number"), **_COMMON),
    ResourcePage(_BY_PATH["places"], texts.PAGE_TITLES["places"], ("code", "estate", "name", "kind", "aliases", "grid"),
                 choices={"estate": _codes(Estate), "grid": _codes(Grid),
                          "kind": lambda s: [(k.value, texts.PLACE_KINDS.get(k.value, k.value)) for k in PlaceKind]},
                 search=("code", "name"), display={"kind": texts.PLACE_KINDS},
                 filters={"estate": ListFilter(texts.LABELS["estate"], _codes(Estate), lambda code: EstatePlace.estate_id
                                               .in_(select(Estate.id).where(Estate.code == code)))},
                 labels=texts.LABELS, hints={**texts.HINTS, **texts.PLACE_HINTS}),
    ResourcePage(_BY_PATH["departments"], texts.PAGE_TITLES["departments"],
                 ("code", "name", "phone", "community", "categories"),
                 choices={"community": _codes(Community)}, **_COMMON),
    ResourcePage(_BY_PATH["persons"], texts.PAGE_TITLES["persons"], ("code", "name", "phone", "identities", "grids"),
                 display={"role": texts.MEMBER_ROLES, "kind": texts.IDENTITY_KINDS}, search=("code", "name", "phone"),
                 **_COMMON),
    ResourcePage(_BY_PATH["members"], texts.PAGE_TITLES["members"], ("person", "grid", "role", "on_duty", "public_phone"),
                 choices={"person": _persons, "grid": _codes(Grid),
                          "role": lambda s: [(r.value, texts.MEMBER_ROLES.get(r.value, r.value)) for r in MemberRole]},
                 display={"role": texts.MEMBER_ROLES}, search=(), count=_member_people, **_COMMON),
    ResourcePage(_BY_PATH["staff"], texts.PAGE_TITLES["staff"], ("person", "community", "department", "title"),
                 choices={"person": _persons, "community": _codes(Community), "department": _codes(Department)},
                 search=("title",), **_COMMON),
    ResourcePage(_BY_PATH["residents"], texts.PAGE_TITLES["residents"], ("person", "name", "building", "unit", "room",
                                                                         "address"),
                 choices={"building": _buildings}, search=("address",), **_COMMON),
]
register_resource_pages(bp, PAGES, title=texts.TITLE, extra_links=[(texts.BIND_CODES, "community_admin.bind_codes")])


@bp.route("/bind-codes", methods=["GET", "POST"])
def bind_codes() -> Any:
    """Issue a one-time code a member or staff sends as “绑定 123456”; the code is shown once."""
    svc = services()
    with svc.db.session() as s:
        if request.method == "POST":
            person = s.get(Person, request.form.get("person", type=int) or 0)
            if person is None:
                flash(texts.BIND_CODE_PERSON_UNKNOWN, "error")
                return redirect(url_for("community_admin.bind_codes"))
            minutes = svc.config.tickets.bind_code_minutes
            row = people.issue_bind_code(s, person, now(), minutes, by=f"web:{viewer().username}")
            audit.record(s, "bind_code.issue", target_type="person", target_id=person.id,
                         summary=person.code or str(person.id), after={"person": person.id,
                                                                       "expires_at": row.expires_at.isoformat()})
            flash(texts.BIND_CODE_ISSUED.format(name=person.name or person.code, code=row.code, minutes=minutes))
            return redirect(url_for("community_admin.bind_codes"))
        workers = set(s.scalars(select(GridMember.person_id))) | set(s.scalars(select(Staff.person_id)))
        candidates = list(s.scalars(select(Person).where(Person.id.in_(workers)).order_by(Person.code)))
        recent = list(s.execute(select(BindCode, Person).join(Person, Person.id == BindCode.person_id)
                                .order_by(BindCode.id.desc()).limit(50)).all())
        return render_template("community_admin/bind_codes.html", candidates=candidates, recent=recent, now=now())


MENU = (AdminPage(texts.MENU_COMMUNITY, "community_admin.index", order=60),)
