"""Statistics charge a late ticket to the department it belongs to, and count a missed 报到 as overdue."""

from __future__ import annotations

from datetime import timedelta

from bot.delivery.outbox import Outbox
from handlers.tickets import escalation, service, stats
from tests.escalation.conftest import MEMBER, RESIDENT, Town, at, number_in, sweep


def _stats(town: Town, now):  # type: ignore[no-untyped-def]
    with town.services.db.session() as s:
        return stats.compute(s, town.services.config, now)


def test_an_escalated_ticket_that_never_reached_a_department_counts_under_its_owner(town: Town) -> None:
    number_in(town.say(RESIDENT, "幸福里3栋2单元电梯坏了"))  # 物业's category
    sweep(town, at(11))  # to community staff only: no department on the ticket yet
    by_department = _stats(town, at(11, 30))["by_department"]
    assert by_department == {"property": {"tickets": 1, "overdue": 1, "escalated": 1}}


def test_a_missed_report_in_deadline_is_overdue(town: Town) -> None:
    number = number_in(town.say(RESIDENT, "幸福里3栋2单元电梯坏了"))
    town.say(MEMBER, f"接单 {number}")
    with town.services.db.session() as s:
        ticket = service.ticket_by_number(s, number)
        for _ in range(2):  # an admin whistles for 物业 by hand
            escalation.escalate(s, Outbox(s, at(9, 5)), town.services.config, ticket, at(9, 5), reason="admin")
    ticket = town.ticket(number)
    late = ticket.report_in_due_at + timedelta(minutes=1)
    assert ticket.escalation_level == 2 and ticket.resolve_due_at > late  # only the 报到 is late
    figures = _stats(town, late)
    assert figures["overdue_open"] == 1 and figures["by_department"]["property"]["overdue"] == 1
