"""The JSON API for communities, categories (duplicate scope, deadlines) and residents' addresses."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from handlers.tickets import deadlines
from models import CategoryDeadline
from tests.tickets.conftest import NEIGHBOUR, RESIDENT, Town


class Api:
    def __init__(self, town: Town, token: str) -> None:
        self.client = town.app.test_client()
        self.auth = {"Authorization": f"Bearer {token}"}

    def get(self, path: str) -> Any:
        return self.client.get(f"/api/v1{path}", headers=self.auth)

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.post(f"/api/v1{path}", headers=self.auth, json=body)

    def patch(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.patch(f"/api/v1{path}", headers=self.auth, json=body)

    def delete(self, path: str) -> Any:
        return self.client.delete(f"/api/v1{path}", headers=self.auth)

    def find(self, path: str, key: str, value: str) -> dict[str, Any]:
        (row,) = [r for r in self.get(f"/{path}").get_json()[path] if r[key] == value]
        return row


def _field(response: Any) -> str:
    assert response.status_code == 422, response.get_json()
    return response.get_json()["errors"][0]["field"]


def test_communities_are_created_renamed_and_only_deleted_when_empty(town: Town, admin_token: str) -> None:
    api = Api(town, admin_token)
    assert [c["code"] for c in api.get("/communities").get_json()["communities"]] == ["xingfuli"]
    made = api.post("/communities", {"code": "heping", "name": "和平社区"})
    assert made.status_code == 201 and made.get_json()["name"] == "和平社区"
    assert api.post("/communities", {"code": "heping", "name": "又一个"}).status_code == 409
    assert _field(api.post("/communities", {"code": "x"})) == "name"
    item = made.get_json()["id"]
    assert api.patch(f"/communities/{item}", {"name": "和平里社区"}).get_json()["name"] == "和平里社区"
    grid = api.post("/grids", {"code": "hp-g1", "community": "heping", "name": "第一网格"})
    assert grid.status_code == 201
    refused = api.delete(f"/communities/{item}")
    assert refused.status_code == 409 and "grids" in refused.get_json()["message"]
    assert api.delete(f"/grids/{grid.get_json()['id']}").status_code == 204
    assert api.delete(f"/communities/{item}").status_code == 204
    assert api.get(f"/communities/{item}").status_code == 404
    xingfuli = api.find("communities", "code", "xingfuli")
    assert api.delete(f"/communities/{xingfuli['id']}").status_code == 409


def test_categories_show_scope_deadlines_and_owner(town: Town, admin_token: str) -> None:
    api = Api(town, admin_token)
    elevator = api.find("categories", "slug", "elevator")
    assert elevator["dedupe_scope"] in ("building", "unit") and elevator["department"] == "property"
    assert elevator["deadlines"]["accept_minutes"] == 120 and elevator["deadlines"]["urgent_accept_minutes"] == 10
    assert api.find("categories", "slug", "assistance")["deadlines"] is None  # the configured defaults


def test_a_new_category_with_deadlines_drives_the_deadline_policy(town: Town, admin_token: str) -> None:
    api = Api(town, admin_token)
    made = api.post("/categories", {"slug": "bicycle_shed", "name": "车棚", "dedupe_scope": "unit",
                                    "deadlines": {"accept_minutes": 45, "resolve_minutes": 600, "working_hours": True}})
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["deadlines"]["accept_minutes"] == 45
    config = town.services.config
    with town.services.db.session() as s:
        policy = deadlines.policy_for(s, config, "bicycle_shed", urgent=False)
    assert (policy.accept_minutes, policy.resolve_minutes, policy.working_hours) == (45, 600, True)
    item = made.get_json()["id"]
    changed = api.patch(f"/categories/{item}", {"deadlines": {"accept_minutes": 30}})
    assert changed.get_json()["deadlines"]["accept_minutes"] == 30
    assert changed.get_json()["deadlines"]["resolve_minutes"] is None  # an object replaces the deadlines
    assert api.patch(f"/categories/{item}", {"deadlines": None}).get_json()["deadlines"] is None
    with town.services.db.session() as s:
        assert deadlines.policy_for(s, config, "bicycle_shed", urgent=False).accept_minutes == config.tickets.accept_minutes
    api.patch(f"/categories/{item}", {"deadlines": {"accept_minutes": 20}})
    assert api.delete(f"/categories/{item}").status_code == 204
    with town.services.db.session() as s:
        assert s.scalar(select(CategoryDeadline).where(CategoryDeadline.category == "bicycle_shed")) is None


def test_category_validation_conflicts_and_stable_slugs(town: Town, admin_token: str) -> None:
    api = Api(town, admin_token)
    assert api.post("/categories", {"slug": "elevator", "name": "电梯2"}).status_code == 409
    assert _field(api.post("/categories", {"slug": "shed", "name": "车棚", "dedupe_scope": "floor"})) == "dedupe_scope"
    assert _field(api.post("/categories", {"slug": "Shed!", "name": "车棚"})) == "slug"
    bad_minutes = api.post("/categories", {"slug": "shed", "name": "车棚", "deadlines": {"accept_minutes": 0}})
    assert _field(bad_minutes) == "deadlines.accept_minutes"
    elevator = api.find("categories", "slug", "elevator")
    assert _field(api.patch(f"/categories/{elevator['id']}", {"slug": "lift"})) == "slug"
    refused = api.delete(f"/categories/{elevator['id']}")  # the routing rules use it
    assert refused.status_code == 409 and "rules" in refused.get_json()["message"]


def test_the_duplicate_scope_set_through_the_api_decides_what_joins(town: Town, admin_token: str) -> None:
    api = Api(town, admin_token)
    elevator = api.find("categories", "slug", "elevator")
    assert api.patch(f"/categories/{elevator['id']}", {"dedupe_scope": "unit"}).get_json()["dedupe_scope"] == "unit"
    town.say(RESIDENT, "幸福里3栋1单元电梯坏了")
    assert town.say(NEIGHBOUR, "幸福里3栋2单元电梯坏了").startswith("已为您登记")  # another unit: a new ticket
    assert api.patch(f"/categories/{elevator['id']}", {"dedupe_scope": "building"}).get_json()["dedupe_scope"] == "building"
    assert town.say("oThirdNeighbour", "幸福里3栋3单元电梯坏了").startswith("已有邻居反映该问题")
    assert len(town.tickets()) == 2


def test_an_address_set_by_an_admin_is_used_when_the_resident_reports(town: Town, admin_token: str) -> None:
    api = Api(town, admin_token)
    person = api.post("/persons", {"name": "刘阿姨", "identities": [{"kind": "openid", "value": "oAuntLiu"}]}).get_json()
    made = api.post("/residents", {"person": person["id"], "building": "xfl-3", "unit": "2", "room": "501"})
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["address"] == "幸福里小区3栋2单元501室"
    assert "幸福里小区3栋2单元501室" in town.say("oAuntLiu", "家里停电了")
    moved = api.patch(f"/residents/{made.get_json()['id']}", {"building": "xfl-4", "unit": "1"})
    assert moved.get_json()["address"] == "幸福里小区4栋1单元501室"
    assert api.post("/residents", {"person": person["id"], "address": "别处"}).status_code == 409
    assert _field(api.patch(f"/residents/{made.get_json()['id']}", {"unit": "9"})) == "unit"
    assert _field(api.post("/residents", {"person": person["id"], "building": "nope"})) == "building"
    assert _field(api.post("/residents", {"person": 999999, "address": "x"})) == "person"
    assert api.delete(f"/residents/{made.get_json()['id']}").status_code == 204


def test_an_address_told_in_chat_is_listed_and_editable(town: Town, admin_token: str) -> None:
    api = Api(town, admin_token)
    town.say(RESIDENT, "我住幸福里3栋2单元501")
    (resident,) = api.get("/residents").get_json()["residents"]
    assert (resident["building"], resident["unit"], resident["room"]) == ("xfl-3", "2", "501")
    fixed = api.patch(f"/residents/{resident['id']}", {"address": "幸福里小区3栋2单元501室（东户）"})
    assert fixed.get_json()["address"] == "幸福里小区3栋2单元501室（东户）"


def test_the_openapi_document_describes_the_new_resources(town: Town) -> None:
    doc = town.app.test_client().get("/api/v1/openapi.json").get_json()
    for path in ("/communities", "/categories", "/residents"):
        assert "409" in doc["paths"][path]["post"]["responses"]
        assert "patch" in doc["paths"][f"{path}/{{item_id}}"]
    assert "409" in doc["paths"]["/categories/{item_id}"]["delete"]["responses"]
    schemas = doc["components"]["schemas"]
    assert schemas["CategoryIn"]["properties"]["dedupe_scope"]["enum"] == ["building", "unit"]
    assert {"accept_minutes", "working_hours"} <= set(schemas["DeadlinesIn"]["properties"])
