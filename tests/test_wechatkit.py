"""Cross-check our protocol kit against wechatpy 1.8.18, both directions.

If the kit and wechatpy agree, the webhook tests built on the kit exercise the
real wire format; if they disagree, one of the two has misread the protocol.
"""

from __future__ import annotations

import base64

import defusedxml.ElementTree as DET
import pytest
import wechatpy
import wechatpy.enterprise
import xmltodict
from defusedxml import DefusedXmlException
from wechatpy import events, messages
from wechatpy.crypto import WeChatCrypto
from wechatpy.enterprise import events as wecom_events
from wechatpy.enterprise import messages as wecom_messages
from wechatpy.enterprise.crypto import WeChatCrypto as WeComCrypto
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.replies import ArticlesReply, TextReply
from wechatpy.utils import check_signature

from tests.wechatkit import (
    STALE_SECONDS,
    DecryptError,
    OfficialAccountKit,
    SignatureError,
    WeChatKitError,
    WeComKit,
    crypto,
    hostile,
    random_aes_key,
)

TOKEN = "linli_t0ken"
APP_ID = "wx1234567890abcdef"
CORP_ID = "ww0123456789abcdef"
AGENT_ID = 1000002
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
NOW = 1_795_000_000.0


@pytest.fixture
def kit() -> OfficialAccountKit:
    return OfficialAccountKit(TOKEN, APP_ID, aes_key=AES_KEY, clock=lambda: NOW)


@pytest.fixture
def wecom() -> WeComKit:
    return WeComKit(TOKEN, CORP_ID, AGENT_ID, AES_KEY, clock=lambda: NOW)


@pytest.fixture
def wp() -> WeChatCrypto:
    return WeChatCrypto(TOKEN, AES_KEY, APP_ID)


@pytest.fixture
def wp_wecom() -> WeComCrypto:
    return WeComCrypto(TOKEN, AES_KEY, CORP_ID)


# --- signatures -----------------------------------------------------------
def test_plain_signature_is_accepted_by_wechatpy(kit: OfficialAccountKit) -> None:
    query, _ = kit.post(kit.text("你好"))
    check_signature(TOKEN, query["signature"], query["timestamp"], query["nonce"])
    assert query["openid"] == "oUser123"


def test_get_verify_is_signed_and_carries_echostr(kit: OfficialAccountKit) -> None:
    query = kit.get_verify("echo123")
    check_signature(TOKEN, query["signature"], query["timestamp"], query["nonce"])
    assert query["echostr"] == "echo123"


def test_signature_sorts_parts_before_hashing() -> None:
    assert crypto.sign("b", "a", "c") == crypto.sign("c", "b", "a")
    assert crypto.sign("b", "a") == "da23614e02469a0d7c7bd1bdab5c9c474b1904dc"  # sha1("ab")


@pytest.mark.parametrize("mode", ["plaintext", "safe", "compatible"])
def test_bad_signature_is_rejected_by_wechatpy(kit: OfficialAccountKit, wp: WeChatCrypto, mode: str) -> None:
    query, body = kit.post(kit.text(), mode=mode, tamper="bad_signature")
    with pytest.raises(InvalidSignatureException):
        check_signature(TOKEN, query["signature"], query["timestamp"], query["nonce"])
    if mode != "plaintext":
        with pytest.raises(InvalidSignatureException):
            wp.decrypt_message(body, query["msg_signature"], query["timestamp"], query["nonce"])


def test_bad_msg_signature_keeps_plain_signature_valid(kit: OfficialAccountKit, wp: WeChatCrypto) -> None:
    query, body = kit.post(kit.text(), mode="safe", tamper="bad_msg_signature")
    check_signature(TOKEN, query["signature"], query["timestamp"], query["nonce"])
    with pytest.raises(InvalidSignatureException):
        wp.decrypt_message(body, query["msg_signature"], query["timestamp"], query["nonce"])


def test_missing_signatures_are_removed(kit: OfficialAccountKit) -> None:
    query, _ = kit.post(kit.text(), mode="safe", tamper="no_signature")
    assert "signature" not in query and "msg_signature" not in query
    query, _ = kit.post(kit.text(), mode="safe", tamper="no_msg_signature")
    assert "signature" in query and "msg_signature" not in query


def test_msg_signature_tampers_need_an_encrypted_mode(kit: OfficialAccountKit) -> None:
    with pytest.raises(ValueError):
        kit.post(kit.text(), mode="plaintext", tamper="bad_msg_signature")


def test_stale_timestamp_is_old_but_correctly_signed(kit: OfficialAccountKit, wp: WeChatCrypto) -> None:
    query, body = kit.post(kit.text("旧消息"), mode="safe", tamper="stale_timestamp")
    assert int(query["timestamp"]) == int(NOW) - STALE_SECONDS
    check_signature(TOKEN, query["signature"], query["timestamp"], query["nonce"])
    assert "旧消息" in wp.decrypt_message(body, query["msg_signature"], query["timestamp"], query["nonce"])


def test_explicit_timestamp_and_nonce_are_used(kit: OfficialAccountKit) -> None:
    query, _ = kit.post(kit.text(), timestamp=1234, nonce="42")
    assert (query["timestamp"], query["nonce"]) == ("1234", "42")
    assert query["signature"] == crypto.sign(TOKEN, "1234", "42")


# --- encryption, kit -> wechatpy -----------------------------------------
def test_kit_ciphertext_decrypts_with_wechatpy_at_every_padding(kit: OfficialAccountKit, wp: WeChatCrypto) -> None:
    # 32 consecutive lengths hit every padding size, including a full 32-byte block.
    for n in range(1, 34):
        msg = "x" * n + "漏"
        query, body = kit.post(kit.text(msg), mode="safe")
        xml = wp.decrypt_message(body, query["msg_signature"], query["timestamp"], query["nonce"])
        assert wechatpy.parse_message(xml).content == msg


def test_wechatpy_ciphertext_decrypts_with_kit_at_every_padding(kit: OfficialAccountKit, wp: WeChatCrypto) -> None:
    for n in range(1, 34):
        msg = "y" * n
        body = wp.encrypt_message(msg, "1", "2")
        assert kit.decrypt(xmltodict.parse(body)["xml"]["Encrypt"]) == msg


def test_safe_body_holds_only_envelope(kit: OfficialAccountKit) -> None:
    _, body = kit.post(kit.text("秘密"), mode="safe")
    doc = xmltodict.parse(body)["xml"]
    assert set(doc) == {"ToUserName", "Encrypt"}
    assert doc["ToUserName"] == kit.original_id
    assert "秘密".encode() not in body


def test_compatible_body_holds_plaintext_and_ciphertext(kit: OfficialAccountKit, wp: WeChatCrypto) -> None:
    query, body = kit.post(kit.text("兼容模式"), mode="compatible")
    doc = xmltodict.parse(body)["xml"]
    assert doc["Content"] == "兼容模式" and "Encrypt" in doc
    assert query["encrypt_type"] == "aes"
    inner = wp.decrypt_message(body, query["msg_signature"], query["timestamp"], query["nonce"])
    assert wechatpy.parse_message(inner).content == "兼容模式"


def test_safe_mode_without_aes_key_is_refused() -> None:
    plain_kit = OfficialAccountKit(TOKEN, APP_ID)
    with pytest.raises(WeChatKitError):
        plain_kit.post(plain_kit.text(), mode="safe")


# --- encryption, wechatpy -> kit -----------------------------------------
def test_wechatpy_encrypted_text_reply_reads_and_verifies(kit: OfficialAccountKit, wp: WeChatCrypto) -> None:
    query, _ = kit.post(kit.text(), mode="safe")
    reply = TextReply(content="已收到您的报修", source="gh_linli0000001", target="oUser123")
    body = wp.encrypt_message(reply.render(), query["nonce"], query["timestamp"])
    got = kit.read_reply(body.encode(), query)
    assert got["MsgType"] == "text"
    assert got["Content"] == "已收到您的报修"
    assert got["ToUserName"] == "oUser123"


def test_wechatpy_news_reply_reads_as_article_list(kit: OfficialAccountKit, wp: WeChatCrypto) -> None:
    query, _ = kit.post(kit.text(), mode="safe")
    reply = ArticlesReply(
        source="gh",
        target="oUser123",
        articles=[
            {"title": "停水通知", "description": "明日停水", "image": "http://x/1.jpg", "url": "http://x/1"},
        ],
    )
    got = kit.read_reply(wp.encrypt_message(reply.render(), "1", "2"), query)
    assert got["MsgType"] == "news"
    assert [a["Title"] for a in got["Articles"]] == ["停水通知"]


def test_forged_reply_signature_raises(kit: OfficialAccountKit, wp: WeChatCrypto) -> None:
    query, _ = kit.post(kit.text(), mode="safe")
    body = wp.encrypt_message(TextReply(content="x", source="a", target="b").render(), "1", "2")
    doc = xmltodict.parse(body)
    doc["xml"]["MsgSignature"] = "0" * 40
    with pytest.raises(SignatureError):
        kit.read_reply(xmltodict.unparse(doc).encode(), query)


def test_reply_for_another_app_raises(kit: OfficialAccountKit) -> None:
    query, _ = kit.post(kit.text(), mode="safe")
    other = WeChatCrypto(TOKEN, AES_KEY, "wx_someone_else")
    body = other.encrypt_message(TextReply(content="x", source="a", target="b").render(), "1", "2")
    with pytest.raises(DecryptError):
        kit.read_reply(body, query)


def test_plaintext_reply_to_encrypted_request_raises_unless_allowed(kit: OfficialAccountKit) -> None:
    query, _ = kit.post(kit.text(), mode="safe")
    body = TextReply(content="明文", source="a", target="b").render().encode()
    with pytest.raises(WeChatKitError):
        kit.read_reply(body, query)
    assert kit.read_reply(body, query, allow_plaintext=True)["Content"] == "明文"


@pytest.mark.parametrize("body", [b"success", b"", b"  success\n"])
def test_no_reply_bodies_read_as_text(kit: OfficialAccountKit, body: bytes) -> None:
    query, _ = kit.post(kit.text(), mode="safe")
    assert kit.read_reply(body, query) in ("success", "")


def test_plaintext_reply_in_plaintext_mode(kit: OfficialAccountKit) -> None:
    query, _ = kit.post(kit.text())
    body = TextReply(content="你好，邻里", source="gh", target="oUser123").render()
    assert kit.read_reply(body, query)["Content"] == "你好，邻里"


# --- WeCom ------------------------------------------------------------------
def test_wecom_message_decrypts_with_wechatpy(wecom: WeComKit, wp_wecom: WeComCrypto) -> None:
    query, body = wecom.post(wecom.text("电梯困人"))
    assert set(query) == {"msg_signature", "timestamp", "nonce"}
    assert xmltodict.parse(body)["xml"]["AgentID"] == str(AGENT_ID)
    xml = wp_wecom.decrypt_message(body, query["msg_signature"], query["timestamp"], query["nonce"])
    msg = wechatpy.enterprise.parse_message(xml)
    assert isinstance(msg, wecom_messages.TextMessage)
    assert (msg.content, msg.source, msg.agent) == ("电梯困人", "zhangsan", AGENT_ID)


def test_wecom_get_verify_answers_plaintext_echostr(wecom: WeComKit, wp_wecom: WeComCrypto) -> None:
    query = wecom.get_verify("echo_plain_123")
    assert query["echostr"] != "echo_plain_123"
    assert (
        wp_wecom.check_signature(query["msg_signature"], query["timestamp"], query["nonce"], query["echostr"])
        == "echo_plain_123"
    )


def test_wecom_get_verify_bad_signature(wecom: WeComKit, wp_wecom: WeComCrypto) -> None:
    query = wecom.get_verify("e", tamper="bad_signature")
    with pytest.raises(InvalidSignatureException):
        wp_wecom.check_signature(query["msg_signature"], query["timestamp"], query["nonce"], query["echostr"])


def test_wecom_reply_from_wechatpy_reads(wecom: WeComKit, wp_wecom: WeComCrypto) -> None:
    query, _ = wecom.post(wecom.text())
    body = wp_wecom.encrypt_message(TextReply(content="已派单", source=CORP_ID, target="zhangsan").render(), "5", "6")
    assert wecom.read_reply(body, query)["Content"] == "已派单"


def test_wecom_rejects_plaintext_mode(wecom: WeComKit) -> None:
    with pytest.raises(ValueError):
        wecom.post(wecom.text(), mode="plaintext")


# --- builders parse into wechatpy's classes ------------------------------
OA_CASES = [
    ("text", {}, messages.TextMessage, {"content": "你好"}),
    ("image", {}, messages.ImageMessage, {"media_id": "media_image_1"}),
    ("voice", {"recognition": "水管漏水"}, messages.VoiceMessage, {"recognition": "水管漏水", "format": "amr"}),
    ("voice", {}, messages.VoiceMessage, {"recognition": None}),
    ("video", {}, messages.VideoMessage, {"thumb_media_id": "media_thumb_1"}),
    ("shortvideo", {}, messages.ShortVideoMessage, {"media_id": "media_shortvideo_1"}),
    ("location", {}, messages.LocationMessage, {"location_x": "31.230416", "scale": "15"}),
    ("link", {}, messages.LinkMessage, {"title": "小区通知"}),
    ("file", {}, messages.UnknownMessage, {"type": "unknown"}),  # wechatpy 1.8.18 has no file class
    ("subscribe", {}, events.SubscribeEvent, {"key": ""}),
    ("subscribe", {"scene": 123}, events.SubscribeScanEvent, {"scene_id": "123"}),
    ("unsubscribe", {}, events.UnsubscribeEvent, {}),
    ("scan", {"scene": "123"}, events.ScanEvent, {"scene_id": "123", "ticket": "gQFfake_ticket"}),
    ("location_event", {}, events.LocationEvent, {"latitude": 23.137466}),
    ("click", {"key": "MENU_REPAIR"}, events.ClickEvent, {"key": "MENU_REPAIR"}),
    ("view", {}, events.ViewEvent, {"url": "http://example.com/menu"}),
    (
        "template_send_job_finish",
        {"status": "failed:user block"},
        events.TemplateSendJobFinishEvent,
        {"status": "failed:user block"},
    ),
    ("mass_send_job_finish", {}, events.MassSendJobFinishEvent, {"sent_count": 75}),
    ("scancode_push", {}, events.ScanCodePushEvent, {"scan_type": "qrcode"}),
    ("scancode_waitmsg", {"scan_result": "abc"}, events.ScanCodeWaitMsgEvent, {"scan_result": "abc"}),
    ("pic_sysphoto", {}, events.PicSysPhotoEvent, {"count": 1}),
    ("pic_photo_or_album", {"md5s": ["a1", "b2"]}, events.PicPhotoOrAlbumEvent, {"count": 2}),
    ("pic_weixin", {}, events.PicWeChatEvent, {"count": 1}),
    ("location_select", {"label": "3栋"}, events.LocationSelectEvent, {"label": "3栋"}),
]


@pytest.mark.parametrize(
    ("builder", "kwargs", "cls", "attrs"), OA_CASES, ids=[f"{c[0]}-{c[2].__name__}" for c in OA_CASES]
)
def test_official_account_builders_parse_with_wechatpy(
    kit: OfficialAccountKit, builder: str, kwargs: dict, cls: type, attrs: dict
) -> None:
    msg = wechatpy.parse_message(getattr(kit, builder)(**kwargs))
    assert type(msg) is cls
    assert msg.source == "oUser123" and msg.target == kit.original_id
    assert msg.create_time.timestamp() == NOW
    for name, value in attrs.items():
        assert getattr(msg, name) == value, name


def test_picture_event_lists_each_md5(kit: OfficialAccountKit) -> None:
    msg = wechatpy.parse_message(kit.pic_photo_or_album(md5s=["a1", "b2"]))
    assert [p["PicMd5Sum"] for p in msg.pictures] == ["a1", "b2"]


def test_file_message_has_all_fields(kit: OfficialAccountKit) -> None:
    doc = xmltodict.parse(kit.file(title="a.pdf", file_total_len=7))["xml"]
    assert doc["MsgType"] == "file"
    assert (doc["Title"], doc["FileTotalLen"]) == ("a.pdf", "7")
    assert {"Description", "FileKey", "FileMd5", "MsgId"} <= set(doc)


WECOM_CASES = [
    ("text", {}, wecom_messages.TextMessage),
    ("image", {}, wecom_messages.ImageMessage),
    ("voice", {}, wecom_messages.VoiceMessage),
    ("location", {}, wecom_messages.LocationMessage),
    ("subscribe", {}, wecom_events.SubscribeEvent),
    ("enter_agent", {}, wecom_events.EnterAgentEvent),
    ("click", {"key": "MENU_TASKS"}, wecom_events.ClickEvent),
]


@pytest.mark.parametrize(("builder", "kwargs", "cls"), WECOM_CASES, ids=[c[0] for c in WECOM_CASES])
def test_wecom_builders_parse_with_wechatpy(wecom: WeComKit, builder: str, kwargs: dict, cls: type) -> None:
    msg = wechatpy.enterprise.parse_message(getattr(wecom, builder)(**kwargs))
    assert type(msg) is cls
    assert msg.agent == AGENT_ID and msg.source == "zhangsan" and msg.target == CORP_ID


def test_msg_ids_increase_and_can_be_repeated_for_retries(kit: OfficialAccountKit) -> None:
    first = wechatpy.parse_message(kit.text("a")).id
    second = wechatpy.parse_message(kit.image()).id
    assert second == first + 1
    retry = wechatpy.parse_message(kit.text("a", msg_id=first)).id
    assert retry == first and kit.last_msg_id == first


def test_builders_accept_sender_and_time(kit: OfficialAccountKit) -> None:
    msg = wechatpy.parse_message(kit.click(from_user="oOther", create_time=1_700_000_000))
    assert msg.source == "oOther" and msg.create_time.timestamp() == 1_700_000_000
    query, _ = kit.post(kit.text(from_user="oOther"))
    assert query["openid"] == "oOther"


def test_content_with_cdata_terminator_survives(kit: OfficialAccountKit) -> None:
    tricky = "a]]>b<xml>&amp;"
    assert wechatpy.parse_message(kit.text(tricky)).content == tricky


# --- hostile payloads ---------------------------------------------------------
def test_every_safe_hostile_case_is_correctly_signed(kit: OfficialAccountKit) -> None:
    # A forged case that fails the signature check never reaches the parser.
    cases = kit.hostile_cases("safe")
    assert len({c.name for c in cases}) == len(cases)
    for case in cases:
        q = case.query
        check_signature(TOKEN, q["signature"], q["timestamp"], q["nonce"])
        if case.name.startswith("safe/envelope"):
            continue
        encrypt = xmltodict.parse(case.body)["xml"]["Encrypt"] or ""
        assert crypto.sign(TOKEN, q["timestamp"], q["nonce"], encrypt) == q["msg_signature"], case.name


def test_plaintext_hostile_cases_cover_issue_2(kit: OfficialAccountKit) -> None:
    names = {c.name for c in kit.hostile_cases("plaintext")}
    for kind in (
        "malformed_xml",
        "xxe_file",
        "billion_laughs",
        "deep_nesting",
        "gbk_undeclared",
        "missing_msgtype",
        "missing_from_user",
        "unknown_msgtype",
        "huge_content",
        "control_chars",
        "oversize",
    ):
        assert f"plaintext/{kind}" in names
    for case in kit.hostile_cases("plaintext"):
        check_signature(TOKEN, case.query["signature"], case.query["timestamp"], case.query["nonce"])


@pytest.mark.parametrize(
    "kind",
    [
        "cipher_wrong_padding_zero",
        "cipher_wrong_padding_large",
        "cipher_wrong_app_id",
        "cipher_wrong_key",
        "cipher_length_overflow",
        "cipher_truncated_base64",
        "cipher_not_block_multiple",
        "cipher_non_base64",
        "cipher_empty",
    ],
)
def test_forged_ciphertexts_fail_to_decrypt_in_both_implementations(kind: str) -> None:
    key = crypto.decode_aes_key(AES_KEY)
    forged = hostile.CIPHERS[kind](key, APP_ID)
    with pytest.raises(DecryptError):
        crypto.decrypt(key, forged, APP_ID)
    body = OfficialAccountKit.envelope_body(forged, "gh")
    sig = crypto.sign(TOKEN, "1", "2", forged)
    with pytest.raises(Exception):  # noqa: B017 - wechatpy raises a different type per defect
        WeChatCrypto(TOKEN, AES_KEY, APP_ID).decrypt_message(body, sig, "1", "2")


def test_safe_payload_cases_decrypt_back_to_the_payload(kit: OfficialAccountKit, wp: WeChatCrypto) -> None:
    by_name = {c.name: c for c in kit.hostile_cases("safe")}
    case = by_name["safe/xxe_file"]
    q = case.query
    inner = wp.decrypt_message(case.body, q["msg_signature"], q["timestamp"], q["nonce"])
    assert 'SYSTEM "file:///etc/passwd"' in inner


@pytest.mark.parametrize("payload", [hostile.xxe_file, hostile.billion_laughs, hostile.quadratic_blowup])
def test_entity_payloads_are_refused_by_a_defused_parser(payload) -> None:  # noqa: ANN001
    with pytest.raises(DefusedXmlException):
        DET.fromstring(payload())


def test_remote_dtd_payload_points_only_at_localhost() -> None:
    body = hostile.xxe_remote_dtd()
    assert b'SYSTEM "http://127.0.0.1:9/' in body
    with pytest.raises(DefusedXmlException):
        DET.fromstring(body, forbid_dtd=True)


def test_content_payloads_have_the_advertised_shape() -> None:
    with pytest.raises(UnicodeDecodeError):
        hostile.gbk_undeclared().decode("utf-8")
    assert "水管漏水了" in hostile.gbk_declared().decode("gbk")
    assert hostile.deep_nesting().count(b"<a>") == 100_000
    assert all(d for d in hostile.DESCRIPTIONS.values())
    huge = xmltodict.parse(hostile.huge_content())["xml"]["Content"]
    assert len(huge) == 100_000
    assert b"\x00" in hostile.control_chars() and b"\x1f" in hostile.control_chars()
    assert len(hostile.oversize()) >= hostile.OVERSIZE_BYTES - 1
    assert "MsgType" not in xmltodict.parse(hostile.missing_msgtype())["xml"]
    assert "FromUserName" not in xmltodict.parse(hostile.missing_from_user())["xml"]


def test_small_variants_fit_a_64k_body_limit_even_encrypted(kit: OfficialAccountKit) -> None:
    # Otherwise a 413 answers them and the parser is never exercised.
    bodies = {c.name: c.body for c in kit.hostile_cases("safe")}
    for kind in ("deep_nesting_small", "long_content"):
        assert len(bodies[f"safe/{kind}"]) < 64 * 1024, kind


def test_default_hostile_cases_cover_every_mode_the_kit_has(kit: OfficialAccountKit) -> None:
    names = [c.name for c in kit.hostile_cases()]
    assert {n.split("/")[0] for n in names} == {"plaintext", "safe"}
    plain_only = OfficialAccountKit(TOKEN, APP_ID)
    assert {c.name.split("/")[0] for c in plain_only.hostile_cases()} == {"plaintext"}
    with pytest.raises(WeChatKitError):
        plain_only.hostile_cases("safe")


def test_wecom_hostile_cases_use_wecom_signatures(wecom: WeComKit) -> None:
    cases = wecom.hostile_cases()
    assert cases and all(set(c.query) == {"msg_signature", "timestamp", "nonce"} for c in cases)


# --- primitives -----------------------------------------------------------
def test_random_aes_key_is_accepted_by_wechatpy() -> None:
    key = random_aes_key()
    assert len(key) == 43
    kit = OfficialAccountKit(TOKEN, APP_ID, aes_key=key)
    query, body = kit.post(kit.text("k"), mode="safe")
    out = WeChatCrypto(TOKEN, key, APP_ID).decrypt_message(
        body, query["msg_signature"], query["timestamp"], query["nonce"]
    )
    assert "k" in out


def test_padding_is_to_32_bytes() -> None:
    key = crypto.decode_aes_key(AES_KEY)
    for n in range(0, 70):
        raw = base64.b64decode(crypto.encrypt(key, "x" * n, APP_ID))
        assert len(raw) % 32 == 0
