"""The worker process: APScheduler drains the outbox every second and runs the periodic jobs.

`python -m bot worker` runs `run_worker`; `python -m bot demo` starts the same
worker in a background thread with the console channel. SIGTERM (or SIGINT)
lets the message being sent finish, hands the rest of the claimed batch back
to the queue and exits.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
import uuid
from datetime import timedelta
from typing import Any

from apscheduler.events import EVENT_JOB_MISSED
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.delivery.channels import ChannelSet, build_channels
from bot.delivery.outbox import Dispatcher, RateLimiter
from bot.delivery.tokens import TokenStore, build_token_store
from bot.jobs import scheduler as registry
from bot.jobs.retention import retention_job
from bot.ops import metrics

log = logging.getLogger(__name__)

JOB_LEASE = timedelta(minutes=10)
DRAIN_JOB = "outbox.drain"
# Record the drain's last run (a heartbeat) at most this often.
DRAIN_RECORD_EVERY = 10.0
# A drain keeps claiming while rows are due for up to this long (a backlog is sent without pauses
# between runs); a stop (SIGTERM) ends it at once.
DRAIN_BUDGET = 10.0


def register_builtin_jobs(services: Any) -> None:
    """Jobs this module owns; capabilities register theirs with bot.jobs.scheduler.register_sweep / register_cron."""
    config = services.config
    registry.register_cron(
        "retention.anonymise_inbound",
        retention_job(config.retention.inbound_text_days),
        config.scheduler.retention_cron,
        catch_up_seconds=24 * 3600,
    )


class _SkipBusyDrain(logging.Filter):
    """Drop APScheduler's warning that a drain tick was skipped because the previous one still runs.

    Under load that is the normal state of a one-second drain (it keeps
    sending until the queue is empty), not a problem to report every second.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not (DRAIN_JOB in message and "maximum number of running instances" in message)


class Worker:
    """One scheduler, one dispatcher and the channels they share."""

    def __init__(self, services: Any, *, channels: ChannelSet | None = None, tokens: TokenStore | None = None) -> None:
        self.services = services
        config = services.config
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.tokens = tokens or build_token_store(services.db, config.redis)
        self.channels = channels or build_channels(config, services.db, self.tokens, services.clock)
        self.dispatcher = Dispatcher(
            services.db,
            self.channels,
            config.outbox,
            clock=services.clock,
            limiter=RateLimiter(config.rate_limits),
            owner=self.owner,
        )
        self.stopping = threading.Event()
        self._last_record = 0.0
        register_builtin_jobs(services)
        self.scheduler = BackgroundScheduler(
            jobstores={"default": MemoryJobStore()},
            executors={"default": ThreadPoolExecutor(max_workers=4)},
            timezone=config.tz,
        )
        self._add_jobs()

    def _add_jobs(self) -> None:
        interval = self.services.config.scheduler.drain_interval_seconds
        self.scheduler.add_job(
            self.drain,
            IntervalTrigger(seconds=interval),
            id=DRAIN_JOB,
            name=DRAIN_JOB,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=max(1, int(interval)),
            next_run_time=self._now_local(),
        )
        for sweep in registry.sweeps():
            self.scheduler.add_job(
                self._run_sweep,
                IntervalTrigger(seconds=sweep.seconds),
                args=[sweep],
                id=sweep.name,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=max(1, int(sweep.seconds)),
                next_run_time=self._now_local(),  # a sweep missed while we were down runs now
            )
        tz = self.services.config.tz
        for cron in registry.crons():
            self.scheduler.add_job(
                self._run_cron,
                cron.trigger(tz),
                args=[cron],
                id=cron.name,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=cron.misfire_grace_seconds,
            )
            # Catch up: a slot missed while every worker was down runs once now.
            self.scheduler.add_job(
                self._run_cron,
                args=[cron],
                id=cron.name + ":catch-up",
                next_run_time=self._now_local(),
                misfire_grace_time=None,
            )

    def _now_local(self):  # type: ignore[no-untyped-def]
        return self.services.clock.now().astimezone(self.services.config.tz)

    # -- jobs -----------------------------------------------------------------------

    def drain(self) -> int:
        """Send what is due, claiming more while there is more (for up to DRAIN_BUDGET seconds per run)."""
        budget = max(self.services.config.scheduler.drain_interval_seconds * 0.9, DRAIN_BUDGET)
        try:
            report = self.dispatcher.drain(stop=self.stopping, budget_seconds=budget)
        except Exception:  # noqa: BLE001 - the database blinked; the next tick retries
            log.exception("outbox drain failed")
            return 0
        if report.handled:
            log.debug("outbox drain: %s", report)
        if time.monotonic() - self._last_record >= DRAIN_RECORD_EVERY:
            self._last_record = time.monotonic()
            try:
                registry.record_run(self.services.db, DRAIN_JOB, self.services.clock.now())
            except Exception:  # noqa: BLE001 - bookkeeping only
                log.exception("could not record the drain run")
        return report.handled

    def _run_sweep(self, sweep: registry.Sweep) -> None:
        now = self.services.clock.now()
        since = now - timedelta(seconds=sweep.seconds * 0.9)
        self._run(sweep.name, sweep.func, since, now)

    def _run_cron(self, cron: registry.CronJob) -> None:
        now = self.services.clock.now()
        slot = cron.last_slot(now, self.services.config.tz)
        if slot is None:
            return
        self._run(cron.name, cron.func, slot, now)

    def _run(self, name: str, func: registry.JobFunc, since: Any, now: Any) -> None:
        if self.stopping.is_set():
            return
        try:
            count = registry.run_job(
                self.services.db, name, func, not_run_since=since, now=now, owner=self.owner, lease=JOB_LEASE
            )
        except Exception:  # noqa: BLE001 - one job failing must not stop the others
            log.exception("job %s failed", name)
            metrics.observe_job(name, ok=False)
            return
        if count is not None:
            metrics.observe_job(name, ok=True)
            log.info("job %s ran: %s", name, count)

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> None:
        # APScheduler logs every run of the one-second drain at INFO: noise for operators.
        logging.getLogger("apscheduler").setLevel(max(logging.WARNING, logging.getLogger().level))
        scheduler_log = logging.getLogger("apscheduler.scheduler")
        if not any(isinstance(f, _SkipBusyDrain) for f in scheduler_log.filters):
            scheduler_log.addFilter(_SkipBusyDrain())
        self.scheduler.add_listener(_count_missed, EVENT_JOB_MISSED)
        self.scheduler.start()
        log.info("worker %s started (%s jobs)", self.owner, len(self.scheduler.get_jobs()))

    def shutdown(self) -> None:
        """Finish the send in flight, give back the rest of the batch, stop the jobs."""
        self.stopping.set()
        self.scheduler.shutdown(wait=True)
        self.dispatcher.close()
        self.channels.close()
        log.info("worker %s stopped", self.owner)


def start_background_worker(services: Any) -> threading.Event:
    """Run the worker inside this process (the demo); set the returned event to stop it."""
    worker = Worker(services)
    worker.start()
    stop = threading.Event()

    def watch() -> None:
        stop.wait()
        worker.shutdown()

    threading.Thread(target=watch, name="worker-watch", daemon=True).start()
    return stop


def _count_missed(event: Any) -> None:
    job = str(event.job_id).removesuffix(":catch-up")
    # A late one-second drain tick is routine on a busy machine (the next one sends the same rows).
    log.log(logging.DEBUG if job == DRAIN_JOB else logging.WARNING,
            "job %s missed its run at %s (the worker was busy or paused)", job, event.scheduled_run_time)
    metrics.observe_job_missed(job)


def run_worker(services: Any) -> None:
    """Run until SIGTERM or SIGINT."""
    scheduler_config = services.config.scheduler
    if scheduler_config.metrics_port:
        metrics.serve_worker_metrics(scheduler_config.metrics_host, scheduler_config.metrics_port)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    worker = Worker(services)
    worker.start()
    while not stop.wait(0.5):
        pass
    log.info("signal received, finishing in-flight sends")
    worker.shutdown()
