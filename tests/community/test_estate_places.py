"""Named places of an estate (gates, squares, garages …): the import section, the demo's places, the API."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot import create_app
from bot.importer import import_file
from models import Estate, EstatePlace, Grid


@pytest.fixture
def api(nlp_services, admin_token):
    client = create_app(services=nlp_services).test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {admin_token}"
    return client


def test_the_demo_estates_have_their_gates_squares_and_garages(seeded):
    with seeded.session() as s:
        names = {(p.estate.name, p.name) for p in s.scalars(select(EstatePlace))}
        xfl = s.scalar(select(Estate).where(Estate.code == "xfl"))
        assert xfl.grid_id == s.scalar(select(Grid.id).where(Grid.code == "xfl-g1"))
    assert {("幸福里小区", "东门"), ("幸福里小区", "地下车库"), ("桂花苑", "南门"), ("桂花苑", "快递柜")} <= names


def test_places_import_by_code_and_twice_changes_nothing(seeded, tmp_path: Path):
    file = tmp_path / "places.yaml"
    file.write_text(
        "places:\n"
        "  - {estate: ghy, name: 篮球场, kind: other, aliases: [球场], grid: ghy-g3}\n", encoding="utf-8")
    first = import_file(seeded, file)
    assert first.created.get("places") == 1
    again = import_file(seeded, file)
    assert not again.created.get("places") and not again.updated.get("places")
    with seeded.session() as s:
        row = s.scalar(select(EstatePlace).where(EstatePlace.code == "ghy-篮球场"))
        assert row.aliases == ["球场"] and row.grid.code == "ghy-g3" and row.kind == "other"


@pytest.mark.parametrize("record, field", [
    ("{estate: nowhere, name: 东门}", "estate"),
    ("{estate: ghy, name: 东门, kind: castle}", "kind"),
    ("{estate: ghy, name: 东门, colour: red}", "colour"),
])
def test_a_wrong_place_record_names_the_field(seeded, tmp_path: Path, record: str, field: str):
    file = tmp_path / "places.yaml"
    file.write_text(f"places:\n  - {record}\n", encoding="utf-8")
    with pytest.raises(Exception, match=field):
        import_file(seeded, file)


def test_places_crud_through_the_api(api):
    made = api.post("/api/v1/places", json={"code": "ghy-west", "estate": "ghy", "name": "西门", "kind": "gate",
                                            "aliases": ["西大门"], "grid": "ghy-g3"})
    assert made.status_code == 201, made.get_json()
    place = made.get_json()
    assert place["estate"] == "ghy" and place["aliases"] == ["西大门"] and place["grid"] == "ghy-g3"
    assert any(p["code"] == "ghy-west" for p in api.get("/api/v1/places").get_json()["places"])
    changed = api.patch(f"/api/v1/places/{place['id']}", json={"aliases": ["西大门", "西门口"], "grid": None})
    assert changed.status_code == 200 and changed.get_json()["aliases"] == ["西大门", "西门口"]
    assert changed.get_json()["grid"] is None
    assert api.post("/api/v1/places", json={"code": "x", "estate": "nowhere", "name": "东门"}).status_code == 422
    assert api.post("/api/v1/places", json={"code": "y", "estate": "ghy", "name": "东门",
                                            "kind": "castle"}).status_code == 422
    assert api.post("/api/v1/places", json={"code": "ghy-west", "estate": "ghy", "name": "北门"}).status_code == 409
    assert api.delete(f"/api/v1/places/{place['id']}").status_code == 204
    assert api.get(f"/api/v1/places/{place['id']}").status_code == 404


def test_an_estate_names_its_grid_through_the_api(api):
    estates = api.get("/api/v1/estates").get_json()["estates"]
    ghy = next(e for e in estates if e["code"] == "ghy")
    assert ghy["grid"] == "ghy-g3"
    changed = api.patch(f"/api/v1/estates/{ghy['id']}", json={"grid": None})
    assert changed.status_code == 200 and changed.get_json()["grid"] is None
    assert api.patch(f"/api/v1/estates/{ghy['id']}", json={"grid": "nowhere"}).status_code == 422
