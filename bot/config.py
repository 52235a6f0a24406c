"""Configuration: one YAML file, validated at start, overridable from the environment.

Every key has a default except the WeChat credentials, and an error always names
the key that is wrong (``wechat.app_id: …``), because an operator reading a
start-up failure at 3 a.m. should not have to guess.

Environment overrides follow DESIGN.md: ``BOT_<SECTION>__<KEY>`` (for example
``BOT_WECHAT__APP_SECRET``) or ``BOT_<KEY>`` for a top-level key
(``BOT_DATABASE``). ``BOT_CONFIG`` names the file when ``--config`` is absent.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_VAR_DIR = REPO_ROOT / "var"
WECHAT_API_BASE = "https://api.weixin.qq.com"
WECOM_API_BASE = "https://qyapi.weixin.qq.com"
ENV_PREFIX = "BOT_"


class ConfigError(Exception):
    """The configuration is unusable; the message names the offending key."""


class CrossFieldError(ValueError):
    """A check over several keys of a section, blaming one of them (``wechat.mode: …``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_aes_key(value: str) -> str:
    # WeChat's EncodingAESKey is 43 base64 characters (32 bytes once "=" is appended).
    if value and len(value) != 43:
        raise ValueError("EncodingAESKey must be exactly 43 characters (or empty for plaintext mode)")
    return value


class WeChatConfig(_Section):
    token: str = ""
    app_id: str = ""
    app_secret: str = ""
    aes_key: str = ""
    api_base: str = WECHAT_API_BASE
    # plaintext: only plain requests; compatible: both; safe: only encrypted.
    # Empty means: plaintext when aes_key is empty, safe otherwise.
    mode: Literal["", "plaintext", "compatible", "safe"] = ""

    _aes = field_validator("aes_key")(classmethod(lambda cls, v: _check_aes_key(v)))

    @property
    def effective_mode(self) -> str:
        if self.mode:
            return self.mode
        return "safe" if self.aes_key else "plaintext"

    @model_validator(mode="after")
    def _mode_needs_key(self) -> WeChatConfig:
        if self.mode in ("compatible", "safe") and not self.aes_key:
            raise CrossFieldError("mode", f"mode '{self.mode}' needs aes_key")
        return self


class WeComConfig(_Section):
    corp_id: str
    agent_id: int
    secret: str = ""
    token: str
    aes_key: str
    api_base: str = WECOM_API_BASE

    _aes = field_validator("aes_key")(classmethod(lambda cls, v: _check_aes_key(v)))


class ServerConfig(_Section):
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    # WeChat waits 5 s for a passive reply; beyond this budget we answer
    # "success" and deliver the real reply through the outbox.
    reply_budget_seconds: float = Field(default=4.0, gt=0, le=4.8)
    timestamp_tolerance_seconds: int = Field(default=300, ge=1)
    max_xml_depth: int = Field(default=8, ge=3)
    secret_key: str = ""
    # `serve` processes, each forked by gunicorn from the preloaded app.
    workers: int = Field(default=1, ge=1, le=64)
    # auto: waitress for one process, gunicorn for more (POSIX: Linux, macOS). One gunicorn worker
    # measured no cheaper per message than waitress in interleaved runs (bench/README.md, issue 16),
    # and adds a master process; `gunicorn` asks for it anyway (a supervised single worker).
    engine: Literal["auto", "gunicorn", "waitress"] = "auto"


class RetentionConfig(_Section):
    inbound_text_days: int = Field(default=180, ge=1)


class OutboxConfig(_Section):
    max_attempts: int = Field(default=8, ge=1)
    backoff_base_seconds: float = Field(default=5.0, gt=0)
    backoff_max_seconds: float = Field(default=3600.0, gt=0)
    # A row claimed by a worker that died is sent again after this long.
    lease_seconds: int = Field(default=60, ge=5)
    batch_size: int = Field(default=50, ge=1, le=1000)
    # Sends in flight at once per worker (each is recorded before its sender takes the next message).
    concurrency: int = Field(default=64, ge=1, le=256)
    http_timeout_seconds: float = Field(default=10.0, gt=0)


class RateLimitsConfig(_Section):
    """Messages per minute; 0 means unlimited. Per worker process, except the robot (per key)."""

    official_account: int = Field(default=3000, ge=0)
    wecom_app: int = Field(default=3000, ge=0)
    # WeCom allows each group robot 20 messages a minute.
    wecom_robot: int = Field(default=20, ge=0)
    console: int = Field(default=0, ge=0)


class ChannelsConfig(_Section):
    # auto: console when no WeChat/WeCom secret is configured (the demo), else the real APIs.
    mode: Literal["auto", "console", "wechat"] = "auto"
    # stable: /cgi-bin/stable_token (several fetchers cannot invalidate each other); classic: /cgi-bin/token.
    official_account_token: Literal["stable", "classic"] = "stable"
    # Group robots post to WeCom's host even when the WeCom app is not configured.
    robot_api_base: str = WECOM_API_BASE


class SchedulerConfig(_Section):
    drain_interval_seconds: float = Field(default=1.0, gt=0, le=60)
    # Daily anonymisation of old inbound text (cron in the configured time zone).
    retention_cron: str = "30 3 * * *"
    # The worker's own Prometheus counters (sends by result and errcode, job runs and misses); 0: off.
    metrics_port: int = Field(default=0, ge=0, le=65535)
    metrics_host: str = "127.0.0.1"


class NlpConfig(_Section):
    cache_dir: str = ""


class TicketsConfig(_Section):
    # A report of the same category and place within this window joins the open ticket.
    duplicate_window_minutes: int = Field(default=24 * 60, ge=0)
    # The promise in the reply: "picked up by …" (issue 6 makes this per category).
    accept_minutes: int = Field(default=120, ge=1)
    # Images, voice and locations sent this soon after a report attach to it.
    attach_minutes: int = Field(default=10, ge=1)
    # A resident may urge ("催一下") a ticket once per this many hours.
    urge_interval_hours: float = Field(default=4.0, gt=0)
    bind_code_minutes: int = Field(default=24 * 60, ge=1)
    # Wrong "bind <code>" attempts one sender may make within bind_cooldown_minutes before it must wait.
    bind_max_attempts: int = Field(default=5, ge=1, le=100)
    bind_cooldown_minutes: int = Field(default=15, ge=1)
    # Wrong attempts (from anyone) an outstanding code survives before it is retired and must be reissued.
    bind_max_failures_per_code: int = Field(default=20, ge=1)
    # How many times one member may look up a reporter's full phone number (电话 T…) per hour.
    phone_views_per_hour: int = Field(default=10, ge=1)
    media_sweep_seconds: float = Field(default=30.0, gt=0)
    # Deadlines when a category has none of its own (data/categories.yaml "deadlines").
    resolve_minutes: int = Field(default=72 * 60, ge=1)
    urgent_accept_minutes: int = Field(default=15, ge=1)
    urgent_resolve_minutes: int = Field(default=4 * 60, ge=1)
    # The holder is reminded this long before a deadline (at most half the deadline's span).
    remind_before_minutes: int = Field(default=30, ge=1)
    # After 吹哨 the department must 报到 within this many minutes, then resolve within the category's span.
    report_in_minutes: int = Field(default=120, ge=1)
    # Working hours for categories whose deadlines count in working time ("HH:MM", local time).
    work_start: str = Field(default="09:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    work_end: str = Field(default="18:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    # Quiet hours ("HH:MM", local time; equal values switch them off): reminders and escalations of
    # non-urgent tickets found due in this window wait for its end, and then go out once.
    quiet_start: str = Field(default="21:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    quiet_end: str = Field(default="08:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    # The top rung of the ladder: the 街道 office, a department code.
    street_department: str = "street"
    # No answer to "问题解决了吗？" within this many days closes the ticket as 默认满意.
    rating_days: float = Field(default=3.0, gt=0)
    deadline_sweep_seconds: float = Field(default=10.0, gt=0)
    # An ambiguous emergency asks "现在是否正在发生危险？"; unanswered this long, it is escalated if
    # the words were strong (是不是着火了) and dropped if they were weak (有点焦味).
    urgent_confirm_minutes: float = Field(default=3.0, gt=0, le=60)
    # An urgent report joins only an open urgent ticket of the same category and place this recent.
    urgent_join_minutes: int = Field(default=30, ge=0)

    @model_validator(mode="after")
    def _work_hours_order(self) -> TicketsConfig:
        if self.work_start >= self.work_end:
            raise CrossFieldError("work_start", "work_start must be before work_end")
        return self


class BulletinsConfig(_Section):
    # The schedule of a series created without one (crontab, local time): 07:00 every day.
    default_cron: str = "0 7 * * *"
    # A slot missed by less than this (every worker was down) still posts once when one comes back.
    catch_up_hours: float = Field(default=12.0, ge=0, le=24)
    # Recipients written per transaction during a fan-out (a worker killed mid-run resumes from there).
    fanout_batch_size: int = Field(default=5000, ge=100, le=50000)

    @field_validator("default_cron")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        from apscheduler.triggers.cron import CronTrigger

        CronTrigger.from_crontab(value)
        return value


class RemindersConfig(_Section):
    # How often the worker sends the reminders that fell due (one sweep for all of them).
    sweep_seconds: float = Field(default=10.0, gt=0, le=300)
    # An occurrence found later than this (no worker ran) is skipped with a log line instead of sent.
    catch_up_hours: float = Field(default=6.0, ge=0)
    # An occurrence sent later than this carries a note of the delay.
    late_note_minutes: float = Field(default=5.0, gt=0)
    # Reminders still to come that one resident may have.
    max_per_user: int = Field(default=50, ge=1)


class EmergencyConfig(_Section):
    # Given to residents with the safety instructions of an urgent report (燃气抢修).
    gas_company_phone: str = ""


class MediaConfig(_Section):
    # Where downloaded WeChat media (images, voice) are stored; relative paths are under the repo.
    dir: str = "var/media"


class AdminConfig(_Section):
    """The staff's web UI (/admin)."""

    # Signs the session cookie; empty = generated once and kept in var_dir/admin_secret_key.
    secret_key: str = ""
    session_hours: float = Field(default=12.0, gt=0, le=24 * 30)
    # Send the session cookie over HTTPS only (the demo turns it off: it serves plain http).
    cookie_secure: bool = True
    # Consecutive wrong passwords that lock an account, and for how long.
    max_failed_logins: int = Field(default=5, ge=1, le=100)
    lockout_minutes: int = Field(default=15, ge=1)
    # Wrong passwords from one address within lockout_minutes before it must wait (any username).
    max_failed_logins_per_ip: int = Field(default=20, ge=1)
    min_password_length: int = Field(default=8, ge=6, le=128)
    # An API token (POST /api/v1/login, admin create) works this many days, unless revoked sooner.
    api_token_days: float = Field(default=30.0, gt=0, le=366)


class DemoConfig(_Section):
    host: str = "127.0.0.1"
    port: int = 8080


class Config(_Section):
    database: str = ""
    timezone: str = "Asia/Shanghai"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"  # json: one object per line, for a log collector
    wechat: WeChatConfig = WeChatConfig()
    wecom: WeComConfig | None = None
    redis: str | None = None
    proxy: str | None = None

    @field_validator("redis", "proxy", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if value == "" else value
    server: ServerConfig = ServerConfig()
    retention: RetentionConfig = RetentionConfig()
    nlp: NlpConfig = NlpConfig()
    demo: DemoConfig = DemoConfig()
    admin: AdminConfig = AdminConfig()
    tickets: TicketsConfig = TicketsConfig()
    bulletins: BulletinsConfig = BulletinsConfig()
    reminders: RemindersConfig = RemindersConfig()
    emergency: EmergencyConfig = EmergencyConfig()
    media: MediaConfig = MediaConfig()
    var_dir: str = ""
    outbox: OutboxConfig = OutboxConfig()
    rate_limits: RateLimitsConfig = RateLimitsConfig()
    channels: ChannelsConfig = ChannelsConfig()
    scheduler: SchedulerConfig = SchedulerConfig()
    # Notification kind -> Official Account template id (the 48-hour-window fallback).
    templates: dict[str, str] = Field(default_factory=dict)
    # Group robot name (an outbox recipient) -> its webhook key.
    robots: dict[str, str] = Field(default_factory=dict)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def var_path(self) -> Path:
        return Path(self.var_dir) if self.var_dir else DEFAULT_VAR_DIR

    @property
    def database_url(self) -> str:
        return self.database or f"sqlite:///{self.var_path / 'linli.db'}"

    @property
    def media_path(self) -> Path:
        path = Path(self.media.dir)
        return path if path.is_absolute() else REPO_ROOT / path

    @property
    def wecom_account_id(self) -> str:
        """Scope key of the WeCom app ("wecom::0" when WeCom is not configured)."""
        wecom = self.wecom
        return f"wecom:{wecom.corp_id}:{wecom.agent_id}" if wecom else "wecom::0"

    @property
    def account_id(self) -> str:
        """Scope key of the Official Account for dedupe and tokens."""
        return f"mp:{self.wechat.app_id}"


def _env_overrides(env: dict[str, str]) -> tuple[dict[str, Any], dict[tuple[str, ...], str]]:
    """Turn BOT_SECTION__KEY variables into a nested dict of raw YAML values.

    Also returns which variable set each key path, so an error can blame the variable.
    """
    result: dict[str, Any] = {}
    names: dict[tuple[str, ...], str] = {}
    for name, raw in env.items():
        if not name.startswith(ENV_PREFIX) or name == "BOT_CONFIG" or name.startswith("BOT_TEST_"):
            continue
        path = name[len(ENV_PREFIX):].lower().split("__")
        target = result
        for part in path[:-1]:
            target = target.setdefault(part, {})
            if not isinstance(target, dict):
                raise ConfigError(f"environment variable {name}: conflicts with another override")
        # Values stay strings: pydantic turns "8080" into 8080 where an int is
        # expected, and a secret like "0123" must not become the number 123.
        target[path[-1]] = raw
        names[tuple(path)] = name
    return result, names


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _has_path(data: Any, path: tuple[str, ...]) -> bool:
    for part in path:
        if not isinstance(data, dict) or part not in data:
            return False
        data = data[part]
    return True


def _format_errors(
    source: str,
    error: ValidationError,
    env_names: dict[tuple[str, ...], str] | None = None,
    overrides: dict[str, Any] | None = None,
) -> str:
    env_names = env_names or {}
    lines = []
    for item in error.errors():
        loc = tuple(str(part) for part in item["loc"])
        cause = (item.get("ctx") or {}).get("error")
        if isinstance(cause, CrossFieldError):
            loc = (*loc, cause.field)
        key = ".".join(loc) or "(top level)"
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key"
        # Blame the environment variable that set this key (or the section it sits in).
        where = source
        for length in range(len(loc), 0, -1):
            name = env_names.get(loc[:length])
            if name and not _has_path(overrides, loc[:length]):
                where = f"environment variable {name}"
                break
        lines.append(f"{where}: {key}: {message}")
    return "\n".join(lines)


def load_config(
    path: str | os.PathLike[str] | None = None,
    *,
    env: dict[str, str] | None = None,
    overrides: dict[str, Any] | None = None,
) -> Config:
    """Read, merge and validate the configuration.

    Args:
        path: the YAML file; None means ``$BOT_CONFIG`` or no file at all.
        env: the environment to read overrides from (default: os.environ).
        overrides: values applied last (tests use this).

    Raises:
        ConfigError: with one line per wrong key.
    """
    env = dict(os.environ) if env is None else env
    path = path or env.get("BOT_CONFIG") or None
    raw: dict[str, Any] = {}
    source = "configuration"
    if path:
        source = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{source}: cannot read the file ({exc.strerror})") from exc
        try:
            loaded = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ConfigError(f"{source}: not valid YAML: {exc}") from exc
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            raise ConfigError(f"{source}: the top level must be a mapping of keys")
        raw = loaded
    from_env, env_names = _env_overrides(env)
    raw = _merge(raw, from_env)
    if overrides:
        raw = _merge(raw, overrides)
    try:
        return Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_format_errors(source, exc, env_names, overrides)) from None
