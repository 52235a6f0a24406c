"""Statistics are counted by the database: the same figures, without loading every ticket (issue 12)."""

from __future__ import annotations

from sqlalchemy import event

from handlers.tickets import stats
from tests.escalation.conftest import MEMBER, RESIDENT, Town, at, number_in, sweep
from tests.tickets.conftest import NEIGHBOUR


def test_figures_come_from_aggregates_not_from_loading_tickets(town: Town) -> None:
    first = number_in(town.say(RESIDENT, "幸福里3栋2单元电梯坏了"))
    town.clock.advance(minutes=10)
    town.say(MEMBER, f"接单 {first}")  # accepted after 10 minutes
    town.clock.advance(minutes=20)
    town.say(MEMBER, f"完成 {first} 已修好")  # done after 30
    second = number_in(town.say(NEIGHBOUR, "幸福里5栋1单元楼道灯不亮"))
    town.clock.advance(minutes=30)
    town.say(MEMBER, f"接单 {second}")  # accepted after 30 minutes
    sweep(town, at(10, 5))  # the first ticket's reporter is asked to rate it
    town.say(RESIDENT, "满意")
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        seen.append(statement)

    engine = town.services.db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        with town.services.db.session() as s:
            figures = stats.compute(s, town.services.config, at(10, 10))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert not [s for s in seen if "tickets.description" in s], "a whole ticket was loaded"
    assert figures["total"] == 2 and figures["by_status"] == {"closed": 1, "accepted": 1}
    assert figures["median_minutes_to_accept"] == 20.0  # (10 + 30) / 2
    assert figures["median_minutes_to_resolve"] == 30.0
    assert figures["by_member"] == {"李强": 2}
    assert figures["satisfaction"]["satisfied"] == 1 and figures["satisfaction"]["rate"] == 1.0
    assert sum(figures["by_category"].values()) == 2 and figures["escalated"] == 0
    assert figures["by_department"] and sum(b["tickets"] for b in figures["by_department"].values()) == 2
