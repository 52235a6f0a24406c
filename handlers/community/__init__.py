"""The community model: people, identities, places (estates, grids, buildings), departments, binding.

What it brings: the members.bind intent, the import sections ``communities``,
``estates``, ``grids``, ``buildings``, ``departments``, ``members`` and
``staff``, their JSON API and setup pages (``admin/``), and ``python -m bot admin bind-code``.
"""

from __future__ import annotations

from handlers.community import admin, api, chat, commands, health, importing
from handlers.community.capability import cap

cap.imports("communities", order=20)(importing.import_communities)
cap.imports(*importing.SECTIONS, order=40)(importing.import_community_model)
cap.api(api.bp, schemas=api.SCHEMAS, paths=api.openapi_paths)
cap.command(commands.admin_bind_code, group="admin")
cap.health(health.unfilled_facts)
cap.admin(*admin.MENU, blueprint=admin.bp)

__all__ = ["cap", "chat"]
