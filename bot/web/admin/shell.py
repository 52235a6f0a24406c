"""The shell: sign-in and out, the dashboard, accounts, one's password, the audit log, undelivered messages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, session, url_for
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy import func, select
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from bot.delivery.outbox import retry_dead
from bot.web.admin import accounts, audit, texts
from bot.web.admin.access import (
    EVERYONE,
    ROLES,
    admin_blueprint,
    admin_view,
    allow,
    now,
    public,
    services,
    session_stamp,
    viewer,
)
from models import AdminRole, AdminUser, AuditEntry, InboundMessage, InboundStatus, OutboxMessage, OutboxStatus

bp = admin_blueprint("admin", __name__, static_folder="static", static_url_path="/static")
PAGE_SIZE = 50


class LoginForm(FlaskForm):
    username = StringField(texts.LABEL_USERNAME, validators=[DataRequired(), Length(max=64)])
    password = PasswordField(texts.LABEL_PASSWORD, validators=[DataRequired(), Length(max=256)])


class AccountForm(FlaskForm):
    username = StringField(texts.LABEL_USERNAME, validators=[DataRequired(), Length(max=64)])
    display_name = StringField(texts.LABEL_DISPLAY_NAME, validators=[Optional(), Length(max=64)])
    role = SelectField(texts.LABEL_ROLE, choices=[SelectChoice(r, texts.ROLE_NAMES[r]) for r in ROLES])
    person = StringField(texts.LABEL_PERSON, validators=[Optional(), Length(max=64)])
    password = PasswordField(texts.LABEL_NEW_ACCOUNT_PASSWORD, validators=[Optional(), Length(max=256)])
    active = BooleanField(texts.LABEL_ACTIVE, default=True)


class PasswordForm(FlaskForm):
    current = PasswordField(texts.LABEL_CURRENT_PASSWORD, validators=[DataRequired(), Length(max=256)])
    new = PasswordField(texts.LABEL_NEW_PASSWORD, validators=[DataRequired(), Length(max=256)])


# -- signing in ----------------------------------------------------------------------------------


def _safe_next(target: str | None) -> str:
    """Only a path of this site under /admin: never an open redirect."""
    if target and target.startswith("/admin") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("admin.dashboard")


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> Any:
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        svc = services()
        with svc.db.session() as s:
            result = accounts.attempt(s, svc.config.admin, form.username.data.strip(), form.password.data,
                                      request.remote_addr or "", now())
            if result.user is not None:
                session.clear()
                session.permanent = True
                session["uid"], session["stamp"] = result.user.id, session_stamp(result.user)
                return redirect(_safe_next(request.args.get("next")))
        if result.reason == "locked":
            error = texts.LOGIN_LOCKED.format(at=result.until.astimezone(svc.config.tz).strftime("%H:%M")
                                              if result.until else "")
        elif result.reason == "throttled":
            error = texts.LOGIN_THROTTLED.format(minutes=svc.config.admin.lockout_minutes)
        elif result.reason == "inactive":
            error = texts.LOGIN_INACTIVE
        else:
            error = texts.LOGIN_FAILED
    status = 401 if error else 200
    return render_template("admin/login.html", form=form, error=error), status


@bp.post("/logout")
@allow(*EVERYONE)
def logout() -> Any:
    session.clear()
    flash(texts.LOGGED_OUT)
    return redirect(url_for("admin.login"))


@bp.route("/password", methods=["GET", "POST"])
@allow(*EVERYONE)
def password() -> Any:
    form = PasswordForm()
    svc = services()
    if form.validate_on_submit():
        with svc.db.session() as s:
            user = s.get(AdminUser, viewer().id)
            assert user is not None
            from werkzeug.security import check_password_hash

            if not check_password_hash(user.password_hash, form.current.data):
                form.current.errors = [texts.PASSWORD_WRONG]
            elif len(form.new.data) < svc.config.admin.min_password_length:
                form.new.errors = [texts.PASSWORD_TOO_SHORT.format(n=svc.config.admin.min_password_length)]
            else:
                accounts.set_password(user, form.new.data)
                audit.record(s, "account.password", target_type="admin_user", target_id=user.id,
                             summary=user.username)
                session["stamp"] = session_stamp(user)
                flash(texts.PASSWORD_CHANGED)
                return redirect(url_for("admin.dashboard"))
    return render_template("admin/password.html", form=form)


# -- the dashboard -------------------------------------------------------------------------------


@bp.get("/")
@allow(*EVERYONE)
def dashboard() -> Any:
    view = admin_view()
    registry = view.services.registry
    assert registry is not None
    panels = [Markup(panel.render(view)) for panel in registry.dashboard_panels() if view.viewer.may(panel.roles)]
    health = _health(view.now) if view.viewer.is_admin else None
    return render_template("admin/dashboard.html", panels=panels, health=health)


def _health(at: Any) -> dict[str, Any]:
    """Outbox health and this week's unmatched messages (the framework's part of the dashboard)."""
    with services().db.session() as s:
        by_status = dict(s.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
        oldest = s.scalar(select(func.min(OutboxMessage.next_attempt_at)).where(
            OutboxMessage.status == OutboxStatus.PENDING))
        week = at - timedelta(days=7)
        unmatched = _unmatched_query(week)
        count = s.scalar(select(func.count()).select_from(unmatched.subquery())) or 0
        latest = [(m.content, m.received_at) for m in s.scalars(unmatched.limit(5))]
    lag = int((at - oldest).total_seconds() // 60) if oldest and oldest < at else 0
    return {"dead": by_status.get(OutboxStatus.DEAD, 0), "failed": by_status.get(OutboxStatus.FAILED, 0),
            "pending": by_status.get(OutboxStatus.PENDING, 0), "sent": by_status.get(OutboxStatus.SENT, 0),
            "lag_minutes": lag, "unmatched_week": count, "unmatched_latest": latest}


def _unmatched_query(since: Any) -> Any:
    return (select(InboundMessage).where(
        InboundMessage.intent.is_(None), InboundMessage.content.is_not(None), InboundMessage.anonymised_at.is_(None),
        InboundMessage.status != InboundStatus.PROCESSING, InboundMessage.msg_type.in_(["text", "voice"]),
        InboundMessage.received_at >= since).order_by(InboundMessage.received_at.desc()))


# -- accounts ------------------------------------------------------------------------------------


@bp.get("/accounts", endpoint="accounts")
def accounts_page() -> Any:
    with services().db.session() as s:
        users = list(s.scalars(select(AdminUser).order_by(AdminUser.username)))
        people = {p.id: p for p, _ in accounts.linkable_people(s)}
        form = AccountForm(active=True)
        return render_template("admin/accounts.html", users=users, people=people, form=form,
                               linkable=accounts.linkable_people(s), now=now())


@bp.post("/accounts")
def create_account() -> Any:
    return _save_account(None)


@bp.route("/accounts/<int:user_id>", methods=["GET", "POST"])
def edit_account(user_id: int) -> Any:
    if request.method == "POST":
        return _save_account(user_id)
    with services().db.session() as s:
        user = s.get(AdminUser, user_id)
        if user is None:
            return render_template("admin/error.html", message=texts.NOT_FOUND), 404
        person = s.get(accounts.Person, user.person_id) if user.person_id else None
        form = AccountForm(username=user.username, display_name=user.display_name, role=user.role,
                           person=person.code if person else "", active=user.active)
        return render_template("admin/account_edit.html", user=user, form=form,
                               linkable=accounts.linkable_people(s), now=now())


def _save_account(user_id: int | None) -> Any:
    svc = services()
    form = AccountForm()
    with svc.db.session() as s:
        user = s.get(AdminUser, user_id) if user_id else None
        if user_id and user is None:
            return render_template("admin/error.html", message=texts.NOT_FOUND), 404
        if form.validate_on_submit():
            problem = _account_problem(s, form, user, svc.config.admin.min_password_length)
            if problem is None:
                before = accounts.fields(user) if user else None
                if user is None:
                    user = AdminUser(username=form.username.data.strip(), created_at=now(), password_hash="")
                    s.add(user)
                user.username = form.username.data.strip()
                user.display_name = (form.display_name.data or "").strip()
                user.role = form.role.data
                person = accounts.person_by_code(s, form.person.data or "")
                user.person_id = person.id if person else None
                user.active = bool(form.active.data)
                if form.password.data:
                    accounts.set_password(user, form.password.data)
                s.flush()
                audit.record(s, "account.create" if before is None else "account.update", target_type="admin_user",
                             target_id=user.id, summary=user.username, before=before, after=accounts.fields(user))
                flash((texts.ACCOUNT_CREATED if before is None else texts.ACCOUNT_SAVED).format(username=user.username))
                return redirect(url_for("admin.accounts"))
            flash(problem, "error")
        else:
            flash(texts.SAVED if not form.errors else "; ".join(e for errs in form.errors.values() for e in errs),
                  "error")
    return redirect(url_for("admin.edit_account", user_id=user_id) if user_id else url_for("admin.accounts"))


def _account_problem(s: Any, form: AccountForm, user: AdminUser | None, min_length: int) -> str | None:
    username = form.username.data.strip()
    clash = s.scalar(select(AdminUser.id).where(AdminUser.username == username))
    if clash is not None and (user is None or clash != user.id):
        return texts.ACCOUNT_EXISTS.format(username=username)
    if user is None and not form.password.data:
        return texts.PASSWORD_TOO_SHORT.format(n=min_length)
    if form.password.data and len(form.password.data) < min_length:
        return texts.PASSWORD_TOO_SHORT.format(n=min_length)
    code = (form.person.data or "").strip()
    if code and accounts.person_by_code(s, code) is None:
        return texts.ACCOUNT_PERSON_UNKNOWN.format(code=code)
    if form.role.data in accounts.PERSON_ROLES and not code:
        return texts.ACCOUNT_NEEDS_PERSON
    if user is not None and user.id == viewer().id and (form.role.data != AdminRole.ADMIN or not form.active.data):
        return texts.ACCOUNT_SELF_DEMOTE
    return None


@bp.post("/accounts/<int:user_id>/unlock")
def unlock_account(user_id: int) -> Any:
    with services().db.session() as s:
        user = s.get(AdminUser, user_id)
        if user is None:
            return render_template("admin/error.html", message=texts.NOT_FOUND), 404
        before = accounts.fields(user)
        user.locked_until, user.failed_logins = None, 0
        audit.record(s, "account.unlock", target_type="admin_user", target_id=user.id, summary=user.username,
                     before=before, after=accounts.fields(user))
        flash(texts.ACCOUNT_UNLOCKED.format(username=user.username))
    return redirect(url_for("admin.accounts"))


# -- the audit log -------------------------------------------------------------------------------


@bp.get("/audit", endpoint="audit")
def audit_page() -> Any:
    args = request.args
    page = max(args.get("page", 1, type=int) or 1, 1)
    query = select(AuditEntry)
    if args.get("actor"):
        query = query.where(AuditEntry.actor == args["actor"])
    if args.get("action"):
        query = query.where(AuditEntry.action.like(f"{args['action'].replace('%', '')}%"))
    if args.get("target"):
        query = query.where(AuditEntry.target_type == args["target"])
    with services().db.session() as s:
        total = s.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = list(s.scalars(query.order_by(AuditEntry.id.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)))
        actions = sorted(set(s.scalars(select(AuditEntry.action).distinct())))
        targets = sorted(t for t in set(s.scalars(select(AuditEntry.target_type).distinct())) if t)
    return render_template("admin/audit.html", rows=rows, total=total, page=page, pages=max(1, -(-total // PAGE_SIZE)),
                           actions=actions, targets=targets)


# -- undelivered messages ------------------------------------------------------------------------


@bp.get("/outbox", endpoint="outbox")
def outbox_page() -> Any:
    with services().db.session() as s:
        rows = list(s.scalars(select(OutboxMessage).where(
            OutboxMessage.status.in_([OutboxStatus.DEAD, OutboxStatus.FAILED])).order_by(OutboxMessage.id.desc())
            .limit(200)))
        counts = dict(s.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
    return render_template("admin/outbox.html", rows=rows, counts=counts)


@bp.post("/outbox/retry")
def outbox_retry() -> Any:
    ids = [int(v) for v in request.form.getlist("ids") if v.isdigit()]
    with services().db.session() as s:
        done = [i for i in ids if retry_dead(s, i, now())]
        if done:
            audit.record(s, "outbox.retry", target_type="outbox", target_id=",".join(map(str, done))[:64],
                         summary=texts.OUTBOX_RETRIED.format(count=len(done)), after={"ids": done})
    flash(texts.OUTBOX_RETRIED.format(count=len(done)))
    return redirect(url_for("admin.outbox"))
