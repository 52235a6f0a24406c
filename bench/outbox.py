"""Outbox throughput: messages per second drained by real worker processes into the fake WeChat API.

    .venv/bin/python bench/outbox.py                       # SQLite, plus PostgreSQL if configured
    BOT_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python bench/outbox.py
    .venv/bin/python bench/outbox.py --latency 0 --no-sqlite --messages 20000

Runs: 1 worker on SQLite, 1 and 2 workers on PostgreSQL (twice the messages
for the 2-worker run). Each worker is `python -m bot worker` with the default
outbox settings (``--concurrency`` / ``--batch-size`` override them); the fake
API runs in this process over HTTP on 127.0.0.1, with persistent connections,
and answers every send after ``--latency`` seconds (default 0.03: WeChat's
round trip as the issue's target states it). Messages go to 500 recipients
(each recipient's messages are sent in order, one at a time). The rate is
measured from the first delivery to the last row marked sent, so process
start-up is not counted. Every run checks for zero duplicates and zero
losses, and prints the rate per worker against the target (1,000 msg/s).

CPU per message: ``cpu/msg`` is the workers' (their start-up included),
``api`` this process's (the fake API, and the progress polls), ``pg`` the
PostgreSQL server processes'. Everything shares the machine's cores, so a
cheaper fake API or database leaves more for the workers.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402

from bot.db import Database  # noqa: E402
from models import OutboxStatus  # noqa: E402
from tests.conftest import _postgres_schema_url  # noqa: E402
from tests.delivery.procs import start_worker, stop, write_config  # noqa: E402
from tests.delivery.test_worker_processes import CUSTOM, count  # noqa: E402
from tests.fakes.wechat_api import FakeWeChatAPI  # noqa: E402

SCHEMA = "linli_bench"


def postgres_db(base: str) -> Database:
    admin = Database(_postgres_schema_url(base, "public"))
    with admin.engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    admin.dispose()
    db = Database(_postgres_schema_url(base, SCHEMA))
    db.upgrade()
    return db


TARGET_PER_WORKER = 1000
RECIPIENTS = 500


def enqueue(db: Database, n: int, account: str, prefix: str) -> None:
    """``n`` text messages to RECIPIENTS recipients, due now (one multi-row INSERT per 1,000)."""
    from bot.clock import SystemClock
    from models import OutboxMessage

    now = SystemClock().now()
    rows = [
        {"idempotency_key": f"{prefix}{i}", "channel": "official_account", "account": account,
         "recipient": f"oBenchUser{i % RECIPIENTS:04d}", "kind": "late_reply",
         "payload": {"msgtype": "text", "text": f"{prefix}{i:06d}"}, "status": OutboxStatus.PENDING,
         "attempts": 0, "next_attempt_at": now, "created_at": now}
        for i in range(n)
    ]
    with db.engine.begin() as conn:
        for start in range(0, n, 1000):
            conn.execute(OutboxMessage.__table__.insert(), rows[start:start + 1000])


def _cpu_seconds(pid: int) -> float:
    """User + system CPU a process has used so far (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _postgres_cpu() -> dict[int, float]:
    """CPU seconds so far of every PostgreSQL server process on this machine (pid -> seconds)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    found[int(entry.name)] = _cpu_seconds(int(entry.name))
            except OSError:
                continue
    return found


def run(label: str, db: Database, workers: int, n: int, api: FakeWeChatAPI, work: Path,
        outbox: dict[str, object]) -> dict[str, object]:
    api.reset()
    with db.engine.begin() as conn:
        for table in ("outbox_messages", "access_tokens", "job_runs"):
            conn.execute(text(f"DELETE FROM {table}"))
    enqueue(db, n, f"mp:{api.app_id}", prefix=f"{label}-")
    config = write_config(work / f"{label}.yaml", db.url, api, outbox={"lease_seconds": 60, **outbox})
    log = work / f"{label}.log"
    pg_before = _postgres_cpu()
    own_before = time.process_time()
    procs = [start_worker(config, log) for _ in range(workers)]
    first = None
    deadline = time.monotonic() + max(120.0, n / 20)
    try:
        while time.monotonic() < deadline:
            if first is None and api.delivered(CUSTOM):
                first = time.monotonic()
            if count(db, OutboxStatus.SENT) == n:
                break
            time.sleep(0.05)
        end = time.monotonic()
        cpu = sum(_cpu_seconds(p.pid) for p in procs)
        own = time.process_time() - own_before
        pg = sum(t - pg_before.get(pid, 0.0) for pid, t in _postgres_cpu().items())
    finally:
        codes = [stop(p) for p in procs]
    texts = Counter(m["text"]["content"] for m in api.delivered(CUSTOM))
    duplicates = sum(c - 1 for c in texts.values() if c > 1)
    lost = n - len(texts)
    rate = n / (end - first) if first else 0.0
    return {
        "run": label,
        "workers": workers,
        "messages": n,
        "msg_per_s": round(rate),
        "per_worker": round(rate / workers),
        "cpu_ms": round(cpu * 1000 / n, 2),  # worker CPU (start-up included) per message
        "api_cpu_ms": round(own * 1000 / n, 2),  # this process: the fake API (and the progress polls)
        "pg_cpu_ms": round(pg * 1000 / n, 2),  # the PostgreSQL server processes
        "duplicates": duplicates,
        "lost": lost,
        "exit_codes": codes,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=10000, help="per single-worker run (twice that for two)")
    parser.add_argument("--latency", type=float, default=0.03, help="the fake API's answer time, seconds")
    parser.add_argument("--concurrency", type=int, help="outbox.concurrency (default: the configuration default)")
    parser.add_argument("--batch-size", type=int, help="outbox.batch_size (default: the configuration default)")
    parser.add_argument("--no-sqlite", dest="sqlite", action="store_false", help="PostgreSQL runs only")
    args = parser.parse_args()
    outbox: dict[str, object] = {}
    if args.concurrency:
        outbox["concurrency"] = args.concurrency
    if args.batch_size:
        outbox["batch_size"] = args.batch_size
    results = []
    started = time.strftime("%Y-%m-%d %H:%M")
    load = os.getloadavg()[0]
    with FakeWeChatAPI(latency=args.latency, keep_alive=True) as api, tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if args.sqlite:
            sqlite = Database(f"sqlite:///{work / 'bench.db'}")
            sqlite.upgrade()
            results.append(run("sqlite-1", sqlite, 1, args.messages, api, work, outbox))
            sqlite.dispose()
        base = os.environ.get("BOT_TEST_DATABASE_URL")
        if base:
            pg = postgres_db(base)
            results.append(run("postgresql-1", pg, 1, args.messages, api, work, outbox))
            results.append(run("postgresql-2", pg, 2, 2 * args.messages, api, work, outbox))
            pg.dispose()
        else:
            print("PostgreSQL runs skipped: set BOT_TEST_DATABASE_URL")
    print(f"# bench/outbox.py — {started}, {os.cpu_count()} CPUs, load average {load:.1f} at the start; "
          f"fake API latency {args.latency * 1000:g} ms, {RECIPIENTS} recipients, outbox {outbox or 'defaults'}")
    print(f"# load average {os.getloadavg()[0]:.1f} at the end (this bench's own threads count in it)")
    print(f"{'run':<14}{'workers':>8}{'messages':>10}{'msg/s':>8}{'per worker':>11}{'target':>8}"
          f"{'cpu/msg':>9}{'api':>8}{'pg':>8}{'dupes':>7}{'lost':>6}  exit")
    ok = True
    for r in results:
        met = "met" if r["per_worker"] >= TARGET_PER_WORKER else "missed"  # type: ignore[operator]
        print(
            f"{r['run']:<14}{r['workers']:>8}{r['messages']:>10}{r['msg_per_s']:>8}{r['per_worker']:>11}{met:>8}"
            f"{r['cpu_ms']:>7}ms{r['api_cpu_ms']:>6}ms{r['pg_cpu_ms']:>6}ms{r['duplicates']:>7}{r['lost']:>6}  {r['exit_codes']}"
        )
        ok = ok and r["duplicates"] == 0 and r["lost"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
