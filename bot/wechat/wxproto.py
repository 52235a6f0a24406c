"""WeChat's wire format: safe XML parsing, signatures, encryption and passive replies.

Framework-free so the Flask adapter (bot/webhook.py) stays thin. Every failure
raises :class:`ProtocolError` carrying the HTTP status to answer, so hostile or
broken input becomes a 4xx and never a 5xx.
"""

from __future__ import annotations

import hashlib
import re
import struct
import time
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as safe_fromstring
from wechatpy import create_reply
from wechatpy.crypto import WeChatCrypto
from wechatpy.enterprise.crypto import WeChatCrypto as WeComCrypto
from wechatpy.exceptions import WeChatException
from wechatpy.utils import check_signature, random_string

from bot import texts
from bot.dialog.message import IncomingMessage, Location

# XML 1.0 forbids these; a resident's pasted text may carry them. We strip
# them instead of refusing, so the message is still answered.
_ILLEGAL_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Anything that opens a DTD, an entity or a processing instruction other than
# the XML declaration: WeChat never sends these, attackers do.
_FORBIDDEN_MARKUP = re.compile(r"<!(?!\[CDATA\[)|<\?(?!xml[\s?])", re.IGNORECASE)
# str.isdigit() accepts "²" and 5,000-digit strings, on which int() raises.
_UNIX_SECONDS = re.compile(r"[0-9]{1,12}")


class ProtocolError(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def decode_body(body: bytes) -> str:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolError(400, "body is not UTF-8") from None
    return _ILLEGAL_XML_CHARS.sub("", text)


def parse_xml(text: str, max_depth: int) -> dict[str, Any]:
    """Parse a WeChat XML document into a dict, refusing DTDs, entities and deep nesting."""
    if not text.strip():
        raise ProtocolError(400, "empty body")
    if _FORBIDDEN_MARKUP.search(text):
        raise ProtocolError(400, "DTD, entity or processing instruction in XML")
    try:
        root = safe_fromstring(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError):
        raise ProtocolError(400, "malformed XML") from None
    except RecursionError:
        raise ProtocolError(400, "XML nested too deeply") from None
    if root.tag != "xml":
        raise ProtocolError(400, "root element is not <xml>")
    return _element_to_dict(root, max_depth)


def _element_to_dict(root: Element, max_depth: int) -> dict[str, Any]:
    # Iterative depth check first: recursion on attacker-controlled depth is a crash.
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > max_depth:
            raise ProtocolError(400, "XML nested too deeply")
        stack.extend((child, depth + 1) for child in element)
    return _convert(root)


def _convert(element: Element) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for child in element:
        value: Any = _convert(child) if len(child) else (child.text or "")
        if child.tag in result:  # repeated elements (PicList/item) become lists
            existing = result[child.tag]
            result[child.tag] = existing + [value] if isinstance(existing, list) else [existing, value]
        else:
            result[child.tag] = value
    return result


def verify_timestamp(timestamp: str | None, tolerance: int, now: float | None = None) -> None:
    if not timestamp or not _UNIX_SECONDS.fullmatch(timestamp):
        raise ProtocolError(403, "missing or invalid timestamp")
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > tolerance:
        raise ProtocolError(403, "timestamp too far from now (replay?)")


def require_token(token: str, key: str) -> None:
    """Refuse to verify against an empty token: anyone can sign with "" (503, not 403)."""
    if not token:
        raise ProtocolError(503, f"{key} is not configured")


def verify_plain_signature(token: str, args: dict[str, str]) -> None:
    require_token(token, "wechat.token")
    signature, timestamp, nonce = args.get("signature"), args.get("timestamp"), args.get("nonce")
    if not (signature and timestamp and nonce):
        raise ProtocolError(403, "missing signature")
    try:
        check_signature(token, signature, timestamp, nonce)
    except WeChatException:
        raise ProtocolError(403, "bad signature") from None


_CRYPTO_ERRORS = (ValueError, IndexError, TypeError, KeyError, struct.error, WeChatException)


@dataclass
class Cipher:
    """AES for one account: decrypts requests and encrypts passive replies."""

    crypto: WeChatCrypto | WeComCrypto

    @classmethod
    def official_account(cls, token: str, aes_key: str, app_id: str) -> Cipher:
        require_token(token, "wechat.token")
        return cls(WeChatCrypto(token, aes_key, app_id))

    @classmethod
    def wecom(cls, token: str, aes_key: str, corp_id: str) -> Cipher:
        require_token(token, "wecom.token")
        return cls(WeComCrypto(token, aes_key, corp_id))

    def decrypt(self, encrypt: str, args: dict[str, str]) -> str:
        signature, timestamp, nonce = args.get("msg_signature"), args.get("timestamp"), args.get("nonce")
        if not (signature and timestamp and nonce):
            raise ProtocolError(403, "missing msg_signature")
        if not encrypt:
            raise ProtocolError(400, "no Encrypt element")
        try:
            return self.crypto.decrypt_message({"Encrypt": encrypt}, signature, timestamp, nonce)
        except WeChatException as exc:
            if type(exc).__name__ == "InvalidSignatureException":
                raise ProtocolError(403, "bad msg_signature") from None
            raise ProtocolError(400, "ciphertext for another app id") from None
        except _CRYPTO_ERRORS:
            raise ProtocolError(400, "undecryptable ciphertext") from None

    def decrypt_echo(self, echostr: str, args: dict[str, str]) -> str:
        """WeCom's GET verification: the echostr is encrypted and signed."""
        signature, timestamp, nonce = args.get("msg_signature"), args.get("timestamp"), args.get("nonce")
        if not (signature and timestamp and nonce and echostr):
            raise ProtocolError(403, "missing msg_signature or echostr")
        try:
            return self.crypto.check_signature(signature, timestamp, nonce, echostr)
        except WeChatException as exc:
            if type(exc).__name__ == "InvalidSignatureException":
                raise ProtocolError(403, "bad msg_signature") from None
            raise ProtocolError(400, "echostr for another corp id") from None
        except _CRYPTO_ERRORS:
            raise ProtocolError(400, "undecryptable echostr") from None

    def encrypt(self, xml: str) -> str:
        return self.crypto.encrypt_message(xml, random_string(16), str(int(time.time())))


def to_incoming(data: dict[str, Any], *, channel: str, account: str) -> IncomingMessage:
    """Turn a parsed WeChat message dict into an :class:`IncomingMessage`.

    Raises ProtocolError(400) when a field every message has is missing.
    """
    kind = _text(data.get("MsgType")).lower()
    user = _text(data.get("FromUserName"))
    if not kind or not user:
        raise ProtocolError(400, "missing MsgType or FromUserName")
    created = _text(data.get("CreateTime"))
    event = _text(data.get("Event")).lower() or None if kind == "event" else None
    event_key = _text(data.get("EventKey"))
    msg_id = _text(data.get("MsgId") or data.get("MsgID"))
    if msg_id and kind != "event":
        dedupe_key = _bounded_key(f"msg:{msg_id}")
    else:
        # WeChat's documented key for events is user + time + event + key. The
        # MsgID some events carry (TEMPLATESENDJOBFINISH, MASSSENDJOBFINISH)
        # numbers our own sends, not inbound messages: it could equal a
        # resident's MsgId and make their message look like a retry.
        dedupe_key = _bounded_key(f"evt:{user}:{created}:{event or kind}:{event_key}")
    text = ""
    location = None
    if kind == "text":
        text = _text(data.get("Content"))
    elif kind == "voice":
        text = _text(data.get("Recognition"))
    elif kind == "location":
        location = _location(data.get("Location_X"), data.get("Location_Y"), data.get("Label"))
    elif event == "location":
        location = _location(data.get("Latitude"), data.get("Longitude"), "")
    elif event == "location_select" and isinstance(data.get("SendLocationInfo"), dict):
        info = data["SendLocationInfo"]
        location = _location(info.get("Location_X"), info.get("Location_Y"), info.get("Label"))
    extra = {key: value for key, value in data.items() if key not in _COMMON_FIELDS}
    return IncomingMessage(
        channel=channel,
        account=account,
        user_id=user[:128],
        kind=kind[:32],
        dedupe_key=dedupe_key,
        text=text,
        event=event[:64] if event else None,
        event_key=event_key,
        media_id=_text(data.get("MediaId"))[:255] or None,
        location=location,
        bot_id=_text(data.get("ToUserName")),
        created=int(created) if _UNIX_SECONDS.fullmatch(created) else 0,
        extra=extra,
    )


_COMMON_FIELDS = {"ToUserName", "FromUserName", "CreateTime", "MsgType", "Content", "MsgId", "MsgID"}


# Dedupe keys are stored in a VARCHAR(255) and prefixed again for outbox
# idempotency keys; anything longer is forged, so it is hashed rather than
# allowed to overflow the column (a 5xx on PostgreSQL).
_MAX_KEY = 160


def _bounded_key(key: str) -> str:
    if len(key) <= _MAX_KEY:
        return key
    return f"{key[:80]}#{hashlib.sha256(key.encode()).hexdigest()}"


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _location(lat: Any, lng: Any, label: Any) -> Location | None:
    try:
        return Location(float(_text(lat)), float(_text(lng)), _text(label))
    except ValueError:
        return None


# WeChat refuses a passive text reply over 2048 bytes ("该公众号暂时无法提供服务").
PASSIVE_TEXT_MAX_BYTES = 2048


def render_text_reply(msg: IncomingMessage, text: str) -> str:
    """A passive text reply, addressed back to the sender (wechatpy renders the XML).

    The text is cut at a line boundary to WeChat's size limit, and "]]>" is
    split across two CDATA sections because wechatpy does not escape it and a
    resident's own words are echoed in some replies.
    """
    from wechatpy.replies import TextReply

    content = _fit(text, PASSIVE_TEXT_MAX_BYTES).replace("]]>", "]]]]><![CDATA[>")
    return TextReply(source=msg.bot_id, target=msg.user_id, content=content).render()


def _fit(text: str, limit: int) -> str:
    if len(text.encode("utf-8")) <= limit:
        return text
    suffix = texts.REPLY_TRUNCATED
    budget = limit - len(suffix.encode("utf-8"))
    kept: list[str] = []
    used = 0
    for line in text.split("\n"):
        size = len(line.encode("utf-8")) + 1
        if used + size > budget:
            break
        kept.append(line)
        used += size
    if not kept:  # one enormous line: cut by characters
        cut = text.encode("utf-8")[:budget].decode("utf-8", errors="ignore")
        return cut + suffix
    return "\n".join(kept) + "\n" + suffix


__all__ = [
    "Cipher",
    "ProtocolError",
    "create_reply",
    "decode_body",
    "parse_xml",
    "render_text_reply",
    "to_incoming",
    "verify_plain_signature",
    "verify_timestamp",
]
