"""Estates and communities created through the API reach every process's tokenizer and address parser (issue 12)."""

from __future__ import annotations

from typing import Any

from tests.tickets.conftest import Town


def _estate_of(town: Town, text: str) -> Any:
    address = town.services.nlp.explain(text)["entities"]["address"]
    return (address or {}).get("estate")


def test_an_estate_created_through_the_api_is_understood_without_a_restart(town: Town, admin_token: str) -> None:
    client = town.app.test_client()
    auth = {"Authorization": f"Bearer {admin_token}"}
    assert _estate_of(town, "我住锦绣园3栋2单元，楼道灯坏了") != "锦绣园"
    made = client.post("/api/v1/estates", headers=auth, json={"code": "jinxiu", "community": "xingfuli", "name": "锦绣园"})
    assert made.status_code == 201, made.get_json()
    assert _estate_of(town, "我住锦绣园3栋2单元，楼道灯坏了") == "锦绣园"

    renamed = client.patch(f"/api/v1/estates/{made.get_json()['id']}", headers=auth, json={"name": "锦绣花园"})
    assert renamed.status_code == 200
    assert _estate_of(town, "我住锦绣花园3栋2单元，楼道灯坏了") == "锦绣花园"
    assert client.delete(f"/api/v1/estates/{made.get_json()['id']}", headers=auth).status_code == 204
    assert _estate_of(town, "我住锦绣花园3栋2单元，楼道灯坏了") != "锦绣花园"
