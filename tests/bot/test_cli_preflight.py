"""serve, worker, demo and the other commands on a database that is missing, unreachable or not migrated,
or a port that is taken: one line naming the fix, a non-zero exit, nothing started and no file created (issue 12)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import REPO_ROOT

UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/none"


def run(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=timeout, env={**clean, **(env or {})})


def one_line(done: subprocess.CompletedProcess[str], *words: str) -> str:
    assert done.returncode != 0, done.stdout + done.stderr
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert all(word in lines[0] for word in words), lines[0]
    return lines[0]


@pytest.fixture
def fresh(tmp_path: Path) -> Path:
    """A config whose SQLite database does not exist yet (nor its folder)."""
    config = tmp_path / "config.yaml"
    config.write_text(f"database: sqlite:///{tmp_path / 'var' / 'linli.db'}\nvar_dir: {tmp_path / 'var'}\n")
    return config


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


@pytest.mark.parametrize("command", [["serve", "--port", "0"], ["worker"], ["sweep", "--at", "2026-11-23 10:00"],
                                     ["outbox", "dead"], ["admin", "bind-code", "p1"]])
def test_an_uninitialised_database_is_one_line_and_creates_nothing(fresh: Path, command: list[str]) -> None:
    one_line(run(*command, "--config", str(fresh)), "python -m bot init")
    assert not (fresh.parent / "var").exists()


@pytest.mark.parametrize("command", [["serve", "--port", "0"], ["worker"], ["init"], ["outbox", "dead"]])
def test_an_unreachable_database_is_one_line(fresh: Path, command: list[str]) -> None:
    one_line(run(*command, "--config", str(fresh), env={"BOT_DATABASE": UNREACHABLE}), "127.0.0.1:1/none", "database")


def test_a_database_of_another_version_is_one_line(fresh: Path, tmp_path: Path) -> None:
    import sqlite3

    (tmp_path / "var").mkdir()
    sqlite3.connect(tmp_path / "var" / "linli.db").close()  # a file, but no schema
    one_line(run("worker", "--config", str(fresh)), "python -m bot init")


def test_serve_on_a_taken_port_is_one_line(fresh: Path, taken_port: int) -> None:
    assert run("init", "--config", str(fresh)).returncode == 0
    one_line(run("serve", "--config", str(fresh), "--port", str(taken_port)), str(taken_port), "--port")


def test_demo_on_a_taken_port_starts_nothing(tmp_path: Path, taken_port: int) -> None:
    var = tmp_path / "demo"
    done = run("demo", "--var-dir", str(var), "--port", str(taken_port))
    line = one_line(done, str(taken_port))
    assert "lnl_" not in done.stdout + done.stderr and "令牌" not in line  # no token was issued
    assert not var.exists()  # no database, no worker


def test_worker_on_a_taken_metrics_port_is_one_line(fresh: Path, taken_port: int) -> None:
    assert run("init", "--config", str(fresh)).returncode == 0
    done = run("worker", "--config", str(fresh), env={"BOT_SCHEDULER__METRICS_PORT": str(taken_port)})
    one_line(done, str(taken_port), "scheduler.metrics_port")


def test_waitress_asked_for_several_processes_is_one_line_and_starts_nothing(fresh: Path) -> None:
    one_line(run("serve", "--config", str(fresh), "--engine", "waitress", "--workers", "2", "--port", "0"),
             "waitress", "--engine gunicorn")
    assert not (fresh.parent / "var").exists()
