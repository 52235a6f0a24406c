"""Reports at a place that is no building (issue 10, point 2): the estate and its named place are kept on the
ticket, which goes to the place's grid, else the estate's, else the staff queue."""

from __future__ import annotations

from sqlalchemy import select, update

from models import Estate, EstatePlace, Grid, Person, TicketStatus
from tests.tickets.conftest import Town


def _ids(town: Town) -> dict[str, int]:
    with town.services.db.session() as s:
        found = {f"grid:{code}": gid for gid, code in s.execute(select(Grid.id, Grid.code))}
        found |= {f"estate:{code}": eid for eid, code in s.execute(select(Estate.id, Estate.code))}
        found |= {f"place:{code}": pid for pid, code in s.execute(select(EstatePlace.id, EstatePlace.code))}
        found["liqiang"] = s.scalar(select(Person.id).where(Person.code == "liqiang"))
        return found


def test_a_declared_gate_goes_to_its_own_grid(town: Town) -> None:
    reply = town.say("oGateNew", "幸福里东门那边路灯不亮 黑乎乎的")
    ids = _ids(town)
    ticket = town.ticket()
    assert ticket.number in (reply or "")
    assert ticket.building_id is None and ticket.estate_id == ids["estate:xfl"]
    assert ticket.place_id == ids["place:xfl-东门"] and ticket.grid_id == ids["grid:xfl-g2"]
    assert ticket.assignee_id == ids["liqiang"] and "东门" in ticket.location


def test_an_undeclared_place_of_the_residents_estate_goes_to_the_estates_grid(town: Town) -> None:
    town.say("oWestGate", "我住桂花苑1栋1单元101")
    town.say("oWestGate", "小区西门的门禁坏了 进不去")
    ticket = town.ticket()
    ids = _ids(town)
    assert ticket.building_id is None and ticket.place_id is None
    assert ticket.estate_id == ids["estate:ghy"] and ticket.grid_id == ids["grid:ghy-g3"]
    assert ticket.location.startswith("桂花苑") and "西门" in ticket.location and "101" not in ticket.location


def test_without_any_grid_the_staff_queue_takes_it(town: Town) -> None:
    with town.services.db.session() as s:
        s.execute(update(Estate).where(Estate.code == "ghy").values(grid_id=None))
    town.say("oNoGrid", "桂花苑西门的门禁坏了 进不去")
    ticket = town.ticket()
    assert ticket.grid_id is None and ticket.status == TicketStatus.QUEUED and "西门" in ticket.location


def test_a_place_word_without_an_estate_asks_which_estate(town: Town) -> None:
    reply = town.say("oWhichEstate", "快递柜屏幕黑了 取不了件") or ""
    assert not town.tickets() and "小区" in reply
    reply = town.say("oWhichEstate", "桂花苑的") or ""
    ticket = town.ticket()
    assert ticket.number in reply and ticket.location == "桂花苑快递柜"


def test_the_api_names_the_estate_and_the_place(town: Town, admin_token: str) -> None:
    town.say("oApiGate", "幸福里东门那边路灯不亮")
    client = town.app.test_client()
    listed = client.get("/api/v1/tickets", headers={"Authorization": f"Bearer {admin_token}"}).get_json()["tickets"]
    assert (listed[0]["estate"], listed[0]["place"]) == ("xfl", "xfl-东门")


def test_the_same_problem_at_the_same_gate_joins_and_another_gate_does_not(town: Town) -> None:
    first = town.say("oGateOne", "幸福里东门那边路灯不亮 黑乎乎的") or ""
    number = town.ticket().number
    assert number in first
    joined = town.say("oGateTwo", "幸福里小区东大门的路灯不亮了") or ""
    assert number in joined and len(town.tickets()) == 1
    town.say("oGateThree", "幸福里西门的路灯不亮")
    assert len(town.tickets()) == 2


def test_an_urgent_reports_place_in_the_estate_brings_in_that_places_grid(town: Town) -> None:
    first = town.say("oUrgentGate", "煤气管道漏气了 味道很大") or ""
    ticket = town.ticket()
    assert ticket.urgent and ticket.number in first and ticket.grid_id is None
    answer = town.say("oUrgentGate", "幸福里东门保安室旁边") or ""
    ids = _ids(town)
    ticket = town.ticket()
    assert "东门" in answer and "网格员" in answer
    assert (ticket.estate_id, ticket.place_id, ticket.grid_id) == (ids["estate:xfl"], ids["place:xfl-东门"],
                                                                   ids["grid:xfl-g2"])
