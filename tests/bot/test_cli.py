"""The command line as an operator uses it: explain, import, admin create, demo + chat."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.config import REPO_ROOT

PYTHON = sys.executable


def _run(*args: str, env: dict[str, str] | None = None, stdin: str | None = None, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [PYTHON, "-m", "bot", *args], cwd=REPO_ROOT, env=full_env, input=stdin,
        capture_output=True, text=True, timeout=timeout,
    )


@pytest.fixture
def db_env(tmp_path: Path) -> dict[str, str]:
    return {"BOT_DATABASE": f"sqlite:///{tmp_path / 'cli.db'}", "BOT_NLP__CACHE_DIR": str(tmp_path / "cache")}


def test_every_command_has_help():
    for command in ("serve", "worker", "demo", "init", "import", "chat", "explain", "admin"):
        result = _run(command, "--help")
        assert result.returncode == 0, result.stderr
        assert "--help" in result.stdout or "Usage" in result.stdout


def test_explain_prints_intent_category_rule_and_entities_as_json(db_env):
    assert _run("init", env=db_env).returncode == 0
    result = _run("explain", "--json", "3栋2单元电梯坏了两天了", env=db_env)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["intent"], data["category"]) == ("tickets.create", "elevator")
    assert data["rule"] and data["entities"]["address"]["unit"] == "2"


def test_explain_reads_one_message_per_line_from_stdin(db_env):
    assert _run("init", env=db_env).returncode == 0
    result = _run("explain", "--json", env=db_env, stdin="燃气泄漏了快来人\n办居住证要带啥\n\n你好\n")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["intent"] for line in lines] == ["tickets.urgent", "faq.answer", "chat.greeting"]


def test_import_twice_changes_nothing_and_keeps_admin_edits(db_env, tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "communities:\n  - {code: c1, name: 测试社区}\n"
        "rules:\n  - {name: faq.test, intent: faq.answer, any: [测试问题], reply: 原答案}\n",
        encoding="utf-8",
    )
    first = _run("import", str(rules), env=db_env)
    assert first.returncode == 0, first.stderr
    second = _run("import", str(rules), env=db_env)
    assert "新增：无" in second.stdout and "更新：无" in second.stdout

    from bot.db import Database
    from models import Rule

    db = Database(db_env["BOT_DATABASE"])
    with db.session() as session:
        session.query(Rule).filter_by(name="faq.test").one().reply = "管理员改过的答案"
    rules.write_text(rules.read_text(encoding="utf-8").replace("原答案", "新种子答案"), encoding="utf-8")
    kept = _run("import", str(rules), env=db_env)
    assert "保留管理员修改的规则 1 条" in kept.stdout
    forced = _run("import", "--force", str(rules), env=db_env)
    assert forced.returncode == 0
    with db.session() as session:
        assert session.query(Rule).filter_by(name="faq.test").one().reply == "新种子答案"
    db.dispose()


def test_import_names_the_bad_record(db_env, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - {name: x, intent: tickets.create, any: [漏水]}\n", encoding="utf-8")
    result = _run("import", str(bad), env=db_env)
    assert result.returncode != 0 and "category" in result.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_demo_starts_and_the_terminal_chat_gets_a_chinese_reply(tmp_path):
    port = _free_port()
    demo = subprocess.Popen(
        [PYTHON, "-m", "bot", "demo", "--port", str(port), "--var-dir", str(tmp_path / "demo")],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert demo.poll() is None, demo.stdout.read() if demo.stdout else ""
                time.sleep(0.1)
        result = _run("chat", "--url", f"http://127.0.0.1:{port}", "-m", "你好", "-m", "3栋电梯坏了", timeout=120)
        assert result.returncode == 0, result.stderr
        assert "邻里:" in result.stdout
        assert any("\u4e00" <= ch <= "\u9fff" for ch in result.stdout.split("邻里:")[1])
    finally:
        demo.terminate()
        demo.wait(timeout=10)


def test_chat_exits_non_zero_when_nothing_got_through():
    result = _run("chat", "--url", f"http://127.0.0.1:{_free_port()}", "-m", "你好", timeout=60)
    assert result.returncode != 0
    assert result.stderr.strip()


def test_demo_takes_a_config_file():
    result = _run("demo", "--help")
    assert "--config" in result.stdout


def test_an_in_process_chat_on_an_empty_database_says_how_to_fill_it(tmp_path):
    """`python -m bot chat` on a database without rules answered every message with the fallback, silently."""
    config = tmp_path / "config.yaml"
    config.write_text(f"database: sqlite:///{tmp_path / 'empty.db'}\nvar_dir: {str(tmp_path / 'var')!r}\n"
                      "wechat: {token: chattoken, app_id: wxchattest, aes_key: ''}\nchannels: {mode: console}\n")
    result = _run("chat", "--config", str(config), "-m", "3栋电梯坏了", timeout=120)
    assert result.returncode == 0, result.stderr
    assert "python -m bot init" in result.stderr and "python -m bot demo" in result.stderr
    filled = _run("init", "--config", str(config), timeout=120)
    assert filled.returncode == 0, filled.stderr
    again = _run("chat", "--config", str(config), "-m", "你好", timeout=120)
    assert "python -m bot init" not in again.stderr
