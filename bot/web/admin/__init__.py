"""The staff's web UI under /admin: server-rendered pages (Jinja2), htmx for partial updates, Pico CSS, ECharts.

The framework brings the shell (sign-in, the menu, the dashboard that
capabilities fill with panels, accounts, the audit log, undelivered messages),
the rule studio and the chat simulator. Capabilities bring their pages with
``cap.admin(AdminPage(...), blueprint=bp)`` (a blueprint made by
``access.admin_blueprint``) and dashboard blocks with ``cap.dashboard(...)``;
the menu is built from ``handlers/registry.py``, so the framework never names a
capability. Every asset is vendored under ``static/vendor`` (see its README).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, g, redirect, request, url_for
from flask_wtf.csrf import CSRFProtect
from markupsafe import Markup

from bot.dialog.capability import AdminPage
from bot.web.admin import explaintext, texts
from bot.web.admin.access import Viewer

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)
SECRET_FILE = "admin_secret_key"

# The framework's own menu entries (capabilities add theirs through the registry).
FRAMEWORK_PAGES = (
    AdminPage(texts.MENU_DASHBOARD, "admin.dashboard", ("staff", "grid", "department"), order=0),
    AdminPage(texts.MENU_RULES, "admin_rules.rules", order=70),
    AdminPage(texts.MENU_WORDS, "admin_rules.words", order=71),
    AdminPage(texts.MENU_UNMATCHED, "admin_rules.unmatched", order=72),
    AdminPage(texts.MENU_SIMULATOR, "admin_simulator.simulator", ("staff",), order=80),
    AdminPage(texts.MENU_OUTBOX, "admin.outbox", order=90),
    AdminPage(texts.MENU_ACCOUNTS, "admin.accounts", order=95),
    AdminPage(texts.MENU_AUDIT, "admin.audit", order=96),
)


def secret_key(services: Services) -> str:
    """``admin.secret_key``, else one generated once and kept in ``var_dir`` (shared by the processes there)."""
    configured = services.config.admin.secret_key
    if configured:
        return configured
    path = Path(services.config.var_path) / SECRET_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another process may have created it and not written it yet
            key = path.read_text(encoding="ascii").strip()
            if key:
                return key
            time.sleep(0.02)
        raise RuntimeError(f"{path} is empty: delete it or set admin.secret_key") from None
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_urlsafe(48))
    log.info("generated the admin session key in %s", path)
    return path.read_text(encoding="ascii").strip()


def menu_pages(services: Services) -> list[AdminPage]:
    assert services.registry is not None
    return sorted([*FRAMEWORK_PAGES, *services.registry.admin_pages()], key=lambda p: p.order)


def init_admin(app: Flask, services: Services) -> None:
    """Mount the admin UI on ``app``: session, CSRF, the framework's blueprints and the capabilities'."""
    cfg = services.config.admin
    app.config.update(
        SECRET_KEY=secret_key(services),
        SESSION_COOKIE_NAME="linli_admin",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=cfg.cookie_secure,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=cfg.session_hours),
        # Only the admin blueprints check tokens (access.guard): /wechat and /api/v1 are not forms.
        WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_TIME_LIMIT=int(cfg.session_hours * 3600),
    )
    CSRFProtect(app)
    tz = services.config.tz

    @app.template_filter("localtime")
    def localtime(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
        return value.astimezone(tz).strftime(fmt) if value else ""

    @app.template_filter("nl2br")
    def nl2br(value: str | None) -> Markup:
        """Escape, then keep line breaks (resident text is never trusted)."""
        return Markup("<br>").join(Markup.escape(value or "").split("\n"))

    @app.template_filter("pretty")
    def pretty(value: Any) -> str:
        """Indented JSON for people to read (escaped by the template like any text)."""
        return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True, default=str)

    @app.template_filter("audit_words")
    def audit_words(action: str) -> str:
        """``ticket.merge`` → 工单 · 合并 (the code itself when a part is unknown)."""
        if action == "login":
            return texts.AUDIT_LOGIN
        thing, _, verb = action.partition(".")
        if thing not in texts.AUDIT_OBJECTS or (verb and verb not in texts.AUDIT_VERBS):
            return action
        return " · ".join(w for w in (texts.AUDIT_OBJECTS[thing], texts.AUDIT_VERBS.get(verb, "")) if w)

    @app.template_filter("without_page")
    def without_page(args: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in args.items() if k != "page"}

    app.add_template_global(explaintext.describe_here, "describe_explain")  # the routing explanation in Chinese
    pages = menu_pages(services)

    @app.context_processor
    def admin_context() -> dict[str, Any]:
        if not request.path.startswith("/admin"):
            return {}
        who: Viewer | None = g.get("viewer")
        menu = []
        if who is not None:
            for page in pages:
                if who.may(page.roles) and page.endpoint in app.view_functions:
                    url = url_for(page.endpoint)
                    menu.append({"title": page.title, "url": url, "active": request.endpoint == page.endpoint
                                 or (url != url_for("admin.dashboard") and request.path.startswith(url))})
        return {"viewer": who, "menu": menu, "t": texts, "app_title": texts.APP_TITLE}

    from bot.web.admin.rules import bp as rules_bp
    from bot.web.admin.shell import bp as shell_bp
    from bot.web.admin.simulator import bp as simulator_bp

    for blueprint in (shell_bp, rules_bp, simulator_bp, *services.registry.admin_blueprints()):  # type: ignore[union-attr]
        app.register_blueprint(blueprint)

    @app.get("/")
    def root() -> Response:
        return redirect(url_for("admin.dashboard"))  # type: ignore[return-value]
