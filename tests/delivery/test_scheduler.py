"""Periodic jobs: once per slot across workers, catch-up after downtime, the retention job."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.db import Database
from bot.jobs import scheduler
from bot.jobs.retention import PLACEHOLDER, anonymise_inbound
from models import InboundMessage, JobRun

SHANGHAI = ZoneInfo("Asia/Shanghai")
LEASE = timedelta(minutes=10)


class Recorder:
    def __init__(self) -> None:
        self.runs: list[datetime] = []

    def __call__(self, db, outbox, now):  # type: ignore[no-untyped-def]
        self.runs.append(now)
        return 1


def _at(hour: int, minute: int = 0, day: int = 22) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


def _run_cron(db: Database, cron: scheduler.CronJob, now: datetime, owner: str):  # type: ignore[no-untyped-def]
    slot = cron.last_slot(now, SHANGHAI)
    if slot is None:
        return None
    return scheduler.run_job(db, cron.name, cron.func, not_run_since=slot, now=now, owner=owner, lease=LEASE)


@pytest.fixture
def bulletin() -> scheduler.CronJob:
    return scheduler.CronJob(
        "bulletins.daily", Recorder(), "0 7 * * *", catch_up_seconds=12 * 3600, misfire_grace_seconds=3600
    )


def test_two_workers_run_a_cron_slot_once(db: Database, bulletin: scheduler.CronJob) -> None:
    assert _run_cron(db, bulletin, _at(7, 0), "worker-a") == 1
    assert _run_cron(db, bulletin, _at(7, 0), "worker-b") is None
    assert _run_cron(db, bulletin, _at(7, 5), "worker-a") is None
    assert _run_cron(db, bulletin, _at(7, 0, day=23), "worker-b") == 1
    assert len(bulletin.func.runs) == 2  # type: ignore[attr-defined]


def test_a_slot_missed_while_down_runs_once_on_return(db: Database, bulletin: scheduler.CronJob) -> None:
    _run_cron(db, bulletin, _at(7, 0), "worker-a")
    # Down from 06:00 to 09:30 the next day: 07:00 was missed.
    assert _run_cron(db, bulletin, _at(9, 30, day=23), "worker-a") == 1
    assert _run_cron(db, bulletin, _at(9, 31, day=23), "worker-b") is None
    assert bulletin.func.runs[-1] == _at(9, 30, day=23)  # type: ignore[attr-defined]


def test_a_slot_older_than_the_catch_up_window_is_skipped(db: Database, bulletin: scheduler.CronJob) -> None:
    assert _run_cron(db, bulletin, _at(20, 0), "worker-a") is None  # 13 h late for 07:00


def test_a_running_job_holds_its_lease_against_another_worker(db: Database) -> None:
    now = _at(7)
    assert scheduler.claim_run(db, "sweep", not_run_since=now, now=now, owner="a", lease=LEASE)
    assert not scheduler.claim_run(db, "sweep", not_run_since=now, now=now, owner="b", lease=LEASE)
    # a dies without finishing: after the lease another worker may run it
    later = now + LEASE + timedelta(seconds=1)
    assert scheduler.claim_run(db, "sweep", not_run_since=later, now=later, owner="b", lease=LEASE)


def test_a_failing_job_is_not_recorded_as_run(db: Database) -> None:
    def broken(db, outbox, now):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    now = _at(7)
    with pytest.raises(RuntimeError):
        scheduler.run_job(db, "broken", broken, not_run_since=now, now=now, owner="a", lease=LEASE)
    with db.session() as s:
        row = s.get(JobRun, "broken")
        assert row is not None and row.last_run_at is None and row.lease_owner is None


def test_registry_keeps_sweeps_and_crons_by_name() -> None:
    job = Recorder()
    scheduler.register_sweep("test.sweep", job, 10)
    scheduler.register_cron("test.cron", job, "0 7 * * *")
    try:
        assert ("test.sweep", 10) in [(s.name, s.seconds) for s in scheduler.sweeps()]
        assert "test.cron" in [c.name for c in scheduler.crons()]
        with pytest.raises(ValueError):
            scheduler.register_cron("test.bad", job, "not a crontab")
    finally:
        scheduler.unregister("test.sweep")
        scheduler.unregister("test.cron")


def _inbound(db: Database, n: int, at: datetime, content: str | None = "我家住3栋2单元502，电话13812345678") -> None:
    with db.session() as s:
        s.add(
            InboundMessage(
                account="mp:x",
                dedupe_key=f"k{n}",
                channel="official_account",
                user_id="oU",
                msg_type="text",
                content=content,
                extra={"raw": "..."},
                status="done",
                reply={"text": "已登记 3栋2单元502"},
                received_at=at,
                claimed_at=at,
            )
        )


def test_retention_anonymises_only_text_older_than_the_period(db: Database) -> None:
    now = _at(3, 30)
    _inbound(db, 1, now - timedelta(days=181))
    _inbound(db, 2, now - timedelta(days=179))
    _inbound(db, 3, now - timedelta(days=200), content=None)  # an event without text
    assert anonymise_inbound(db_session := db.sessions(), now, 180, batch=1) == 2
    db_session.commit()
    db_session.close()
    with db.session() as s:
        rows = {r.dedupe_key: r for r in s.query(InboundMessage)}
    old, recent, event = rows["k1"], rows["k2"], rows["k3"]
    assert old.content == PLACEHOLDER and old.extra == {"anonymised": True} and old.reply is None
    assert old.anonymised_at == now and old.received_at == now - timedelta(days=181)
    assert recent.content.startswith("我家住") and recent.anonymised_at is None
    assert event.content is None and event.anonymised_at == now
    with db.session() as s:
        assert anonymise_inbound(s, now, 180) == 0  # nothing left to do
