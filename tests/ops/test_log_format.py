"""Structured logs: log_format json prints one object per line with the request id and the hashed user."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bot.config import REPO_ROOT
from bot.ops.logging_setup import user_ref


def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stderr


def test_json_lines_carry_the_request_id_and_hashed_user_and_no_openid(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f"database: sqlite:///{tmp_path / 'x.db'}\nlog_format: json\nlog_level: INFO\n")
    stderr = _run(f"""
import logging
from bot.cli.common import load_cli_config
from bot.ops.logging_setup import log_context, set_request_id, user_ref
load_cli_config({str(config)!r})
set_request_id("req-42")
with log_context(user=user_ref("oJsonLogUser0000000000000001")):
    logging.getLogger("bot.test").warning("handled for oJsonLogUser0000000000000001")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("bot.test").exception("failed")
""")
    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    assert [line["message"] for line in lines][-2:] == [f"handled for {user_ref('oJsonLogUser0000000000000001')}",
                                                        "failed"]
    for line in lines[-2:]:
        assert (line["request_id"], line["user"]) == ("req-42", user_ref("oJsonLogUser0000000000000001"))
        assert line["level"] in ("WARNING", "ERROR") and line["logger"] == "bot.test"
    assert "RuntimeError: boom" in lines[-1]["exception"]
    assert "oJsonLogUser" not in stderr


def test_text_lines_name_the_request(tmp_path: Path) -> None:
    stderr = _run("""
import logging
from bot.ops.logging_setup import log_context, set_request_id, setup_logging
setup_logging("INFO")
set_request_id("req-7")
with log_context(user="u#0123456789"):
    logging.getLogger("bot.test").info("hello")
""")
    assert stderr.strip().endswith("bot.test: hello [rid=req-7 user=u#0123456789]")


def test_a_request_id_from_the_proxy_is_kept_when_it_is_safe(app) -> None:  # type: ignore[no-untyped-def]
    from flask import Response

    from bot.ops.logging_setup import current_request_id

    seen: list[str] = []

    @app.get("/_rid_probe")
    def probe() -> Response:
        seen.append(current_request_id())
        return Response("ok")

    client = app.test_client()
    client.get("/_rid_probe", headers={"X-Request-Id": "edge-abc.1"})
    client.get("/_rid_probe", headers={"X-Request-Id": "bad id <script>"})
    client.get("/_rid_probe")
    assert seen[0] == "edge-abc.1"
    assert seen[1] != "bad id <script>" and seen[1] and seen[2] and seen[1] != seen[2]


def test_forked_workers_do_not_reuse_the_masters_request_ids() -> None:
    """Under gunicorn the app is imported before the fork: each worker numbers its requests under its own pid."""
    stdout = subprocess.run([sys.executable, "-c", """
import os
from bot.ops.logging_setup import new_request_id
new_request_id()
read, write = os.pipe()
pid = os.fork()
if pid == 0:
    os.write(write, new_request_id().encode())
    os._exit(0)
os.waitpid(pid, 0)
print(os.read(read, 100).decode(), new_request_id(), pid)
"""], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=True).stdout
    child, parent, child_pid = stdout.split()
    assert child != parent and child.startswith(f"{int(child_pid):x}-")


def test_gunicorns_own_errors_reach_the_operators_log_as_json_and_redacted(tmp_path: Path) -> None:
    """Under `serve --workers N` gunicorn logs an unhandled error with the request's URL (openid and
    signature in its query): that line goes through the one handler, so it is JSON and redacted too."""
    config = tmp_path / "config.yaml"
    config.write_text(f"database: sqlite:///{tmp_path / 'x.db'}\nlog_format: json\nlog_level: INFO\n")
    stderr = _run(f"""
from gunicorn.config import Config
from bot.cli.common import load_cli_config
from bot.web.gunicorn_server import gunicorn_logger_class
load_cli_config({str(config)!r})
cfg = Config()
cfg.set("errorlog", "-")
cfg.set("loglevel", "warning")
cfg.set("logger_class", gunicorn_logger_class())
logger = cfg.logger_class(cfg)
try:
    raise RuntimeError("boom")
except RuntimeError:
    logger.exception("Error handling request /wechat?openid=oGunicornLeak000000000000001&signature=abc")
logger.info("Booting worker with pid: 1")
""")
    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    assert [(line["logger"], line["level"]) for line in lines] == [("gunicorn.error", "ERROR")], stderr
    assert "RuntimeError: boom" in lines[0]["exception"]
    assert "oGunicornLeak" not in stderr and user_ref("oGunicornLeak000000000000001") in lines[0]["message"]
