"""Periodic work: the registry of sweeps and cron jobs, and their once-only bookkeeping.

APScheduler only triggers; the truth about what ran lives in ``job_runs``
(one row per job: last run and a lease). Before running, a job claims its row
with a conditional UPDATE — "not run since X and not leased" — so:

- two workers never both run a once-only (cron) job for the same slot;
- a cron slot missed while every worker was down runs once when one comes
  back (if the slot is within the job's catch-up window);
- a sweep runs at most once per interval across all workers.

APScheduler's own job store is in memory (never shared between schedulers).
Jobs take ``func(db, outbox, now) -> int`` (rows handled), get their own
transaction, and are called with ``now`` so tests never sleep on them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db import Database
from bot.delivery.outbox import Outbox
from models import JobRun

log = logging.getLogger(__name__)

JobFunc = Callable[[Session, Outbox, datetime], int]


@dataclass(frozen=True)
class Sweep:
    name: str
    func: JobFunc
    seconds: float


@dataclass(frozen=True)
class CronJob:
    name: str
    func: JobFunc
    crontab: str  # "minute hour day month day_of_week", in the configured time zone
    catch_up_seconds: float  # a slot missed by less than this still runs once
    misfire_grace_seconds: int

    def trigger(self, tz: ZoneInfo) -> CronTrigger:
        return CronTrigger.from_crontab(self.crontab, timezone=tz)

    def last_slot(self, now: datetime, tz: ZoneInfo) -> datetime | None:
        """The newest scheduled time <= now within the catch-up window, if any."""
        trigger = self.trigger(tz)
        start = now - timedelta(seconds=self.catch_up_seconds)
        slot: datetime | None = None
        fire = trigger.get_next_fire_time(None, start)
        while fire is not None and fire <= now:
            slot = fire
            fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
        return slot


_sweeps: dict[str, Sweep] = {}
_crons: dict[str, CronJob] = {}


def register_sweep(name: str, func: JobFunc, seconds: float) -> None:
    """Run ``func`` every ``seconds`` (at most once per interval across all workers)."""
    _sweeps[name] = Sweep(name, func, seconds)


def register_cron(
    name: str, func: JobFunc, crontab: str, *, catch_up_seconds: float = 12 * 3600, misfire_grace_seconds: int = 3600
) -> None:
    """Run ``func`` once per slot of ``crontab`` (e.g. "0 7 * * *"), whichever worker gets there first."""
    CronTrigger.from_crontab(crontab)  # fail at registration, not at 07:00
    _crons[name] = CronJob(name, func, crontab, catch_up_seconds, misfire_grace_seconds)


def register(jobs: Iterable[Sweep | CronJob]) -> None:
    """Register declared jobs (a capability's ``Capability.jobs`` factories return them)."""
    for job in jobs:
        if isinstance(job, Sweep):
            register_sweep(job.name, job.func, job.seconds)
        else:
            CronTrigger.from_crontab(job.crontab)  # fail at registration, not at 07:00
            _crons[job.name] = job


def sweeps() -> list[Sweep]:
    return list(_sweeps.values())


def crons() -> list[CronJob]:
    return list(_crons.values())


def unregister(name: str) -> None:
    _sweeps.pop(name, None)
    _crons.pop(name, None)


# -- job_runs: claim, finish, give up ---------------------------------------------------


def claim_run(db: Database, name: str, *, not_run_since: datetime, now: datetime, owner: str, lease: timedelta) -> bool:
    """Take the job's lease if it has not run since ``not_run_since`` and nobody holds it."""
    condition = (
        JobRun.name == name,
        or_(JobRun.last_run_at.is_(None), JobRun.last_run_at < not_run_since),
        or_(JobRun.lease_until.is_(None), JobRun.lease_until < now),
    )
    values = {"lease_owner": owner, "lease_until": now + lease}
    with db.session() as s:
        if s.execute(update(JobRun).where(*condition).values(**values)).rowcount == 1:
            return True
        if s.get(JobRun, name) is not None:
            return False
    try:
        with db.session() as s:
            s.add(JobRun(name=name, last_run_at=None, **values))
    except IntegrityError:
        return False  # another worker created it first
    return True


def finish_run(db: Database, name: str, *, ran_at: datetime, owner: str) -> None:
    with db.session() as s:
        s.execute(
            update(JobRun)
            .where(JobRun.name == name, JobRun.lease_owner == owner)
            .values(last_run_at=ran_at, lease_owner=None, lease_until=None)
        )


def abandon_run(db: Database, name: str, *, owner: str) -> None:
    """Drop the lease without recording a run: the next tick (any worker) tries again."""
    with db.session() as s:
        s.execute(
            update(JobRun)
            .where(JobRun.name == name, JobRun.lease_owner == owner)
            .values(lease_owner=None, lease_until=None)
        )


def record_run(db: Database, name: str, ran_at: datetime) -> None:
    """Note a run of a job every worker runs concurrently (the outbox drain): no lease."""
    with db.session() as s:
        if s.execute(update(JobRun).where(JobRun.name == name).values(last_run_at=ran_at)).rowcount:
            return
    try:
        with db.session() as s:
            s.add(JobRun(name=name, last_run_at=ran_at))
    except IntegrityError:
        pass  # another worker created it at the same moment; its time is as good


def run_job(
    db: Database, name: str, func: JobFunc, *, not_run_since: datetime, now: datetime, owner: str, lease: timedelta,
    as_of: datetime | None = None,
) -> int | None:
    """Claim, run in one transaction, record. None when another worker has it or it already ran.

    ``as_of`` runs the job as of another moment (``sweep --at``) while the
    lease and the run record stay on the wall clock ``now``, so a pretend time
    never locks the real worker out or makes it think the job ran in the future.
    """
    if not claim_run(db, name, not_run_since=not_run_since, now=now, owner=owner, lease=lease):
        return None
    when = as_of or now
    try:
        with db.session() as s:
            count = func(s, Outbox(s, when), when)
    except Exception:
        abandon_run(db, name, owner=owner)
        raise
    finish_run(db, name, ran_at=now, owner=owner)
    return count
