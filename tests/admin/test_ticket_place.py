"""Staff correct a ticket's place (estate, building, unit, room, spot) on the ticket page: validated with clear
Chinese errors, recorded as a 位置更正 event (old → new) and audited; the grid and assignee follow the new place
only when the staff ask for it (重新派单)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from bot.services import Services
from models import AuditEntry, Building, Estate, Grid, OutboxMessage, Person, Ticket, TicketEvent
from tests.admin.conftest import AdminClient

Client = Callable[..., AdminClient]
RESIDENT = "oDemoResident"


def _report(client: AdminClient, text: str = "楼道灯坏了") -> str:
    client.post("/admin/simulator/send", {"as": RESIDENT, "text": "我住幸福里3栋2单元501"})
    client.post("/admin/simulator/send", {"as": RESIDENT, "text": text})
    found = re.search(r"T\d{8}-\d{4}", client.get("/admin/tickets").get_data(as_text=True))
    assert found, "no ticket was opened"
    return found.group(0)


def _estate_id(services: Services, name: str) -> int:
    with services.db.session() as s:
        return s.scalar(select(Estate.id).where(Estate.name == name))


def _state(services: Services, number: str) -> dict[str, Any]:
    with services.db.session() as s:
        t = s.scalar(select(Ticket).where(Ticket.number == number))
        building = s.get(Building, t.building_id) if t.building_id else None
        return {
            "location": t.location, "building": building.number if building else None, "unit": t.unit,
            "room": t.room, "grid": s.get(Grid, t.grid_id).name if t.grid_id else None,
            "assignee": s.get(Person, t.assignee_id).name if t.assignee_id else None, "status": t.status,
            "events": [(e.kind, e.note, e.actor) for e in s.scalars(
                select(TicketEvent).where(TicketEvent.ticket_id == t.id).order_by(TicketEvent.id))],
            "audit": list(s.scalars(select(AuditEntry.action).where(AuditEntry.target_id == number))),
        }


def _flashed(client: AdminClient, response: Any) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_the_ticket_page_has_the_place_form(admin_client: Client) -> None:
    client = admin_client("zhangzr")
    number = _report(client)

    page = client.get(f"/admin/tickets/{number}").get_data(as_text=True)

    assert "更正位置" in page and 'value="place"' in page and "csrf_token" in page
    assert 'name="building" value="3"' in page and 'name="unit" value="2"' in page


def test_staff_correct_the_place_and_the_assignee_stays(admin_client: Client, admin_services: Services) -> None:
    client = admin_client("zhangzr")
    number = _report(client)
    before = _state(admin_services, number)

    page = _flashed(client, client.post(f"/admin/tickets/{number}", {
        "action": "place", "estate": _estate_id(admin_services, "幸福里小区"), "building": "4", "unit": "1",
        "room": "", "spot": "楼道"}))

    after = _state(admin_services, number)
    assert "位置已更正" in page
    assert after["building"] == "4" and after["unit"] == "1" and after["room"] is None
    assert after["location"] == "幸福里小区4栋1单元楼道"
    assert after["assignee"] == before["assignee"] == "李强" and after["grid"] == before["grid"]
    kind, note, actor = after["events"][-1]
    assert kind == "place_changed" and note == f"{before['location']} → 幸福里小区4栋1单元楼道"
    assert actor == "admin:zhangzr"
    assert after["audit"][-1] == "ticket.place"
    assert "位置更正" in client.get(f"/admin/tickets/{number}").get_data(as_text=True)


def test_reassignment_follows_the_new_place_when_asked(admin_client: Client, admin_services: Services) -> None:
    client = admin_client("zhangzr")
    number = _report(client)

    _flashed(client, client.post(f"/admin/tickets/{number}", {
        "action": "place", "estate": _estate_id(admin_services, "桂花苑"), "building": "1号楼", "unit": "2",
        "room": "", "spot": "", "reassign": "1"}))

    after = _state(admin_services, number)
    assert after["location"] == "桂花苑1栋2单元" and after["grid"] == "第三网格"
    assert after["assignee"] == "陈刚" and after["status"] == "assigned"
    with admin_services.db.session() as s:
        told = [o.payload.get("text", "") for o in s.scalars(select(OutboxMessage).where(
            OutboxMessage.recipient == "oDemoMember"))]
    assert any(number in text and "无需再处理" in text for text in told)  # 李强 hears it is no longer his


def test_wrong_places_are_refused_with_the_reason(admin_client: Client, admin_services: Services) -> None:
    client = admin_client("zhangzr")
    number = _report(client)
    before = _state(admin_services, number)
    estate = _estate_id(admin_services, "幸福里小区")

    cases = [
        ({"estate": "", "building": "3"}, "请选择小区"),
        ({"estate": "99999", "building": "3"}, "请选择小区"),
        ({"estate": estate, "building": "9"}, "幸福里小区没有9栋"),
        ({"estate": estate, "building": "3", "unit": "7"}, "幸福里小区3栋没有7单元"),
        ({"estate": estate, "building": "", "unit": "1"}, "先填楼栋"),
        ({"estate": estate, "building": "3", "room": "五〇一室!"}, "门牌号"),
        ({"estate": estate, "building": "3", "unit": "2", "room": "501"}, "位置没有变化"),
    ]
    for form, error in cases:
        page = _flashed(client, client.post(f"/admin/tickets/{number}", {"action": "place", **form}))
        assert error in page, (form, error)

    after = _state(admin_services, number)
    assert after["location"] == before["location"] and after["events"] == before["events"]


def test_a_grid_member_cannot_correct_the_place(admin_client: Client, admin_services: Services) -> None:
    number = _report(admin_client("admin"))
    client = admin_client("liqiang")
    before = _state(admin_services, number)

    client.post(f"/admin/tickets/{number}", {"action": "place", "estate": _estate_id(admin_services, "幸福里小区"),
                                             "building": "4"})

    assert _state(admin_services, number)["location"] == before["location"]


def test_the_json_api_corrects_the_place_too(admin_client: Client, admin_app, admin_services: Services) -> None:
    from bot.web.auth import issue_token
    from models import AdminUser

    number = _report(admin_client("admin"))
    with admin_services.db.session() as s:
        token = issue_token(s, s.scalar(select(AdminUser).where(AdminUser.username == "zhangzr")))
        s.commit()
    api = admin_app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/tickets/{number}/actions"
    estate = _estate_id(admin_services, "幸福里小区")

    wrong = api.post(url, headers=headers, json={"action": "place", "estate": estate, "building": "9"})
    done = api.post(url, headers=headers, json={"action": "place", "estate": estate, "building": "5", "unit": "1"})

    assert wrong.status_code == 409 and "幸福里小区没有9栋" in wrong.get_json()["message"]
    assert done.status_code == 200 and done.get_json()["done"]
    after = _state(admin_services, number)
    assert after["location"] == "幸福里小区5栋1单元" and after["assignee"] == "李强"  # not asked to reassign
