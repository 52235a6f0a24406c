"""The admin UI through Flask's test client: sign-in and lockout, roles, CSRF, escaping, audit, and the main actions."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.services import Services
from models import AdminUser, AuditEntry, HolidayYear, OutboxMessage, Rule, RuleVersion, Ticket, TicketEvent
from tests.admin.conftest import PASSWORD, AdminClient

Client = Callable[..., AdminClient]
RESIDENT = "oDemoResident"
SCRIPT = "<script>alert('x')</script>"


def _report(client: AdminClient, text: str, openid: str = RESIDENT) -> str:
    """Say where one lives and report through the simulator (the real /wechat path); the new ticket's number."""
    client.post("/admin/simulator/send", {"as": openid, "text": "我住幸福里3栋2单元501"})
    client.post("/admin/simulator/send", {"as": openid, "text": text})
    found = re.search(r"T\d{8}-\d{4}", client.get("/admin/tickets").get_data(as_text=True))
    assert found, "no ticket was opened"
    return found.group(0)


def test_pages_need_a_sign_in(admin_app) -> None:
    client = admin_app.test_client()
    for url in ("/admin/", "/admin/tickets", "/admin/rules", "/admin/simulator", "/admin/community/"):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login" in response.headers["Location"], url
    assert client.get("/").headers["Location"].endswith("/admin/")


def test_wrong_passwords_lock_the_account_and_are_audited(admin_app, admin_services: Services) -> None:
    client = AdminClient(admin_app.test_client())
    for _ in range(admin_services.config.admin.max_failed_logins):
        assert client.login("liqiang", "wrong-password").status_code == 401
    refused = client.login("liqiang", PASSWORD)
    assert refused.status_code == 401 and "锁定" in refused.get_data(as_text=True)
    with admin_services.db.session() as s:
        user = s.scalar(select(AdminUser).where(AdminUser.username == "liqiang"))
        assert user.locked_until is not None
        actions = list(s.scalars(select(AuditEntry.action).where(AuditEntry.actor == "liqiang")))
    assert actions.count("login.failed") == admin_services.config.admin.max_failed_logins
    assert "login.locked" in actions


def test_an_unknown_user_and_a_wrong_password_get_the_same_answer(admin_app) -> None:
    client = AdminClient(admin_app.test_client())
    unknown = client.login("nobody", "whatever-pass")
    wrong = client.login("admin", "whatever-pass")
    assert unknown.status_code == wrong.status_code == 401
    assert "用户名或密码错误" in unknown.get_data(as_text=True) and "用户名或密码错误" in wrong.get_data(as_text=True)


def test_roles_open_only_their_pages(admin_client: Client) -> None:
    expectations = {
        "admin": {"/admin/rules": 200, "/admin/accounts": 200, "/admin/community/": 200, "/admin/simulator": 200,
                  "/admin/tickets": 200, "/admin/audit": 200},
        "zhangzr": {"/admin/consultations": 200, "/admin/bulletins": 200, "/admin/reminders": 200, "/admin/rules": 403, "/admin/accounts": 403, "/admin/community/": 403, "/admin/simulator": 200,
                    "/admin/tickets": 200, "/admin/": 200},
        "liqiang": {"/admin/rules": 403, "/admin/rules/new": 403, "/admin/simulator": 403, "/admin/tickets": 200,
                    "/admin/consultations": 403, "/admin/bulletins": 403, "/admin/reminders": 403,
                    "/admin/setup/holidays": 403, "/admin/": 200},
        "wangprop": {"/admin/rules": 403, "/admin/audit": 403, "/admin/tickets": 200},
    }
    for username, pages in expectations.items():
        client = admin_client(username)
        for url, status in pages.items():
            assert client.get(url).status_code == status, (username, url)
    # The menu shows only what the role may open.
    menu = admin_client("liqiang").get("/admin/").get_data(as_text=True)
    assert "工单" in menu and "规则工作室" not in menu


def test_a_grid_member_sees_only_their_grids_tickets(admin_client: Client, admin_services: Services) -> None:
    admin = admin_client("admin")
    mine = _report(admin, "电梯坏了，按钮没反应")  # 幸福里3栋: 第二网格, 李强's
    admin.post("/admin/simulator/send", {"as": "oGuihua", "text": "我住桂花苑1栋1单元101"})
    admin.post("/admin/simulator/send", {"as": "oGuihua", "text": "楼道灯坏了好几天了"})
    with admin_services.db.session() as s:
        other = s.scalar(select(Ticket.number).where(Ticket.number != mine))
    assert other is not None
    member = admin_client("liqiang")
    listing = member.get("/admin/tickets").get_data(as_text=True)
    assert mine in listing and other not in listing
    assert member.get(f"/admin/tickets/{mine}").status_code == 200
    assert member.get(f"/admin/tickets/{other}").status_code == 403
    # A 网格员 cannot use the staff's actions, even by posting the form.
    member.post(f"/admin/tickets/{mine}", {"action": "close", "note": "closed by a member"})
    with admin_services.db.session() as s:
        assert s.scalar(select(Ticket.status).where(Ticket.number == mine)) != "closed"


def test_posts_without_the_csrf_token_are_refused(admin_client: Client, admin_services: Services) -> None:
    client = admin_client("admin")
    with admin_services.db.session() as s:
        rule = s.scalar(select(Rule).order_by(Rule.id).limit(1))
        rule_id, enabled = rule.id, rule.enabled
    refused = client.post(f"/admin/rules/{rule_id}/toggle", csrf=False)
    assert refused.status_code == 400 and "CSRF" in refused.get_data(as_text=True)
    forged = client.post(f"/admin/rules/{rule_id}/toggle", csrf=False, data={"csrf_token": "forged"})
    assert forged.status_code == 400
    with admin_services.db.session() as s:
        assert s.get(Rule, rule_id).enabled == enabled
    assert client.post(f"/admin/rules/{rule_id}/toggle").status_code == 302
    with admin_services.db.session() as s:
        assert s.get(Rule, rule_id).enabled != enabled


def test_the_login_form_needs_its_csrf_token(admin_app) -> None:
    client = admin_app.test_client()
    response = client.post("/admin/login", data={"username": "admin", "password": PASSWORD})
    assert response.status_code in (400, 401) and client.get("/admin/").status_code == 302


def test_resident_text_is_escaped_everywhere(admin_client: Client) -> None:
    client = admin_client("admin")
    number = _report(client, f"电梯坏了 {SCRIPT}")
    pages = [client.get("/admin/tickets"), client.get(f"/admin/tickets/{number}"),
             client.get("/admin/simulator", query_string={"as": RESIDENT}),
             client.post("/admin/simulator/send", {"as": RESIDENT, "text": SCRIPT}), client.get("/admin/unmatched")]
    for page in pages:
        html = page.get_data(as_text=True)
        assert SCRIPT not in html
    assert "&lt;script&gt;" in pages[1].get_data(as_text=True)


def test_editing_a_rule_is_versioned_audited_and_restorable(admin_client: Client, admin_services: Services) -> None:
    client = admin_client("admin")
    with admin_services.db.session() as s:
        rule = s.scalar(select(Rule).where(Rule.name == "faq.office_address"))
        rule_id, any_words = rule.id, list(rule.any_words)
    form = {"name": "faq.office_address", "intent": "faq.answer", "any": " ".join([*any_words, "快递柜"]),
            "priority": "40", "reply": "快递柜在社区服务站东侧。", "enabled": "on"}
    preview = client.post("/admin/rules/preview", form).get_data(as_text=True)
    assert "改动预览" in preview
    tried = client.post("/admin/rules/try", {**form, "rule_id": rule_id, "text": "快递柜在哪里取件"}).get_data(as_text=True)
    assert "faq.office_address" in tried and "快递" in tried
    assert client.post(f"/admin/rules/{rule_id}", form).status_code == 302
    with admin_services.db.session() as s:
        versions = list(s.scalars(select(RuleVersion).where(RuleVersion.rule_id == rule_id).order_by(RuleVersion.version)))
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "rule.update"))
        assert "快递柜" in s.get(Rule, rule_id).any_words
    assert [v.action for v in versions][-1] == "updated"
    assert entry.before["reply"] != entry.after["reply"] and entry.actor == "admin"
    first = versions[0]
    assert client.post(f"/admin/rules/versions/{first.id}/restore").status_code == 302
    with admin_services.db.session() as s:
        assert "快递柜" not in s.get(Rule, rule_id).any_words


def test_an_invalid_rule_is_refused_with_the_field_named(admin_client: Client) -> None:
    response = admin_client("admin").post("/admin/rules", {"name": "bad", "intent": "faq.answer", "any": "",
                                                           "priority": "5"})
    assert response.status_code == 422 and "规则有误" in response.get_data(as_text=True)


def test_staff_close_a_ticket_with_a_message_the_resident_receives(admin_client: Client,
                                                                   admin_services: Services) -> None:
    client = admin_client("zhangzr")
    number = _report(admin_client("admin"), "电梯坏了，按钮没反应")
    client.post(f"/admin/tickets/{number}", {"action": "note", "note": "内部：已联系物业"})
    client.post(f"/admin/tickets/{number}", {"action": "close", "note": "已修好，谢谢反映"})
    with admin_services.db.session() as s:
        ticket = s.scalar(select(Ticket).where(Ticket.number == number))
        kinds = list(s.scalars(select(TicketEvent.kind).where(TicketEvent.ticket_id == ticket.id)))
        to_resident = [o.payload.get("text", "") for o in s.scalars(
            select(OutboxMessage).where(OutboxMessage.recipient == RESIDENT))]
        audited = list(s.scalars(select(AuditEntry.action).where(AuditEntry.target_id == number)
                                 .order_by(AuditEntry.id)))
    assert ticket.status == "closed" and {"note", "closed"} <= set(kinds)
    assert any("已修好，谢谢反映" in text for text in to_resident)
    assert not any("内部：已联系物业" in text for text in to_resident)  # internal notes stay inside
    assert audited == ["ticket.note", "ticket.close"]


def test_bulk_escalation_and_csv_export(admin_client: Client, admin_services: Services) -> None:
    client = admin_client("admin")
    number = _report(client, "电梯坏了，按钮没反应")
    client.post("/admin/tickets/bulk", {"numbers": [number], "bulk_action": "escalate"})
    with admin_services.db.session() as s:
        assert s.scalar(select(Ticket.escalation_level).where(Ticket.number == number)) >= 1
    csv = client.get("/admin/tickets/export.csv", query_string={"view": "all"})
    text = csv.get_data(as_text=True)
    assert csv.mimetype == "text/csv" and text.startswith("\ufeff工单号") and number in text


def test_a_grid_account_needs_a_person(admin_client: Client, admin_services: Services) -> None:
    client = admin_client("admin")
    client.post("/admin/accounts", {"username": "newgrid", "role": "grid", "password": "long-enough-1",
                                    "active": "y"})
    client.post("/admin/accounts", {"username": "newgrid2", "role": "grid", "person": "zhaomin",
                                    "password": "long-enough-1", "active": "y"})
    with admin_services.db.session() as s:
        names = set(s.scalars(select(AdminUser.username)))
    assert "newgrid" not in names and "newgrid2" in names


def test_setup_pages_save_through_the_api_resources(admin_client: Client, admin_services: Services) -> None:
    client = admin_client("admin")
    created = client.post("/admin/community/estates", {"code": "hx", "community": "xingfuli", "name": "和谐园"})
    assert created.status_code == 302
    refused = client.post("/admin/community/estates", {"code": "", "community": "xingfuli", "name": "x"})
    assert refused.status_code == 422
    in_use = client.get("/admin/community/communities/1")
    assert in_use.status_code == 200
    client.post("/admin/community/communities/1/delete")
    holiday = client.post("/admin/setup/holidays", {"day": "2027-02-08", "kind": "holiday", "name": "春节"})
    assert holiday.status_code == 302
    with admin_services.db.session() as s:
        assert s.get(HolidayYear, 2027) is not None
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "estates.create")) == 1
        from models import Community

        assert s.scalar(select(func.count()).select_from(Community)) == 1  # still in use: not deleted


def test_the_dashboard_counts_and_charts(admin_client: Client) -> None:
    client = admin_client("admin")
    _report(client, "电梯坏了，按钮没反应")
    html = client.get("/admin/").get_data(as_text=True)
    assert 'data-testid="today-new">1<' in html and "data-chart=" in html and "本周未匹配消息" in html


def test_a_bulletin_entry_is_written_for_an_empty_day_and_audited(admin_client: Client,
                                                                   admin_services: Services) -> None:
    client = admin_client("zhangzr")
    page = client.get("/admin/bulletins/party_history")
    assert page.status_code == 200 and 'data-testid="empty-days"' in page.get_data(as_text=True)
    saved = client.post("/admin/bulletins/party_history/entries/new",
                        {"day": "02-14", "title": "社区的一天", "body": f"正文 {SCRIPT}"})
    assert saved.status_code == 302
    calendar = client.get("/admin/bulletins/party_history?month=2027-02&date=2027-02-14").get_data(as_text=True)
    assert "社区的一天" in calendar and SCRIPT not in calendar
    with admin_services.db.session() as s:
        assert s.scalar(select(AuditEntry.action).where(AuditEntry.target_type == "bulletin_entry")) == \
            "bulletin_entry.create"


def test_a_staff_reminder_shows_its_reach_before_it_is_scheduled(admin_client: Client,
                                                                  admin_services: Services) -> None:
    from models import Reminder

    client = admin_client("zhangzr")
    _report(client, "电梯坏了，按钮没反应")  # oDemoResident now lives in 幸福里3栋
    form = {"text": "周三上午停水，请提前储水", "kind": "estate", "code": "xfl", "when": "下周三上午9点", "lead": "1d 2h"}
    reach = client.post("/admin/reminders/preview", form).get_data(as_text=True)
    assert 'data-testid="reach"' in reach and reach.count("<tr>") == 3  # a header and two send times
    assert client.post("/admin/reminders/preview", {**form, "when": "昨天上午9点"}).status_code == 200
    assert client.post("/admin/reminders", form).status_code == 302
    with admin_services.db.session() as s:
        rows = list(s.scalars(select(Reminder).where(Reminder.audience_code == "xfl")))
    assert len(rows) == 2 and {r.lead_minutes for r in rows} == {1440, 120}
    assert all(r.created_by == "admin:zhangzr" for r in rows)
    listing = client.get("/admin/reminders").get_data(as_text=True)
    assert "工作人员 zhangzr" in listing and "admin:zhangzr" not in listing


@pytest.mark.slow
def test_the_demo_prints_the_admin_url_and_its_login_works(tmp_path) -> None:
    import socket
    import subprocess
    import sys
    import time

    import requests

    from bot.config import REPO_ROOT

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    demo = subprocess.Popen([sys.executable, "-m", "bot", "demo", "--port", str(port), "--var-dir", str(tmp_path)],
                            cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not any("/admin/" in line for line in lines):
            line = demo.stdout.readline()  # type: ignore[union-attr]
            assert line or demo.poll() is None, "".join(lines)
            lines.append(line)
        lines.append(demo.stdout.readline())  # type: ignore[union-attr]  # the other roles' accounts
        printed = "".join(lines)
        found = re.search(r"(http://\S+/admin/)\s+\S+ (\S+) / (\S+)", printed)
        assert found, printed
        url, username, password = found.groups()
        session = requests.Session()
        while time.monotonic() < deadline:
            try:
                page = session.get(url + "login", timeout=5)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        answer = session.post(url + "login", data={"csrf_token": token, "username": username, "password": password},
                              timeout=10)
        assert answer.status_code == 200 and "概览" in answer.text and "liqiang" in printed
    finally:
        demo.terminate()
        demo.wait(timeout=10)


def test_the_json_api_has_the_same_ticket_actions(admin_client: Client, admin_app, admin_services: Services) -> None:
    from bot.web.auth import issue_token

    number = _report(admin_client("admin"), "电梯坏了，按钮没反应")
    with admin_services.db.session() as s:
        tokens = {name: issue_token(s, s.scalar(select(AdminUser).where(AdminUser.username == name)))
                  for name in ("admin", "liqiang")}
    api = admin_app.test_client()

    def act(user: str, body: dict, url: str = f"/api/v1/tickets/{number}/actions") -> Any:
        return api.post(url, json=body, headers={"Authorization": f"Bearer {tokens[user]}"})

    refused = act("liqiang", {"action": "escalate"})  # a 网格员 may not escalate
    assert refused.status_code == 409 and refused.get_json()["error"] == "refused"
    assert act("liqiang", {"action": "accept"}).get_json()["status"] == "accepted"
    assert act("admin", {"action": "close"}).status_code == 409  # a close needs its message
    closed = act("admin", {"action": "close", "note": "已修好"})
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    assert act("admin", {"action": "fly"}).status_code == 422
    assert act("admin", {"action": "note", "note": "x"}, "/api/v1/tickets/T20000101-0001/actions").status_code == 404
    bulk = act("admin", {"action": "note", "note": "批量备注", "numbers": [number, "T20000101-0001"]},
               "/api/v1/tickets/actions").get_json()["results"]
    assert [r["done"] for r in bulk] == [True, False]
    with admin_services.db.session() as s:
        actors = set(s.scalars(select(AuditEntry.actor).where(AuditEntry.target_id == number)))
    assert actors == {"admin", "liqiang"}
    assert "/tickets/{number}/actions" in api.get("/api/v1/openapi.json").get_json()["paths"]


def test_merge_and_split_on_the_json_api(admin_client: Client, admin_app, admin_services: Services) -> None:
    """A neighbour's joined report is split off, then merged back: reporters move, the resident is told each time."""
    from bot.web.auth import issue_token
    from models import TicketReporter

    client = admin_client("admin")
    first = _report(client, "3栋楼道灯坏了，晚上一片黑")
    client.post("/admin/simulator/send", {"as": "oNeighbour", "text": "我住幸福里3栋1单元102"})
    client.post("/admin/simulator/send", {"as": "oNeighbour", "text": "3栋楼道灯坏了"})
    with admin_services.db.session() as s:
        token = issue_token(s, s.scalar(select(AdminUser).where(AdminUser.username == "admin")))
        ticket = s.scalar(select(Ticket).where(Ticket.number == first))
        joined = s.scalar(select(TicketReporter.person_id).where(TicketReporter.ticket_id == ticket.id,
                                                                 TicketReporter.original.is_(False)))
    assert joined is not None, "the neighbour's report did not join the ticket"
    api = admin_app.test_client()

    def act(number: str, body: dict) -> Any:
        return api.post(f"/api/v1/tickets/{number}/actions", json=body, headers={"Authorization": f"Bearer {token}"})

    original = act(first, {"action": "split", "person": ticket.reporter_id})
    assert original.status_code == 409 and "首报人不能拆出" in original.get_json()["message"]
    split = act(first, {"action": "split", "person": joined})
    assert split.status_code == 200
    second = re.search(r"T\d{8}-\d{4}", split.get_json()["message"]).group(0)  # type: ignore[union-attr]
    assert act(second, {"action": "merge", "into": second}).status_code == 422
    merged = act(second, {"action": "merge", "into": first})
    assert merged.status_code == 200 and merged.get_json()["status"] == "cancelled"
    with admin_services.db.session() as s:
        ids = {n: s.scalar(select(Ticket.id).where(Ticket.number == n)) for n in (first, second)}
        on_first = set(s.scalars(select(TicketReporter.person_id).where(TicketReporter.ticket_id == ids[first])))
        told = [m.payload["text"] for m in s.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "oNeighbour")
                                                     .order_by(OutboxMessage.id))]
        audited = list(s.scalars(select(AuditEntry.action).where(AuditEntry.target_id.in_([first, second]))
                                 .order_by(AuditEntry.id)))
    assert on_first == {ticket.reporter_id, joined}
    assert any(f"单独登记为工单 {second}" in t for t in told) and any(f"已合并到工单 {first}" in t for t in told)
    assert audited == ["ticket.split", "ticket.merge"]


def test_the_estate_filter_finds_reports_at_its_named_places(admin_client: Client, admin_services: Services) -> None:
    """A report at the estate's gate (no building) is listed under the estate, not under another one."""
    from bot.clock import wall_now
    from models import Estate, EstatePlace, Person

    with admin_services.db.session() as s:
        gate = s.scalar(select(EstatePlace).join(Estate, Estate.id == EstatePlace.estate_id)
                        .where(Estate.code == "ghy", EstatePlace.name == "南门"))
        other = s.scalar(select(Estate.id).where(Estate.code == "xfl"))
        reporter = s.scalar(select(Person.id).limit(1))
        now = wall_now()
        s.add(Ticket(number="T20261201-0999", category="lighting", estate_id=gate.estate_id, place_id=gate.id,
                     location="桂花苑南门", description="南门路灯不亮", reporter_id=reporter, channel="official_account",
                     created_at=now, updated_at=now))
        estate = gate.estate_id
    client = admin_client("admin")
    assert "T20261201-0999" in client.get(f"/admin/tickets?view=all&estate={estate}").get_data(as_text=True)
    assert "T20261201-0999" not in client.get(f"/admin/tickets?view=all&estate={other}").get_data(as_text=True)


def test_bulk_merge_of_duplicates(admin_client: Client, admin_services: Services) -> None:
    """Two tickets about the same thing selected on the list and merged into a third in one go."""
    client = admin_client("admin")
    numbers = []
    for openid, text in (("oBulkA", "3栋电梯坏了"), ("oBulkB", "3栋门禁坏了刷不开"), ("oBulkC", "3栋楼道灯坏了")):
        client.post("/admin/simulator/send", {"as": openid, "text": "我住幸福里3栋2单元501"})
        client.post("/admin/simulator/send", {"as": openid, "text": text})
        with admin_services.db.session() as s:
            numbers.append(s.scalar(select(Ticket.number).order_by(Ticket.id.desc()).limit(1)))
    assert len(set(numbers)) == 3
    for number in numbers[1:]:  # staff first make them one kind: a merge needs the same category
        client.post(f"/admin/tickets/{number}", {"action": "category", "category": "elevator"})
    client.post("/admin/tickets/bulk", {"numbers": numbers[1:], "bulk_action": "merge", "into": numbers[0]})
    with admin_services.db.session() as s:
        statuses = dict(s.execute(select(Ticket.number, Ticket.status).where(Ticket.number.in_(numbers))).all())
    assert statuses[numbers[1]] == statuses[numbers[2]] == "cancelled" and statuses[numbers[0]] != "cancelled"


def test_a_merge_is_refused_unless_both_tickets_are_one_matter(admin_client: Client, admin_app,
                                                               admin_services: Services) -> None:
    """Another estate, a closed target, only one urgent, another category: refused with the reason, nothing moves."""
    from bot.clock import wall_now
    from bot.web.auth import issue_token
    from models import Estate, Person

    with admin_services.db.session() as s:
        estates = dict(s.execute(select(Estate.code, Estate.id)).all())
        reporter = s.scalar(select(Person.id).limit(1))
        now = wall_now()

        def ticket(number: str, estate: str, category: str, urgent: bool = False, status: str = "queued") -> None:
            s.add(Ticket(number=number, category=category, estate_id=estates[estate], location="门口",
                         description=f"{category} {number}", reporter_id=reporter, channel="official_account",
                         urgent=urgent, status=status, created_at=now, updated_at=now))

        ticket("T20261201-0001", "xfl", "elevator")
        ticket("T20261201-0009", "ghy", "sanitation")
        ticket("T20261201-0002", "xfl", "gas")
        ticket("T20261201-0003", "xfl", "gas", urgent=True)
        ticket("T20261201-0004", "xfl", "gas", status="closed")
        ticket("T20261201-0005", "xfl", "sanitation")
        token = issue_token(s, s.scalar(select(AdminUser).where(AdminUser.username == "admin")))
    client = admin_client("admin")

    def flashed(response: Any) -> str:
        return client.get(response.headers["Location"]).get_data(as_text=True)

    other_estate = flashed(client.post("/admin/tickets/T20261201-0009", {"action": "merge", "into": "T20261201-0001"}))
    assert "不能合并" in other_estate and "桂花苑" in other_estate and "幸福里" in other_estate
    bulk = flashed(client.post("/admin/tickets/bulk", {"numbers": ["T20261201-0003"], "bulk_action": "merge",
                                                       "into": "T20261201-0002"}))
    assert "T20261201-0003 是紧急工单" in bulk
    api = admin_app.test_client()

    def act(number: str, into: str) -> Any:
        return api.post(f"/api/v1/tickets/{number}/actions", json={"action": "merge", "into": into},
                        headers={"Authorization": f"Bearer {token}"})

    category = act("T20261201-0005", "T20261201-0002")
    assert category.status_code == 422 and "请先把类别改成一样" in category.get_json()["message"]
    assert "已经结束" in act("T20261201-0002", "T20261201-0004").get_json()["message"]
    with admin_services.db.session() as s:
        statuses = set(s.scalars(select(Ticket.status).where(Ticket.number.like("T20261201-%"),
                                                             Ticket.number != "T20261201-0004")))
        told = s.scalar(select(func.count()).select_from(OutboxMessage))
    assert statuses == {"queued"} and told == 0
    client.post("/admin/tickets/T20261201-0005", {"action": "category", "category": "gas"})
    assert act("T20261201-0005", "T20261201-0002").status_code == 200


def test_a_merged_urgent_ticket_is_not_shown_as_unacknowledged(admin_client: Client,
                                                              admin_services: Services) -> None:
    from models import Person

    with admin_services.db.session() as s:
        now = admin_services.clock.now()
        reporter = s.scalar(select(Person.id).limit(1))
        for number, status in (("T20261201-0011", "queued"), ("T20261201-0012", "cancelled")):
            s.add(Ticket(number=number, category="gas", location="3栋", description="燃气味很重", urgent=True,
                         status=status, reporter_id=reporter, channel="official_account", created_at=now,
                         updated_at=now))
    html = admin_client("admin").get("/admin/").get_data(as_text=True)
    rows = {n: re.search(n + r".*?</tr>", html, re.S).group(0) for n in ("T20261201-0011", "T20261201-0012")}
    assert "未确认" in rows["T20261201-0011"]
    assert "未确认" not in rows["T20261201-0012"] and "已撤销" in rows["T20261201-0012"]


def test_an_escalation_by_hand_is_not_called_overdue(admin_client: Client, admin_services: Services) -> None:
    """升级一级 on a ticket in time: the history and the push say 人工升级, never 超时."""
    client = admin_client("admin")
    number = _report(client, "电梯坏了，按钮没反应")
    client.post(f"/admin/tickets/{number}", {"action": "escalate"})
    page = client.get(f"/admin/tickets/{number}").get_data(as_text=True)
    assert "人工升级" in page and "超时升级" not in page
    with admin_services.db.session() as s:
        pushed = [m.payload["text"] for m in s.scalars(select(OutboxMessage)
                                                       .where(OutboxMessage.kind == "ticket_escalation"))]
    assert pushed and all(t.startswith("【人工升级】") and "超时" not in t for t in pushed)


def test_staff_pages_name_codes_in_chinese(admin_client: Client, admin_services: Services) -> None:
    """Intents, holidays from chinese_calendar, the dashboard's dead letters and a reminder's author in words."""
    from datetime import date

    from models import Holiday

    with admin_services.db.session() as s:
        s.add(Holiday(day=date(2027, 2, 8), kind="holiday", name="Spring Festival", source="chinese_calendar"))
    client = admin_client("admin")
    rules = client.get("/admin/rules").get_data(as_text=True)
    assert "报修/投诉（tickets.create）" in rules and ">tickets.create</option>" not in rules
    holidays = client.get("/admin/setup/holidays?year=2027").get_data(as_text=True)
    assert "春节" in holidays and "Spring Festival" not in holidays and "chinese_calendar" not in holidays
    assert "（dead）" not in client.get("/admin/").get_data(as_text=True)
    staff = admin_client("zhangzr")
    staff.post("/admin/simulator/send", {"as": RESIDENT, "text": "明天早上8点提醒我交物业费"})
    reminders = staff.get("/admin/reminders").get_data(as_text=True)
    assert ">resident<" not in reminders


def test_the_csv_names_an_unnamed_reporter_by_masked_account(admin_client: Client) -> None:
    client = admin_client("admin")
    number = _report(client, "电梯坏了，按钮没反应")
    import csv as csvlib
    import io

    rows = list(csvlib.reader(io.StringIO(client.get("/admin/tickets/export.csv", query_string={"view": "all"})
                                          .get_data(as_text=True).lstrip("\ufeff"))))
    reporter = dict(zip(rows[0], next(r for r in rows if r[0] == number), strict=True))["报告人"]
    assert not reporter.isdigit() and RESIDENT not in reporter and "oDem" in reporter


def test_the_unmatched_page_separates_the_common_words(admin_client: Client) -> None:
    client = admin_client("admin")
    for text in ("着火了幸好小孩没事", "差点着火幸好小孩没事"):
        client.post("/admin/simulator/send", {"as": RESIDENT, "text": text})
    page = client.get("/admin/unmatched").get_data(as_text=True)
    common = re.search(r"共同的词：(.*?)</header>", page, re.S)
    assert common and common.group(1).count('class="token"') >= 2 and "、" in common.group(1)


def test_setup_tables_show_names_not_codes(admin_client: Client) -> None:
    client = admin_client("admin")
    categories = client.get("/admin/setup/categories").get_data(as_text=True)
    assert "<td>property</td>" not in categories and "物业" in categories
    places = client.get("/admin/community/places").get_data(as_text=True)
    assert "<td>xfl</td>" not in places and "幸福里" in places


def test_a_refused_bulletin_test_says_why_in_chinese(admin_client: Client, admin_services: Services) -> None:
    from models import Identity

    with admin_services.db.session() as s:
        openid = s.scalar(select(Identity.value).where(Identity.kind == "openid").order_by(Identity.id).limit(1))
    client = admin_client("zhangzr")
    sent = client.post("/admin/bulletins/party_history/test", {"openid": openid})
    page = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "无法发送测试" in page and "没有互动" in page and "outside_48h" not in page


def test_the_reminders_list_names_a_building_as_estate_and_number(admin_client: Client) -> None:
    client = admin_client("zhangzr")
    form = {"text": "3栋周五下午停电检修", "kind": "building", "code": "xfl-3", "when": "下周五上午9点"}
    assert client.post("/admin/reminders", form).status_code == 302
    listing = client.get("/admin/reminders?kind=staff").get_data(as_text=True)
    table = listing[listing.index('data-testid="reminders"'):]
    (row,) = [r for r in table.split("<tr>") if "3栋周五下午停电检修" in r]
    assert "楼栋 幸福里小区3栋" in row and "xfl-3" not in row
    assert "幸福里小区3栋（xfl-3）" in listing  # the form's choice still names the code for staff who know it
