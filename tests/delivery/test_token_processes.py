"""Four processes sending at once cause exactly one token fetch per expiry (database or Redis store)."""

from __future__ import annotations

import time
from pathlib import Path

from bot.db import Database
from tests.delivery.conftest import redis_url
from tests.delivery.procs import run_module, write_config
from tests.fakes.wechat_api import FakeWeChatAPI

CUSTOM = "/cgi-bin/message/custom/send"
CLIENTS = 4
PER_CLIENT = 5


def _two_bursts(config: Path, api: FakeWeChatAPI, tmp_path: Path) -> None:
    go = tmp_path / "go"
    start_at = time.time() + 2.0  # every client has imported and connected by then
    procs = [
        run_module("tests.delivery.token_client", str(config), str(start_at), str(PER_CLIENT), f"c{i}", str(go))
        for i in range(CLIENTS)
    ]
    try:
        for proc in procs:
            assert proc.stdout is not None
            line = proc.stdout.readline().decode()
            assert line.startswith("round 1 done"), line + proc.stdout.read().decode()
        assert api.token_fetches == 1
        api.expire_tokens()  # every process now holds an expired token (42001)
        go.touch()
        for proc in procs:
            out, _ = proc.communicate(timeout=60)
            assert proc.returncode == 0, out.decode()
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    assert api.token_fetches == 2
    assert len(api.delivered(CUSTOM)) == 2 * CLIENTS * PER_CLIENT


def test_four_processes_share_one_token_through_the_database(
    db: Database, fake_wechat: FakeWeChatAPI, tmp_path: Path
) -> None:
    _two_bursts(write_config(tmp_path / "config.yaml", db.url, fake_wechat), fake_wechat, tmp_path)


def test_four_processes_share_one_token_through_redis(
    sqlite_db: Database, fake_wechat: FakeWeChatAPI, tmp_path: Path
) -> None:
    import redis

    url = redis_url()
    redis.Redis.from_url(url).delete(f"linli:token:mp:{fake_wechat.app_id}")
    config = write_config(tmp_path / "config.yaml", sqlite_db.url, fake_wechat, redis=url)
    _two_bursts(config, fake_wechat, tmp_path)
