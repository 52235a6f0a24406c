"""Logs never carry secrets, tokens, phone numbers or openids; database errors come without parameters (issue 12)."""

from __future__ import annotations

import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.config import REPO_ROOT
from bot.db import Database

SECRET = "corp-secret-9f8e7d6c"
TOKEN = "ACCESS-TOKEN-0a1b2c3d4e"


class _Ok(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        body = b'{"errcode": 0, "access_token": "' + TOKEN.encode() + b'", "expires_in": 7200}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def local_api() -> str:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stderr


def test_http_client_debug_lines_carry_no_secret_or_token(local_api: str) -> None:
    stderr = _run(f"""
import logging, requests
from bot.ops.logging_setup import setup_logging
setup_logging("DEBUG")
requests.get("{local_api}/cgi-bin/gettoken", params={{"corpid": "ww1", "corpsecret": "{SECRET}"}}, timeout=5)
requests.get("{local_api}/cgi-bin/message/custom/send", params={{"access_token": "{TOKEN}"}}, timeout=5)
requests.get("{local_api}/cgi-bin/token?grant_type=client_credential&appid=wx1&secret={SECRET}", timeout=5)
logging.getLogger("bot.test").info("sent to oAbCdEfGhIjKlMnOpQrStUvWxYz1 phone 13812345678 with Bearer lnl_abc123")
""")
    assert "cgi-bin/gettoken" in stderr  # urllib3 did log the requests
    for leaked in (SECRET, TOKEN, "oAbCdEfGhIjKlMnOpQrStUvWxYz1", "13812345678", "lnl_abc123"):
        assert leaked not in stderr, stderr
    assert "corpsecret=[REDACTED]" in stderr and "access_token=[REDACTED]" in stderr and "138****5678" in stderr


def test_configured_secrets_and_tracebacks_are_masked(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f"wechat:\n  app_secret: {SECRET}\n  token: webhook-token-77\n")
    stderr = _run(f"""
import logging
from bot.cli.common import load_cli_config
load_cli_config({str(config)!r})
log = logging.getLogger("bot.test")
try:
    raise RuntimeError("refresh failed with secret {SECRET} for touser=oDemoResident")
except RuntimeError:
    log.exception("token refresh failed (webhook-token-77)")
""")
    assert "RuntimeError" in stderr and "Traceback" in stderr
    for leaked in (SECRET, "webhook-token-77", "oDemoResident"):
        assert leaked not in stderr, stderr


def test_database_errors_do_not_carry_parameters(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(Exception) as raised, db.engine.connect() as conn:
        conn.execute(text("SELECT * FROM no_such_table WHERE openid = :openid"), {"openid": "oPersonalData0001"})
    assert "oPersonalData0001" not in str(raised.value)
    db.dispose()
