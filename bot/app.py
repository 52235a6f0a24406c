"""The app factory: the WeChat callbacks, /healthz, the framework's API, the admin UI and every capability's blueprint."""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import Flask, Response, request

from bot.config import Config, load_config
from bot.db import Database
from bot.ops.logging_setup import new_request_id, set_request_id
from bot.services import Services

log = logging.getLogger(__name__)
_SAFE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_PATHS_WITHOUT_REVIVE = ("/wechat", "/wecom", "/healthz", "/metrics", "/static")


def create_app(config: Config | None = None, *, services: Services | None = None) -> Flask:
    """Build the Flask app: the WeChat callbacks, /healthz, the JSON API and the admin UI.

    Args:
        config: validated configuration; default: load from $BOT_CONFIG.
        services: pre-built services (tests inject a fixed clock this way).
    """
    if services is None:
        config = config or load_config()
        services = Services(config=config, db=Database(config.database_url))
    config = services.config
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = config.server.max_body_bytes
    app.extensions["linli"] = services

    @app.before_request
    def _request_id() -> None:
        """Every log line of a request carries its id: the proxy's X-Request-Id, else a fresh one."""
        given = request.headers.get("X-Request-Id", "")
        set_request_id(given if _SAFE_ID.fullmatch(given) else new_request_id())

    @app.before_request
    def _live_connections() -> None:
        """The staff's pages and the API after a database restart: the first request is answered too.

        Not on the WeChat callbacks (their inbox retries a dropped connection itself) nor /healthz.
        An unreachable database raises here as it would in the view, and is answered the same way.
        """
        if not request.path.startswith(_PATHS_WITHOUT_REVIVE):
            services.db.revive()

    from bot.web.api import bp as api_bp
    from bot.wechat.webhook import bp as webhook_bp

    app.register_blueprint(webhook_bp)
    app.register_blueprint(api_bp)
    for blueprint in services.registry.blueprints():
        app.register_blueprint(blueprint)

    from bot.web.admin import init_admin

    init_admin(app, services)  # the staff's web UI under /admin, with the capabilities' pages

    @app.get("/healthz")
    def healthz() -> tuple[dict[str, Any], int]:
        # Messages kept in the local spool while the database was away (shown only when there are some).
        spooled = {"spooled": count} if (count := services.spool.count()) else {}
        try:
            services.db.ping()
        except Exception as exc:  # noqa: BLE001 - report, don't crash the probe
            log.warning("health check: database unreachable: %s", type(exc).__name__)
            return {"status": "error", "database": "unreachable", **spooled}, 503
        if spooled:
            services.wake_replayer()  # the database answers: replay them now
        return {"status": "ok", "database": "ok", **spooled}, 200

    @app.get("/metrics")
    def prometheus_metrics() -> Response:
        """Prometheus text format; keep it off the public internet (deploy/nginx.conf denies it)."""
        from bot.ops import metrics

        body, content_type = metrics.render(services.db)
        return Response(body, mimetype=content_type.split(";")[0], content_type=content_type)

    @app.errorhandler(413)
    def too_large(_error: Exception) -> Response:
        return Response("request body too large", status=413, mimetype="text/plain")

    return app
