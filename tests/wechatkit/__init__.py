"""Our own WeChat / WeCom callback protocol kit, independent of wechatpy.

The server uses wechatpy; this kit is written from the protocol description so
the two cross-check each other. It plays the WeChat platform in tests:

    from tests.wechatkit import OfficialAccountKit, WeComKit, random_aes_key

    kit = OfficialAccountKit(token="t0ken", app_id="wx_app", aes_key=random_aes_key())
    xml = kit.text("3栋电梯坏了")                     # builders: see messages.py
    query, body = kit.post(xml, mode="safe")           # "plaintext" | "compatible" | "safe"
    resp = client.post("/wechat", query_string=query, data=body)
    reply = kit.read_reply(resp.data, query)           # dict, or "success" / ""
    assert reply["Content"].startswith("已为您")

    client.get("/wechat", query_string=kit.get_verify("abc"))  # must answer "abc"
    kit.post(xml, mode="safe", tamper="bad_signature")         # must be refused
    for case in kit.hostile_cases("safe"): ...                 # issue 2, see hostile.py

Modules: crypto (signatures, AES), messages (XML builders), kits (requests and
replies), hostile (attack payloads), xmltools (CDATA writer, reply reader).
"""

from tests.wechatkit.crypto import DecryptError, SignatureError, WeChatKitError, random_aes_key, sign
from tests.wechatkit.hostile import DESCRIPTIONS, HostileCase, hostile_cases
from tests.wechatkit.kits import MODES, STALE_SECONDS, TAMPERS, OfficialAccountKit, WeComKit
from tests.wechatkit.xmltools import parse_xml, render_xml

__all__ = [
    "DESCRIPTIONS",
    "MODES",
    "STALE_SECONDS",
    "TAMPERS",
    "DecryptError",
    "HostileCase",
    "OfficialAccountKit",
    "SignatureError",
    "WeChatKitError",
    "WeComKit",
    "hostile_cases",
    "parse_xml",
    "random_aes_key",
    "render_xml",
    "sign",
]
