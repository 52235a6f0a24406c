"""Run real worker processes (and token clients) against a database and the fake API."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from bot.config import REPO_ROOT
from tests.conftest import TEST_AES_KEY
from tests.fakes.wechat_api import FakeWeChatAPI


def write_config(path: Path, database_url: str, api: FakeWeChatAPI, **extra: Any) -> Path:
    settings = api.settings()
    config: dict[str, Any] = {
        "database": database_url,
        "log_level": "WARNING",
        "wechat": {**settings["wechat"], "token": "t"},
        "wecom": {**settings["wecom"], "token": "t", "aes_key": TEST_AES_KEY},
        "channels": {"mode": "wechat", "robot_api_base": api.base_url},
        "rate_limits": {"official_account": 0, "wecom_app": 0},
        "outbox": {"lease_seconds": 5, "http_timeout_seconds": 5},
        **extra,
    }
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def _env() -> dict[str, str]:
    # The parent's BOT_* overrides must not leak into the worker's configuration.
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_") or k.startswith("BOT_TEST_")}
    env["PYTHONPATH"] = str(REPO_ROOT)
    return env


def start_worker(config: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "worker", "--config", str(config)],
            cwd=REPO_ROOT,
            env=_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def run_module(module: str, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", module, *args],
        cwd=REPO_ROOT,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


def stop(proc: subprocess.Popen[bytes], timeout: float = 15) -> int:
    """SIGTERM and wait; SIGKILL if it does not exit in time (then the test fails on the code)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)
        return -9
