"""Who is writing: identities resolve to one Person, whose roles say what they may do.

Also the one-time binding codes that link a member's or staff's WeChat/WeCom
identity to their imported Person record.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from bot.dialog.message import IncomingMessage
from bot.prepared import Prepared, attach_loaded, insert_as_loaded, values_of
from handlers.community import texts
from models import (
    BindAttempt,
    BindCode,
    Department,
    GridMember,
    Identity,
    IdentityKind,
    Person,
    Resident,
    Staff,
    Ticket,
    TicketReporter,
)
from nlp import lexicon

_PHONE_DIGITS = re.compile(r"\D")
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)(1[3-9]\d)[\s-]?\d{4}[\s-]?(\d{4})(?!\d)")


def identity_kind(channel: str) -> str:
    """WeCom messages carry a WeCom userid; every other channel an Official Account openid."""
    return IdentityKind.WECOM if channel == "wecom_app" else IdentityKind.OPENID


# Every message asks who wrote it: a prepared statement (bot/prepared.py), the Person attached as loaded.
_PERSONS, _IDENTITIES = Person.__table__, Identity.__table__
_BY_IDENTITY = Prepared(
    select(*_PERSONS.c).select_from(_PERSONS.join(_IDENTITIES, _IDENTITIES.c.person_id == _PERSONS.c.id))
    .where(_IDENTITIES.c.kind == bindparam("kind"), _IDENTITIES.c.value == bindparam("value")))


def find_person(db: Session, msg: IncomingMessage) -> Person | None:
    row = _BY_IDENTITY.first(db, {"kind": identity_kind(msg.channel), "value": msg.user_id})
    return attach_loaded(db, Person, row._asdict()) if row is not None else None


_SENDER = "people.sender"  # Session.info: the sender's Person as found in this transaction


def person_for(db: Session, msg: IncomingMessage, now: datetime) -> Person:
    """The sender's Person, created on first contact (a resident needs no registration).

    Found once per transaction: a message's handlers ask for the sender several times.
    """
    key = (identity_kind(msg.channel), msg.user_id, db.get_transaction())
    memo = db.info.get(_SENDER)
    if memo is not None and memo[0] == key and key[2] is not None:
        return memo[1]  # type: ignore[no-any-return]
    person = _find_or_create(db, msg, now)
    db.info[_SENDER] = (key, person)
    return person


def _find_or_create(db: Session, msg: IncomingMessage, now: datetime) -> Person:
    person = find_person(db, msg)
    if person is not None:
        return person
    # Two Core inserts (a first message is the commonest report in a busy hour): an ORM flush of
    # each cost several times as much.
    person = insert_as_loaded(db, Person(created_at=now))
    _NEW_IDENTITY.execute(db, {"person_id": person.id, "kind": identity_kind(msg.channel), "value": msg.user_id,
                               "account": msg.account, "created_at": now})
    return person


_NEW_IDENTITY = Prepared(insert(_IDENTITIES).values(values_of(_IDENTITIES, ("person_id", "kind", "value", "account",
                                                                             "created_at"))))


STREET_RUNG = 3  # Ticket.escalation_level of the 街道 rung (bot/tickets/escalation.py)


@dataclass
class Roles:
    """What a person may act on as a grid member or staff.

    Community staff without a department work the whole community; a
    department's staff (物业, 供水 …) only its own tickets — those whose
    department is theirs — and those assigned or transferred to them. The
    street office's staff also see every ticket that reached the street rung.
    """

    grid_ids: set[int] = field(default_factory=set)
    staff_communities: set[int] = field(default_factory=set)  # community-wide staff (no department)
    department_ids: set[int] = field(default_factory=set)
    street: bool = False

    @property
    def is_worker(self) -> bool:
        return bool(self.grid_ids or self.staff_communities or self.department_ids)

    def may_act_on(self, person_id: int, ticket: Ticket) -> bool:
        return (
            ticket.assignee_id == person_id
            or (ticket.grid_id is not None and ticket.grid_id in self.grid_ids)
            or (ticket.community_id is not None and ticket.community_id in self.staff_communities)
            or (ticket.department_id is not None and ticket.department_id in self.department_ids)
            or (self.street and ticket.escalation_level >= STREET_RUNG)
        )


def roles_of(db: Session, person: Person | None, street_code: str = "") -> Roles:
    """The person's roles; ``street_code`` (tickets.street_department) marks the street office's staff."""
    roles = Roles()
    if person is None:
        return roles
    roles.grid_ids = set(db.scalars(select(GridMember.grid_id).where(GridMember.person_id == person.id)))
    for staff in db.scalars(select(Staff).where(Staff.person_id == person.id)):
        if staff.department_id is None:
            roles.staff_communities.add(staff.community_id)
            continue
        roles.department_ids.add(staff.department_id)
        if street_code and db.scalar(select(Department.code).where(Department.id == staff.department_id)) == street_code:
            roles.street = True
    return roles


# A phone residents may be given, written the usual ways (spaces, hyphens, brackets): a mainland mobile (13–19…),
# a landline with or without its area code, a 400/800 number, or an international number; an office number
# (not a mobile) may end in an extension ("0571-86000011转123").
PUBLIC_PHONE_CHARS = re.compile(r"\+?[0-9 ()（）-]+")
PHONE_SEPARATORS = re.compile(r"[\s()（）-]")
PHONE_EXTENSION = re.compile(r"\s*(?:" + "|".join(map(re.escape, lexicon.PHONE_EXTENSION_WORDS)) + r")\s*\d{1,6}$")
MOBILE = re.compile(r"(?:\+?86)?1[3-9]\d{9}")
OFFICE = re.compile(r"(?:\+?86)?0[1-9]\d{1,2}[2-9]\d{6,7}|[2-9]\d{6,7}|[48]00\d{7}")
INTERNATIONAL = re.compile(r"\+(?!86)[1-9]\d{7,14}")


def is_phone(value: str) -> bool:
    """A work number residents may be shown (the 网格员 page, the API and the importer check it alike)."""
    number = value.strip()
    extension = PHONE_EXTENSION.search(number)
    if extension is not None:
        number = number[: extension.start()]
    if not PUBLIC_PHONE_CHARS.fullmatch(number):
        return False
    digits = PHONE_SEPARATORS.sub("", number)
    if extension is not None:
        return bool(OFFICE.fullmatch(digits))
    return any(p.fullmatch(digits) for p in (MOBILE, OFFICE, INTERNATIONAL))


def display_name(person: Person | None) -> str:
    if person is None:
        return texts.ROLE_STAFF
    return person.name or texts.ROLE_RESIDENT


def mask_phone(phone: str | None) -> str:
    """138****5678: enough for a member to recognise, not enough to misuse."""
    if not phone:
        return texts.PHONE_UNKNOWN
    digits = _PHONE_DIGITS.sub("", phone)
    if len(digits) >= 7:
        return f"{digits[:3]}****{digits[-4:]}"
    return "****"


def mask_phones_in(text: str) -> str:
    """Mask mobile numbers a resident wrote into the description before it is pushed anywhere."""
    return _MOBILE_IN_TEXT.sub(r"\1****\2", text)


# -- binding codes ---------------------------------------------------------------------


CODE_DIGITS = 8  # 10^8 codes: with the limits below a guesser's chance per outstanding code is about 2 in 10^7


class BindError(Exception):
    """Why a code did not bind: "unknown", "used", "expired", "retired" or "cooldown"."""

    def __init__(self, reason: str, until: datetime | None = None) -> None:
        super().__init__(reason)
        self.reason, self.until = reason, until


@dataclass(frozen=True)
class BindLimits:
    """How much guessing binding tolerates (tickets.bind_* in the config)."""

    max_attempts: int = 5  # wrong attempts per sender within the cool-down …
    cooldown_minutes: int = 15  # … after which the sender must wait this long
    max_failures_per_code: int = 20  # wrong attempts from anyone an outstanding code survives

    @classmethod
    def of(cls, config: object) -> BindLimits:
        t = config.tickets  # type: ignore[attr-defined]
        return cls(t.bind_max_attempts, t.bind_cooldown_minutes, t.bind_max_failures_per_code)


FAILED = ("unknown", "used", "expired", "retired")


def issue_bind_code(db: Session, person: Person, now: datetime, minutes: int, by: str = "") -> BindCode:
    """A fresh 8-digit code for ``person``; shown to the admin once, usable once."""
    while True:
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        if db.scalar(select(BindCode.id).where(BindCode.code == code)) is None:
            break
    row = BindCode(code=code, person_id=person.id, expires_at=now + timedelta(minutes=minutes),
                   created_at=now, created_by=by)
    db.add(row)
    db.flush()
    return row


def _attempt(db: Session, msg: IncomingMessage, sender: str, outcome: str, now: datetime,
             code: BindCode | None = None, person: Person | None = None) -> None:
    db.add(BindAttempt(at=now, channel=msg.channel, sender=sender, outcome=outcome,
                       code_id=code.id if code else None, person_id=person.id if person else None))
    db.flush()


def redeem_bind_code(db: Session, code: str, msg: IncomingMessage, now: datetime,
                     limits: BindLimits | None = None) -> Person:
    """Link the sender's identity to the code's person; the code then stops working.

    Every attempt is logged (``bind_attempts``). A sender with ``max_attempts``
    wrong attempts within the cool-down is not checked at all until it ends; a
    code that saw ``max_failures_per_code`` wrong attempts (from anyone) since
    it was issued is retired, so guessing across many accounts gains nothing.

    Raises:
        BindError: the code is unknown, used, expired or retired, or the sender must wait (nothing binds).
    """
    limits = limits or BindLimits()
    kind = identity_kind(msg.channel)
    sender = f"{kind}:{msg.user_id}"
    since = now - timedelta(minutes=limits.cooldown_minutes)
    recent = list(db.scalars(select(BindAttempt.at).where(
        BindAttempt.sender == sender, BindAttempt.at >= since, BindAttempt.outcome.in_(FAILED))
        .order_by(BindAttempt.at.desc()).limit(limits.max_attempts)))
    if len(recent) >= limits.max_attempts:
        _attempt(db, msg, sender, "cooldown", now)
        raise BindError("cooldown", until=min(recent) + timedelta(minutes=limits.cooldown_minutes))
    row = db.scalar(select(BindCode).where(BindCode.code == code))
    if row is None:
        _attempt(db, msg, sender, "unknown", now)
        raise BindError("unknown")
    if row.used_at is not None:
        _attempt(db, msg, sender, "used", now, row)
        raise BindError("used")
    if row.expires_at <= now:
        _attempt(db, msg, sender, "expired", now, row)
        raise BindError("expired")
    failures = db.scalar(select(func.count()).select_from(BindAttempt).where(
        BindAttempt.at >= row.created_at, BindAttempt.outcome.in_(FAILED))) or 0
    if failures >= limits.max_failures_per_code:
        _attempt(db, msg, sender, "retired", now, row)
        raise BindError("retired")
    # Conditional update: two messages racing with one code bind only once.
    claimed = db.execute(
        update(BindCode)
        .where(BindCode.id == row.id, BindCode.used_at.is_(None))
        .values(used_at=now, used_by=sender)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        _attempt(db, msg, sender, "used", now, row)
        raise BindError("used")
    target = db.get(Person, row.person_id)
    assert target is not None
    identity = db.scalar(select(Identity).where(Identity.kind == kind, Identity.value == msg.user_id))
    if identity is None:
        db.add(Identity(person_id=target.id, kind=kind, value=msg.user_id, account=msg.account, created_at=now))
    elif identity.person_id != target.id:
        _merge_into(db, identity.person_id, target)
    _attempt(db, msg, sender, "ok", now, row, target)
    return target


def _merge_into(db: Session, old_id: int, target: Person) -> None:
    """The sender chatted as a resident before binding: one person, both roles, same tickets."""
    db.info.pop(_SENDER, None)  # the sender's identity now leads to the target
    db.execute(update(Identity).where(Identity.person_id == old_id).values(person_id=target.id))
    if db.scalar(select(Resident.id).where(Resident.person_id == target.id)) is None:
        db.execute(update(Resident).where(Resident.person_id == old_id).values(person_id=target.id))
    mine = set(db.scalars(select(TicketReporter.ticket_id).where(TicketReporter.person_id == target.id)))
    for reporter in db.scalars(select(TicketReporter).where(TicketReporter.person_id == old_id)):
        if reporter.ticket_id not in mine:
            reporter.person_id = target.id
    db.execute(update(Ticket).where(Ticket.reporter_id == old_id).values(reporter_id=target.id))
    old = db.get(Person, old_id)
    if old is not None and old.code is None:
        if not target.phone and old.phone:
            target.phone = old.phone
        db.flush()
        db.delete(old)
