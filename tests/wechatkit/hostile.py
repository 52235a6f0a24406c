"""Hostile inbound payloads (issue 2): what a forger or a broken proxy could send.

Every case is *correctly signed*, so it gets past the signature check and
reaches the parser or the decryptor: that is where the danger lies. A server
survives a case when it answers promptly without a 5xx, does not read local
files or fetch URLs, does not expand entities, and routes nothing to a handler
(a 4xx, or an empty / "success" reply).

    for case in kit.hostile_cases("safe"):
        resp = client.post("/wechat", query_string=case.query, data=case.body)
        assert resp.status_code < 500, case.name

Case names are "<mode>/<kind>", e.g. "safe/xxe_file"; DESCRIPTIONS explains
each kind. Payload builders are also public for one-off tests.
"""

from __future__ import annotations

import base64
import os
from typing import TYPE_CHECKING, NamedTuple

from tests.wechatkit import crypto
from tests.wechatkit.crypto import WeChatKitError
from tests.wechatkit.xmltools import render_xml

if TYPE_CHECKING:
    from tests.wechatkit.kits import OfficialAccountKit, WeComKit

OVERSIZE_BYTES = 2 * 1024 * 1024
DEEP_LEVELS = 100_000
HUGE_CONTENT_CHARS = 100_000
# The "small" variants stay under a 64 KiB body limit even once encrypted
# (base64 adds a third), so they reach the parser instead of a 413.
SMALL_DEEP_LEVELS = 5_000
LONG_CONTENT_CHARS = 10_000


class HostileCase(NamedTuple):
    """One ready-to-POST hostile request."""

    name: str
    query: dict[str, str]
    body: bytes


def _head(to_user: str = "gh_linli0000001", from_user: str = "oUser123") -> str:
    return (
        f"<ToUserName><![CDATA[{to_user}]]></ToUserName>"
        f"<FromUserName><![CDATA[{from_user}]]></FromUserName>"
        "<CreateTime>1700000000</CreateTime>"
    )


def malformed_xml() -> bytes:
    """Truncated document: unclosed elements."""
    return f"<xml>{_head()}<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好".encode()


def not_xml() -> bytes:
    """A body that is not XML at all."""
    return b'{"MsgType": "text", "Content": "hello"}'


def empty_body() -> bytes:
    """No body."""
    return b""


def wrong_root() -> bytes:
    """Well-formed XML whose root is not <xml>."""
    return f"<message>{_head()}<MsgType>text</MsgType><Content>hi</Content></message>".encode()


def xxe_file() -> bytes:
    """External entity pointing at /etc/passwd, used in Content."""
    return (
        '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        f"<xml>{_head()}<MsgType>text</MsgType><Content>&xxe;</Content>"
        "<MsgId>10000000000000999</MsgId></xml>"
    ).encode()


def xxe_remote_dtd() -> bytes:
    """External DTD on a closed local port: a parser that fetches it is vulnerable."""
    return (
        '<?xml version="1.0"?><!DOCTYPE xml SYSTEM "http://127.0.0.1:9/evil.dtd">'
        f"<xml>{_head()}<MsgType>text</MsgType><Content>hi</Content>"
        "<MsgId>10000000000000998</MsgId></xml>"
    ).encode()


def billion_laughs(levels: int = 9) -> bytes:
    """Nested entities expanding to 10**levels copies of "lol" (3 GB at 9)."""
    ents = ['<!ENTITY lol0 "lol">']
    for i in range(1, levels + 1):
        ents.append(f'<!ENTITY lol{i} "' + f"&lol{i - 1};" * 10 + '">')
    return (
        f'<?xml version="1.0"?><!DOCTYPE xml [{"".join(ents)}]>'
        f"<xml>{_head()}<MsgType>text</MsgType><Content>&lol{levels};</Content>"
        "<MsgId>10000000000000997</MsgId></xml>"
    ).encode()


def quadratic_blowup(size: int = 20_000, refs: int = 20_000) -> bytes:
    """One large entity referenced many times (400 MB at the defaults)."""
    return (
        f'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "{"A" * size}">]>'
        f"<xml>{_head()}<MsgType>text</MsgType><Content>{'&a;' * refs}</Content></xml>"
    ).encode()


def deep_nesting(levels: int = DEEP_LEVELS) -> bytes:
    """Content nested `levels` elements deep (recursion-based parsers overflow)."""
    return (
        f"<xml>{_head()}<MsgType>text</MsgType><Content>" + "<a>" * levels + "x" + "</a>" * levels + "</Content></xml>"
    ).encode()


def gbk_undeclared() -> bytes:
    """A Chinese text message encoded as GBK with no encoding declaration (invalid UTF-8)."""
    return render_xml(
        {
            "ToUserName": "gh_linli0000001",
            "FromUserName": "oUser123",
            "CreateTime": 1700000000,
            "MsgType": "text",
            "Content": "水管漏水了",
            "MsgId": 10000000000000996,
        }
    ).encode("gbk")


def gbk_declared() -> bytes:
    """GBK bytes with a matching XML declaration."""
    return b'<?xml version="1.0" encoding="GBK"?>' + gbk_undeclared()


def missing_msgtype() -> bytes:
    """No MsgType element."""
    return f"<xml>{_head()}<Content>hi</Content><MsgId>10000000000000995</MsgId></xml>".encode()


def missing_from_user() -> bytes:
    """No FromUserName element."""
    return (
        b"<xml><ToUserName>gh_linli0000001</ToUserName><CreateTime>1700000000</CreateTime>"
        b"<MsgType>text</MsgType><Content>hi</Content><MsgId>10000000000000994</MsgId>"
        b"</xml>"
    )


def unknown_msgtype() -> bytes:
    """A MsgType no version of WeChat sends."""
    return (
        f"<xml>{_head()}<MsgType>hologram</MsgType><Content>hi</Content><MsgId>10000000000000993</MsgId></xml>"
    ).encode()


def duplicate_fields() -> bytes:
    """MsgType and Content twice (xmltodict turns them into lists)."""
    return (
        f"<xml>{_head()}<MsgType>text</MsgType><MsgType>event</MsgType>"
        "<Content>a</Content><Content>b</Content><MsgId>10000000000000992</MsgId></xml>"
    ).encode()


def nested_field() -> bytes:
    """Content with child elements instead of text (xmltodict makes it a dict)."""
    return (
        f"<xml>{_head()}<MsgType>text</MsgType><Content><b>hi</b></Content><MsgId>10000000000000991</MsgId></xml>"
    ).encode()


def huge_content(chars: int = HUGE_CONTENT_CHARS) -> bytes:
    """A text message of `chars` Chinese characters."""
    return render_xml(
        {
            "ToUserName": "gh_linli0000001",
            "FromUserName": "oUser123",
            "CreateTime": 1700000000,
            "MsgType": "text",
            "Content": "漏" * chars,
            "MsgId": 10000000000000990,
        }
    ).encode()


def control_chars() -> bytes:
    """Raw \\x00-\\x1f inside Content (illegal in XML 1.0)."""
    junk = "".join(chr(c) for c in range(0x20))
    return (
        f"<xml>{_head()}<MsgType>text</MsgType><Content><![CDATA[a{junk}b]]></Content>"
        "<MsgId>10000000000000989</MsgId></xml>"
    ).encode()


def control_char_refs() -> bytes:
    """Character references to \\x00-\\x1f (also illegal in XML 1.0)."""
    refs = "".join(f"&#x{c:x};" for c in range(0x20))
    return (
        f"<xml>{_head()}<MsgType>text</MsgType><Content>a{refs}b</Content><MsgId>10000000000000988</MsgId></xml>"
    ).encode()


def oversize(size: int = OVERSIZE_BYTES) -> bytes:
    """A well-formed text message padded to about `size` bytes."""
    filler = "A" * max(0, size - 200)
    return render_xml(
        {
            "ToUserName": "gh_linli0000001",
            "FromUserName": "oUser123",
            "CreateTime": 1700000000,
            "MsgType": "text",
            "Content": filler,
            "MsgId": 10000000000000987,
        }
    ).encode()


# Payloads that are hostile as the message itself (plaintext body, or inside the ciphertext).
PAYLOADS = {
    "malformed_xml": malformed_xml,
    "not_xml": not_xml,
    "empty_body": empty_body,
    "wrong_root": wrong_root,
    "xxe_file": xxe_file,
    "xxe_remote_dtd": xxe_remote_dtd,
    "billion_laughs": billion_laughs,
    "quadratic_blowup": quadratic_blowup,
    "deep_nesting": deep_nesting,
    "deep_nesting_small": lambda: deep_nesting(SMALL_DEEP_LEVELS),
    "gbk_undeclared": gbk_undeclared,
    "gbk_declared": gbk_declared,
    "missing_msgtype": missing_msgtype,
    "missing_from_user": missing_from_user,
    "unknown_msgtype": unknown_msgtype,
    "duplicate_fields": duplicate_fields,
    "nested_field": nested_field,
    "huge_content": huge_content,
    "long_content": lambda: huge_content(LONG_CONTENT_CHARS),
    "control_chars": control_chars,
    "control_char_refs": control_char_refs,
    "oversize": oversize,
}


# --- forged ciphertexts (each still correctly msg_signed) --------------------
def _raw_cipher(key: bytes, plain: bytes) -> str:
    return crypto.aes_encrypt_raw(key, plain)


def cipher_wrong_padding_zero(key: bytes, receive_id: str) -> str:
    """Last plaintext byte 0: `plain[:-0]` is empty in naive unpadding."""
    plain = crypto.pack_plaintext("<xml></xml>", receive_id)
    plain += b"\x01" * (-len(plain) % 32 or 32)
    return _raw_cipher(key, plain[:-1] + b"\x00")


def cipher_wrong_padding_large(key: bytes, receive_id: str) -> str:
    """Last plaintext byte 0xff: claims more padding than the plaintext has."""
    plain = crypto.pack_plaintext("<xml></xml>", receive_id)
    plain += b"\x01" * (-len(plain) % 32 or 32)
    return _raw_cipher(key, plain[:-1] + b"\xff")


def cipher_wrong_receive_id(key: bytes, receive_id: str) -> str:
    """Valid ciphertext addressed to another account."""
    return crypto.encrypt(key, "<xml><MsgType>text</MsgType></xml>", receive_id + "_other")


def cipher_wrong_key(key: bytes, receive_id: str) -> str:
    """Valid format, encrypted with a different AES key."""
    other = crypto.decode_aes_key(crypto.random_aes_key())
    return crypto.encrypt(other, "<xml><MsgType>text</MsgType></xml>", receive_id)


def cipher_length_overflow(key: bytes, receive_id: str) -> str:
    """Length field larger than the plaintext."""
    plain = bytearray(crypto.pack_plaintext("<xml></xml>", receive_id))
    plain[16:20] = (0x7FFFFFFF).to_bytes(4, "big")
    return _raw_cipher(key, crypto.pkcs7_pad(bytes(plain)))


def cipher_truncated_base64(key: bytes, receive_id: str) -> str:
    """A valid ciphertext cut in the middle of its base64."""
    good = crypto.encrypt(key, "<xml><MsgType>text</MsgType></xml>", receive_id)
    return good[: len(good) // 2 + 1]


def cipher_not_block_multiple(key: bytes, receive_id: str) -> str:
    """Valid base64 of 33 bytes: not a whole number of AES blocks."""
    return base64.b64encode(os.urandom(33)).decode("ascii")


def cipher_non_base64(key: bytes, receive_id: str) -> str:
    """Characters outside the base64 alphabet."""
    return "这不是密文!!@@##"


def cipher_empty(key: bytes, receive_id: str) -> str:
    """Empty Encrypt element."""
    return ""


CIPHERS = {
    "cipher_wrong_padding_zero": cipher_wrong_padding_zero,
    "cipher_wrong_padding_large": cipher_wrong_padding_large,
    "cipher_wrong_app_id": cipher_wrong_receive_id,
    "cipher_wrong_key": cipher_wrong_key,
    "cipher_length_overflow": cipher_length_overflow,
    "cipher_truncated_base64": cipher_truncated_base64,
    "cipher_not_block_multiple": cipher_not_block_multiple,
    "cipher_non_base64": cipher_non_base64,
    "cipher_empty": cipher_empty,
}


def _envelope_cases(kit: OfficialAccountKit | WeComKit) -> list[tuple[str, dict[str, str], bytes]]:
    """Attacks on the outer safe-mode envelope around a valid, signed ciphertext."""
    good = kit.encrypt(kit.text("你好"))
    c = f"<![CDATA[{good}]]>"
    bodies = {
        "envelope_xxe": (
            '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM '
            '"file:///etc/passwd">]><xml><ToUserName>&xxe;</ToUserName>'
            f"<Encrypt>{c}</Encrypt></xml>"
        ),
        "envelope_billion_laughs": billion_laughs().decode().replace("<Content>", f"<Encrypt>{c}</Encrypt><Content>"),
        "envelope_malformed": f"<xml><Encrypt>{c}</Encrypt>",
        "envelope_deep_nesting": (
            f"<xml><Encrypt>{c}</Encrypt><X>" + "<a>" * DEEP_LEVELS + "</a>" * DEEP_LEVELS + "</X></xml>"
        ),
        "envelope_missing_encrypt": "<xml><ToUserName>gh_linli0000001</ToUserName></xml>",
        "envelope_two_encrypts": f"<xml><Encrypt>{c}</Encrypt><Encrypt>{c}</Encrypt></xml>",
    }
    out = []
    for name, body in bodies.items():
        query, _ = kit.post_encrypted(good)
        out.append((name, query, body.encode()))
    return out


def hostile_cases(kit: OfficialAccountKit | WeComKit, mode: str | None = None) -> list[HostileCase]:
    """Every hostile case for `mode`, correctly signed.

    mode: "plaintext", "safe", or None for every mode the kit supports
    (plaintext for an Official Account, plus safe when it has an aes_key).
    """
    if mode is None:
        modes = ["plaintext"] if kit.supports_plaintext else []
        if kit.aes_key:
            modes.append("safe")
        return [case for m in modes for case in hostile_cases(kit, m)]
    if mode == "plaintext":
        return [
            HostileCase(f"plaintext/{kind}", *kit.post(make(), mode="plaintext")) for kind, make in PAYLOADS.items()
        ]
    if mode != "safe":
        raise ValueError("hostile cases exist for 'plaintext' and 'safe' modes")
    if not kit.aes_key:
        raise WeChatKitError("safe-mode hostile cases need a kit with an aes_key")
    key = crypto.decode_aes_key(kit.aes_key)
    cases = [HostileCase(f"safe/{kind}", *kit.post_encrypted(kit.encrypt(make()))) for kind, make in PAYLOADS.items()]
    cases += [
        HostileCase(f"safe/{kind}", *kit.post_encrypted(forge(key, kit.receive_id))) for kind, forge in CIPHERS.items()
    ]
    cases += [HostileCase(f"safe/{kind}", query, body) for kind, query, body in _envelope_cases(kit)]
    return cases


DESCRIPTIONS: dict[str, str] = {
    **{k: (f.__doc__ or "").strip() for k, f in PAYLOADS.items()},
    "deep_nesting_small": f"Content nested {SMALL_DEEP_LEVELS} levels: fits a 64 KiB body limit.",
    "long_content": f"A text message of {LONG_CONTENT_CHARS} Chinese characters (fits 64 KiB).",
    **{k: (f.__doc__ or "").strip() for k, f in CIPHERS.items()},
    "envelope_xxe": "External entity in the outer safe-mode envelope.",
    "envelope_billion_laughs": "Entity expansion in the outer envelope.",
    "envelope_malformed": "Outer envelope truncated.",
    "envelope_deep_nesting": "Outer envelope nested 100,000 levels deep.",
    "envelope_missing_encrypt": "Encrypted request whose body has no Encrypt.",
    "envelope_two_encrypts": "Two Encrypt elements (xmltodict makes a list).",
}
