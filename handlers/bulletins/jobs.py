"""The bulletins capability's scheduled work: one cron job, every minute, fans out whatever is due.

One job for every series (not one APScheduler job per series): a series added or rescheduled
through the API is picked up at the next minute without restarting the worker. The job_runs
lease lets one worker at a time run it; the unique delivery key makes a second one harmless.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.delivery.outbox import Outbox
from bot.jobs.scheduler import CronJob
from handlers.bulletins.fanout import fan_out_due

JOB_NAME = "bulletins.fan_out"


def bulletin_jobs(services: Any) -> list[CronJob]:
    """Check every minute which series (and one-off posts) are due, and fan them out."""
    config = services.config

    def fan_out(db: Session, outbox: Outbox, now: datetime) -> int:
        # Batches commit on their own (a killed worker resumes from them), so this job writes
        # through the database, not through the one transaction the scheduler hands it.
        return fan_out_due(services.db, config, now)

    return [CronJob(JOB_NAME, fan_out, "* * * * *", catch_up_seconds=120, misfire_grace_seconds=60)]
