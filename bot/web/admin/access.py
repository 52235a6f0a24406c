"""Who is signed in and what they may open: the admin blueprints' guard, roles, and the request view.

Every admin blueprint is made with ``admin_blueprint``: before each request it
checks the CSRF token of every unsafe method, loads the signed-in account from
the session (a password change or a deactivation ends every session) and
compares the view's roles (``@allow("staff", "grid")``; a view without them is
for 管理员 only; ``@public`` for the login page) with the account's role.
管理员 may open everything.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Response, current_app, g, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError

from bot.web.admin import texts
from models import AdminRole, AdminUser

if TYPE_CHECKING:
    from bot.services import Services

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ROLES = tuple(role.value for role in AdminRole)
EVERYONE = ROLES
ROLES_ATTR = "admin_roles"


@dataclass(frozen=True)
class Viewer:
    """The signed-in account, as the pages need it."""

    id: int
    username: str
    name: str
    role: str
    person_id: int | None

    def may(self, roles: tuple[str, ...] | list[str]) -> bool:
        return self.role == AdminRole.ADMIN or self.role in roles

    @property
    def role_name(self) -> str:
        return texts.ROLE_NAMES.get(self.role, self.role)

    @property
    def is_admin(self) -> bool:
        return self.role == AdminRole.ADMIN


@dataclass
class AdminView:
    """What a dashboard panel or a page helper gets: the account, the services, the request's time."""

    viewer: Viewer
    services: Services
    now: datetime


def allow(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Let these roles (and 管理员) open the view."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown admin roles {sorted(unknown)}")

    def mark(view: Callable[..., Any]) -> Callable[..., Any]:
        setattr(view, ROLES_ATTR, tuple(roles))
        return view

    return mark


def public(view: Callable[..., Any]) -> Callable[..., Any]:
    """No sign-in needed (the login page)."""
    setattr(view, ROLES_ATTR, None)
    return view


def session_stamp(user: AdminUser) -> str:
    """Changes with the password: a session signed before a password change stops working."""
    return hashlib.sha256(f"{user.id}:{user.password_hash}".encode()).hexdigest()[:24]


def services() -> Services:
    return current_app.extensions["linli"]


def now() -> datetime:
    return services().clock.now()


def viewer() -> Viewer:
    """The signed-in account (inside an admin view)."""
    return g.viewer


def admin_view() -> AdminView:
    return AdminView(viewer(), services(), now())


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def _load_viewer() -> Viewer | None:
    uid, stamp = session.get("uid"), session.get("stamp")
    if not isinstance(uid, int) or not stamp:
        return None
    with services().db.session() as s:
        user = s.get(AdminUser, uid)
        if user is None or not user.active or session_stamp(user) != stamp:
            return None
        return Viewer(user.id, user.username, user.display_name or user.username, user.role, user.person_id)


def _to_login() -> Response:
    target = url_for("admin.login", next=request.full_path if request.method == "GET" else None)
    if is_htmx():
        response = Response(status=204)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)  # type: ignore[return-value]


def forbidden(who: Viewer) -> tuple[str, int]:
    return render_template("admin/error.html", message=texts.FORBIDDEN.format(role=who.role_name)), 403


def guard() -> Any:
    """before_request of every admin blueprint: CSRF, sign-in, role."""
    if request.method not in SAFE_METHODS:
        current_app.extensions["csrf"].protect()
    if any("\x00" in value for _, values in request.values.lists() for value in values):
        return render_template("admin/error.html", message=texts.BAD_INPUT), 400  # no database stores NUL
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None:
        return None  # 404/405 follow
    roles = getattr(view, ROLES_ATTR, ("admin",)) if not request.endpoint.endswith(".static") else None
    if roles is None:
        return None
    who = _load_viewer()
    if who is None:
        session.pop("uid", None)
        return _to_login()
    g.viewer = who
    if not who.may(roles):
        return forbidden(who)
    return None


def admin_blueprint(name: str, import_name: str, *, template_folder: str | None = "templates",
                    **kwargs: Any) -> Blueprint:
    """A blueprint under /admin whose views are signed-in, role-checked and CSRF-protected."""
    bp = Blueprint(name, import_name, url_prefix=kwargs.pop("url_prefix", "/admin"),
                   template_folder=template_folder, **kwargs)
    bp.before_request(guard)
    bp.register_error_handler(CSRFError, _csrf_failed)
    return bp


def _csrf_failed(_error: CSRFError) -> tuple[str, int]:
    return render_template("admin/error.html", message=texts.CSRF_FAILED), 400
