"""The serve process's last words: one line when a signal asks it to stop, one when it has stopped.

Both HTTP servers (waitress in bot/cli/server.py, gunicorn in bot/web/gunicorn_server.py) log the same
lines, so an operator reading the journal after a restart sees why it stopped and that it stopped cleanly."""

from __future__ import annotations

import logging

log = logging.getLogger("bot.serve")


def log_stopping(signal_name: str) -> None:
    log.warning("stopping: %s received", signal_name)


def log_stopped() -> None:
    log.warning("stopped")
