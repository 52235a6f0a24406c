"""The tickets capability's scheduled work: every ticket's deadlines (and unacknowledged urgent alerts),
unanswered emergency questions, and media downloads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.delivery.outbox import Outbox
from bot.jobs.scheduler import Sweep
from handlers.tickets.emergency import sweep_urgent_checks
from handlers.tickets.escalation import sweep_ticket_deadlines
from handlers.tickets.media import media_jobs


def ticket_jobs(services: Any) -> list[Sweep]:
    """One sweep for every ticket's deadlines (not one job per ticket), and the media downloads."""
    config = services.config

    def deadlines(db: Session, outbox: Outbox, now: datetime) -> int:
        return sweep_ticket_deadlines(db, outbox, now, config)

    def urgent_checks(db: Session, outbox: Outbox, now: datetime) -> int:
        return sweep_urgent_checks(db, outbox, now, config)

    return [Sweep("tickets.deadlines", deadlines, config.tickets.deadline_sweep_seconds),
            Sweep("tickets.urgent_checks", urgent_checks, config.tickets.deadline_sweep_seconds),
            *media_jobs(services)]
