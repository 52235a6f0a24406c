"""The tickets capability's checks for ``python -m bot doctor``: who would receive and own the work."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select

from handlers.tickets import texts
from models import Category, DepartmentCategory, Grid, GridMember


def ownership_problems(services: Any) -> list[str]:
    """Categories no department owns, and grids with no member on duty."""
    problems = []
    with services.db.session() as s:
        unowned = list(s.scalars(
            select(Category.slug).where(~exists().where(DepartmentCategory.category_id == Category.id))
            .order_by(Category.slug)
        ))
        unstaffed = list(s.scalars(
            select(Grid.code).where(~exists().where(GridMember.grid_id == Grid.id, GridMember.on_duty.is_(True)))
            .order_by(Grid.code)
        ))
    if unowned:
        problems.append(texts.HEALTH_UNOWNED_CATEGORIES.format(categories=", ".join(unowned)))
    if unstaffed:
        problems.append(texts.HEALTH_GRIDS_WITHOUT_DUTY.format(grids=", ".join(unstaffed)))
    return problems
