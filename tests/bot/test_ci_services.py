"""CI must really run on PostgreSQL and Redis: BOT_TEST_REQUIRE_SERVICES turns 'unreachable' from a skip into a failure."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEAD_POSTGRES = "postgresql://postgres@127.0.0.1:1/test"  # port 1: nothing listens, refused at once
DEAD_REDIS = "redis://127.0.0.1:1/15"


def _pytest(target: str, keyword: str, require: bool) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "PYTEST_"))}
    env |= {"BOT_TEST_DATABASE_URL": DEAD_POSTGRES, "BOT_TEST_REDIS_URL": DEAD_REDIS}
    if require:
        env["BOT_TEST_REQUIRE_SERVICES"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "-p", "no:xdist", target, "-k", keyword],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


@pytest.mark.parametrize(
    ("target", "keyword", "reason"),
    [
        ("tests/bot/test_healthz.py", "postgresql", "PostgreSQL at BOT_TEST_DATABASE_URL unreachable"),
        ("tests/delivery/test_tokens.py::test_refreshed_a_few_minutes_before_expiry", "redis", "Redis at BOT_TEST_REDIS_URL unreachable"),
    ],
    ids=["postgresql", "redis"],
)
def test_an_unreachable_service_skips_locally_but_fails_when_required(target: str, keyword: str, reason: str) -> None:
    local = _pytest(target, keyword, require=False)
    assert local.returncode == 0, local.stdout[-2000:]
    assert "skipped" in local.stdout and reason in local.stdout

    ci = _pytest(target, keyword, require=True)
    assert ci.returncode == 1, ci.stdout[-2000:]
    assert "failed" in ci.stdout and "skipped" not in ci.stdout
    assert reason in ci.stdout and "BOT_TEST_REQUIRE_SERVICES" in ci.stdout
