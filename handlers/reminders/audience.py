"""Whom a staff reminder reaches: the residents of a building, 小区 or grid, or a WeCom group robot.

The residents are looked up when the reminder fires (someone who moved in
meanwhile gets it). Each resident is reached on the Official Account when they
have an openid there, else on the WeCom app. The preview counts, for each send
time, how many people each channel reaches: on the Official Account a resident
whose last message is more than 48 hours before the send time can only get the
``reminder`` template (``templates.reminder``); without one they are counted as
unreachable, with the reason. WeChat decides at send time; the preview uses the
inbound log as it is now.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.config import Config
from bot.delivery.channels import console_mode
from bot.delivery.channels.official_account import CUSTOMER_SERVICE_WINDOW
from handlers.reminders.service import OFFICIAL_ACCOUNT, TEMPLATE_KIND
from models import Building, Estate, Grid, Identity, IdentityKind, InboundMessage, Resident

PLACES = ("building", "estate", "grid")
ROBOT = "robot"
ROBOT_CHANNEL = "wecom_robot"
_CHUNK = 500


@dataclass(frozen=True)
class Target:
    """One recipient of a fan-out: a resident's account (or a robot, person None)."""

    person_id: int | None
    channel: str
    account: str
    recipient: str


def place_exists(db: Session, kind: str, code: str) -> bool:
    model = {"building": Building, "estate": Estate, "grid": Grid}[kind]
    return db.scalar(select(model.id).where(model.code == code)) is not None


def _residents_query(kind: str, code: str) -> Any:
    query = select(Resident.person_id).join(Building, Resident.building_id == Building.id)
    if kind == "building":
        return query.where(Building.code == code)
    if kind == "estate":
        return query.join(Estate, Building.estate_id == Estate.id).where(Estate.code == code)
    return query.join(Grid, Building.grid_id == Grid.id).where(Grid.code == code)


def residents(db: Session, kind: str, code: str) -> list[int]:
    """Person ids of the residents registered in the place."""
    return sorted(set(db.scalars(_residents_query(kind, code))))


def targets(db: Session, config: Config, kind: str, code: str) -> tuple[list[Target], int]:
    """Each resident's account to send to, and how many residents have no account we can send to."""
    people = _residents_query(kind, code).subquery()
    rows = db.execute(
        select(people.c.person_id, Identity.kind, Identity.value, Identity.account)
        .join(Identity, Identity.person_id == people.c.person_id, isouter=True)
        .order_by(people.c.person_id, Identity.id)
    ).all()
    chosen: dict[int, Target | None] = {}
    for person_id, identity_kind, value, account in rows:
        current = chosen.get(person_id)
        if identity_kind == IdentityKind.OPENID and (current is None or current.channel != OFFICIAL_ACCOUNT):
            chosen[person_id] = Target(person_id, OFFICIAL_ACCOUNT, account or config.account_id, value)
        elif identity_kind == IdentityKind.WECOM and current is None:
            chosen[person_id] = Target(person_id, "wecom_app", config.wecom_account_id, value)
        else:
            chosen.setdefault(person_id, None)
    found = [t for t in chosen.values() if t is not None]
    return found, len(chosen) - len(found)


def robot_target(name: str) -> Target:
    return Target(None, ROBOT_CHANNEL, ROBOT, name)


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start: start + _CHUNK]


def last_messages(db: Session, openids: Sequence[str]) -> dict[str, datetime]:
    """When each Official Account user last wrote to us (the 48-hour window starts there)."""
    seen: dict[str, datetime] = {}
    for chunk in _chunks(sorted(set(openids))):
        rows = db.execute(
            select(InboundMessage.user_id, func.max(InboundMessage.received_at))
            .where(InboundMessage.channel == OFFICIAL_ACCOUNT, InboundMessage.user_id.in_(chunk))
            .group_by(InboundMessage.user_id)
        ).all()
        seen.update({user: at for user, at in rows if at is not None})
    return seen


def preview(db: Session, config: Config, kind: str, code: str, sends: Sequence[datetime]) -> list[dict[str, Any]]:
    """For each send time: people reached, per channel, and the unreachable with their reasons."""
    if kind == ROBOT:
        return [{"at": at.astimezone(config.tz).isoformat(), "people": None, "reached": 1, "channels": {ROBOT_CHANNEL: 1},
                 "unreachable": 0, "unreachable_reasons": {}} for at in sends]
    found, without_account = targets(db, config, kind, code)
    console = console_mode(config)
    template = bool(config.templates.get(TEMPLATE_KIND))
    last = last_messages(db, [t.recipient for t in found if t.channel == OFFICIAL_ACCOUNT])
    out = []
    for at in sends:
        channels: Counter[str] = Counter()
        reasons: Counter[str] = Counter()
        if without_account:
            reasons["no_wechat_account"] = without_account
        for target in found:
            if console:
                channels["console"] += 1
            elif target.channel != OFFICIAL_ACCOUNT:
                channels[target.channel] += 1
            elif (seen := last.get(target.recipient)) is not None and at - seen <= CUSTOMER_SERVICE_WINDOW:
                channels[OFFICIAL_ACCOUNT] += 1
            elif template:
                channels[f"{OFFICIAL_ACCOUNT}_template"] += 1
            else:
                reasons["outside_48h_window_no_template"] += 1
        out.append({"at": at.astimezone(config.tz).isoformat(), "people": len(found) + without_account, "reached": sum(channels.values()),
                    "channels": dict(channels), "unreachable": sum(reasons.values()),
                    "unreachable_reasons": dict(reasons)})
    return out
