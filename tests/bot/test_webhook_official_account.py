"""/wechat on the wire: verification, the three modes, signatures, replays, every inbound type.

Requests are built by our own protocol kit (tests/wechatkit), never by the
code under test, and replies are read back the way WeChat would read them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from bot import create_app
from bot.db import Database
from handlers.help import texts as help_texts
from handlers.media import texts as media_texts
from models import InboundMessage
from tests.conftest import TEST_AES_KEY, TEST_APP_ID, TEST_TOKEN
from tests.wechatkit import OfficialAccountKit

OPENID = "oResidentWang"
BOT_ID = "gh_linli0000001"


@pytest.fixture
def kit() -> OfficialAccountKit:
    return OfficialAccountKit(TEST_TOKEN, TEST_APP_ID, TEST_AES_KEY, openid=OPENID, original_id=BOT_ID)


def client_for(make_services: Callable[..., Any], mode: str = "plaintext") -> Any:
    """A test client of the real app with the Official Account in `mode`."""
    wechat = {} if mode == "plaintext" else {"aes_key": TEST_AES_KEY, "mode": mode}
    return create_app(services=make_services(wechat=wechat)).test_client()


def send(client: Any, kit: OfficialAccountKit, xml: str, mode: str = "plaintext", **kw: Any) -> tuple[Any, Any]:
    query, body = kit.post(xml, mode=mode, **kw)
    resp = client.post("/wechat", query_string=query, data=body)
    reply = kit.read_reply(resp.data, query) if resp.status_code == 200 else None
    return resp, reply


def stored(db: Database) -> list[InboundMessage]:
    with db.session() as session:
        return list(session.scalars(select(InboundMessage).order_by(InboundMessage.id)))


# --- GET verification -------------------------------------------------------------


@pytest.mark.parametrize("mode", ["plaintext", "safe"])
def test_get_verification_answers_the_echostr(make_services, kit, mode):
    client = client_for(make_services, mode)
    resp = client.get("/wechat", query_string=kit.get_verify("echo_8f1d2c"))
    assert resp.status_code == 200
    assert resp.get_data(as_text=True) == "echo_8f1d2c"


@pytest.mark.parametrize("tamper", ["bad_signature", "no_signature", "stale_timestamp"])
def test_get_verification_refuses_a_bad_signature_or_replay(make_services, kit, tamper):
    client = client_for(make_services)
    resp = client.get("/wechat", query_string=kit.get_verify("echo_8f1d2c", tamper=tamper))
    assert resp.status_code == 403
    assert "echo_8f1d2c" not in resp.get_data(as_text=True)


# --- POST: modes and signatures --------------------------------------------------


@pytest.mark.parametrize(
    ("server_mode", "request_mode"),
    [
        ("plaintext", "plaintext"),
        ("compatible", "plaintext"),
        ("compatible", "compatible"),
        ("compatible", "safe"),
        ("safe", "compatible"),
        ("safe", "safe"),
    ],
)
def test_text_is_answered_in_every_accepted_mode(make_services, db, kit, server_mode, request_mode):
    client = client_for(make_services, server_mode)
    resp, reply = send(client, kit, kit.text("帮助"), request_mode)
    assert resp.status_code == 200
    # read_reply insists that an encrypted request gets an encrypted, correctly
    # signed reply addressed to our app id; a plaintext request a plain one.
    assert reply["MsgType"] == "text"
    assert reply["Content"] == help_texts.HELP
    assert reply["ToUserName"] == OPENID
    assert reply["FromUserName"] == BOT_ID
    if request_mode != "plaintext":
        assert b"<Encrypt>" in resp.data and help_texts.HELP.encode() not in resp.data
    (row,) = stored(db)
    assert (row.msg_type, row.content, row.user_id) == ("text", "帮助", OPENID)


def test_plaintext_is_refused_in_safe_mode(make_services, db, kit):
    client = client_for(make_services, "safe")
    resp, _ = send(client, kit, kit.text("帮助"), "plaintext")
    assert resp.status_code == 403
    assert stored(db) == []


def test_encrypted_request_without_a_configured_key_is_refused(make_services, db, kit):
    client = client_for(make_services, "plaintext")
    resp, _ = send(client, kit, kit.text("帮助"), "safe")
    assert resp.status_code == 400
    assert stored(db) == []


@pytest.mark.parametrize(
    ("server_mode", "request_mode", "tamper"),
    [
        ("plaintext", "plaintext", "bad_signature"),
        ("plaintext", "plaintext", "no_signature"),
        ("compatible", "plaintext", "bad_signature"),
        ("compatible", "compatible", "bad_msg_signature"),
        ("compatible", "compatible", "no_msg_signature"),
        ("safe", "safe", "bad_signature"),
        ("safe", "safe", "bad_msg_signature"),
        ("safe", "safe", "no_signature"),
        ("safe", "safe", "no_msg_signature"),
    ],
)
def test_wrong_or_missing_signature_is_403_and_stores_nothing(
    make_services, db, kit, server_mode, request_mode, tamper
):
    client = client_for(make_services, server_mode)
    resp, _ = send(client, kit, kit.text("帮助"), request_mode, tamper=tamper)
    assert resp.status_code == 403
    assert stored(db) == []
    # The genuine message still goes through afterwards.
    resp, reply = send(client, kit, kit.text("帮助"), request_mode)
    assert resp.status_code == 200 and reply["Content"] == help_texts.HELP


@pytest.mark.parametrize("mode", ["plaintext", "safe"])
def test_stale_timestamp_is_refused_as_a_replay(make_services, db, kit, mode):
    client = client_for(make_services, mode)
    resp, _ = send(client, kit, kit.text("帮助"), mode, tamper="stale_timestamp")
    assert resp.status_code == 403
    assert stored(db) == []


def test_timestamp_within_five_minutes_is_accepted(make_services, db, kit):
    client = client_for(make_services)
    resp, reply = send(client, kit, kit.text("帮助"), timestamp=int(kit._clock()) - 240)
    assert resp.status_code == 200 and reply["Content"] == help_texts.HELP


# --- every inbound type -------------------------------------------------------------

SILENT = "success"


def _types() -> list[tuple[str, Callable[[OfficialAccountKit], str], str, str | None, str]]:
    """(id, builder, stored msg_type, stored event, expected answer)."""
    return [
        ("text", lambda k: k.text("帮助"), "text", None, help_texts.HELP),
        ("image", lambda k: k.image(), "image", None, media_texts.MEDIA_RECEIVED["image"]),
        ("voice", lambda k: k.voice(), "voice", None, media_texts.MEDIA_RECEIVED["voice"]),
        ("voice_recognised", lambda k: k.voice(recognition="帮助"), "voice", None, help_texts.HELP),
        ("video", lambda k: k.video(), "video", None, media_texts.MEDIA_RECEIVED["video"]),
        ("shortvideo", lambda k: k.shortvideo(), "shortvideo", None, media_texts.MEDIA_RECEIVED["shortvideo"]),
        (
            "location",
            lambda k: k.location(label="幸福里小区3栋"),
            "location",
            None,
            media_texts.MEDIA_RECEIVED["location"].format(label="幸福里小区3栋"),
        ),
        ("link", lambda k: k.link(), "link", None, media_texts.MEDIA_RECEIVED["link"]),
        ("file", lambda k: k.file(), "file", None, media_texts.MEDIA_RECEIVED["file"]),
        ("subscribe", lambda k: k.subscribe(), "event", "subscribe", help_texts.WELCOME),
        ("subscribe_qrscene", lambda k: k.subscribe(scene="building3"), "event", "subscribe", help_texts.WELCOME),
        ("unsubscribe", lambda k: k.unsubscribe(), "event", "unsubscribe", SILENT),
        ("SCAN", lambda k: k.scan(), "event", "scan", SILENT),
        ("LOCATION", lambda k: k.location_event(), "event", "location", SILENT),
        ("CLICK_help", lambda k: k.click("HELP"), "event", "click", help_texts.HELP),
        ("VIEW", lambda k: k.view(), "event", "view", SILENT),
        ("TEMPLATESENDJOBFINISH", lambda k: k.template_send_job_finish(), "event", "templatesendjobfinish", SILENT),
        ("MASSSENDJOBFINISH", lambda k: k.mass_send_job_finish(), "event", "masssendjobfinish", SILENT),
        ("scancode_push", lambda k: k.scancode_push(), "event", "scancode_push", SILENT),
        (
            "scancode_waitmsg",
            lambda k: k.scancode_waitmsg(scan_result="ROOM-3-2-502"),
            "event",
            "scancode_waitmsg",
            help_texts.SCAN_RESULT.format(result="ROOM-3-2-502"),
        ),
        ("pic_sysphoto", lambda k: k.pic_sysphoto(), "event", "pic_sysphoto", SILENT),
        ("pic_photo_or_album", lambda k: k.pic_photo_or_album(), "event", "pic_photo_or_album", SILENT),
        ("pic_weixin", lambda k: k.pic_weixin(md5s=("a" * 32, "b" * 32)), "event", "pic_weixin", SILENT),
        ("location_select", lambda k: k.location_select(), "event", "location_select", SILENT),
    ]


@pytest.mark.parametrize("mode", ["plaintext", "safe"])
@pytest.mark.parametrize(
    ("build", "msg_type", "event", "expected"), [t[1:] for t in _types()], ids=[t[0] for t in _types()]
)
def test_every_inbound_type_is_answered_and_stored_once(make_services, db, kit, mode, build, msg_type, event, expected):
    client = client_for(make_services, mode)
    resp, reply = send(client, kit, build(kit), mode)
    assert resp.status_code == 200
    if expected == SILENT:
        assert reply == "success"
    else:
        assert reply["MsgType"] == "text" and reply["ToUserName"] == OPENID
        assert reply["Content"] == expected
    (row,) = stored(db)
    assert (row.msg_type, row.event, row.user_id) == (msg_type, event, OPENID)
    assert row.status == "done"


def test_voice_recognition_is_stored_and_routed_as_text(make_services, db, kit):
    client = client_for(make_services)
    _, reply = send(client, kit, kit.voice(media_id="media_v9", recognition="取消"))
    assert reply["Content"] == help_texts.NOTHING_TO_CANCEL
    (row,) = stored(db)
    assert (row.content, row.media_id, row.intent) == ("取消", "media_v9", "conversation.cancel")


def test_subscribe_from_a_qr_scene_keeps_the_scene_for_the_operator(make_services, db, kit):
    client = client_for(make_services)
    _, reply = send(client, kit, kit.subscribe(scene="building3"))
    assert reply["Content"] == help_texts.WELCOME
    assert "欢迎" in reply["Content"] and "报修" in reply["Content"]
    (row,) = stored(db)
    assert row.extra["EventKey"] == "qrscene_building3"


def test_job_report_msgid_does_not_swallow_a_residents_message(make_services, db, kit):
    """TEMPLATESENDJOBFINISH carries the MsgID of *our* send; it must not dedupe a user's MsgId."""
    client = client_for(make_services)
    resp, reply = send(client, kit, kit.template_send_job_finish(msg_id=10_000_000_000_000_777))
    assert reply == "success"
    _, reply = send(client, kit, kit.text("帮助", msg_id=10_000_000_000_000_777))
    assert reply["Content"] == help_texts.HELP
    assert [(r.msg_type, r.status) for r in stored(db)] == [("event", "done"), ("text", "done")]


@pytest.mark.parametrize(
    ("what", "mutate"),
    [
        ("msg_id_300_digits", lambda xml, k: xml.replace(str(k.last_msg_id), "9" * 300)),
        ("media_id_300_chars", lambda xml, k: xml.replace("media_image_1", "m" * 300)),
        ("from_user_300_chars", lambda xml, k: xml.replace(OPENID, "o" * 300)),
    ],
    ids=["msg_id", "media_id", "from_user"],
)
def test_oversized_identifiers_are_answered_not_crashed(make_services, db, kit, what, mutate):
    """Forged over-long ids used to overflow VARCHAR(255) on PostgreSQL: a 500."""
    client = client_for(make_services)
    resp, reply = send(client, kit, mutate(kit.image(), kit))
    assert resp.status_code == 200
    assert reply["Content"] == media_texts.MEDIA_RECEIVED["image"]
    assert len(stored(db)) == 1
    # Posted again it is recognised as the same message.
    resp, reply = send(client, kit, mutate(kit.image(msg_id=kit.last_msg_id), kit))
    assert reply["Content"] == media_texts.MEDIA_RECEIVED["image"]
    assert len(stored(db)) == 1


# --- an unconfigured token ----------------------------------------------------------


@pytest.mark.parametrize("mode", ["plaintext", "safe"])
def test_an_empty_token_refuses_everything_instead_of_trusting_forged_signatures(make_services, db, mode, caplog):
    import bot.wechat.webhook

    bot.wechat.webhook._logged_unavailable.clear()
    wechat: dict[str, Any] = {"token": ""} if mode == "plaintext" else {"token": "", "aes_key": TEST_AES_KEY, "mode": mode}
    client = create_app(services=make_services(wechat=wechat)).test_client()
    forger = OfficialAccountKit("", TEST_APP_ID, TEST_AES_KEY, openid=OPENID, original_id=BOT_ID)

    with caplog.at_level("ERROR", logger="bot.wechat.webhook"):
        verify = client.get("/wechat", query_string=forger.get_verify("echo_forged"))
        query, body = forger.post(forger.text("帮助"), mode=mode)
        post = client.post("/wechat", query_string=query, data=body)

    assert verify.status_code == 503 and post.status_code == 503
    assert "wechat.token is not configured" in verify.get_data(as_text=True)
    assert "echo_forged" not in verify.get_data(as_text=True)
    assert "wechat.token is not configured" in post.get_data(as_text=True)
    assert stored(db) == []
    assert sum("wechat.token is not configured" in r.getMessage() for r in caplog.records) == 1
