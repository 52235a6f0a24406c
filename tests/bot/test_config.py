"""Configuration: errors name the key, environment overrides work, minimal files start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config

REPO = Path(__file__).resolve().parents[2]
MINIMAL = """\
database: sqlite:///var/test.db
wechat:
  token: tok
  app_id: wx0000000000000001
wecom:
  corp_id: ww0000000000000001
  agent_id: 1000002
  token: wecomtok
  aes_key: abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("yaml_text", "key"),
    [
        ("wechat: {aes_key: tooshort}", "wechat.aes_key"),
        ("server: {max_body_bytes: lots}", "server.max_body_bytes"),
        ("server: {reply_budget_seconds: 9}", "server.reply_budget_seconds"),
        ("wechat: {tokn: abc}", "wechat.tokn"),
        ("databse: sqlite://", "databse"),
        ("wecom: {corp_id: ww1, agent_id: notanumber, token: t, aes_key: ''}", "wecom.agent_id"),
        ("timezone: Mars/Olympus", "timezone"),
    ],
)
def test_a_wrong_key_is_named_in_the_error(tmp_path, yaml_text, key):
    path = write(tmp_path, yaml_text)
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    message = str(info.value)
    assert f"{path}: {key}:" in message


def test_an_unknown_key_is_called_unknown(tmp_path):
    with pytest.raises(ConfigError, match=r"wechat\.tokn: unknown key"):
        load_config(write(tmp_path, "wechat: {tokn: abc}"), env={})


def test_environment_overrides_the_file(tmp_path):
    path = write(tmp_path, "wechat: {token: tok, app_secret: from-file}")
    config = load_config(path, env={"BOT_WECHAT__APP_SECRET": "0123-from-env", "BOT_SERVER__MAX_BODY_BYTES": "131072"})
    assert config.wechat.app_secret == "0123-from-env"  # stays a string
    assert config.wechat.token == "tok"
    assert config.server.max_body_bytes == 131072


def test_a_wrong_environment_value_is_named_too(tmp_path):
    with pytest.raises(ConfigError, match=r"server\.max_body_bytes"):
        load_config(write(tmp_path, ""), env={"BOT_SERVER__MAX_BODY_BYTES": "big"})


@pytest.mark.parametrize(
    ("yaml_text", "line"),
    [
        ("wechat: {token: t, mode: safe}", "wechat.mode: mode 'safe' needs aes_key"),
        ("wechat: {token: t, mode: compatible}", "wechat.mode: mode 'compatible' needs aes_key"),
        ("tickets: {work_start: '18:00', work_end: '09:00'}", "tickets.work_start: work_start must be before work_end"),
    ],
)
def test_cross_field_errors_name_the_field(tmp_path, yaml_text, line):
    path = write(tmp_path, yaml_text)
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    assert str(info.value) == f"{path}: {line}"


@pytest.mark.parametrize(
    ("env", "line"),
    [
        ({"BOT_TOKEN": "abc"}, "environment variable BOT_TOKEN: token: unknown key"),
        ({"BOT_WECHAT__TOKN": "abc"}, "environment variable BOT_WECHAT__TOKN: wechat.tokn: unknown key"),
        ({"BOT_SERVER__MAX_BODY_BYTES": "big"}, "environment variable BOT_SERVER__MAX_BODY_BYTES: server.max_body_bytes:"),
        ({"BOT_WECHAT__MODE": "safe"}, "environment variable BOT_WECHAT__MODE: wechat.mode: mode 'safe' needs aes_key"),
    ],
)
def test_a_wrong_environment_variable_is_blamed_instead_of_the_file(tmp_path, env, line):
    path = write(tmp_path, "wechat: {token: tok}\nserver: {max_body_bytes: 65536}\n")
    with pytest.raises(ConfigError) as info:
        load_config(path, env=env)
    message = str(info.value)
    assert message.startswith(line)
    assert str(path) not in message


def test_a_file_error_still_blames_the_file_when_the_environment_is_fine(tmp_path):
    path = write(tmp_path, "wechat: {tokn: abc}")
    with pytest.raises(ConfigError) as info:
        load_config(path, env={"BOT_WECHAT__TOKEN": "tok"})
    assert str(info.value) == f"{path}: wechat.tokn: unknown key"


def test_bot_config_names_the_file(tmp_path):
    path = write(tmp_path, "wechat: {token: from-bot-config}")
    assert load_config(None, env={"BOT_CONFIG": str(path)}).wechat.token == "from-bot-config"


def test_a_file_with_only_database_wechat_and_wecom_gets_defaults(tmp_path):
    config = load_config(write(tmp_path, MINIMAL), env={})
    assert config.database_url == "sqlite:///var/test.db"
    assert config.wechat.effective_mode == "plaintext"
    assert config.wechat.api_base == "https://api.weixin.qq.com"
    assert config.wecom is not None and config.wecom.api_base == "https://qyapi.weixin.qq.com"
    assert config.timezone == "Asia/Shanghai"
    assert config.server.reply_budget_seconds == 4.0
    assert config.server.timestamp_tolerance_seconds == 300
    assert config.retention.inbound_text_days == 180
    assert config.redis is None and config.proxy is None


def test_a_missing_file_is_reported(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "nope.yaml", env={})


def test_serve_with_a_bad_config_exits_naming_the_key(tmp_path):
    path = write(tmp_path, MINIMAL + "server: {max_body_bytes: lots}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "serve", "--config", str(path), "--port", "1"],
        cwd=REPO,
        env={**env, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "server.max_body_bytes" in result.stderr
