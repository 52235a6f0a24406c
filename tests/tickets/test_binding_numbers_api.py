"""Binding codes (once, before expiry), ticket numbers under concurrency, import and the JSON API."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select

from bot.importer import DATA_DIR, import_file
from handlers.community import people
from handlers.community import texts as community_texts
from handlers.tickets import service, texts
from models import Person
from tests.tickets.conftest import RESIDENT, T0, Town


def _code(town: Town, person_code: str, minutes: int = 60) -> str:
    with town.services.db.session() as s:
        person = s.scalar(select(Person).where(Person.code == person_code))
        return people.issue_bind_code(s, person, town.clock.now(), minutes).code


def test_a_code_binds_once_and_the_member_then_gets_tasks(town: Town) -> None:
    code = _code(town, "wangfang")  # 王芳 has only WeCom; now her WeChat too
    assert town.say("oWangFangWx", "我的任务") == texts.MEMBER_ONLY
    assert "绑定成功" in town.say("oWangFangWx", f"绑定 {code}")
    assert town.say("oWangFangWx", "我的任务") == texts.MEMBER_NO_TASKS
    assert town.say("oOther", f"绑定 {code}") == community_texts.BIND_CODE_INVALID["used"]
    assert town.say("oOther", "我的任务") == texts.MEMBER_ONLY


def test_an_expired_or_unknown_code_binds_nothing(town: Town) -> None:
    code = _code(town, "zhaomin", minutes=30)
    town.clock.advance(minutes=31)
    assert town.say("oLate", f"绑定 {code}") == community_texts.BIND_CODE_INVALID["expired"]
    assert town.say("oLate", "绑定 000000" if code != "000000" else "绑定 000001") == community_texts.BIND_CODE_INVALID["unknown"]
    assert town.say("oLate", "我的任务") == texts.MEMBER_ONLY


def test_a_resident_who_binds_keeps_their_tickets_one_person_two_roles(town: Town) -> None:
    town.say("oNewMember", "幸福里3栋电梯坏了")
    number = town.ticket().number
    assert "绑定成功" in town.say("oNewMember", f"绑定 {_code(town, 'chengang')}")
    assert number in town.say("oNewMember", "我的工单")
    assert town.say("oNewMember", "我的任务") == texts.MEMBER_NO_TASKS


def test_ticket_numbers_are_unique_under_concurrent_creation(town: Town) -> None:
    db, tz = town.services.db, town.services.config.tz
    numbers: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def create(count: int) -> None:
        try:
            for _ in range(count):
                with db.session() as s:
                    number = service.next_number(s, T0, tz)
                with lock:
                    numbers.append(number)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=create, args=(10,)) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(numbers) == [f"T20261122-{n:04d}" for n in range(1, 61)]
    with db.session() as s:
        assert service.next_number(s, T0 + timedelta(days=1), tz) == "T20261123-0001"


def test_importing_the_demo_twice_changes_nothing(town: Town) -> None:
    report = import_file(town.services.db, DATA_DIR / "demo.yaml")
    assert report.created == {} and report.updated == {}
    assert report.unchanged["members"] == 4 and report.unchanged["buildings"] == 8


def test_the_api_reads_and_edits_the_community_and_tickets(town: Town, admin_token: str) -> None:
    town.say(RESIDENT, "幸福里3栋电梯坏了")
    number = town.ticket().number
    client = town.app.test_client()
    auth = {"Authorization": f"Bearer {admin_token}"}
    estates = client.get("/api/v1/estates", headers=auth).get_json()["estates"]
    assert {e["name"] for e in estates} == {"幸福里小区", "桂花苑"}
    made = client.post("/api/v1/buildings", headers=auth, json={"code": "xfl-6", "estate": "xfl", "number": "6", "grid": "xfl-g2"})
    assert made.status_code == 201 and made.get_json()["grid"] == "xfl-g2"
    bad = client.post("/api/v1/buildings", headers=auth, json={"code": "x", "estate": "nope", "number": "7"})
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "estate"
    missing = client.post("/api/v1/grids", headers=auth, json={"code": "g9", "community": "xingfuli"})
    assert missing.status_code == 422 and missing.get_json()["errors"][0]["field"] == "name"
    members = client.get("/api/v1/members", headers=auth).get_json()["members"]
    off = client.patch(f"/api/v1/members/{members[0]['id']}", headers=auth, json={"on_duty": False})
    assert off.status_code == 200 and off.get_json()["on_duty"] is False
    listed = client.get("/api/v1/tickets?status=assigned&grid=xfl-g2", headers=auth).get_json()["tickets"]
    assert [t["number"] for t in listed] == [number]
    detail = client.get(f"/api/v1/tickets/{number}", headers=auth).get_json()
    assert [e["kind"] for e in detail["events"]] == ["created", "assigned"] and detail["reporters"][0]["original"]
    person = client.get("/api/v1/persons", headers=auth).get_json()["persons"][0]
    code = client.post(f"/api/v1/persons/{person['id']}/bind-codes", headers=auth, json={})
    assert code.status_code == 201 and len(code.get_json()["code"]) == 8
    assert client.get("/api/v1/tickets", headers={}).status_code == 401
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/estates", "/tickets", "/tickets/{number}", "/persons/{person_id}/bind-codes"} <= set(paths)


def test_a_building_added_or_moved_in_the_admin_is_used_by_the_very_next_report(town: Town, admin_token: str) -> None:
    """Reports find estates and buildings in a per-process copy; an edit through the API must not wait for it."""
    town.say(RESIDENT, "幸福里3栋电梯坏了")  # the copy is filled
    client = town.app.test_client()
    auth = {"Authorization": f"Bearer {admin_token}"}
    made = client.post("/api/v1/buildings", headers=auth, json={"code": "xfl-9", "estate": "xfl", "number": "9", "grid": "xfl-g2"})
    assert made.status_code == 201
    town.say("oNewBuilding", "幸福里9栋电梯坏了")
    ticket = town.ticket()
    assert ticket.location == "幸福里小区9栋" and ticket.building_id == made.get_json()["id"]
    grids = {g["code"]: g["id"] for g in client.get("/api/v1/grids", headers=auth).get_json()["grids"]}
    assert ticket.grid_id == grids["xfl-g2"]
    moved = client.patch(f"/api/v1/buildings/{made.get_json()['id']}", headers=auth, json={"grid": "xfl-g1"})
    assert moved.status_code == 200
    town.say("oNewBuilding2", "幸福里9栋楼道灯不亮")
    assert town.ticket().grid_id == grids["xfl-g1"]
