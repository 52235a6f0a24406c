"""Webhook throughput and latency: `python -m bot serve` against the bare stack, in one run (issue 16).

The reference (bench/webhook_refapp.py, copied into a temporary folder) is
Flask + wechatpy check_signature / parse_message / create_reply + jieba.lcut +
a keyword lookup + one SQLAlchemy insert and commit per message, under gunicorn
with sync workers, SQLite in WAL with synchronous=NORMAL (or PostgreSQL).
Linli runs as `python -m bot serve` on a database made by `python -m bot init`
plus `python -m bot import data/demo.yaml` (the demo community).

Both servers run pinned to the same core (--server-cpu), the load generator
(bench/webhook_load.py) on the other (--load-cpu). Both are up side by side
(the idle one sleeps) and every cell runs on the reference, then on Linli, back
to back, so the noise of a shared machine hits both alike; --repeat N runs each
cell N times in alternating order and prints the medians. Each cell sends
signed plaintext WeChat text messages with unique MsgIds from 1,000 users:

    report   a ticket-creating report with a full address ("幸福里3栋2单元电梯坏了…");
             Linli's duplicate window is set to 0 so that every report opens a ticket
    faq      a 便民服务 question answered from the rules ("低保怎么申请")
    retry    WeChat's retry: 200 messages are sent once, then only resent (same MsgIds)
    unknown  a message no rule matches (the fallback answer)

at 1 and 8 connections, on SQLite and PostgreSQL, with 1 and 2 server
processes (gunicorn -w 2 for the reference; for Linli `serve --workers 2` when
the code under test has that option, else two `serve` processes on two ports
with the connections spread over both). Cold start is process start to the
first answered message. The generator's own ceiling against a trivial server
is measured and printed first.

    .venv/bin/python bench/webhook.py                 # quick: 1 s warm-up + 5 s per cell (~9 min)
    .venv/bin/python bench/webhook.py --repeat 3      # each cell 3 times, medians (~26 min)
    .venv/bin/python bench/webhook.py --full          # 2 s + 15 s per cell (~22 min)
    .venv/bin/python bench/webhook.py --rev HEAD      # measure a commit (git archive), not the working tree
    .venv/bin/python bench/webhook.py --backends sqlite --procs 1 --scenarios report,faq

Every process it starts is stopped at the end (also on Ctrl-C); the
PostgreSQL databases it creates (linli_bench_webhook_ref / _bot) are dropped.
"""

from __future__ import annotations

import argparse
import atexit
import hashlib
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
LOAD = HERE / "webhook_load.py"
REFAPP = HERE / "webhook_refapp.py"

TOKEN = "bench-webhook-token"
APP_ID = "wxbenchwebhook001"
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"
PG_DATABASES = {"ref": "linli_bench_webhook_ref", "bot": "linli_bench_webhook_bot"}
USERS = 1000
RETRY_POOL = 200


@dataclass(frozen=True)
class Scenario:
    name: str
    texts: tuple[str, ...]
    marker: str  # every answer must contain this (both servers)
    replay: int = 0


SCENARIOS = {
    s.name: s
    for s in (
        Scenario(
            "report",
            ("幸福里3栋2单元电梯坏了，按钮没反应", "幸福里5栋1单元楼道灯不亮了", "幸福里2栋1单元楼道水管漏水了"),
            "工单号",
        ),
        Scenario("faq", ("低保怎么申请", "办居住证要带什么"), "如需帮助"),
        Scenario("retry", ("低保怎么申请",), "如需帮助", replay=RETRY_POOL),
        Scenario("unknown", ("今天天气不错我们去公园散步吧", "昨天晚上看了一场电影挺好看的"), "没太明白"),
    )
}

# The reference's keyword table: the same FAQ answers as Linli (read from data/rules/faq.yaml),
# a few fault words, and replies as long as Linli's.
REF_REPORT_WORDS = ["坏", "坏了", "灯不亮", "不亮", "漏水", "堵", "停电", "停水"]
REF_REPORT_REPLY = (
    "已为您登记，工单号 R{no}。\n由网格员负责，预计两小时内接单。处理进展会及时通知您；有照片可以直接发给我。"
)
REF_FALLBACK = (
    "抱歉，我没太明白您的意思。\n我可以帮您：\n1. 报修投诉：直接说问题和地址\n"
    "2. 办事咨询：如“办居住证要带什么”\n3. 查进度：回复“我的工单”\n4. 找工作人员：回复“人工”\n"
    "紧急情况（燃气泄漏、火情、有人受伤）请先拨打 119 / 120 / 110。"
)


# -- processes -------------------------------------------------------------------------------

_STARTED: list[subprocess.Popen[bytes]] = []


def spawn(cmd: list[str], *, cpu: int | None, log: Path | None = None, **kwargs: Any) -> subprocess.Popen[bytes]:
    """Start a process in its own process group (pinned with taskset when cpu is given), remembered for cleanup."""
    if cpu is not None:
        cmd = ["taskset", "-c", str(cpu), *cmd]
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, **kwargs)
    if log:
        out.close()  # the child holds its own descriptor
    _STARTED.append(proc)
    return proc


def stop(proc: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    """Stop one process we started and everything in its process group (gunicorn's workers)."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # leftovers of the group (a worker whose master died)
    except (ProcessLookupError, PermissionError):
        pass
    if proc.poll() is None:
        proc.wait(timeout=grace)
    if proc in _STARTED:
        _STARTED.remove(proc)


def stop_all() -> None:
    for proc in list(_STARTED):
        stop(proc, grace=3.0)


def _on_signal(signum: int, _frame: Any) -> None:
    raise SystemExit(f"stopped by signal {signum}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tree(pid: int) -> list[int]:
    """A process and its descendants."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def tree_cpu_seconds(pids: list[int]) -> float:
    """User + system CPU used so far by these processes and their descendants (live ones)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        for current in _tree(pid):
            try:
                fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and its descendants, in MB."""
    total = 0
    for current in _tree(pid):
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


# -- WeChat probe (cold start) ---------------------------------------------------------------

_probe_ids = iter(range(6_000_000_000_000_000, 7_000_000_000_000_000))


def probe(port: int, text: str, marker: str, timeout: float = 5.0) -> bool:
    """One signed message; True when answered 200 with the marker."""
    ts, nonce = str(int(time.time())), "probe"
    sig = hashlib.sha1("".join(sorted((TOKEN, ts, nonce))).encode()).hexdigest()
    body = (
        f"<xml><ToUserName><![CDATA[gh_benchaccount]]></ToUserName><FromUserName><![CDATA[oBenchProbe]]>"
        f"</FromUserName><CreateTime>{ts}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{text}]]></Content><MsgId>{next(_probe_ids)}</MsgId></xml>"
    ).encode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(
            "POST",
            f"/wechat?signature={sig}&timestamp={ts}&nonce={nonce}&openid=oBenchProbe",
            body,
            {"Content-Type": "text/xml"},
        )
        resp = conn.getresponse()
        return resp.status == 200 and marker.encode() in resp.read()
    except OSError:
        return False
    finally:
        conn.close()


def wait_first_answer(
    procs: list[subprocess.Popen[bytes]], ports: list[int], started: float, timeout: float = 90.0
) -> float:
    """Seconds from `started` until every port has answered a real message."""
    pending = set(ports)
    while pending:
        if time.monotonic() - started > timeout:
            raise RuntimeError(f"no answer on ports {sorted(pending)} within {timeout:.0f} s")
        for proc in procs:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited early with {proc.returncode}")
        for port in sorted(pending):
            if probe(port, "低保怎么申请", "如需帮助", timeout=10.0):
                pending.discard(port)
        if pending:
            time.sleep(0.02)
    return time.monotonic() - started


# -- the two servers -------------------------------------------------------------------------


class Server:
    name = ""

    def __init__(self, bench: Bench, backend: str, procs: int) -> None:
        self.bench = bench
        self.backend = backend
        self.procs = procs
        self.label = f"{self.name}-{backend}-{procs}p"
        self.log = bench.tmp / "logs" / f"{self.label}.log"
        self.running: list[subprocess.Popen[bytes]] = []
        self.ports: list[int] = []

    def prepare(self) -> None:
        raise NotImplementedError

    def commands(self) -> list[tuple[list[str], int]]:
        raise NotImplementedError

    def start(self) -> float:
        """Start pinned, return the cold start (seconds to the first answered message on every port)."""
        self.ports = []
        started = time.monotonic()
        for cmd, port in self.commands():
            self.running.append(spawn(cmd, cpu=self.bench.args.server_cpu, log=self.log, cwd=self.cwd, env=self.env))
            self.ports.append(port)
        return wait_first_answer(self.running, sorted(set(self.ports)), started)

    def rss_mb(self) -> float:
        return sum(tree_rss_mb(p.pid) for p in self.running)

    def pids(self) -> list[int]:
        return [p.pid for p in self.running]

    def stop(self) -> None:
        for proc in self.running:
            stop(proc)
        self.running.clear()

    def log_problems(self) -> list[str]:
        if not self.log.exists():
            return []
        lines = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        return [line for line in lines if "Traceback" in line or " ERROR " in line or "CRITICAL" in line]

    @property
    def cwd(self) -> Path:
        raise NotImplementedError

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "REF_"))}
        env["PYTHONUNBUFFERED"] = "1"
        return env


class Reference(Server):
    name = "ref"

    @property
    def cwd(self) -> Path:
        return self.bench.tmp / "ref"

    @property
    def env(self) -> dict[str, str]:
        env = super().env
        env.update(
            REF_TOKEN=TOKEN,
            REF_DATABASE=self.database_url,
            REF_KEYWORDS=str(self.cwd / "keywords.json"),
            REF_CACHE_DIR=str(self.cwd / "cache"),
        )
        if self.bench.args.floor:
            env["REF_TICKET_ROWS"] = self.bench.args.floor
        return env

    @property
    def database_url(self) -> str:
        if self.backend == "sqlite":
            return f"sqlite:///{self.bench.tmp / 'db' / f'{self.label}.db'}"
        return self.bench.pg_url(PG_DATABASES["ref"])

    def prepare(self) -> None:
        if self.backend == "postgresql":
            self.bench.recreate_pg(PG_DATABASES["ref"])
        subprocess.run(
            [sys.executable, "refapp.py", "init"],
            cwd=self.cwd,
            env=self.env,
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=120,
        )

    def commands(self) -> list[tuple[list[str], int]]:
        port = free_port()
        return [
            (
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "-k",
                    "sync",
                    "-w",
                    str(self.procs),
                    "-b",
                    f"127.0.0.1:{port}",
                    "--backlog",
                    "2048",
                    "--log-level",
                    "warning",
                    "refapp:app",
                ],
                port,
            )
        ]


class Linli(Server):
    name = "bot"

    @property
    def cwd(self) -> Path:
        return self.bench.repo

    @property
    def config_path(self) -> Path:
        return self.bench.tmp / "bot" / f"{self.label}.yaml"

    @property
    def database_url(self) -> str:
        if self.backend == "sqlite":
            return f"sqlite:///{self.bench.tmp / 'db' / f'{self.label}.db'}"
        return self.bench.pg_url(PG_DATABASES["bot"], driver="postgresql+psycopg")

    def prepare(self) -> None:
        if self.backend == "postgresql":
            self.bench.recreate_pg(PG_DATABASES["bot"])
        var = self.bench.tmp / "bot" / "var"
        self.config_path.write_text(
            f"database: {json.dumps(self.database_url)}\n"
            f"var_dir: {json.dumps(str(var))}\n"
            f"wechat: {{token: {TOKEN}, app_id: {APP_ID}, aes_key: ''}}\n"
            "wecom: null\n"
            "channels: {mode: console}\n"
            f"nlp: {{cache_dir: {json.dumps(str(var / 'cache'))}}}\n"
            "tickets: {duplicate_window_minutes: 0}  # every report opens a ticket\n",
            encoding="utf-8",
        )
        config = ["--config", str(self.config_path)]
        for cmd in (["init", *config], ["import", *config, str(self.bench.repo / "data" / "demo.yaml")]):
            subprocess.run(
                [sys.executable, "-m", "bot", *cmd],
                cwd=self.cwd,
                env=self.env,
                check=True,
                stdout=subprocess.DEVNULL,
                timeout=300,
            )

    def commands(self) -> list[tuple[list[str], int]]:
        def serve(port: int, *extra: str) -> list[str]:
            config = ["--config", str(self.config_path)]
            return [sys.executable, "-m", "bot", "serve", *config, "--host", "127.0.0.1", "--port", str(port), *extra,
                    *self.bench.args.serve_args.split()]

        if self.procs > 1 and self.bench.serve_workers_option():
            port = free_port()
            return [(serve(port, "--workers", str(self.procs)), port)]
        # No process option: that many `serve` processes on as many ports, the connections spread over them.
        return [(serve(port), port) for port in (free_port() for _ in range(self.procs))]


# -- the run ---------------------------------------------------------------------------------


@dataclass
class Cell:
    backend: str
    procs: int
    scenario: str
    connections: int
    results: dict[str, dict[str, Any]] = field(default_factory=dict)  # server name -> load result


@dataclass
class Start:
    backend: str
    procs: int
    cold: dict[str, float] = field(default_factory=dict)
    rss: dict[str, float] = field(default_factory=dict)
    problems: dict[str, list[str]] = field(default_factory=dict)


class Bench:
    def __init__(self, args: argparse.Namespace, tmp: Path, repo: Path) -> None:
        self.args = args
        self.server_pids: list[int] = []  # whose CPU a load run counts (none: the ceiling's trivial server)
        self.tmp = tmp
        self.repo = repo
        self.cells: list[Cell] = []
        self.starts: list[Start] = []
        self.ceiling: dict[str, float] = {}
        self.msg_id_base = 7_000_000_000_000_000
        self.pg_created: set[str] = set()
        self.warmed: set[str] = set()
        self._workers_option: bool | None = None

    def serve_workers_option(self) -> bool:
        """Whether `python -m bot serve` of the code under test takes --workers (issue 16, item 3)."""
        if self._workers_option is None:
            out = subprocess.run(
                [sys.executable, "-m", "bot", "serve", "--help"], cwd=self.repo, capture_output=True, text=True
            ).stdout
            self._workers_option = "--workers" in out
        return self._workers_option

    def multiprocess_note(self) -> str:
        if self.serve_workers_option():
            return "Linli with 2 processes: `serve --workers 2` (one port)"
        return "Linli with 2 processes: two `serve` processes on two ports, connections spread (serve has no --workers)"

    # -- setup --

    def write_reference(self) -> None:
        import yaml

        ref = self.tmp / "ref"
        (ref / "cache").mkdir(parents=True)
        shutil.copy(REFAPP, ref / "refapp.py")
        faq: dict[str, str] = {}
        rules = yaml.safe_load((self.repo / "data" / "rules" / "faq.yaml").read_text(encoding="utf-8"))["rules"]
        for rule in rules:
            for word in rule.get("any", []):
                faq.setdefault(word, rule["reply"])
        (ref / "keywords.json").write_text(
            json.dumps(
                {
                    "report": REF_REPORT_WORDS,
                    "faq": faq,
                    "report_reply": REF_REPORT_REPLY,
                    "fallback": REF_FALLBACK,
                },
                ensure_ascii=False,
            ),
            encoding="utf-8",
        )

    def pg_url(self, database: str, driver: str = "postgresql+psycopg") -> str:
        from sqlalchemy.engine import make_url

        return (
            make_url(self.args.pg_url).set(drivername=driver, database=database).render_as_string(hide_password=False)
        )

    def _pg_admin(self) -> Any:
        import psycopg
        from sqlalchemy.engine import make_url

        url = make_url(self.args.pg_url)
        return psycopg.connect(
            host=url.host,
            port=url.port or 5432,
            user=url.username,
            password=url.password,
            dbname=url.database,
            autocommit=True,
            connect_timeout=5,
        )

    def pg_available(self) -> str | None:
        try:
            with self._pg_admin() as conn:
                conn.execute("SELECT 1")
        except Exception as exc:  # noqa: BLE001 - report and skip the backend
            return f"{type(exc).__name__}: {exc}".strip()
        return None

    def recreate_pg(self, database: str) -> None:
        with self._pg_admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{database}"')
        self.pg_created.add(database)

    def drop_pg(self) -> None:
        if not self.pg_created:
            return
        with self._pg_admin() as conn:
            for database in sorted(self.pg_created):
                conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        self.pg_created.clear()

    # -- load --

    def load(
        self, ports: list[int], scenario: Scenario, connections: int, warmup: float, duration: float, spread: bool
    ) -> dict[str, Any]:
        self.msg_id_base += 100_000_000
        targets = ports if spread else ports[:1]
        cmd = [
            sys.executable,
            str(LOAD),
            "--connections",
            str(connections),
            "--warmup",
            str(warmup),
            "--duration",
            str(duration),
            "--token",
            TOKEN,
            "--marker",
            scenario.marker,
            "--users",
            str(USERS),
            "--msg-id-base",
            str(self.msg_id_base),
        ]
        for port in targets:
            cmd += ["--target", f"127.0.0.1:{port}"]
        for text in scenario.texts:
            cmd += ["--text", text]
        if scenario.replay:
            cmd += ["--replay", str(scenario.replay)]
        out = self.tmp / "load.json"
        cpu_before = tree_cpu_seconds(self.server_pids)
        with open(out, "wb") as fh:
            proc = subprocess.Popen(
                ["taskset", "-c", str(self.args.load_cpu), *cmd],
                stdout=fh,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
            _STARTED.append(proc)
            try:
                _, err = proc.communicate(timeout=warmup + duration + 120)
            except subprocess.TimeoutExpired:
                stop(proc)
                return {"error": "load generator timed out"}
            _STARTED.remove(proc)
        if proc.returncode != 0:
            return {"error": f"load generator failed: {err.decode(errors='replace')[-500:]}"}
        result: dict[str, Any] = json.loads(out.read_text())
        if result.get("answered"):  # the server's CPU per answer: robust on a shared machine
            result["cpu_ms"] = (tree_cpu_seconds(self.server_pids) - cpu_before) / result["answered"] * 1000
        return result

    def measure_ceiling(self) -> None:
        """The generator against a server that does nothing: its own limit, per connection mode."""
        scenario = SCENARIOS["faq"]
        for close in (False, True):
            port = free_port()
            cmd = [sys.executable, str(LOAD), "--serve-trivial", str(port)] + (["--close"] if close else [])
            server = spawn(cmd, cpu=self.args.server_cpu)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.05)
            for connections in self.args.connections:
                result = self.load([port], scenario, connections, 0.5, 2.0, spread=False)
                mode = "close" if close else "keep-alive"
                self.ceiling[f"{mode}, {connections} conn"] = result.get("rps", 0.0)
            stop(server)

    def run(self) -> None:
        args = self.args
        self.write_reference()
        (self.tmp / "logs").mkdir()
        (self.tmp / "db").mkdir()
        (self.tmp / "bot").mkdir()
        print(f"repository under test: {self.repo}", flush=True)
        print(
            f"servers on cpu {args.server_cpu}, load generator on cpu {args.load_cpu}; "
            f"warm-up {args.warmup:g} s + {args.duration:g} s per cell",
            flush=True,
        )
        self.measure_ceiling()
        print(
            "generator ceiling (trivial server): " + ", ".join(f"{k} {v:,.0f} req/s" for k, v in self.ceiling.items()),
            flush=True,
        )
        backends = list(args.backends)
        if "postgresql" in backends:
            reason = self.pg_available()
            if reason:
                print(f"PostgreSQL skipped: {reason}", flush=True)
                backends.remove("postgresql")
        for backend in backends:
            for procs in args.procs:
                self.run_config(backend, procs)

    def run_config(self, backend: str, procs: int) -> None:
        """Both servers up side by side (the idle one sleeps), then every cell: ref, bot, back to back."""
        args = self.args
        start = Start(backend, procs)
        self.starts.append(start)
        cells = [Cell(backend, procs, s, c) for s in args.scenarios for c in args.connections]
        self.cells.extend(cells)
        servers = [cls(self, backend, procs) for cls, wanted in ((Reference, args.ref), (Linli, args.bot)) if wanted]
        try:
            for server in servers:
                server.prepare()
                if server.name not in self.warmed:
                    server.start()  # the first start in this run fills jieba's cache: not counted
                    server.stop()
                    self.warmed.add(server.name)
                start.cold[server.name] = server.start()
                print(
                    f"[{backend} {procs}p {server.name}] cold start {start.cold[server.name]:.2f} s"
                    f" (machine load average {_loadavg()})",
                    flush=True,
                )
            for cell in cells:
                scenario = SCENARIOS[cell.scenario]
                runs: dict[str, list[dict[str, Any]]] = {server.name: [] for server in servers}
                for rep in range(args.repeat):
                    # Alternate the order so neither server always runs on the other's leftovers.
                    for server in servers if rep % 2 == 0 else servers[::-1]:
                        self.server_pids = server.pids()
                        result = self.load(
                            server.ports, scenario, cell.connections, args.warmup, args.duration, spread=True
                        )
                        runs[server.name].append(result)
                        print(
                            f"[{backend} {procs}p {server.name}] {cell.scenario:8} {cell.connections} conn: "
                            + _short(result),
                            flush=True,
                        )
                for name, results in runs.items():
                    cell.results[name] = _median(results)
            for server in servers:
                start.rss[server.name] = server.rss_mb()
        finally:
            for server in servers:
                server.stop()
                start.problems[server.name] = server.log_problems()

    # -- report --

    def table(self) -> str:
        lines = [
            "| backend | procs | message | conns | ref req/s | ref p50 | ref p99 | bot req/s | bot p50 | bot p99 "
            "| bot/ref req/s | bot/ref p50 | bot/ref p99 | ref CPU/msg | bot CPU/msg | bot/ref CPU |",
            "| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
            "| ---: |",
        ]
        for cell in self.cells:
            ref, bot = cell.results.get("ref", {}), cell.results.get("bot", {})
            row = [cell.backend, str(cell.procs), cell.scenario, str(cell.connections)]
            for result in (ref, bot):
                row += _figures(result)
            row += [
                _ratio(bot.get("rps"), ref.get("rps"), "×"),
                _ratio(bot.get("p50_ms"), ref.get("p50_ms"), "×"),
                _ratio(bot.get("p99_ms"), ref.get("p99_ms"), "×"),
                _num(ref.get("cpu_ms"), " ms", 2),
                _num(bot.get("cpu_ms"), " ms", 2),
                _ratio(bot.get("cpu_ms"), ref.get("cpu_ms"), "×"),
            ]
            lines.append("| " + " | ".join(row) + " |")
        return "\n".join(lines)

    def start_table(self) -> str:
        lines = [
            "| backend | procs | ref cold start | bot cold start | bot/ref | ref RSS | bot RSS |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        for s in self.starts:
            ref, bot = s.cold.get("ref"), s.cold.get("bot")
            lines.append(
                f"| {s.backend} | {s.procs} | {_num(ref, ' s', 2)} | {_num(bot, ' s', 2)} | {_ratio(bot, ref, '×')} "
                f"| {_num(s.rss.get('ref'), ' MB', 0)} | {_num(s.rss.get('bot'), ' MB', 0)} |"
            )
        return "\n".join(lines)

    def anomalies(self) -> list[str]:
        notes = []
        for cell in self.cells:
            for name, result in cell.results.items():
                if "error" in result:
                    notes.append(
                        f"{cell.backend} {cell.procs}p {cell.scenario} {cell.connections} conn {name}: "
                        f"{result['error']}"
                    )
                if result.get("failed_repeats"):
                    notes.append(
                        f"{cell.backend} {cell.procs}p {cell.scenario} {cell.connections} conn {name}: "
                        f"{result['failed_repeats']} of {result['repeats']} repeats failed"
                    )
                if result.get("bad") or result.get("errors"):
                    notes.append(
                        f"{cell.backend} {cell.procs}p {cell.scenario} {cell.connections} conn {name}: "
                        f"{result['bad']} unexpected answers, {result['errors']} transport errors "
                        f"(first: {result.get('sample_bad')!r})"
                    )
        for s in self.starts:
            for name, problems in s.problems.items():
                if problems:
                    notes.append(
                        f"{s.backend} {s.procs}p {name}: {len(problems)} error lines in the server log, "
                        f"first: {problems[0][:200]}"
                    )
        return notes


def _median(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Each figure's median over the repeats (one run: itself); failures and bad answers are summed."""
    good = [r for r in results if "error" not in r]
    if not good:
        return results[0]
    if len(good) == 1 and len(results) == 1:
        return good[0]
    merged = dict(good[0])
    for key in ("rps", "p50_ms", "p99_ms", "mean_ms", "max_ms", "cpu_ms"):
        if all(key in r for r in good):
            merged[key] = statistics.median(r[key] for r in good)
    for key in ("ok", "bad", "errors"):
        merged[key] = sum(r[key] for r in good)
    merged["repeats"] = len(results)
    if len(good) < len(results):
        merged["failed_repeats"] = len(results) - len(good)
    return merged


def _short(result: dict[str, Any]) -> str:
    if "error" in result:
        return result["error"]
    extra = f", {result['bad']} bad, {result['errors']} errors" if result["bad"] or result["errors"] else ""
    cpu = f", server CPU {result['cpu_ms']:.2f} ms/msg" if "cpu_ms" in result else ""
    return f"{result['rps']:.0f} req/s, p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms{cpu}{extra}"


def _figures(result: dict[str, Any]) -> list[str]:
    if not result or "error" in result:
        return ["—", "—", "—"]
    return [f"{result['rps']:.0f}", f"{result['p50_ms']:.1f} ms", f"{result['p99_ms']:.1f} ms"]


def _num(value: float | None, unit: str, digits: int) -> str:
    return "—" if value is None else f"{value:.{digits}f}{unit}"


def _ratio(value: float | None, reference: float | None, unit: str) -> str:
    if not value or not reference or value != value or reference != reference:  # missing, zero or NaN
        return "—"
    return f"{value / reference:.2f}{unit}"


def _machine() -> str:
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal:")
    )
    return f"{os.cpu_count()} CPUs ({model}), {mem_kb / 1024 / 1024:.1f} GiB RAM, Python {sys.version.split()[0]}"


def _loadavg() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def _snapshot(rev: str, tmp: Path) -> Path:
    """The files of a commit (git archive), so a tree being edited does not disturb the measurement."""
    dest = tmp / "repo"
    dest.mkdir()
    archive = subprocess.run(["git", "-C", str(REPO), "archive", rev], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def _csv(kind: type, allowed: set[Any] | None = None):  # type: ignore[no-untyped-def]
    def parse(value: str) -> list[Any]:
        items = [kind(v.strip()) for v in value.split(",") if v.strip()]
        if allowed is not None and not set(items) <= allowed:
            raise argparse.ArgumentTypeError(f"choose from {sorted(allowed)}")
        return items

    return parse


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--full", action="store_true", help="2 s warm-up + 15 s per cell (default: 1 s + 5 s)")
    parser.add_argument("--duration", type=float, help="measured seconds per cell")
    parser.add_argument("--warmup", type=float, help="unmeasured seconds before each cell")
    parser.add_argument(
        "--repeat", type=int, default=1, help="run every cell this many times, alternating the order; print medians"
    )
    parser.add_argument(
        "--backends",
        type=_csv(str, {"sqlite", "postgresql"}),
        default=["sqlite", "postgresql"],
        help="default: sqlite,postgresql",
    )
    parser.add_argument("--procs", type=_csv(int, {1, 2}), default=[1, 2], help="server processes, default: 1,2")
    parser.add_argument("--connections", type=_csv(int), default=[1, 8], help="default: 1,8")
    parser.add_argument(
        "--scenarios", type=_csv(str, set(SCENARIOS)), default=list(SCENARIOS), help=f"default: {','.join(SCENARIOS)}"
    )
    parser.add_argument("--no-ref", dest="ref", action="store_false", help="skip the reference")
    parser.add_argument("--no-bot", dest="bot", action="store_false", help="skip Linli")
    parser.add_argument(
        "--floor",
        choices=["core", "raw"],
        help="the reference also writes the rows of a ticket for a report, with SQLAlchemy Core statements or on the "
        "driver's cursor (REF_TICKET_ROWS, see webhook_refapp.py): the least a ticket-creating report can cost; "
        "the ref columns are then the floor's",
    )
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_PG_URL", PG_DEFAULT),
        help=f"an existing PostgreSQL database to connect to (default {PG_DEFAULT}); "
        "the bench creates and drops its own databases beside it",
    )
    parser.add_argument("--server-cpu", type=int, default=0, help="the core both servers are pinned to (default 0)")
    parser.add_argument("--load-cpu", type=int, default=1, help="the load generator's core (default 1)")
    parser.add_argument("--repo", type=Path, help="the Linli checkout to run (default: this script's repository)")
    parser.add_argument("--rev", help="run the files of this commit (git archive into the temporary folder)")
    parser.add_argument("--serve-args", default="", help="more options for Linli's serve, e.g. \"--threads 4\"")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, databases)")
    args = parser.parse_args()
    args.duration = args.duration or (15.0 if args.full else 5.0)
    args.warmup = args.warmup if args.warmup is not None else (2.0 if args.full else 1.0)
    if shutil.which("taskset") is None:
        raise SystemExit("taskset (util-linux) is needed to pin the processes")
    cpus = os.sched_getaffinity(0)
    if args.server_cpu not in cpus or args.load_cpu not in cpus or args.server_cpu == args.load_cpu:
        raise SystemExit(f"--server-cpu and --load-cpu must be two different CPUs of {sorted(cpus)}")

    signal.signal(signal.SIGTERM, _on_signal)
    atexit.register(stop_all)
    tmp = Path(tempfile.mkdtemp(prefix="linli-bench-webhook-"))
    began = time.monotonic()
    load_before = _loadavg()
    bench = None
    try:
        repo = args.repo.resolve() if args.repo else _snapshot(args.rev, tmp) if args.rev else REPO
        bench = Bench(args, tmp, repo)
        bench.run()
    finally:
        stop_all()
        if bench is not None:
            try:
                bench.drop_pg()
            except Exception as exc:  # noqa: BLE001 - say so, the run's figures still count
                print(f"could not drop the bench databases: {exc}", file=sys.stderr)
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    elapsed = time.monotonic() - began
    rev = ""
    if args.rev:
        rev = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", args.rev], capture_output=True, text=True
        ).stdout.strip()
    print()
    print(f"# bench/webhook.py — {time.strftime('%Y-%m-%d %H:%M %Z')}, {_machine()}")
    print(
        f"# {'full' if args.full else 'quick'} mode: warm-up {args.warmup:g} s + {args.duration:g} s per cell"
        f"{f' x {args.repeat} (medians)' if args.repeat > 1 else ''}; "
        f"run time {elapsed / 60:.1f} min; code: {'commit ' + rev if rev else bench.repo}"
    )
    if args.floor:
        print(f"# --floor {args.floor}: the ref columns are the floor (the reference plus a ticket's rows per report)")
    if bench.cells and any(cell.procs > 1 for cell in bench.cells):
        print(f"# {bench.multiprocess_note()}; reference: gunicorn -w 2 (sync)")
    print(f"# load average (1 min) of the whole machine: {load_before} at the start, {_loadavg()} at the end")
    print(
        "# generator ceiling (trivial server on the server core): "
        + ", ".join(f"{k} {v:,.0f} req/s" for k, v in bench.ceiling.items())
    )
    print()
    print(bench.table())
    print()
    print(bench.start_table())
    notes = bench.anomalies()
    if notes:
        print()
        print("Anomalies:")
        for note in notes:
            print(f"- {note}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "machine": _machine(),
                    "args": {k: str(v) for k, v in vars(args).items()},
                    "ceiling": bench.ceiling,
                    "cells": [vars(c) for c in bench.cells],
                    "starts": [vars(s) for s in bench.starts],
                },
                ensure_ascii=False,
                indent=1,
            ),
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()
