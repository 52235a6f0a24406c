"""A separate process that sends customer-service messages through the real channel and token store.

    python -m tests.delivery.token_client CONFIG START_AT COUNT TAG GO_FILE

Waits until the Unix time START_AT so that all clients send at once, sends
COUNT messages, prints "round 1 done", waits for GO_FILE to exist (the test
expires the tokens meanwhile), then sends COUNT more. Used by the
token-sharing test.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from bot.clock import SystemClock
from bot.config import load_config
from bot.db import Database
from bot.delivery.channels import Outbound, build_channels
from bot.delivery.tokens import build_token_store


def main(config_path: str, start_at: float, count: int, tag: str, go_file: str) -> None:
    config = load_config(config_path, env={})
    db = Database(config.database_url)
    clock = SystemClock()
    tokens = build_token_store(db, config.redis, clock)
    channel = build_channels(config, db, tokens, clock).get("official_account")
    assert channel is not None

    def send(round_no: int) -> None:
        for i in range(count):
            channel.push(
                Outbound(
                    i,
                    "official_account",
                    config.account_id,
                    f"o{tag}",
                    "late_reply",
                    {"msgtype": "text", "text": f"{tag}-{round_no}-{i}"},
                )
            )

    time.sleep(max(0.0, start_at - time.time()))
    send(1)
    print("round 1 done", flush=True)
    deadline = time.monotonic() + 30
    while not Path(go_file).exists():
        if time.monotonic() > deadline:
            raise SystemExit("no go signal for round 2")
        time.sleep(0.005)
    send(2)
    print("round 2 done", flush=True)
    db.dispose()


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5])
