"""What one webhook message costs in SQL: statements, transactions and commits, per kind of message.

A side script to bench/webhook.py (issue 16). It builds the app in-process the
way `python -m bot serve` does, on a fresh database made by `python -m bot init`
plus the demo import, hooks SQLAlchemy's engine events and posts signed
plaintext WeChat messages through Flask's test client: the same four messages
as the bench (report, faq, retry, unknown). It prints the average per message
and the statements of one message of each kind. With --profile [report|faq|unknown]
it also runs that message (default: report) under cProfile; the handler then
runs inline, not on the executor thread, so that the profiler sees it.

    .venv/bin/python bench/webhook_sqlcount.py                      # SQLite and PostgreSQL
    .venv/bin/python bench/webhook_sqlcount.py --rev 5303269 --backends sqlite --profile unknown --n 200

Uses the app's own building functions (bot.cli.common.load_cli_config / build_services,
before the restructure bot.cli._load / _services; bot.create_app),
so it follows the code it measures as long as those keep their names.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from webhook import (  # noqa: E402
    APP_ID,
    PG_DEFAULT,
    REPO,
    SCENARIOS,
    TOKEN,
    Bench,
    _snapshot,
)
from webhook_load import sign, text_xml  # noqa: E402

PG_DATABASE = "linli_bench_webhook_sql"


class Counts:
    """Engine events, counted between two reset() calls."""

    def __init__(self) -> None:
        self.statements: list[str] = []
        self.kinds: Counter[str] = Counter()
        self.events: Counter[str] = Counter()

    def reset(self) -> None:  # cleared in place: the listeners hold these objects
        self.statements.clear()
        self.kinds.clear()
        self.events.clear()

    def attach(self, engine: Any) -> None:
        from sqlalchemy import event

        @event.listens_for(engine, "before_cursor_execute")
        def _statement(_conn, _cursor, statement, _params, _context, executemany):  # type: ignore[no-untyped-def]
            word = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "?"
            self.kinds[word + (" (many)" if executemany else "")] += 1
            self.statements.append(" ".join(statement.split())[:160])

        try:  # statements run on the driver's cursor (bot/prepared.py, issue 16) fire no engine events
            from bot import prepared

            prepared.observers.append(lambda sql, _params: _statement(None, None, sql, None, None, False))
        except ImportError:
            pass

        for name in ("begin", "commit", "rollback", "savepoint"):
            event.listen(engine, name, _counter(self.events, name))
        event.listen(engine.pool, "checkout", _counter(self.events, "connection checkout"))


def _counter(counter: Counter[str], name: str):  # type: ignore[no-untyped-def]
    def count(*_args: Any, **_kwargs: Any) -> None:
        counter[name] += 1

    return count


class InlineExecutor:
    """Runs the handler on the request's thread (for cProfile, which sees one thread)."""

    def submit(self, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        fn(*args, **kwargs)

    def shutdown(self, wait: bool = True) -> None:
        pass


def post(client: Any, user: str, text: str, msg_id: int) -> tuple[int, str]:
    ts, nonce = str(int(time.time())), "sqlcount"
    query = {"signature": sign(TOKEN, ts, nonce), "timestamp": ts, "nonce": nonce, "openid": user}
    resp = client.post(
        "/wechat",
        query_string=query,
        data=text_xml("gh_benchaccount", user, int(ts), text, msg_id),
        content_type="text/xml",
    )
    return resp.status_code, resp.get_data(as_text=True)


def measure(repo: Path, database_url: str, tmp: Path, n: int, profile: str | None, dump: str | None = None) -> None:
    config_path = tmp / "config.yaml"
    var = tmp / "var"
    config_path.write_text(
        f"database: {database_url!r}\nvar_dir: {str(var)!r}\n"
        f"wechat: {{token: {TOKEN}, app_id: {APP_ID}, aes_key: ''}}\nwecom: null\n"
        f"channels: {{mode: console}}\nnlp: {{cache_dir: {str(var / 'cache')!r}}}\n"
        "tickets: {duplicate_window_minutes: 0}\nlog_level: WARNING\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    for cmd in (["init"], ["import", str(repo / "data" / "demo.yaml")]):
        subprocess.run(
            [sys.executable, "-m", "bot", *cmd, "--config", str(config_path)],
            cwd=repo,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )

    from bot import create_app

    try:  # after the restructure of bot/cli
        from bot.cli.common import build_services, load_cli_config
    except ImportError:
        from bot.cli import _load as load_cli_config
        from bot.cli import _services as build_services

    services = build_services(load_cli_config(str(config_path)))
    app = create_app(services=services)
    client = app.test_client()
    counts = Counts()
    counts.attach(services.db.engine)
    msg_id = 8_000_000_000_000_000
    for name, scenario in SCENARIOS.items():
        users = [f"oBench{i:04d}" for i in range(n)]
        sent: list[tuple[str, str, int]] = []
        if scenario.replay:  # the first delivery, not counted
            for i, user in enumerate(users):
                msg_id += 1
                sent.append((user, scenario.texts[i % len(scenario.texts)], msg_id))
                post(client, *sent[-1])
        totals: Counter[str] = Counter()
        kinds: Counter[str] = Counter()
        sample: list[str] = []
        bad = 0
        for i, user in enumerate(users):
            if scenario.replay:
                message = sent[i]
            else:
                msg_id += 1
                message = (user, scenario.texts[i % len(scenario.texts)], msg_id)
            counts.reset()
            status, body = post(client, *message)
            if status != 200 or scenario.marker not in body:
                bad += 1
            totals.update(counts.events)
            totals["statements"] += len(counts.statements)
            kinds.update(counts.kinds)
            if i == n - 1:
                sample = list(counts.statements)
        per = {k: v / n for k, v in totals.items()}
        print(f"\n## {name}: per message over {n} messages ({bad} unexpected answers)")
        print("  " + ", ".join(f"{k} {v:.1f}" for k, v in sorted(per.items())))
        print("  by kind: " + ", ".join(f"{k} {v / n:.1f}" for k, v in kinds.most_common()))
        print("  statements of the last message:")
        for statement in sample:
            print(f"    {statement}")

    if profile:
        if hasattr(services, "executor"):
            services.executor = InlineExecutor()
        scenario = SCENARIOS[profile]
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for i in range(n):
            msg_id += 1
            post(client, f"oBench{i:04d}", scenario.texts[i % len(scenario.texts)], msg_id)
        profiler.disable()
        elapsed = time.perf_counter() - started
        print(f"\n## cProfile: {n} {profile} messages in-process, {elapsed / n * 1000:.1f} ms each (profiler on)")
        if dump:
            profiler.dump_stats(dump)
            print(f"(stats written to {dump}: python -m pstats {dump})")
        for key in ("tottime", "cumulative"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(key).print_stats(25)
            text = re.sub(r"^.*?(?=\s+ncalls)", "", out.getvalue(), flags=re.S)
            print(f"\n### top 25 by {key}\n{text}")
    services.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--n", type=int, default=30, help="messages per kind")
    parser.add_argument("--dump", metavar="FILE", help="with --profile: write the cProfile stats to FILE")
    parser.add_argument(
        "--profile", nargs="?", const="report", choices=sorted(set(SCENARIOS) - {"retry"}), help="default: report"
    )
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", PG_DEFAULT))
    parser.add_argument("--repo", type=Path)
    parser.add_argument("--rev")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="linli-bench-sqlcount-"))
    helper = None
    try:
        repo = args.repo.resolve() if args.repo else _snapshot(args.rev, tmp) if args.rev else REPO
        if str(repo) != str(REPO) and str(REPO) in sys.path:
            sys.path.remove(str(REPO))
        sys.path.insert(0, str(repo))
        os.chdir(repo)
        helper = Bench(argparse.Namespace(pg_url=args.pg_url), tmp, repo)
        for backend in args.backends.split(","):
            print(f"\n# {backend} — {repo}")
            work = tmp / backend
            work.mkdir()
            if backend == "sqlite":
                url = f"sqlite:///{work / 'linli.db'}"
            else:
                reason = helper.pg_available()
                if reason:
                    print(f"skipped: {reason}")
                    continue
                helper.recreate_pg(PG_DATABASE)
                url = helper.pg_url(PG_DATABASE)
            measure(repo, url, work, args.n, args.profile, args.dump)
    finally:
        try:
            if helper is not None:
                helper.drop_pg()
        except Exception as exc:  # noqa: BLE001
            print(f"could not drop {PG_DATABASE}: {exc}", file=sys.stderr)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
