"""Web sign-in with throttling and lockout, and the accounts admins manage.

An account is locked for ``admin.lockout_minutes`` after ``admin.max_failed_logins``
wrong passwords in a row; an address that fails ``admin.max_failed_logins_per_ip``
times within that span (whatever the usernames) must wait too. Failures are
counted from the audit log, so every process sees the same numbers.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from bot.config import AdminConfig
from bot.web.admin import audit
from models import AdminRole, AdminUser, AuditEntry, GridMember, Person, Staff


@functools.cache
def _dummy_hash() -> str:
    """Compared against when the username is unknown, so both cases take the same time.

    Made on the first sign-in, not at import: hashing is slow on purpose (0.1 s of a server's start-up).
    """
    return generate_password_hash("not-a-password")

PERSON_ROLES = (AdminRole.GRID, AdminRole.DEPARTMENT)


@dataclass(frozen=True)
class LoginResult:
    user: AdminUser | None
    reason: str = "ok"  # ok, failed, locked, throttled, inactive
    until: datetime | None = None


def attempt(session: Session, cfg: AdminConfig, username: str, password: str, ip: str, now: datetime) -> LoginResult:
    """Check one sign-in; every outcome is written to the audit log."""
    window = now - timedelta(minutes=cfg.lockout_minutes)
    failures_here = session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "login.failed", AuditEntry.ip == ip, AuditEntry.at >= window)) or 0
    if failures_here >= cfg.max_failed_logins_per_ip:
        audit.record(session, "login.throttled", target_type="admin_user", target_id=username[:64],
                     summary=username[:64], actor=username[:64] or "-", actor_id=None)
        return LoginResult(None, "throttled")
    user = session.scalar(select(AdminUser).where(AdminUser.username == username))
    if user is not None and user.locked_until is not None and user.locked_until > now:
        audit.record(session, "login.locked", target_type="admin_user", target_id=user.id, summary=user.username,
                     actor=user.username, actor_id=user.id)
        return LoginResult(None, "locked", user.locked_until)
    valid = check_password_hash(user.password_hash if user else _dummy_hash(), password)
    if user is None or not valid:
        until = None
        if user is not None:
            user.failed_logins += 1
            if user.failed_logins >= cfg.max_failed_logins:
                user.locked_until = until = now + timedelta(minutes=cfg.lockout_minutes)
                user.failed_logins = 0
        audit.record(session, "login.failed", target_type="admin_user", target_id=user.id if user else "",
                     summary=username[:64], actor=username[:64] or "-", actor_id=user.id if user else None)
        return LoginResult(None, "locked" if until else "failed", until)
    if not user.active:
        return LoginResult(None, "inactive")
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
    audit.record(session, "login", target_type="admin_user", target_id=user.id, summary=user.username,
                 actor=user.username, actor_id=user.id)
    return LoginResult(user)


def set_password(user: AdminUser, password: str) -> None:
    user.password_hash = generate_password_hash(password)


def person_by_code(session: Session, code: str) -> Person | None:
    return session.scalar(select(Person).where(Person.code == code.strip())) if code.strip() else None


def linkable_people(session: Session) -> list[tuple[Person, str]]:
    """Grid members and staff an account may be linked to, with what they are."""
    members = set(session.scalars(select(GridMember.person_id)))
    staff = set(session.scalars(select(Staff.person_id)))
    rows = session.scalars(select(Person).where(Person.id.in_(members | staff), Person.code.is_not(None))
                           .order_by(Person.code))
    return [(p, "grid" if p.id in members else "department") for p in rows]


def fields(user: AdminUser) -> dict[str, object]:
    return audit.snapshot(user, ["username", "display_name", "role", "person_id", "active", "locked_until"])


# The demo's accounts, one per role, linked to the demo community's people (data/demo.yaml).
DEMO_ACCOUNTS = (
    ("zhangzr", AdminRole.STAFF, "zhangzr"),
    ("liqiang", AdminRole.GRID, "liqiang"),
    ("wangprop", AdminRole.DEPARTMENT, "wangprop"),
)


def ensure_account(session: Session, username: str, password: str, role: str, now: datetime,
                   person_code: str | None = None) -> AdminUser:
    """Create the account, or reset its password, role and lockout (the demo does this at every start)."""
    user = session.scalar(select(AdminUser).where(AdminUser.username == username))
    if user is None:
        user = AdminUser(username=username, created_at=now, password_hash="")
        session.add(user)
    person = person_by_code(session, person_code) if person_code else None
    set_password(user, password)
    user.role, user.active, user.failed_logins, user.locked_until = role, True, 0, None
    user.person_id = person.id if person else None
    user.display_name = (person.name or "") if person else user.display_name
    session.flush()
    return user


def seed_demo_accounts(session: Session, password: str, now: datetime) -> list[tuple[str, str]]:
    """(username, role name) of the demo accounts whose person exists."""
    made = []
    for username, role, code in DEMO_ACCOUNTS:
        if person_by_code(session, code) is not None:
            ensure_account(session, username, password, role, now, code)
            made.append((username, role.value))
    return made
