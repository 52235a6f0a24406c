"""The community capability's check for ``python -m bot doctor``: facts residents ask for but nobody filled in."""

from __future__ import annotations

from typing import Any

from handlers.community.facts import unfilled


def unfilled_facts(services: Any) -> list[str]:
    with services.db.session() as s:
        return unfilled(s)
