"""Cold start: seconds from launching `python -m bot serve` to the first real reply.

Builds a fresh SQLite database with `python -m bot init`, then starts the server
twice: the first start has an empty cache directory (jieba builds its prefix
dictionary), the second reuses it (an ordinary restart). Each time it posts a
signed text message every 20 ms until a 200 with a reply XML comes back.

Besides the wall time it prints the CPU seconds the server process had used by
then (user + system, from /proc): on a shared, busy machine the wall time says
more about the neighbours than about the start-up, the CPU time much less.
``--restarts N`` repeats the warm restart and prints each and the median.

    .venv/bin/python bench/cold_start.py [--restarts 5]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.wechatkit import OfficialAccountKit  # noqa: E402

TOKEN = "bench-token"
APP_ID = "wxbenchapp0000001"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a Linux process so far (0 where /proc is not there)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _first_reply_seconds(config: Path, env: dict[str, str], timeout: float = 60.0) -> tuple[float, float]:
    """Wall seconds from launch to the first reply, and the server's CPU seconds by then."""
    port = _free_port()
    kit = OfficialAccountKit(TOKEN, APP_ID)
    url = f"http://127.0.0.1:{port}/wechat"
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--config", str(config), "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        while time.monotonic() - started < timeout:
            if proc.poll() is not None:
                raise SystemExit(f"server exited early:\n{proc.stderr.read().decode() if proc.stderr else ''}")
            query, body = kit.post(kit.text("帮助"))
            try:
                resp = requests.post(url, params=query, data=body, timeout=5)
            except requests.ConnectionError:
                time.sleep(0.02)
                continue
            reply = kit.read_reply(resp.content, query)
            if resp.status_code == 200 and isinstance(reply, dict) and reply.get("Content"):
                return time.monotonic() - started, _cpu_seconds(proc.pid)
            raise SystemExit(f"unexpected answer {resp.status_code}: {resp.text[:200]}")
        raise SystemExit("no reply within the timeout")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--restarts", type=int, default=1, help="warm restarts to measure (median printed)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.yaml"
        config.write_text(
            f"database: sqlite:///{tmp}/linli.db\nvar_dir: {tmp}/var\nwechat: {{token: {TOKEN}, app_id: {APP_ID}}}\n",
            encoding="utf-8",
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
        env["PYTHONPATH"] = str(REPO)
        t0 = time.monotonic()
        subprocess.run(
            [sys.executable, "-m", "bot", "init", "--config", str(config)],
            cwd=REPO,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(f"init (schema + default data): {time.monotonic() - t0:.2f} s")
        wall, cpu = _first_reply_seconds(config, env)
        print(f"cold start, empty cache:      {wall:.2f} s to first reply ({cpu:.2f} s CPU)")
        runs = []
        for _ in range(max(1, args.restarts)):
            runs.append(_first_reply_seconds(config, env))
            print(f"restart, warm cache:          {runs[-1][0]:.2f} s to first reply ({runs[-1][1]:.2f} s CPU)")
        if len(runs) > 1:
            print(f"restart, median of {len(runs)}:        {statistics.median(r[0] for r in runs):.2f} s "
                  f"({statistics.median(r[1] for r in runs):.2f} s CPU)")


if __name__ == "__main__":
    main()
