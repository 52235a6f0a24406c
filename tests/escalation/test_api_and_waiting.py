"""Statistics, escalating by hand, and 待补充 pausing the clock."""

from __future__ import annotations

from handlers.tickets import texts
from tests.escalation.conftest import MEMBER, PROPERTY, RESIDENT, STAFF, Town, at, number_in, sweep, texts_to


def _api(town: Town, admin_token: str):  # type: ignore[no-untyped-def]
    client = town.app.test_client()
    headers = {"Authorization": f"Bearer {admin_token}"}
    return client, headers


def test_statistics_count_what_a_community_reports_upward(town: Town, admin_token: str) -> None:
    rated = number_in(town.say(RESIDENT, "幸福里3栋2单元电梯坏了"))
    town.say(MEMBER, f"接单 {rated}")
    town.clock.advance(hours=2)
    town.say(MEMBER, f"完成 {rated} 已修复")
    sweep(town, at(11, 1))
    town.say(RESIDENT, "基本满意")
    silent = number_in(town.say("oNeighbour", "幸福里5栋1单元漏水了"))
    town.say(MEMBER, f"完成 {silent} 已修")
    sweep(town, at(11, 2))
    sweep(town, at(11, 2, days=3))  # closed by default: not a rating
    late = number_in(town.say("oThird", "幸福里4栋1单元电梯坏了"))
    sweep(town, at(14, 0, days=3))  # nobody accepts: escalated and overdue

    client, headers = _api(town, admin_token)
    stats = client.get("/api/v1/stats", headers=headers).get_json()
    assert stats["total"] == 3
    assert stats["by_status"] == {"closed": 2, "assigned": 1}
    assert stats["by_category"] == {"elevator": 2, "water_leak": 1}
    assert list(stats["by_grid"].values()) == [3]
    assert stats["by_member"]["李强"] == 3
    assert stats["median_minutes_to_accept"] is not None and stats["median_minutes_to_resolve"] is not None
    assert stats["escalated"] == 1 and stats["overdue"] == 1
    assert stats["overdue_open"] == 0  # escalation gave staff a fresh deadline
    assert stats["satisfaction"] == {"satisfied": 0, "basic": 1, "unsatisfied": 0, "default_closed": 1, "rate": 1.0}
    assert any(d["escalated"] == 1 and d["overdue"] == 1 for d in stats["by_department"].values())
    assert town.ticket(late).escalation_level == 1
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/stats" in spec["paths"] and "/tickets/{number}/escalate" in spec["paths"] and "/holidays" in spec["paths"]


def test_an_admin_escalates_and_deescalates_by_hand(town: Town, admin_token: str) -> None:
    number = number_in(town.say(RESIDENT, "幸福里3栋2单元电梯坏了"))
    client, headers = _api(town, admin_token)
    assert client.post(f"/api/v1/tickets/{number}/escalate", headers=headers).get_json()["escalation_level"] == 1
    assert "管理员升级" in texts_to(town, STAFF)[-1]
    assert client.post(f"/api/v1/tickets/{number}/escalate", headers=headers, json={}).get_json()["escalation_level"] == 2
    assert "【社区吹哨】" in texts_to(town, PROPERTY)[-1]
    answer = client.post(f"/api/v1/tickets/{number}/deescalate", headers=headers).get_json()
    assert answer["escalation_level"] == 1
    detail = client.get(f"/api/v1/tickets/{number}", headers=headers).get_json()
    assert [e["actor"] for e in detail["events"] if e["kind"] in ("escalated", "deescalated")] == ["admin:admin"] * 3
    assert client.post("/api/v1/tickets/T20990101-0001/escalate", headers=headers).status_code == 404
    assert client.post(f"/api/v1/tickets/{number}/escalate").status_code == 401


def test_waiting_for_the_resident_pauses_the_deadlines(town: Town) -> None:
    number = number_in(town.say(RESIDENT, "幸福里3栋2单元电梯坏了"))  # accept due 11:00
    town.clock.at = at(10)
    assert town.say(MEMBER, f"待补充 {number} 是哪一部电梯？") == texts.MEMBER_WAITING.format(number=number)
    assert texts.TICKET_NOTE_WAITING.format(number=number, note="是哪一部电梯？") in texts_to(town, RESIDENT)
    assert town.ticket(number).status == "waiting"
    assert sweep(town, at(12)) == 0  # past the old deadline, nothing happens while waiting
    town.clock.at = at(12)
    assert town.say(RESIDENT, "左边那部") == texts.TICKET_WAITING_ANSWERED.format(number=number)
    ticket = town.ticket(number)
    assert ticket.status == "assigned" and ticket.accept_due_at == at(13)  # moved on by the 2 hours waited
    assert "左边那部" in texts_to(town, MEMBER)[-1]
    assert sweep(town, at(12, 59)) == 1 and town.ticket(number).escalation_level == 0  # a reminder only
