"""Reminders (提醒): residents set them in plain Chinese; staff schedule them for a building, 小区, grid or group.

What it brings: the chat intents reminders.create / list / cancel and their two
questions (chat.py), the rows and the 48-hour rule (service.py), staff
audiences and the preview (audience.py), the one sweep that sends what fell
due, exactly once, with catch-up after an outage (jobs.py), the JSON API
(api.py) and a health check for a sweep that stopped. docs/reminders.md has the rules.
"""

from __future__ import annotations

from handlers.reminders import admin, api, chat, health, jobs
from handlers.reminders.capability import cap

cap.jobs(jobs.reminder_jobs)
cap.api(api.bp, schemas=api.SCHEMAS, paths=api.openapi_paths)
cap.health(health.overdue_reminders)
cap.admin(*admin.MENU, blueprint=admin.bp)  # the list, cancel, and scheduling with the reach preview (admin/)

__all__ = ["cap", "chat"]
