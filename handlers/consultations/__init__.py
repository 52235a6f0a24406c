"""Consultations (人工): a resident asks for a person; the community's staff answer by chat or in the admin UI.

What it brings: the human.handover and consultations.answer intents, the
follow-up step, and the JSON API of the staff queue.
"""

from __future__ import annotations

from handlers.consultations import admin, api, chat
from handlers.consultations.capability import cap

cap.api(api.bp, schemas=api.SCHEMAS, paths=api.openapi_paths)
cap.admin(*admin.MENU, blueprint=admin.bp)  # the queue page (admin/)
cap.dashboard(admin.PANEL)

__all__ = ["cap", "chat"]
