"""/wecom on the wire: encrypted URL verification, encrypted messages and replies, dedupe."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot import create_app
from bot.db import Database
from handlers.help import texts as help_texts
from handlers.media import texts as media_texts
from models import InboundMessage
from tests.conftest import TEST_AES_KEY, TEST_CORP_ID, TEST_TOKEN
from tests.wechatkit import WeComKit

AGENT_ID = 1000002
USERID = "gridmember_zhang"
WECOM = {"corp_id": TEST_CORP_ID, "agent_id": AGENT_ID, "token": TEST_TOKEN, "aes_key": TEST_AES_KEY}


@pytest.fixture
def kit() -> WeComKit:
    return WeComKit(TEST_TOKEN, TEST_CORP_ID, AGENT_ID, TEST_AES_KEY, userid=USERID)


@pytest.fixture
def client(make_services: Any) -> Any:
    return create_app(services=make_services(wecom=WECOM)).test_client()


def verify_query(kit: WeComKit, echo: str, tamper: str | None = None) -> dict[str, str]:
    """WeCom's URL check: echostr is itself encrypted, and msg_signature covers it."""
    encrypted = kit.encrypt(echo)
    query, _ = kit.post_encrypted(encrypted, tamper=tamper)  # type: ignore[arg-type]
    return {**query, "echostr": encrypted}


def send(client: Any, kit: WeComKit, xml: str, tamper: str | None = None) -> tuple[Any, Any]:
    query, body = kit.post(xml, mode="safe", tamper=tamper)  # type: ignore[arg-type]
    resp = client.post("/wecom", query_string=query, data=body)
    return resp, (kit.read_reply(resp.data, query) if resp.status_code == 200 else None)


def stored(db: Database) -> list[InboundMessage]:
    with db.session() as session:
        return list(session.scalars(select(InboundMessage)))


def test_url_verification_answers_the_decrypted_echostr(client, kit):
    resp = client.get("/wecom", query_string=verify_query(kit, "7894562310123"))
    assert resp.status_code == 200
    assert resp.get_data(as_text=True) == "7894562310123"


@pytest.mark.parametrize("tamper", ["bad_signature", "no_signature", "stale_timestamp"])
def test_url_verification_refuses_bad_signature_and_replays(client, kit, tamper):
    resp = client.get("/wecom", query_string=verify_query(kit, "7894562310123", tamper))
    assert resp.status_code == 403
    assert "7894562310123" not in resp.get_data(as_text=True)


def test_url_verification_for_another_corp_is_refused(client, kit):
    encrypted = kit.encrypt("7894562310123", receive_id="wwsomeothercorp01")
    query, _ = kit.post_encrypted(encrypted)
    resp = client.get("/wecom", query_string={**query, "echostr": encrypted})
    assert 400 <= resp.status_code < 500
    assert "7894562310123" not in resp.get_data(as_text=True)


def test_encrypted_text_gets_an_encrypted_signed_reply(client, db, kit):
    resp, reply = send(client, kit, kit.text("帮助"))
    assert resp.status_code == 200
    assert b"<Encrypt>" in resp.data and help_texts.HELP.encode() not in resp.data
    # read_reply checked MsgSignature and that the ciphertext names our corp id.
    assert (reply["MsgType"], reply["ToUserName"], reply["Content"]) == ("text", USERID, help_texts.HELP)
    (row,) = stored(db)
    assert (row.channel, row.account, row.user_id) == ("wecom_app", f"wecom:{TEST_CORP_ID}:{AGENT_ID}", USERID)


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (lambda k: k.image(), media_texts.MEDIA_RECEIVED["image"]),
        (lambda k: k.voice(), media_texts.MEDIA_RECEIVED["voice"]),
        (lambda k: k.location(label="网格站"), media_texts.MEDIA_RECEIVED["location"].format(label="网格站")),
        (lambda k: k.subscribe(), help_texts.WELCOME),
        (lambda k: k.enter_agent(), "success"),
        (lambda k: k.click("HELP"), help_texts.HELP),
    ],
    ids=["image", "voice", "location", "subscribe", "enter_agent", "click"],
)
def test_wecom_message_types_are_answered(client, db, kit, build, expected):
    resp, reply = send(client, kit, build(kit))
    assert resp.status_code == 200
    assert (reply if isinstance(reply, str) else reply["Content"]) == expected
    assert len(stored(db)) == 1


def test_a_retried_message_is_stored_once_with_the_same_answer(client, db, kit):
    xml = kit.text("取消")
    answers = [send(client, kit, xml)[1]["Content"] for _ in range(3)]
    assert answers == [help_texts.NOTHING_TO_CANCEL] * 3
    assert len(stored(db)) == 1


@pytest.mark.parametrize("tamper", ["bad_signature", "no_signature", "stale_timestamp"])
def test_wrong_signature_or_replay_is_refused_and_stores_nothing(client, db, kit, tamper):
    resp, _ = send(client, kit, kit.text("帮助"), tamper=tamper)
    assert resp.status_code == 403
    assert stored(db) == []


def test_wecom_is_404_when_not_configured(app, db, kit):
    client = app.test_client()
    assert client.get("/wecom", query_string=verify_query(kit, "123")).status_code == 404
    query, body = kit.post(kit.text("帮助"))
    assert client.post("/wecom", query_string=query, data=body).status_code == 404
    assert stored(db) == []
