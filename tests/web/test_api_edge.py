"""The API's edge (issue 12): ids in range, no NUL, bounded numbers, PATCH validated like POST, 409 for
deletes still referenced, and JSON errors everywhere under /api — never an HTML page."""

from __future__ import annotations

from typing import Any

import pytest

from bot import create_app


@pytest.fixture
def api(nlp_services: Any, admin_token: str) -> Any:
    client = create_app(services=nlp_services).test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {admin_token}"
    return client


def _json_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/json", response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert body["error"] and body["message"]
    return body


@pytest.mark.parametrize("path", ["/api/v1/rules/2147483648", "/api/v1/persons/99999999999999999999999",
                                  "/api/v1/words/-1", "/api/v1/no-such-thing"])
def test_unknown_paths_and_ids_out_of_range_are_json_404(api: Any, path: str) -> None:
    _json_error(api.get(path), 404)
    deleted = api.delete(path)
    _json_error(deleted, 404 if deleted.status_code != 405 else 405)  # another route may own the path


def test_a_wrong_method_is_json_405_and_pages_outside_the_api_stay_as_they_were(api: Any) -> None:
    _json_error(api.put("/api/v1/words"), 405)
    assert api.get("/no-such-page").mimetype == "text/html"


def test_nul_bytes_in_query_and_body_are_422_naming_the_field(api: Any) -> None:
    assert _json_error(api.get("/api/v1/tickets?grid=a%00b"), 422)["errors"][0]["field"] == "grid"
    body = _json_error(api.post("/api/v1/communities", json={"code": "a\x00", "name": "x"}), 422)
    assert body["errors"][0]["field"] == "code"
    body = _json_error(api.post("/api/v1/persons", json={"identities": [{"kind": "openid", "value": "o\x00"}]}), 422)
    assert body["errors"][0]["field"] == "identities.0.value"


def test_numbers_out_of_range_are_422(api: Any) -> None:
    for query in ("year=0", "year=99999", "year=abc"):
        assert _json_error(api.get(f"/api/v1/holidays?{query}"), 422)["errors"][0]["field"] == "year"
    assert _json_error(api.get("/api/v1/tickets?assignee=2147483648"), 422)["errors"][0]["field"] == "assignee"
    assert _json_error(api.get("/api/v1/tickets?status=lost"), 422)["errors"][0]["field"] == "status"
    assert _json_error(api.post("/api/v1/members", json={"person": 2**31, "grid": "g1"}), 422)
    category = {"slug": "pool", "name": "泳池", "deadlines": {"accept_minutes": 10**12}}
    assert _json_error(api.post("/api/v1/categories", json=category), 422)["errors"][0]["field"].startswith("deadlines")
    assert _json_error(api.post("/api/v1/holidays", json={"date": "0001-01-01"}), 422)


def test_patch_is_validated_like_post(api: Any) -> None:
    made = api.post("/api/v1/communities", json={"code": "heping", "name": "和平社区"})
    assert made.status_code == 201
    item = made.get_json()["id"]
    for body in ({"name": ""}, {"name": "x" * 129}, {"name": None}, {"code": ""}):
        _json_error(api.patch(f"/api/v1/communities/{item}", json=body), 422)
    assert api.get(f"/api/v1/communities/{item}").get_json()["name"] == "和平社区"
    assert api.patch(f"/api/v1/communities/{item}", json={"name": "和平里"}).get_json()["name"] == "和平里"


def test_deleting_a_person_who_reported_a_ticket_is_409(nlp_services: Any, admin_token: str) -> None:
    from bot.wechat.client import ChatClient, app_poster

    app = create_app(services=nlp_services)
    ChatClient(nlp_services.config, app_poster(app), openid="oReporter").say("幸福里3栋2单元电梯坏了")
    client = app.test_client()
    auth = {"Authorization": f"Bearer {admin_token}"}
    (person,) = [p for p in client.get("/api/v1/persons", headers=auth).get_json()["persons"]
                 if {"kind": "openid", "value": "oReporter"} in p["identities"]]
    body = _json_error(client.delete(f"/api/v1/persons/{person['id']}", headers=auth), 409)
    assert "reported" in body["message"]


def test_a_crash_inside_a_view_is_json_500(api: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.routing import rulestore

    def broken(session: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(rulestore, "community_codes", broken)
    body = _json_error(api.get("/api/v1/rules"), 500)
    assert "boom" not in body["message"]
