"""The tickets capability's scheduled work: every ticket's deadlines, and media downloads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.delivery.outbox import Outbox
from bot.jobs.scheduler import Sweep
from handlers.tickets.escalation import sweep_ticket_deadlines
from handlers.tickets.media import media_jobs


def ticket_jobs(services: Any) -> list[Sweep]:
    """One sweep for every ticket's deadlines (not one job per ticket), and the media downloads."""
    config = services.config

    def deadlines(db: Session, outbox: Outbox, now: datetime) -> int:
        return sweep_ticket_deadlines(db, outbox, now, config)

    return [Sweep("tickets.deadlines", deadlines, config.tickets.deadline_sweep_seconds), *media_jobs(services)]
