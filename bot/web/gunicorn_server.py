"""Serving under gunicorn: several processes forked from one preloaded app.

The app (and with it jieba's dictionary and the routers) is built once in the
master before the fork, so every worker shares those pages copy-on-write and
answers its first request warm. Nothing that holds a socket crosses the fork:
each worker drops the database connections it inherited and opens its own.
"""

from __future__ import annotations

import logging
from typing import Any

from gunicorn.app.base import BaseApplication

from bot.web import stopping

log = logging.getLogger(__name__)


def gunicorn_logger_class() -> type:
    """gunicorn's Logger with its records sent through the root logger's handler.

    gunicorn's own error log (a worker timeout, an unhandled error with the request's URL, whose
    query holds the openid and signature) otherwise has a handler of its own: plain text in a JSON
    log, and past the redacting filter (bot/ops/redact.py). Its level is still gunicorn's loglevel.
    """
    from gunicorn.glogging import Logger

    class ThroughRoot(Logger):  # type: ignore[misc]
        def setup(self, cfg: Any) -> None:
            super().setup(cfg)
            for logger in (self.error_log, self.access_log):
                for handler in list(logger.handlers):
                    logger.removeHandler(handler)
                logger.propagate = True

    return ThroughRoot


class PreloadedApp(BaseApplication):  # type: ignore[misc]
    def __init__(self, app: Any, services: Any, options: dict[str, Any]) -> None:
        self.application = app
        self.services = services
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)
        services = self.services

        def post_fork(server: Any, worker: Any) -> None:
            # The master's pooled connections must not be used by two processes.
            services.db.engine.dispose(close=False)

        self.cfg.set("post_fork", post_fork)

        def child_exit(server: Any, worker: Any) -> None:
            from bot.ops import metrics

            metrics.worker_exited(worker.pid)

        self.cfg.set("child_exit", child_exit)
        self.cfg.set("on_exit", lambda server: stopping.log_stopped())

    def load(self) -> Any:
        return self.application

    def run(self) -> None:
        """BaseApplication.run with an arbiter that logs the signal that stops it."""
        try:
            _logging_arbiter()(self).run()
        except RuntimeError as e:  # gunicorn's own start-up errors, as BaseApplication.run reports them
            log.error("gunicorn: %s", e)
            raise SystemExit(1) from None


def _logging_arbiter() -> type:
    """gunicorn's Arbiter, saying in our log which signal stopped it (its own line is at its info level)."""
    from gunicorn.arbiter import Arbiter

    class LoggingArbiter(Arbiter):  # type: ignore[misc]
        def handle_term(self) -> None:
            stopping.log_stopping("SIGTERM")
            super().handle_term()

        def handle_int(self) -> None:
            stopping.log_stopping("SIGINT")
            super().handle_int()

    return LoggingArbiter


def run(app: Any, services: Any, *, host: str, port: int, workers: int, threads: int) -> None:
    """Serve ``app`` with ``workers`` processes of ``threads`` threads each until stopped."""
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread" if threads > 1 else "sync",
        "preload_app": True,
        # WeChat gives up after 5 s; a request still running after 30 s is stuck, not slow.
        "timeout": 30,
        "graceful_timeout": 20,
        "keepalive": 5,
        "proc_name": "linli-serve",
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        "logger_class": gunicorn_logger_class(),
    }
    log.info("gunicorn: %s workers x %s threads on http://%s:%s", workers, threads, host, port)
    PreloadedApp(app, services, options).run()
