"""One place that keeps secrets and personal data out of every log line: a ``logging.Filter``.

``setup_logging`` installs ``Redactor`` on the root logger's handlers, so it sees
every record that reaches them, the framework's and the libraries' alike
(urllib3 prints each request line at DEBUG, with ``access_token=…`` or
``corpsecret=…`` in the query string). It rewrites the formatted message, the
traceback and the stack of each record:

- values of secret-looking keys in query strings, JSON and ``key=value`` text
  (``access_token``, ``secret``, ``corpsecret``, ``password``, ``token`` …),
  ``Authorization: Bearer …`` and our own API tokens (``lnl_…``);
- the configured secrets themselves wherever they appear (``add_secrets``);
- mobile phone numbers, masked like pushes mask them (138****5678);
- openids (28-character Official Account ids, and values of ``openid=``,
  ``touser`` …), replaced by the same short hash ``user_key`` gives.

Database errors are logged without their parameters at the source
(``hide_parameters`` on the engine, bot/db.py).
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import traceback
from collections.abc import Iterable
from typing import Any

MASK = "[REDACTED]"
_SECRET_KEYS = (
    r"access_token|corpsecret|secret|appsecret|app_secret|client_secret|password|passwd|pwd|token|aes_key|"
    r"encoding_aes_key|encodingaeskey|secret_key|session_key|api_key|sign_key"
)
# key=value (query strings, log text) and "key": "value" (JSON); the value runs to a delimiter.
_KEY_VALUE = re.compile(
    rf"""(?ix)
    (?P<key>(?<![A-Za-z0-9])(?:{_SECRET_KEYS})["']?\s*[=:]\s*["']?)
    (?P<value>[^\s&"',;}}<>)\]]+)"""
)
# A group robot's webhook key is the whole credential: ?key=… (only in a URL).
_URL_KEY = re.compile(r"(?i)([?&]key=)([^\s&\"'#]+)")
_BEARER = re.compile(r"(?i)(bearer\s+)([A-Za-z0-9._~+/=-]+)")
_API_TOKEN = re.compile(r"\blnl_[A-Za-z0-9_-]+")
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)[\s-]?\d{4}[\s-]?(\d{4})(?!\d)")
# Official Account openids: "o" and 27 more characters of [A-Za-z0-9_-].
_OPENID = re.compile(r"(?<![A-Za-z0-9_-])o[A-Za-z0-9_-]{27}(?![A-Za-z0-9_-])")
_USER_KEYS = re.compile(
    r"""(?ix)
    (?P<key>(?<![A-Za-z0-9])(?:openid|unionid|touser|fromusername|tousername|user_?id|userid)["']?\s*[=:]\s*["']?)
    (?P<value>[A-Za-z0-9_@.-]{6,})"""
)
_HASHED = re.compile(r"^u#[0-9a-f]{10}$")


def user_hash(value: str) -> str:
    """The short hash logs use for a user id (the same as ``user_key`` in the logging setup)."""
    return hashlib.sha256(value.encode()).hexdigest()[:10]


class Redactor(logging.Filter):
    """Rewrites each record so no secret, token, phone number or openid reaches a handler."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: tuple[str, ...] = ()
        self._lock = threading.Lock()

    def add_secrets(self, values: Iterable[str | None]) -> None:
        """Literal values to mask wherever they appear (the configured app secrets, keys, passwords)."""
        wanted = {v for v in values if v and len(v) >= 6}
        with self._lock:
            self._secrets = tuple(sorted(set(self._secrets) | wanted, key=len, reverse=True))

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        text = _BEARER.sub(lambda m: m.group(1) + MASK, text)
        text = _API_TOKEN.sub("lnl_" + MASK, text)
        text = _URL_KEY.sub(lambda m: m.group(1) + MASK, text)
        text = _KEY_VALUE.sub(lambda m: m.group("key") + MASK, text)
        text = _USER_KEYS.sub(lambda m: m.group("key") + _user(m.group("value")), text)
        text = _OPENID.sub(lambda m: _user(m.group(0)), text)
        return _MOBILE.sub(r"\1****\2", text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string: log it as it came, still redacted
            message = f"{record.msg!r} {record.args!r}"
        record.msg, record.args = self.redact(message), None
        if record.exc_info:
            if not record.exc_text:
                record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            record.exc_info = None  # the redacted text below is what handlers print
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def _user(value: str) -> str:
    return value if _HASHED.match(value) or value == MASK else f"u#{user_hash(value)}"


REDACTOR = Redactor()


def install(handlers: Iterable[logging.Handler] | None = None) -> Redactor:
    """Put the one ``Redactor`` on ``handlers`` (default: the root logger's); idempotent."""
    for handler in logging.getLogger().handlers if handlers is None else handlers:
        if REDACTOR not in handler.filters:
            handler.addFilter(REDACTOR)
    return REDACTOR


def config_secrets(config: Any) -> list[str | None]:
    """Every secret the configuration holds (credentials, keys, passwords in URLs)."""
    from sqlalchemy.engine import make_url

    values: list[str | None] = [config.wechat.app_secret, config.wechat.token, config.wechat.aes_key]
    if config.wecom is not None:
        values += [config.wecom.secret, config.wecom.token, config.wecom.aes_key]
    for section in ("server", "admin"):
        values.append(getattr(getattr(config, section, None), "secret_key", None))
    values += list((config.robots or {}).values())
    for url in (config.database_url, config.redis, config.proxy):
        if url:
            try:
                values.append(make_url(url).password)  # type: ignore[arg-type]
            except Exception:  # noqa: BLE001 - not a SQLAlchemy-style URL
                match = re.match(r"^[a-z+]+://[^:/@]*:([^@]+)@", url)
                values.append(match.group(1) if match else None)
    return values


def add_config_secrets(config: Any) -> None:
    """Mask the configuration's secrets in every log line from now on."""
    REDACTOR.add_secrets(str(v) for v in config_secrets(config) if v)
