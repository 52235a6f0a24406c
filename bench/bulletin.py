"""Bulletin fan-out: one 今日党史 bulletin to 100,000 subscribers, into the fake WeChat API.

    .venv/bin/python bench/bulletin.py                      # SQLite, plus PostgreSQL if configured
    BOT_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python bench/bulletin.py

For each database: 100,000 subscribers, half of whom wrote within 48 hours (customer-service rung),
the other half reached by the template rung. Figures:

- enqueue: ``run_issue`` in this process (audience, 48-hour window, ladder, then one delivery row and
  one outbox row per subscriber in batches), the same function the worker's cron job calls;
- then real ``python -m bot worker`` processes (1 on SQLite; 1 and 2 on PostgreSQL) that fan the day
  out themselves (enqueue as seen from outside: first delivery row to the last) and send into the fake
  API, which answers after a random 20–50 ms from a thread per connection. Delivered messages per
  second are measured over a window after the first send (``--window``) with the official account's
  rate limit off, so the figure is the worker's; with the default ``rate_limits.official_account``
  (3,000 a minute per worker) a worker sends 50 a second, the channel's limit. Peak worker memory is
  each worker's VmHWM (peak resident set) at the end.

Every run checks that no subscriber received the bulletin twice.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select, text, update  # noqa: E402

from bot.clock import SystemClock  # noqa: E402
from bot.config import load_config  # noqa: E402
from bot.db import Database  # noqa: E402
from bot.importer import DATA_DIR, import_file  # noqa: E402
from handlers.bulletins.fanout import due_issues, run_issue  # noqa: E402
from models import BulletinDelivery, BulletinSeries, OutboxMessage, OutboxStatus  # noqa: E402
from tests.bulletins.conftest import subscribe_many, wrote_at  # noqa: E402
from tests.conftest import _postgres_schema_url  # noqa: E402
from tests.delivery.procs import start_worker, stop, write_config  # noqa: E402
from tests.fakes.wechat_api import FakeWeChatAPI  # noqa: E402

SCHEMA = "linli_bench_bulletin"
SENDS = frozenset({"/cgi-bin/message/custom/send", "/cgi-bin/message/template/send"})
TEMPLATE_ID = "TPL_BENCH_BULLETIN"


class SlowWeChatAPI(FakeWeChatAPI):
    """The fake API answering message sends after a random delay in ``send_latency``, keeping only who got what.

    (The fake's own ``latency`` is one number applied to every request, the token fetch included.)
    """

    def __init__(self, latency: tuple[float, float]) -> None:
        super().__init__()
        self.send_latency = latency
        self.received: Counter[str] = Counter()
        self.first_send: float | None = None

    def _serve(self, h: Any, method: str) -> None:  # noqa: D401 - the fake's request entry point
        if h.path.split("?")[0] in SENDS:
            time.sleep(random.uniform(*self.send_latency))
        super()._serve(h, method)
        with self._lock:  # 100,000 recorded bodies would dwarf what is measured: keep the recipients
            for record in self._requests:
                if record["path"] in SENDS and record["errcode"] in (0, None) and record["status"] == 200:
                    self.received[str((record["json"] or {}).get("touser"))] += 1
                    if self.first_send is None:
                        self.first_send = time.monotonic()
            self._requests.clear()

    def clear(self) -> None:
        with self._lock:
            self.received.clear()
            self.first_send = None


def postgres_db(base: str) -> Database:
    admin = Database(_postgres_schema_url(base, "public"))
    with admin.engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    admin.dispose()
    db = Database(_postgres_schema_url(base, SCHEMA))
    db.upgrade()
    return db


def prepare(db: Database, api: FakeWeChatAPI, n: int) -> None:
    """今日党史 due every minute, ``n`` subscribers, half of them inside the 48-hour window."""
    import_file(db, DATA_DIR / "bulletins.yaml")
    with db.session() as s:
        s.execute(update(BulletinSeries).values(cron="* * * * *"))
    now = SystemClock().now()
    account = f"mp:{api.app_id}"
    openids = [f"oBench{i:06d}" for i in range(n)]
    for start in range(0, n, 20_000):
        chunk = openids[start:start + 20_000]
        subscribe_many(db, "party_history", chunk, account, now)
        wrote_at(db, account, chunk[: len(chunk) // 2], now - timedelta(hours=2))


TABLES = ("bulletin_deliveries", "bulletin_runs", "outbox_messages", "job_runs", "access_tokens")


def reset(db: Database) -> None:
    """Forget the previous run; on PostgreSQL also its dead rows, which a real deployment never piles up at once."""
    with db.engine.begin() as conn:
        for table in TABLES:
            conn.execute(text(f"DELETE FROM {table}"))
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in TABLES:
                conn.execute(text(f"VACUUM ANALYZE {table}"))


def count(db: Database, model: Any, *where: Any) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where)) or 0


def enqueue_in_process(db: Database, api: FakeWeChatAPI, n: int) -> float:
    config = load_config(None, env={}, overrides={
        "database": db.url, "wechat": {**api.settings()["wechat"], "token": "t"},
        "templates": {"bulletin": TEMPLATE_ID}})
    now = SystemClock().now()
    with db.session() as s:
        [issue] = due_issues(s, now, config)
    started = time.perf_counter()
    result = run_issue(db, config, issue, now)
    elapsed = time.perf_counter() - started
    assert result is not None and result.queued == n, result
    assert count(db, OutboxMessage) == n
    return elapsed


def peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def run_workers(label: str, db: Database, api: SlowWeChatAPI, n: int, workers: int, window: float,
                work: Path) -> dict[str, Any]:
    reset(db)
    api.clear()
    config = write_config(
        work / f"{label}.yaml", db.url, api,
        templates={"bulletin": TEMPLATE_ID},
        outbox={"batch_size": 200, "concurrency": 8, "lease_seconds": 60, "http_timeout_seconds": 5},
        rate_limits={"official_account": 0, "wecom_app": 0},
    )
    log = work / f"{label}.log"
    procs = [start_worker(config, log) for _ in range(workers)]
    first_row = all_rows = None
    sent_at_start = sent_in_window = 0
    measured = 0.0
    peaks = [0.0] * workers
    deadline = time.monotonic() + 600
    try:
        while time.monotonic() < deadline:
            rows = n if all_rows is not None else count(db, BulletinDelivery)  # counting 100,000 rows is not free
            if first_row is None and rows:
                first_row = time.monotonic()
            if all_rows is None and rows == n:
                all_rows = time.monotonic()
                sent_at_start = sum(api.received.values())  # the window starts once the fan-out is done
            peaks = [max(p, peak_rss_mb(proc.pid)) for p, proc in zip(peaks, procs, strict=True)]
            if all_rows is not None and time.monotonic() >= all_rows + window:
                sent_in_window = sum(api.received.values()) - sent_at_start
                measured = time.monotonic() - all_rows
                break
            time.sleep(0.05 if all_rows is None else 0.5)
    finally:
        peaks = [max(p, peak_rss_mb(proc.pid)) for p, proc in zip(peaks, procs, strict=True)]
        codes = [stop(p) for p in procs]
    twice = sum(c - 1 for c in api.received.values() if c > 1)
    sent_rows = count(db, OutboxMessage, OutboxMessage.status == OutboxStatus.SENT)
    return {
        "run": label, "workers": workers,
        "enqueue_s": round(all_rows - first_row, 2) if first_row and all_rows else None,
        "msg_per_s": round(sent_in_window / measured) if measured > 0 else 0,
        "sent": sent_rows, "peak_mb": [round(p) for p in peaks], "twice": twice, "exit": codes,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--window", type=float, default=45.0, help="seconds of sending measured per run")
    parser.add_argument("--latency", type=float, nargs=2, default=(0.020, 0.050), metavar=("MIN", "MAX"))
    args = parser.parse_args()
    n = args.subscribers
    results: list[dict[str, Any]] = []
    enqueue: list[tuple[str, float]] = []
    api = SlowWeChatAPI(tuple(args.latency))
    api.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            databases: list[tuple[str, Database, tuple[int, ...]]] = []
            sqlite = Database(f"sqlite:///{work / 'bench.db'}")
            sqlite.upgrade()
            databases.append(("sqlite", sqlite, (1,)))
            base = os.environ.get("BOT_TEST_DATABASE_URL")
            if base:
                databases.append(("postgresql", postgres_db(base), (1, 2)))
            else:
                print("PostgreSQL runs skipped: set BOT_TEST_DATABASE_URL")
            for name, db, worker_counts in databases:
                started = time.perf_counter()
                prepare(db, api, n)
                print(f"{name}: {n:,} subscribers prepared in {time.perf_counter() - started:.1f} s", flush=True)
                seconds = enqueue_in_process(db, api, n)
                enqueue.append((name, seconds))
                print(f"{name}: enqueued {n:,} in {seconds:.2f} s ({n / seconds:,.0f} rows/s)", flush=True)
                for workers in worker_counts:
                    result = run_workers(f"{name}-{workers}", db, api, n, workers, args.window, work)
                    results.append(result)
                    print(f"{name}: {result}", flush=True)
                db.dispose()
    finally:
        api.stop()
    print(f"\nfake WeChat API latency {args.latency[0] * 1000:.0f}-{args.latency[1] * 1000:.0f} ms, "
          f"outbox.concurrency 8 per worker, official account rate limit off")
    print(f"{'database':<12}{'enqueue ' + format(n, ',') + ' in-process':>28}")
    for name, seconds in enqueue:
        print(f"{name:<12}{seconds:>26.2f} s")
    print(f"\n{'run':<14}{'workers':>8}{'enqueue (worker)':>18}{'msg/s':>8}{'peak RSS MB':>14}{'twice':>7}  exit")
    ok = True
    for r in results:
        print(f"{r['run']:<14}{r['workers']:>8}{str(r['enqueue_s']) + ' s':>18}{r['msg_per_s']:>8}"
              f"{'/'.join(map(str, r['peak_mb'])):>14}{r['twice']:>7}  {r['exit']}")
        ok = ok and r["twice"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    threading.current_thread().name = "bench"
    sys.exit(main())
