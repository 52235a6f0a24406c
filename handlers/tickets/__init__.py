"""Service tickets (报修): residents report, grid members follow up, deadlines escalate (吹哨报到), residents rate.

What it brings: the residents' chat (chat.py, followups.py), grid members' commands
(members.py), the urgent fast path (emergency.py), the ticket domain
(service, deadlines, escalation, rating, media, stats), the sweeps of
deadlines and media downloads, the import sections ``categories``,
``deadlines`` and ``holidays``, and the JSON API for categories, tickets,
statistics, escalation and holidays, and the admin pages (tickets, categories,
holidays) and dashboard block (``admin/``).
"""

from __future__ import annotations

from handlers.tickets import (
    admin,
    api,
    chat,
    deadlines,
    emergency,
    escalation_api,
    followups,
    health,
    importing,
    jobs,
    members,
)
from handlers.tickets.capability import cap

cap.imports("categories", order=10)(importing.import_categories)
cap.imports(*deadlines.IMPORT_SECTIONS, order=50)(deadlines.import_sections)
cap.jobs(jobs.ticket_jobs)
cap.health(health.ownership_problems)
cap.api(api.bp, schemas=api.SCHEMAS, paths=api.openapi_paths)
cap.api(escalation_api.bp, schemas=escalation_api.SCHEMAS, paths=escalation_api.openapi_paths)
cap.admin(*admin.MENU)
for _blueprint in admin.BLUEPRINTS:
    cap.admin(blueprint=_blueprint)
cap.dashboard(admin.PANEL)
cap.api(admin.API.bp, schemas=admin.API.SCHEMAS, paths=admin.API.openapi_paths)

__all__ = ["cap", "chat", "emergency", "followups", "members"]
