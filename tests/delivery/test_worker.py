"""The in-process worker the demo runs: APScheduler drains the outbox to the console and records its jobs."""

from __future__ import annotations

import threading

from bot.delivery.channels import shared_console
from bot.delivery.outbox import Outbox
from bot.jobs.worker import DRAIN_JOB, start_background_worker
from models import JobRun, OutboxMessage, OutboxStatus
from tests.delivery.procs import wait_until


def test_demo_worker_delivers_to_the_console_and_records_job_runs(make_services) -> None:  # type: ignore[no-untyped-def]
    services = make_services(channels={"mode": "console"})
    console = shared_console()
    console.clear()
    with services.db.session() as s:
        Outbox(s, services.clock.now()).text(
            channel="official_account",
            account="mp:x",
            recipient="oDemoUser",
            kind="late_reply",
            text="您反映的问题已转交网格员",
        )
    stop = start_background_worker(services)
    try:
        wait_until(
            lambda: [r.text for r in console.sent("oDemoUser")] == ["您反映的问题已转交网格员"],
            15,
            "the console to show the message",
        )
        # The channel records the message a moment before the dispatcher marks the row sent.
        wait_until(lambda: _status(services) == OutboxStatus.SENT, 15, "the outbox row to be marked sent")
        wait_until(
            lambda: _job_names(services) >= {DRAIN_JOB, "retention.anonymise_inbound"},
            15,
            "job_runs rows for the drain and the retention job",
        )
    finally:
        stop.set()
        wait_until(
            lambda: not any(t.name == "worker-watch" for t in threading.enumerate()), 15, "the worker to shut down"
        )


def _status(services) -> str:  # type: ignore[no-untyped-def]
    with services.db.session() as s:
        return s.query(OutboxMessage).one().status


def _job_names(services) -> set[str]:  # type: ignore[no-untyped-def]
    with services.db.session() as s:
        return {r.name for r in s.query(JobRun) if r.last_run_at is not None}
