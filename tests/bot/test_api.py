"""The JSON API: rules and words CRUD with 422s naming the field, explain, unmatched, OpenAPI."""

from __future__ import annotations

import pytest

from bot import create_app


@pytest.fixture
def api(nlp_services, admin_token):
    client = create_app(services=nlp_services).test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {admin_token}"
    return client


NEW_RULE = {
    "name": "faq.swimming_pool",
    "intent": "faq.answer",
    "any": ["游泳池", "泳池"],
    "reply": "社区泳池夏季开放，时间：【请社区填写】。",
}


def test_requests_without_a_token_are_refused(nlp_services):
    client = create_app(services=nlp_services).test_client()
    response = client.get("/api/v1/rules")
    assert response.status_code == 401
    assert client.get("/api/v1/rules", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_login_issues_a_working_token(nlp_services, admin_token):
    client = create_app(services=nlp_services).test_client()
    assert client.post("/api/v1/login", json={"username": "admin", "password": "wrong"}).status_code == 401
    token = client.post("/api/v1/login", json={"username": "admin", "password": "s3cret-pass"}).json["token"]
    assert client.get("/api/v1/words", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_create_read_update_delete_a_rule(api):
    created = api.post("/api/v1/rules", json=NEW_RULE)
    assert created.status_code == 201, created.json
    rule = created.json
    assert rule["updated_by"] == "admin" and rule["source"] == "admin"
    assert api.get(f"/api/v1/rules/{rule['id']}").json["reply"] == NEW_RULE["reply"]

    patched = api.patch(f"/api/v1/rules/{rule['id']}", json={"priority": 30, "none": ["关闭了"]})
    assert patched.status_code == 200 and patched.json["priority"] == 30 and patched.json["none"] == ["关闭了"]

    assert api.delete(f"/api/v1/rules/{rule['id']}").status_code == 204
    assert api.get(f"/api/v1/rules/{rule['id']}").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**NEW_RULE, "intent": "tickets.fly"}, "intent"),
        ({**NEW_RULE, "intent": "tickets.create"}, "category"),
        ({**NEW_RULE, "intent": "tickets.create", "category": "unicorns"}, "category"),
        ({**NEW_RULE, "any": [], "all": []}, "any"),
        ({**NEW_RULE, "priority": "high"}, "priority"),
        ({**NEW_RULE, "colour": "red"}, "colour"),
        ({k: v for k, v in NEW_RULE.items() if k != "name"}, "name"),
        ({**NEW_RULE, "community": "nowhere"}, "community"),
        ({**NEW_RULE, "priority": 99999999999999999999}, "priority"),
        ({**NEW_RULE, "priority": 2**31}, "priority"),
        ({**NEW_RULE, "priority": -1001}, "priority"),
        ({**NEW_RULE, "any": [f"词{i}" for i in range(501)]}, "any"),
        ({**NEW_RULE, "none": ["漏" * 65]}, "none.0"),
        ({**NEW_RULE, "intent": "x" * 10_000}, "intent"),
        ({**NEW_RULE, "synonyms": {f"词{i}": "泳池" for i in range(1000)}}, "synonyms"),
        ({k: v for k, v in NEW_RULE.items() if k != "reply"}, "reply"),
    ],
)
def test_invalid_rules_get_422_naming_the_field(api, body, field):
    response = api.post("/api/v1/rules", json=body)
    assert response.status_code == 422
    assert field in [error["field"] for error in response.json["errors"]], response.json


@pytest.mark.parametrize(
    ("body", "field"),
    [({"priority": 99999999999999999999}, "priority"), ({"any": ["泳池"] * 501}, "any"), ({"reply": None}, "reply")],
)
def test_patches_are_bounded_too(api, body, field):
    rule = api.post("/api/v1/rules", json=NEW_RULE).json
    response = api.patch(f"/api/v1/rules/{rule['id']}", json=body)
    assert response.status_code == 422
    assert field in [error["field"] for error in response.json["errors"]], response.json
    assert api.get(f"/api/v1/rules/{rule['id']}").json["priority"] == 0


def test_word_freq_and_login_fields_are_bounded(api):
    assert api.post("/api/v1/words", json={"word": "电瓶车棚", "freq": 2**40}).json["errors"][0]["field"] == "freq"
    response = api.post("/api/v1/login", json={"username": "admin", "password": "x" * 5000})
    assert response.status_code == 422 and response.json["errors"][0]["field"] == "password"
    # 100,000 keywords do not even reach validation: the body is over server.max_body_bytes.
    huge = api.post("/api/v1/rules", json={**NEW_RULE, "any": [f"词{i}" for i in range(100_000)]})
    assert huge.status_code == 413


def test_duplicate_rule_name_is_422(api):
    assert api.post("/api/v1/rules", json=NEW_RULE).status_code == 201
    response = api.post("/api/v1/rules", json=NEW_RULE)
    assert response.status_code == 422 and response.json["errors"][0]["field"] == "name"


def test_words_crud_and_validation(api):
    created = api.post("/api/v1/words", json={"word": "电瓶车棚", "freq": 2000})
    assert created.status_code == 201
    assert [w["word"] for w in api.get("/api/v1/words").json["words"]] == ["电瓶车棚"]
    assert api.post("/api/v1/words", json={"word": "两 个词"}).status_code == 422
    assert api.post("/api/v1/words", json={"word": "x", "freq": -1}).json["errors"][0]["field"] == "freq"
    assert api.delete(f"/api/v1/words/{created.json['id']}").status_code == 204


def test_explain_returns_tokens_entities_candidates_and_winner(api):
    result = api.post("/api/v1/route/explain", json={"text": "3栋2单元电梯坏了两天了"}).json
    assert result["intent"] == "tickets.create" and result["category"] == "elevator"
    assert "电梯" in result["tokens"]
    assert result["entities"]["address"]["building"] == "3"
    assert any(c["status"] == "winner" for c in result["candidates"])
    assert result["winner_reason"]


def test_explain_tries_a_draft_rule_before_saving(api):
    text = "泳池什么时候开放"
    assert api.post("/api/v1/route/explain", json={"text": text}).json["rule"] != NEW_RULE["name"]
    tried = api.post("/api/v1/route/explain", json={"text": text, "rule": NEW_RULE}).json
    assert tried["rule"] == NEW_RULE["name"]
    # Nothing was saved by trying.
    assert api.post("/api/v1/route/explain", json={"text": text}).json["rule"] != NEW_RULE["name"]


def test_unmatched_lists_messages_no_rule_matched(api, chat):
    chat(["今天天气真好啊哈哈", "电梯坏了"])
    texts = [m["text"] for m in api.get("/api/v1/route/unmatched").json["messages"]]
    assert "今天天气真好啊哈哈" in texts and "电梯坏了" not in texts


def test_openapi_document_describes_the_api(api):
    doc = api.get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.")
    assert {"/rules", "/rules/{rule_id}", "/words", "/route/explain", "/route/unmatched"} <= set(doc["paths"])
    assert "RuleIn" in doc["components"]["schemas"]


def test_dead_messages_are_listed_and_can_be_retried(api, nlp_services):
    from bot.delivery.outbox import Outbox
    from models import OutboxMessage, OutboxStatus

    with nlp_services.db.session() as session:
        row = Outbox(session, nlp_services.clock.now()).text(
            channel="official_account", account="mp:x", recipient="oUser", kind="reply", text="你好"
        )
        row.status, row.attempts, row.last_error = OutboxStatus.DEAD, 8, "errcode -1: system busy"
        outbox_id = row.id
    listed = api.get("/api/v1/outbox/undelivered").json["messages"]
    assert [(m["id"], m["last_error"]) for m in listed] == [(outbox_id, "errcode -1: system busy")]
    assert api.post(f"/api/v1/outbox/{outbox_id}/retry").json["status"] == "pending"
    with nlp_services.db.session() as session:
        assert session.get(OutboxMessage, outbox_id).status == OutboxStatus.PENDING
    assert api.post(f"/api/v1/outbox/{outbox_id}/retry").status_code == 404
