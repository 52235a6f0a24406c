"""Escalation fixtures: the tickets' demo town plus the deadline sweep run at a chosen moment.

    town.say(RESIDENT, "幸福里3栋2单元电梯坏了")
    sweep(town, at(11, 0))           # as the worker would at 11:00 Shanghai time on T0's day
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.delivery.outbox import Outbox
from handlers.tickets.escalation import sweep_ticket_deadlines
from tests.fakes.plugin import fake_wechat, fake_wechat_server  # noqa: F401 - fixtures
from tests.tickets.conftest import MEMBER, RESIDENT, STAFF, T0, Town, make_town, town  # noqa: F401 - fixtures

PROPERTY = "oDemoProperty"  # 王经理, 物业 (owns elevator, lighting …)
STREET = "oDemoStreet"  # 陈科长, 街道


def at(hours: int, minutes: int = 0, days: int = 0) -> datetime:
    """T0's local day (Sunday 2026-11-22 in Shanghai) at hh:mm, plus days."""
    return T0 + timedelta(days=days, hours=hours - 9, minutes=minutes)


def sweep(where: Town, now: datetime) -> int:
    """Run the deadline sweep as the worker does, and move the town's clock there."""
    where.clock.at = now
    with where.services.db.session() as s:
        return sweep_ticket_deadlines(s, Outbox(s, now), now, where.services.config)


def number_in(reply: str | None) -> str:
    import re

    found = re.search(r"T\d{8}-\d{4}", reply or "")
    assert found, reply
    return found.group(0)


def texts_to(where: Town, recipient: str) -> list[str]:
    """Everything queued for ``recipient``: texts, and the question of a menu message."""
    return [row.payload.get("text") or row.payload.get("head_content", "") for row in where.outbox(recipient)]


def events(where: Town, number: str) -> list[str]:
    from sqlalchemy import select

    from models import TicketEvent

    ticket = where.ticket(number)
    with where.services.db.session() as s:
        return [e.kind for e in s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                                           .order_by(TicketEvent.id))]


__all__ = ["MEMBER", "PROPERTY", "RESIDENT", "STAFF", "STREET", "T0", "Town", "at", "events", "number_in",
           "sweep", "texts_to"]
