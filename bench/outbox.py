"""Outbox throughput: messages per second drained by real worker processes into the fake WeChat API.

    .venv/bin/python bench/outbox.py                       # SQLite, plus PostgreSQL if configured
    BOT_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python bench/outbox.py

Runs: 1 worker on SQLite, 1 and 2 workers on PostgreSQL (10,000 messages for
the 2-worker run). Each worker is `python -m bot worker`; the fake API runs in
this process over HTTP on 127.0.0.1. The rate is measured from the first
delivery to the last row marked sent, so process start-up is not counted.
Every run checks for zero duplicates and zero losses.
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
from tests.delivery.test_worker_processes import CUSTOM, count, enqueue_many  # noqa: E402
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


def run(label: str, db: Database, workers: int, n: int, api: FakeWeChatAPI, work: Path) -> dict[str, object]:
    api.reset()
    with db.engine.begin() as conn:
        for table in ("outbox_messages", "access_tokens", "job_runs"):
            conn.execute(text(f"DELETE FROM {table}"))
    enqueue_many(db, n, f"mp:{api.app_id}", prefix=f"{label}-")
    config = write_config(work / f"{label}.yaml", db.url, api, outbox={"batch_size": 50, "lease_seconds": 60})
    log = work / f"{label}.log"
    procs = [start_worker(config, log) for _ in range(workers)]
    first = None
    deadline = time.monotonic() + max(120.0, n / 20)
    try:
        while time.monotonic() < deadline:
            if first is None and api.delivered(CUSTOM):
                first = time.monotonic()
            if count(db, OutboxStatus.SENT) == n:
                break
            time.sleep(0.02)
        end = time.monotonic()
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
        "duplicates": duplicates,
        "lost": lost,
        "exit_codes": codes,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=5000, help="per single-worker run")
    parser.add_argument("--pg-two-workers", type=int, default=10000, help="messages for the 2-worker PostgreSQL run")
    args = parser.parse_args()
    results = []
    with FakeWeChatAPI() as api, tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sqlite = Database(f"sqlite:///{work / 'bench.db'}")
        sqlite.upgrade()
        results.append(run("sqlite-1", sqlite, 1, args.messages, api, work))
        sqlite.dispose()
        base = os.environ.get("BOT_TEST_DATABASE_URL")
        if base:
            pg = postgres_db(base)
            results.append(run("postgresql-1", pg, 1, args.messages, api, work))
            results.append(run("postgresql-2", pg, 2, args.pg_two_workers, api, work))
            pg.dispose()
        else:
            print("PostgreSQL runs skipped: set BOT_TEST_DATABASE_URL")
    print(f"{'run':<14}{'workers':>8}{'messages':>10}{'msg/s':>8}{'dupes':>7}{'lost':>6}  exit")
    ok = True
    for r in results:
        print(
            f"{r['run']:<14}{r['workers']:>8}{r['messages']:>10}{r['msg_per_s']:>8}{r['duplicates']:>7}"
            f"{r['lost']:>6}  {r['exit_codes']}"
        )
        ok = ok and r["duplicates"] == 0 and r["lost"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
