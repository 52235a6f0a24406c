"""Staff reminders through the API: a building, 小区, grid or group robot; lead times; the preview of who it reaches."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from models import ReminderStatus
from tests.reminders.conftest import TEMPLATES, Desk, local

MOVED_IN = [("oRes3a", "幸福里3栋1单元101"), ("oRes3b", "幸福里3栋2单元502"), ("oRes4", "幸福里4栋1单元301"),
            ("oRes1", "幸福里1栋1单元201")]


@pytest.fixture
def staffed(make_desk: Callable[..., Desk], admin_token: str) -> tuple[Desk, Any, dict[str, str]]:
    desk = make_desk(templates=TEMPLATES, robots={"lobby": "robot-key"})
    for user, address in MOVED_IN:
        desk.say(f"我住{address}", user=user)
    return desk, desk.app.test_client(), {"Authorization": f"Bearer {admin_token}"}


def test_preview_counts_people_per_channel_at_each_send_time(staffed: tuple[Desk, Any, dict[str, str]]) -> None:
    desk, web, auth = staffed
    body = {"text": "3栋开业主大会", "to": {"building": "xfl-3"}, "when": "下周三晚上7点", "lead": ["1d", "1h"]}
    answer = web.post("/api/v1/reminders/preview", json=body, headers=auth)
    assert answer.status_code == 200, answer.get_json()
    data = answer.get_json()
    assert data["event_at"] == "2026-12-09T19:00:00+08:00"
    first, second = data["sends"]
    assert first["at"] == "2026-12-08T19:00:00+08:00" and second["at"] == "2026-12-09T18:00:00+08:00"
    # Both residents of 3栋 last wrote now: a week later only the template reaches them.
    assert first["people"] == 2 and first["channels"] == {"official_account_template": 2}
    assert desk.reminders(None) == []  # a preview saves nothing


def test_preview_without_a_template_says_who_cannot_be_reached(
    make_desk: Callable[..., Desk], admin_token: str
) -> None:
    desk = make_desk()
    for user, address in MOVED_IN:
        desk.say(f"我住{address}", user=user)
    web, auth = desk.app.test_client(), {"Authorization": f"Bearer {admin_token}"}
    body = {"text": "停水通知", "to": {"estate": "xfl"}, "at": "2026-12-03T08:00:00+08:00"}
    [soon] = web.post("/api/v1/reminders/preview", json=body, headers=auth).get_json()["sends"]
    assert soon["people"] == 4 and soon["channels"] == {"official_account": 4} and soon["unreachable"] == 0
    body["at"] = "2026-12-10T08:00:00+08:00"
    [late] = web.post("/api/v1/reminders/preview", json=body, headers=auth).get_json()["sends"]
    assert late["reached"] == 0 and late["unreachable_reasons"] == {"outside_48h_window_no_template": 4}


def test_schedule_with_lead_times_then_the_sweep_sends_to_every_resident(
    staffed: tuple[Desk, Any, dict[str, str]]
) -> None:
    desk, web, auth = staffed
    body = {"text": "3栋开业主大会", "to": {"building": "xfl-3"}, "when": "下周三晚上7点", "lead": ["1d", "1h"]}
    answer = web.post("/api/v1/reminders", json=body, headers=auth)
    assert answer.status_code == 201, answer.get_json()
    data = answer.get_json()
    assert [r["next_due_at"] for r in data["reminders"]] == ["2026-12-08T19:00:00+08:00", "2026-12-09T18:00:00+08:00"]
    assert {r["series"] for r in data["reminders"]} == {data["series"]} and data["reminders"][0]["lead_minutes"] == 1440
    assert desk.sweep(local(2026, 12, 8, 19, 0)) == 1
    texts = {row.recipient: row.payload["text"] for row in desk.outbox(None)}
    assert set(texts) == {"oRes3a", "oRes3b"}
    assert texts["oRes3a"] == "【社区提醒】3栋开业主大会\n时间：12月9日（周三）19:00"
    desk.sweep(local(2026, 12, 9, 18, 0))
    assert len(desk.outbox(None)) == 4
    desk.sweep(local(2026, 12, 9, 18, 1))
    assert len(desk.outbox(None)) == 4  # each occurrence once per resident


def test_grid_and_robot_audiences(staffed: tuple[Desk, Any, dict[str, str]]) -> None:
    desk, web, auth = staffed
    grid = {"text": "周六上午大扫除", "to": {"grid": "xfl-g2"}, "at": "2026-12-03T09:00:00+08:00"}
    robot = {"text": "周六上午大扫除", "to": {"robot": "lobby"}, "at": "2026-12-03T09:00:00+08:00"}
    assert web.post("/api/v1/reminders", json=grid, headers=auth).status_code == 201
    answer = web.post("/api/v1/reminders", json=robot, headers=auth)
    assert answer.status_code == 201 and answer.get_json()["preview"][0]["channels"] == {"wecom_robot": 1}
    desk.sweep(local(2026, 12, 3, 9, 0))
    sent = {(row.channel, row.recipient) for row in desk.outbox(None)}
    assert sent == {("official_account", "oRes3a"), ("official_account", "oRes3b"), ("official_account", "oRes4"),
                    ("wecom_robot", "lobby")}


def test_bad_requests_name_the_field(staffed: tuple[Desk, Any, dict[str, str]]) -> None:
    desk, web, auth = staffed
    cases = [
        ({"text": "x", "to": {"building": "nope"}, "at": "2026-12-03T09:00:00+08:00"}, "to.building"),
        ({"text": "x", "to": {"robot": "nope"}, "at": "2026-12-03T09:00:00+08:00"}, "to.robot"),
        ({"text": "x", "to": {"building": "xfl-3", "grid": "xfl-g2"}, "at": "2026-12-03T09:00:00+08:00"}, "to"),
        ({"text": "x", "to": {"building": "xfl-3"}, "at": "2026-12-01T09:00:00+08:00"}, "at"),
        ({"text": "x", "to": {"building": "xfl-3"}, "when": "明天上午9点", "lead": ["2d"]}, "lead"),
        ({"text": "x", "to": {"building": "xfl-3"}, "when": "明天上午9点", "lead": ["soon"]}, "lead.0"),
        ({"text": "x", "to": {"building": "xfl-3"}, "when": "随便什么时候"}, "when"),
        ({"text": "x", "to": {"building": "xfl-3"}, "when": "每天早上8点"}, "when"),
        ({"text": "x", "to": {"building": "xfl-3"}}, "(body)"),
    ]
    for body, field in cases:
        answer = web.post("/api/v1/reminders", json=body, headers=auth)
        assert answer.status_code == 422, (body, answer.get_json())
        assert [e["field"] for e in answer.get_json()["errors"]] == [field], (body, answer.get_json())
    assert web.post("/api/v1/reminders", json=cases[0][0]).status_code == 401
    assert desk.reminders(None) == []


def test_list_and_cancel(staffed: tuple[Desk, Any, dict[str, str]]) -> None:
    desk, web, auth = staffed
    desk.say("明天上午9点提醒我去社区打疫苗", user="oRes1")
    body = {"text": "停水通知", "to": {"estate": "xfl"}, "when": "后天早上8点", "lead": ["1d", "0"]}
    series = web.post("/api/v1/reminders", json=body, headers=auth).get_json()["series"]
    listed = web.get("/api/v1/reminders", headers=auth).get_json()["reminders"]
    assert [r["kind"] for r in listed] == ["staff", "resident", "staff"]  # 12-03 08:00, 09:00, 12-04 08:00
    assert listed[1]["to"] == {"channel": "official_account", "recipient": "oRes1"} and listed[1]["number"] == 1
    staff = web.get("/api/v1/reminders?kind=staff", headers=auth).get_json()["reminders"]
    assert len(staff) == 2 and all(r["to"] == {"estate": "xfl"} for r in staff)
    gone = web.delete(f"/api/v1/reminders/{staff[0]['id']}?series=1", headers=auth).get_json()["reminders"]
    assert {r["status"] for r in gone} == {ReminderStatus.CANCELLED} and {r["series"] for r in gone} == {series}
    assert web.get("/api/v1/reminders?kind=staff", headers=auth).get_json()["reminders"] == []
    assert web.get("/api/v1/reminders/999999", headers=auth).status_code == 404
    assert web.get("/api/v1/reminders?status=bogus", headers=auth).status_code == 422


def test_the_openapi_document_lists_the_routes(staffed: tuple[Desk, Any, dict[str, str]]) -> None:
    _, web, _ = staffed
    paths = web.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/reminders", "/reminders/preview", "/reminders/{reminder_id}"} <= set(paths)
