"""The reminders' health check: occurrences long past due mean no worker is sweeping."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from models import Reminder, ReminderStatus

STALE_SWEEPS = 6
"""Overdue by this many sweep intervals (and at least five minutes) is a problem."""


def overdue_reminders(services: Any) -> list[str]:
    """Problems found, each with its fix; [] when reminders are being sent."""
    config = services.config
    grace = max(timedelta(minutes=5), timedelta(seconds=config.reminders.sweep_seconds * STALE_SWEEPS))
    cutoff = services.clock.now() - grace
    with services.db.session() as s:
        count = s.scalar(select(func.count()).select_from(Reminder).where(
            Reminder.status == ReminderStatus.ACTIVE, Reminder.next_due_at < cutoff)) or 0
    if not count:
        return []
    return [f"{count} reminders are overdue by more than {int(grace.total_seconds() // 60)} minutes: "
            "is `python -m bot worker` running? (it sends them, late with a note, once it is back)"]
