"""The deadline sweep reads only tickets whose active deadline is near, and each category's deadlines once (issue 12)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from tests.escalation.conftest import MEMBER, RESIDENT, Town, at, number_in, sweep


@contextmanager
def statements(town: Town) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(town.services.db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(town.services.db.engine, "before_cursor_execute", record)


def test_accepted_tickets_are_not_reread_every_sweep(town: Town) -> None:
    for building in (3, 4, 5):
        number = number_in(town.say(RESIDENT, f"幸福里{building}栋1单元电梯坏了"))
        town.say(MEMBER, f"接单 {number}")
    assert sweep(town, at(10, 45)) == 0  # long past the reminder of the accept deadline, which no longer applies
    with statements(town) as seen:
        assert sweep(town, at(11, 30)) == 0  # the accept deadlines passed; the resolve ones are days away
    assert sum("category_deadlines" in s for s in seen) <= 1, seen
    ticket_reads = [s for s in seen if s.lstrip().upper().startswith("SELECT") and "FROM tickets" in s]
    assert ticket_reads, seen
    with statements(town) as again:
        assert sweep(town, at(11, 40)) == 0
    assert len(again) == len(seen)  # nothing accumulates from sweep to sweep


def test_a_due_ticket_still_climbs_with_the_cached_deadlines(town: Town) -> None:
    number = number_in(town.say(RESIDENT, "幸福里3栋2单元电梯坏了"))
    assert sweep(town, at(10, 30)) == 1  # reminder
    with statements(town) as seen:
        assert sweep(town, at(11)) == 1  # escalated to staff
    assert town.ticket(number).escalation_level == 1
    assert sum("category_deadlines" in s for s in seen) <= 2, seen
