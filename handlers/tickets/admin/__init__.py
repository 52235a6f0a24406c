"""The tickets capability's admin pages and dashboard block.

Pages: the ticket list and one ticket (``views``), categories with deadlines and
the holiday calendar (``setup``); the dashboard's tickets block (``dashboard``); the ticket actions on the
JSON API (``api``).
"""

from __future__ import annotations

from bot.dialog.capability import AdminPage, DashboardPanel
from handlers.tickets.admin import api, dashboard, setup, texts, views

MENU = (
    AdminPage(texts.MENU_TICKETS, "tickets_admin.tickets", ("staff", "grid", "department"), order=10),
    AdminPage(texts.MENU_CATEGORIES, "tickets_setup.index", order=62),
)
PANEL = DashboardPanel(dashboard.render, ("staff", "grid", "department"), order=10)
BLUEPRINTS = (views.bp, setup.bp)
API = api  # the same ticket actions on /api/v1 (bp, SCHEMAS, openapi_paths)

__all__ = ["API", "BLUEPRINTS", "MENU", "PANEL"]
