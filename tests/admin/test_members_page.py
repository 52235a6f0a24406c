"""The 网格员 setup page: the count is of people (not of grid assignments), a public phone must be a phone, and a
grid has one primary member — each refused with the reason in Chinese, on the page and on the API alike."""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy import func, select

from bot.services import Services
from models import AdminUser, GridMember, Person
from tests.admin.conftest import AdminClient

Client = Callable[..., AdminClient]


def _person_id(services: Services, code: str) -> int:
    with services.db.session() as s:
        return s.scalar(select(Person.id).where(Person.code == code))


def _members(services: Services) -> int:
    with services.db.session() as s:
        return s.scalar(select(func.count()).select_from(GridMember)) or 0


def test_the_index_counts_grid_members_as_people(admin_client: Client, admin_services: Services) -> None:
    with admin_services.db.session() as s:
        people = s.scalar(select(func.count(func.distinct(GridMember.person_id))))
        assignments = s.scalar(select(func.count()).select_from(GridMember))
    assert people < assignments  # 李强 and 赵敏 are in two grids each

    page = admin_client("admin").get("/admin/community/").get_data(as_text=True)

    shown = re.search(r'<span class="stat-value">(\d+)</span><span class="stat-label">网格员</span>', page)
    assert shown and int(shown.group(1)) == people


def test_a_public_phone_must_be_a_phone(admin_client: Client, admin_services: Services) -> None:
    client = admin_client("admin")
    before = _members(admin_services)
    form = {"person": _person_id(admin_services, "chengang"), "grid": "xfl-g1", "role": "backup", "on_duty": "y"}

    refused = client.post("/admin/community/members", {**form, "public_phone": "有事找物业"})

    assert refused.status_code == 422
    assert "不像电话号码" in refused.get_data(as_text=True)
    assert _members(admin_services) == before
    for phone in ("0571-8600 0013", "13800004444", "(0571) 86000013"):
        assert client.post("/admin/community/members", {**form, "public_phone": phone}).status_code == 302, phone
        with admin_services.db.session() as s:
            s.query(GridMember).filter(GridMember.public_phone == phone).delete()
            s.commit()


def test_a_grid_has_one_primary_member(admin_client: Client, admin_services: Services) -> None:
    client = admin_client("admin")
    before = _members(admin_services)

    refused = client.post("/admin/community/members", {
        "person": _person_id(admin_services, "chengang"), "grid": "xfl-g2", "role": "primary", "on_duty": "y"})

    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "已有主责网格员" in text and "李强" in text
    assert _members(admin_services) == before
    with admin_services.db.session() as s:
        own = s.scalar(select(GridMember.id).join(Person).where(Person.code == "liqiang", GridMember.role == "primary"))
    saved = client.post(f"/admin/community/members/{own}", {
        "person": _person_id(admin_services, "liqiang"), "grid": "xfl-g2", "role": "primary", "on_duty": "y",
        "public_phone": "0571-8600 0012"})
    assert saved.status_code == 302  # the primary itself may still be saved


def test_the_api_refuses_them_too(admin_client: Client, admin_app, admin_services: Services) -> None:
    from bot.web.auth import issue_token

    with admin_services.db.session() as s:
        token = issue_token(s, s.scalar(select(AdminUser).where(AdminUser.username == "admin")))
        s.commit()
    api = admin_app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    chengang = _person_id(admin_services, "chengang")

    phone = api.post("/api/v1/members", headers=headers, json={"person": chengang, "grid": "xfl-g1", "role": "backup",
                                                                "public_phone": "abc"})
    primary = api.post("/api/v1/members", headers=headers, json={"person": chengang, "grid": "xfl-g2"})

    assert phone.status_code == 422 and phone.get_json()["errors"][0]["field"] == "public_phone"
    assert primary.status_code == 422 and primary.get_json()["errors"][0]["field"] == "role"
