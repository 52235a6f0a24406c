"""The community's own facts (office address, phone, hours …) in what the bot tells residents.

FAQ answers are data admins edit; they name facts with placeholders such as
``{联系电话}`` (the names are in texts.FACT_PLACEHOLDERS). ``fill`` puts in the
resident's community's values, and where a fact is not filled in yet a
sentence that still helps — a resident never sees a placeholder or an
editor's mark such as 【待核实】. ``unfilled`` feeds ``doctor`` and the admin UI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.config import Config
from handlers.community import texts
from models import Building, Community, Department, Estate, Grid, GridMember, Person, Resident

_PLACEHOLDER = re.compile(r"\{(" + "|".join(map(re.escape, texts.FACT_PLACEHOLDERS)) + r")\}")
_EDITOR_MARKS = re.compile("|".join(map(re.escape, texts.EDITOR_MARKS)))


@dataclass(frozen=True)
class Facts:
    community: Community | None
    values: dict[str, str]  # fact key -> value ("" when not filled in)


def community_of(db: Session, person_id: int | None) -> Community | None:
    """The resident's community (through their building), else the only community there is."""
    if person_id is not None:
        found = db.scalar(
            select(Community).join(Estate, Estate.community_id == Community.id)
            .join(Building, Building.estate_id == Estate.id)
            .join(Resident, Resident.building_id == Building.id)
            .where(Resident.person_id == person_id)
        )
        if found is not None:
            return found
    communities = db.scalars(select(Community).order_by(Community.id).limit(2)).all()
    return communities[0] if len(communities) == 1 else None


def named_in(text: str) -> set[str]:
    """The fact keys ``text`` names with placeholders (empty: ``fill`` needs no facts)."""
    return {texts.FACT_PLACEHOLDERS[m.group(1)] for m in _PLACEHOLDER.finditer(text)}


NO_FACTS = Facts(None, {})


def facts_for(db: Session, person_id: int | None, wanted: set[str] | None = None) -> Facts:
    """The facts for the resident's community; ``wanted`` (fact keys): only those are looked up."""
    community = community_of(db, person_id)
    values = {key: "" for key in texts.FACT_PLACEHOLDERS.values()}
    if community is not None:
        values.update(office_address=community.office_address, phone=community.phone,
                      office_hours=community.office_hours, after_hours_phone=community.after_hours_phone,
                      community_name=community.name)
        if wanted is None or "property_phone" in wanted:
            values["property_phone"] = _property_phone(db, community.id)
    if wanted is None or "grid_phones" in wanted:
        values["grid_phones"] = _grid_phones(db, person_id, community)
    return Facts(community, values)


def _property_phone(db: Session, community_id: int) -> str:
    phones = db.scalars(
        select(Department.phone).where(Department.community_id == community_id, Department.phone.is_not(None),
                                       Department.name.contains(texts.PROPERTY_NAME_WORD))
        .order_by(Department.id)
    ).all()
    return texts.LIST_SEPARATOR.join(p for p in phones if p)


def _grid_phones(db: Session, person_id: int | None, community: Community | None) -> str:
    """The on-duty members' public numbers of the resident's grid (of every grid when we don't know it)."""
    query = (select(Person.name, GridMember.public_phone).join(GridMember, GridMember.person_id == Person.id)
             .join(Grid, Grid.id == GridMember.grid_id)
             .where(GridMember.on_duty.is_(True), GridMember.public_phone != ""))
    grid_id = None
    if person_id is not None:
        grid_id = db.scalar(select(Building.grid_id).join(Resident, Resident.building_id == Building.id)
                            .where(Resident.person_id == person_id))
    if grid_id is not None:
        query = query.where(GridMember.grid_id == grid_id)
    elif community is not None:
        query = query.where(Grid.community_id == community.id)
    rows = db.execute(query.order_by(GridMember.grid_id, GridMember.id)).all()
    unique = dict.fromkeys((name or "", phone) for name, phone in rows)  # a member of two grids once
    return texts.LIST_SEPARATOR.join(texts.GRID_PHONE.format(name=name, phone=phone) for name, phone in unique)


def fill(text: str, facts: Facts, config: Config) -> str:
    """Put the facts into ``text``; an unfilled one becomes a helpful sentence; editors' marks are dropped."""

    def value(match: re.Match[str]) -> str:
        key = texts.FACT_PLACEHOLDERS[match.group(1)]
        found = facts.values.get(key, "")
        if found:
            return found
        return texts.FACT_MISSING[key].format(work_start=config.tickets.work_start, work_end=config.tickets.work_end)

    return _EDITOR_MARKS.sub("", _PLACEHOLDER.sub(value, text))


def unfilled(db: Session) -> list[str]:
    """Problems for ``doctor``: facts each community has not filled in, and members without a public phone."""
    problems = []
    labels = texts.FACT_LABELS
    for community in db.scalars(select(Community).order_by(Community.code)):
        missing = [labels[key] for key in ("office_address", "phone", "office_hours", "after_hours_phone")
                   if not getattr(community, key)]
        if missing:
            problems.append(texts.HEALTH_FACTS_MISSING.format(community=community.name,
                                                              facts=texts.LIST_SEPARATOR.join(missing)))
    without_phone = db.scalar(select(func.count()).select_from(GridMember).where(GridMember.public_phone == ""))
    if without_phone:
        problems.append(texts.HEALTH_MEMBERS_WITHOUT_PUBLIC_PHONE.format(count=without_phone))
    return problems
