"""Duplicate scope per category: elevators, leaks and door entry are per unit; lights per building."""

from __future__ import annotations

from sqlalchemy import select

from handlers.tickets import texts
from models import Category
from tests.tickets.conftest import MEMBER, NEIGHBOUR, RESIDENT, Town


def test_the_default_categories_scope_elevator_leak_and_door_entry_by_unit(town: Town) -> None:
    with town.services.db.session() as s:
        scopes = dict(s.execute(select(Category.slug, Category.dedupe_scope)).all())
    assert {slug for slug, scope in scopes.items() if scope == "unit"} == {"elevator", "water_leak", "access_control"}
    assert scopes["lighting"] == "building"


def test_an_elevator_in_another_unit_is_a_new_ticket_and_the_same_unit_joins(town: Town) -> None:
    first = town.say(RESIDENT, "幸福里3栋1单元电梯坏了")
    assert first is not None and "工单号" in first
    other_unit = town.say(NEIGHBOUR, "幸福里3栋2单元电梯坏了")
    assert other_unit is not None and "工单号" in other_unit  # a new ticket, not a join
    assert len(town.tickets()) == 2
    same_unit = town.say("oThirdNeighbour", "幸福里小区3号楼1单元电梯又坏了")
    assert same_unit.startswith(texts.TICKET_DUPLICATE_JOINED)
    tickets = town.tickets()
    assert len(tickets) == 2
    assert [(t.unit, t.category) for t in tickets] == [("1", "elevator"), ("2", "elevator")]
    # The joiner hears of the first unit's ticket, not the second's.
    number = tickets[0].number
    town.say(MEMBER, f"接单 {number}")
    assert any(number in text for text in town.pushed("oThirdNeighbour"))
    assert not any(tickets[1].number in text for text in town.pushed("oThirdNeighbour"))


def test_a_leak_and_a_stair_light_per_unit_but_a_street_light_per_building(town: Town) -> None:
    town.say(RESIDENT, "幸福里4栋1单元楼上漏水了")
    town.say(NEIGHBOUR, "幸福里4栋2单元楼上漏水了")
    assert [t.category for t in town.tickets()] == ["water_leak", "water_leak"]
    # lighting joins per building, but each unit has its own stairwell (nlp.overlap.unit_level)
    town.say(RESIDENT, "幸福里5栋1单元楼道灯坏了")
    town.say(NEIGHBOUR, "幸福里5栋2单元楼道灯坏了")
    assert [t.category for t in town.tickets()] == ["water_leak", "water_leak", "lighting", "lighting"]
    town.say(RESIDENT, "幸福里3栋1单元旁边的路灯坏了")
    joined = town.say(NEIGHBOUR, "幸福里3栋2单元那边路灯不亮了")
    assert joined.startswith(texts.TICKET_DUPLICATE_JOINED)
    assert [t.category for t in town.tickets()] == ["water_leak", "water_leak", "lighting", "lighting", "lighting"]
