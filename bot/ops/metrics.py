"""Prometheus metrics at ``/metrics``: what an operator watches.

Counters and the reply-latency histogram are updated where things happen
(``observe_message``, ``observe_send``, ``observe_job``); the state of the database (outbox
depth and age, open and overdue tickets, urgent tickets nobody accepted, job
runs) is read when Prometheus scrapes, so the message path pays nothing for it.
Under gunicorn every worker process writes its samples to
``PROMETHEUS_MULTIPROC_DIR`` and a scrape adds them up (prometheus_client's
multiprocess mode); ``serve --workers N`` sets the folder up. Sends and job
runs happen in the ``worker`` process: it serves its own counters on
``scheduler.metrics_port`` when that is set.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from bot.clock import wall_now

log = logging.getLogger(__name__)

class _Instruments:
    """Created on first use, so ``serve --workers N`` can switch on multiprocess mode before any exists."""

    def __init__(self) -> None:
        self.messages = Counter("linli_messages", "Inbound WeChat/WeCom messages by type", ["type"])
        self.routed = Counter("linli_routed", "Messages by what understood them (an intent, or unmatched)", ["outcome"])
        self.reply_seconds = Histogram(
            "linli_reply_seconds", "Time from receiving a message to its passive reply",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 4.0, 5.0),
        )
        self.sends = Counter("linli_sends", "Outbound sends by channel, result and WeChat errcode",
                             ["channel", "result", "errcode"])
        self.job_runs = Counter("linli_job_runs", "Scheduled job runs by job and result", ["job", "result"])

    def all(self) -> tuple[Any, ...]:
        return self.messages, self.routed, self.reply_seconds, self.sends, self.job_runs


_instruments: _Instruments | None = None
_instruments_lock = threading.Lock()


def instruments() -> _Instruments:
    global _instruments
    if _instruments is None:
        # A process's first messages arrive together on several threads: a second set of instruments
        # would be refused by prometheus_client's registry and that message's request would fail.
        with _instruments_lock:
            if _instruments is None:
                _instruments = _Instruments()
    return _instruments


def observe_message(msg_type: str, intent: str | None, seconds: float) -> None:
    i = instruments()
    i.messages.labels(msg_type or "unknown").inc()
    i.routed.labels(intent or "unmatched").inc()
    i.reply_seconds.observe(seconds)


def observe_send(channel: str, result: str, errcode: int | None = None) -> None:
    instruments().sends.labels(channel, result, str(errcode) if errcode is not None else "").inc()


def observe_job(job: str, ok: bool) -> None:
    instruments().job_runs.labels(job, "ok" if ok else "error").inc()


def observe_job_missed(job: str) -> None:
    """APScheduler skipped a run: the scheduler was later than the job's grace time (a busy or paused worker)."""
    instruments().job_runs.labels(job, "missed").inc()


class DatabaseCollector(Collector):
    """Gauges read from the database at scrape time."""

    def __init__(self, db: Any, now: Any = wall_now) -> None:
        self.db = db
        self.now = now

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from models import OPEN_STATUSES, JobRun, OutboxMessage, OutboxStatus, Ticket

        now: datetime = self.now()
        try:
            with self.db.session() as s:
                depth = dict(s.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
                oldest = s.scalar(select(func.min(OutboxMessage.created_at))
                                  .where(OutboxMessage.status == OutboxStatus.PENDING))
                open_tickets = s.scalar(select(func.count()).select_from(Ticket)
                                        .where(Ticket.status.in_(OPEN_STATUSES))) or 0
                overdue = s.scalar(select(func.count()).select_from(Ticket).where(
                    Ticket.status.in_(OPEN_STATUSES), Ticket.accepted_at.is_(None), Ticket.accept_due_at < now)) or 0
                overdue += s.scalar(select(func.count()).select_from(Ticket).where(
                    Ticket.status.in_(OPEN_STATUSES), Ticket.accepted_at.is_not(None),
                    Ticket.resolve_due_at < now)) or 0
                urgent_waiting = s.scalar(select(func.count()).select_from(Ticket).where(
                    Ticket.status.in_(OPEN_STATUSES), Ticket.urgent.is_(True), Ticket.accepted_at.is_(None))) or 0
                runs = s.execute(select(JobRun.name, JobRun.last_run_at)).all()
        except Exception as exc:  # noqa: BLE001 - a scrape during an outage reports the outage, not a traceback
            log.warning("metrics: database unreachable: %s", type(exc).__name__)
            up = GaugeMetricFamily("linli_database_up", "1 when the database answered the scrape")
            up.add_metric([], 0)
            yield up
            return
        up = GaugeMetricFamily("linli_database_up", "1 when the database answered the scrape")
        up.add_metric([], 1)
        yield up
        outbox = GaugeMetricFamily("linli_outbox_messages", "Outbox rows by status", labels=["status"])
        for status in OutboxStatus:
            outbox.add_metric([status.value], depth.get(status.value, 0))
        yield outbox
        age = GaugeMetricFamily("linli_outbox_oldest_pending_seconds", "Age of the oldest pending outbox row")
        age.add_metric([], (now - oldest).total_seconds() if oldest else 0.0)
        yield age
        tickets = GaugeMetricFamily("linli_tickets_open", "Open tickets")
        tickets.add_metric([], open_tickets)
        yield tickets
        late = GaugeMetricFamily("linli_tickets_overdue", "Open tickets past their accept or resolve deadline")
        late.add_metric([], overdue)
        yield late
        urgent = GaugeMetricFamily("linli_urgent_unaccepted", "Urgent tickets nobody has accepted yet")
        urgent.add_metric([], urgent_waiting)
        yield urgent
        job_age = GaugeMetricFamily("linli_job_last_run_age_seconds", "Seconds since each job last ran", labels=["job"])
        for name, last in runs:
            job_age.add_metric([name], (now - last).total_seconds() if last else -1.0)
        yield job_age


def render(db: Any) -> tuple[bytes, str]:
    """The scrape's body and content type: this process's (or every worker's) samples and the database gauges."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        for collector in instruments().all():
            registry.register(collector)
    registry.register(DatabaseCollector(db))
    return generate_latest(registry), CONTENT_TYPE_LATEST


def serve_worker_metrics(host: str, port: int) -> Any:
    """``worker``: its counters (sends by result and errcode, job runs and misses) on ``http://host:port/``.

    They happen in the worker process, which ``serve``'s /metrics cannot see. Returns the server
    (``shutdown()`` stops it); its thread is a daemon.
    """
    from prometheus_client import start_http_server

    registry = CollectorRegistry()
    for collector in instruments().all():
        registry.register(collector)
    server, _thread = start_http_server(port, addr=host, registry=registry)
    log.info("worker metrics on http://%s:%s/", host, server.server_port)
    return server


def prepare_multiprocess(folder: str) -> None:
    """Before gunicorn forks: an empty folder for the workers' sample files."""
    import shutil

    from prometheus_client import values

    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    # prometheus_client chose its value class when it was imported (this module imports it, and the CLI
    # imports this module long before serve gets here): without choosing again, every worker would count
    # in its own memory and a scrape, which reads the folder, would show no message, reply or send at all.
    values.ValueClass = values.get_value_class()


def worker_exited(pid: int) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)
