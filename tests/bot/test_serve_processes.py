"""`serve --workers N`: gunicorn forks N processes from one preloaded app; all of them answer WeChat."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

from bot.db import Database
from tests.bot.test_webhook_dedupe import _free_port, _wait_healthy
from tests.conftest import TEST_APP_ID, TEST_TOKEN
from tests.wechatkit.kits import OfficialAccountKit

REPO = Path(__file__).resolve().parents[2]


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True, check=False)
    return [int(line) for line in out.stdout.split()]


def test_two_gunicorn_workers_answer_signed_messages(seeded: Database) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env.update(PYTHONPATH=str(REPO), BOT_DATABASE=seeded.url, BOT_WECHAT__TOKEN=TEST_TOKEN,
               BOT_WECHAT__APP_ID=TEST_APP_ID, BOT_NLP__CACHE_DIR=str(REPO / "var" / "cache"), BOT_LOG_LEVEL="WARNING")
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--port", str(port), "--workers", "2",
                             "--threads", "2"], cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_healthy(port, proc)
        deadline = time.monotonic() + 30
        while len(_children(proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(_children(proc.pid)) == 2
        replies: list[str | None] = [None] * 12

        def ask(i: int) -> None:
            kit = OfficialAccountKit(TEST_TOKEN, TEST_APP_ID, openid=f"oGunicorn{i}")
            query, body = kit.post(kit.text("居委会几点上班"))
            resp = requests.post(f"http://127.0.0.1:{port}/wechat", params=query, data=body, timeout=20)
            replies[i] = kit.read_reply(resp.content, query) if resp.status_code == 200 else None

        threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(replies))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        scrape = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10)
        assert scrape.status_code == 200 and "linli_database_up 1.0" in scrape.text
        # Both workers' counts, added up from the multiprocess folder (none at all before issue 16's fix).
        assert 'linli_messages_total{type="text"} 12.0' in scrape.text, scrape.text
        assert "linli_reply_seconds_count 12.0" in scrape.text
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert all(reply is not None and "办公时间" in str(reply) for reply in replies), replies
    assert proc.returncode == 0


def test_one_process_is_waitress_by_default_and_a_gunicorn_worker_on_request(seeded: Database) -> None:
    """One process: waitress, no fork; --engine gunicorn: one supervised worker under a master."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env.update(PYTHONPATH=str(REPO), BOT_DATABASE=seeded.url, BOT_WECHAT__TOKEN=TEST_TOKEN,
               BOT_WECHAT__APP_ID=TEST_APP_ID, BOT_NLP__CACHE_DIR=str(REPO / "var" / "cache"), BOT_LOG_LEVEL="WARNING")
    # Both stop on SIGTERM with status 0 (test_serve_stops_cleanly_on_sigterm_with_one_log_line).
    for extra, children, stopped in (([], 0, 0), (["--engine", "gunicorn"], 1, 0)):
        port = _free_port()
        proc = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--port", str(port), *extra], cwd=REPO,
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            _wait_healthy(port, proc)
            assert len(_children(proc.pid)) == children, extra
            kit = OfficialAccountKit(TEST_TOKEN, TEST_APP_ID, openid="oOneProcess")
            query, body = kit.post(kit.text("居委会几点上班"))
            resp = requests.post(f"http://127.0.0.1:{port}/wechat", params=query, data=body, timeout=20)
            assert resp.status_code == 200 and kit.read_reply(resp.content, query), extra
        finally:
            proc.terminate()
            assert proc.wait(timeout=30) == stopped, extra


def test_serve_stops_cleanly_on_sigterm_with_one_log_line(seeded: Database) -> None:
    """SIGTERM (what systemd, docker and supervisors send) stops serve on either engine with exit status 0, and the
    log says so in one line an operator can read (waitress had no handler: status 143 / -15 and nothing logged;
    gunicorn exited 0 without a line of ours)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env.update(PYTHONPATH=str(REPO), BOT_DATABASE=seeded.url, BOT_WECHAT__TOKEN=TEST_TOKEN,
               BOT_WECHAT__APP_ID=TEST_APP_ID, BOT_NLP__CACHE_DIR=str(REPO / "var" / "cache"), BOT_LOG_LEVEL="INFO")
    for extra in ([], ["--engine", "gunicorn"]):
        port = _free_port()
        proc = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--port", str(port), *extra], cwd=REPO,
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            _wait_healthy(port, proc)
        finally:
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=30)
        log = err.decode("utf-8", "replace")
        assert proc.returncode == 0, (extra, proc.returncode, log[-2000:])
        lines = [line for line in log.splitlines() if "SIGTERM" in line]
        assert len(lines) == 1 and "stopping" in lines[0], (extra, log[-2000:])
        assert "stopped" in log.split(lines[0], 1)[1], (extra, log[-2000:])
