"""Logs for operators: readable lines or JSON objects, each carrying the request id and hashed user.

``log_format: text`` (the default) prints one readable line per record;
``log_format: json`` one JSON object per line (time, level, logger, message,
request_id, user, and the traceback when there is one) for a log collector.
A request's records carry its id (``X-Request-Id`` when the proxy sends one,
else a fresh one) and the sender's hashed id (``user_key``: openids are
personal data and never logged in clear). Both formats pass through the one
redacting filter (bot/ops/redact.py): secrets, tokens, phone numbers and
openids never reach a handler.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import count

from bot.ops.redact import user_hash

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("linli_request_id", default="")
_user: contextvars.ContextVar[str] = contextvars.ContextVar("linli_user", default="")
_ids = count(1)
_PREFIX = f"{os.getpid():x}-"


def _forked() -> None:
    """A forked child (a gunicorn worker of the preloaded app) numbers its requests under its own pid."""
    global _ids, _PREFIX
    _ids = count(1)
    _PREFIX = f"{os.getpid():x}-"


os.register_at_fork(after_in_child=_forked)


def user_key(user_id: str) -> str:
    """A short hash of a user id for logs (openids are personal data): the one the redactor writes."""
    return user_hash(user_id)


def user_ref(user_id: str) -> str:
    """How logs name a user: ``u#`` and ``user_key``, as the redactor rewrites an openid it finds in a message."""
    return f"u#{user_hash(user_id)}"


def new_request_id() -> str:
    """Unique within the machine's running processes: pid and a per-process sequence number."""
    return f"{_PREFIX}{next(_ids):x}"


@contextmanager
def log_context(*, request_id: str | None = None, user: str | None = None) -> Iterator[None]:
    """Records logged inside carry ``request_id`` and ``user`` (a ``user_ref``), in this thread and its copies."""
    tokens = []
    if request_id is not None:
        tokens.append((_request_id, _request_id.set(request_id)))
    if user is not None:
        tokens.append((_user, _user.set(user)))
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def set_request_id(value: str) -> None:
    """This request's id, for the rest of the request on this thread (the app sets it before each one)."""
    _request_id.set(value)


def current_request_id() -> str:
    return _request_id.get()


class _Context(logging.Filter):
    """Puts the request id and hashed user on every record (empty outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        record.user = _user.get()
        parts = [f"rid={record.request_id}"] if record.request_id else []
        if record.user:
            parts.append(f"user={record.user}")
        record.context = f" [{' '.join(parts)}]" if parts else ""
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in ("request_id", "user"):
            value = getattr(record, name, "")
            if value:
                data[name] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:  # the redactor has already put the (redacted) traceback here
            data["exception"] = record.exc_text
        return json.dumps(data, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s%(context)s"


def setup_logging(level: str = "INFO", fmt: str = "text") -> None:
    """Configure the root logger once per process: ``fmt`` is ``text`` or ``json``."""
    root = logging.getLogger()
    handler = logging.StreamHandler()
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT, datefmt="%Y-%m-%d %H:%M:%S"))
    handler.addFilter(_Context())
    for old in [h for h in root.handlers if getattr(h, "_linli", False)]:
        root.removeHandler(old)
    handler._linli = True  # type: ignore[attr-defined]
    if not root.handlers:  # like logging.basicConfig: a host that configured logging keeps its own
        root.addHandler(handler)
        root.setLevel(getattr(logging, level.upper(), logging.INFO))
    # Werkzeug's access log would print every signed query string.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("jieba").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    from bot.ops import redact

    redact.install()  # secrets, tokens, phone numbers and openids never reach a handler
