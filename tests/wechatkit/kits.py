"""Signed requests to the webhook and verified reading of its replies.

One kit plays the WeChat platform for one account. Typical use with Flask's
test client (the lead's fixture wraps this):

    kit = OfficialAccountKit("token", "wx_app", aes_key=KEY)
    query, body = kit.post(kit.text("水管漏水"), mode="safe")
    resp = client.post("/wechat", query_string=query, data=body)
    reply = kit.read_reply(resp.data, query)   # {"MsgType": "text", "Content": ...}

Modes (Official Account): "plaintext" signs the query only; "safe" sends only
`<Encrypt>`; "compatible" sends the plaintext fields AND `<Encrypt>`. WeCom
always uses the safe envelope with `<AgentID>`.

`tamper` produces requests a server must refuse:
    "bad_signature"      every signature in the query is wrong
    "bad_msg_signature"  msg_signature wrong, plain signature right (safe modes)
    "no_signature"       signature and msg_signature removed
    "no_msg_signature"   only msg_signature removed (safe modes)
    "stale_timestamp"    correctly signed, but timestamp STALE_SECONDS old (a replay)
"""

from __future__ import annotations

import re
import secrets
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import Any, Literal

from tests.wechatkit import crypto, hostile
from tests.wechatkit.crypto import DecryptError, SignatureError, WeChatKitError
from tests.wechatkit.hostile import HostileCase
from tests.wechatkit.messages import OfficialAccountMessages, WeComMessages, default_clock
from tests.wechatkit.xmltools import cdata, parse_xml

Mode = Literal["plaintext", "compatible", "safe"]
Tamper = Literal["bad_signature", "bad_msg_signature", "no_signature", "no_msg_signature", "stale_timestamp"]
TAMPERS: tuple[str, ...] = ("bad_signature", "bad_msg_signature", "no_signature", "no_msg_signature", "stale_timestamp")
MODES: tuple[str, ...] = ("plaintext", "compatible", "safe")
STALE_SECONDS = 3600

Query = dict[str, str]
Reply = dict[str, Any] | str

_TO_USER = re.compile(rb"<ToUserName>\s*(?:<!\[CDATA\[)?(.*?)(?:\]\]>)?\s*</ToUserName>", re.S)
_FROM_USER = re.compile(rb"<FromUserName>\s*(?:<!\[CDATA\[)?(.*?)(?:\]\]>)?\s*</FromUserName>", re.S)


def _as_bytes(xml: str | bytes) -> bytes:
    return xml.encode("utf-8") if isinstance(xml, str) else xml


def _wrong(signature: str) -> str:
    """A different, equally well-formed signature."""
    return signature[:-1] + ("0" if signature[-1] != "0" else "1")


def _field(pattern: re.Pattern[bytes], xml: bytes, default: str) -> str:
    m = pattern.search(xml)
    if not m:
        return default
    return m.group(1).decode("utf-8", errors="replace")


class _Kit(ABC):
    """Signing, envelopes and reply reading shared by both account kinds."""

    supports_plaintext: bool
    token: str
    receive_id: str
    aes_key: str | None
    _key: bytes | None
    _clock: Callable[[], float]

    def _init_kit(self, token: str, receive_id: str, aes_key: str | None, clock: Callable[[], float] | None) -> None:
        self.token = token
        self.receive_id = receive_id
        self.aes_key = aes_key or None
        self._key = crypto.decode_aes_key(aes_key) if aes_key else None
        self._clock = clock or default_clock

    # --- primitives --------------------------------------------------------
    def sign(self, *parts: str) -> str:
        """SHA1 signature of token + parts, as WeChat computes it."""
        return crypto.sign(self.token, *parts)

    def encrypt(self, msg: str | bytes, receive_id: str | None = None) -> str:
        """Encrypt for this account (or another receive id, to forge a wrong one)."""
        return crypto.encrypt(self._require_key(), msg, receive_id or self.receive_id)

    def decrypt(self, text: str) -> str:
        """Decrypt and check that the message is addressed to this account."""
        return crypto.decrypt(self._require_key(), text, self.receive_id)

    def nonce(self) -> str:
        """A fresh numeric nonce like the platform's."""
        return str(secrets.randbelow(9_000_000_000) + 1_000_000_000)

    def timestamp(self) -> str:
        """Now, by the kit's clock, as WeChat's string of Unix seconds."""
        return str(int(self._clock()))

    def _require_key(self) -> bytes:
        if self._key is None:
            raise WeChatKitError("this kit has no aes_key: safe/compatible mode needs one")
        return self._key

    def _stamp(self, timestamp: int | str | None, nonce: str | None, tamper: str | None) -> tuple[str, str]:
        if tamper is not None and tamper not in TAMPERS:
            raise ValueError(f"unknown tamper {tamper!r}; one of {TAMPERS}")
        if timestamp is None:
            ts = int(self._clock()) - (STALE_SECONDS if tamper == "stale_timestamp" else 0)
            timestamp = str(ts)
        return str(timestamp), nonce or self.nonce()

    @staticmethod
    def _apply_tamper(query: Query, tamper: str | None) -> Query:
        if tamper == "bad_signature":
            for name in ("signature", "msg_signature"):
                if name in query:
                    query[name] = _wrong(query[name])
        elif tamper in ("bad_msg_signature", "no_msg_signature") and "msg_signature" not in query:
            raise ValueError(f"{tamper} needs an encrypted mode")
        elif tamper == "bad_msg_signature":
            query["msg_signature"] = _wrong(query["msg_signature"])
        elif tamper == "no_signature":
            query.pop("signature", None)
            query.pop("msg_signature", None)
        elif tamper == "no_msg_signature":
            query.pop("msg_signature", None)
        return query

    # --- reading replies ---------------------------------------------------
    @abstractmethod
    def _encrypted_expected(self, query: Mapping[str, str]) -> bool:
        """Whether a reply to this request must be encrypted (each platform decides)."""

    def read_reply(self, body: bytes | str, query: Mapping[str, str], *, allow_plaintext: bool = False) -> Reply:
        """Parse the webhook's passive reply the way WeChat would.

        Returns the reply's fields as a dict (`{"MsgType": "text", "Content": ...,
        "ToUserName": ..., "FromUserName": ..., "CreateTime": ...}`; news gives
        `"Articles": [{"Title": ...}, ...]`), or the body text itself when it is
        not XML: "success" or "" both mean "no passive reply" to WeChat.

        When the request was encrypted the reply must be too (unless
        `allow_plaintext`), its MsgSignature must verify and its ciphertext must
        name this account.

        Raises:
            SignatureError: the reply's MsgSignature does not match.
            DecryptError: the ciphertext is broken or addressed to another id.
            WeChatKitError: plaintext XML reply where an encrypted one is due,
                or an encrypted reply missing a field.
        """
        text = body.decode("utf-8") if isinstance(body, bytes) else body
        if not text.lstrip().startswith("<"):
            return text.strip()
        doc = parse_xml(text)
        if "Encrypt" not in doc:
            if self._encrypted_expected(query) and not allow_plaintext:
                raise WeChatKitError("plaintext XML reply to an encrypted request")
            return doc
        try:
            encrypt, signature = doc["Encrypt"], doc["MsgSignature"]
            timestamp, nonce = doc["TimeStamp"], doc["Nonce"]
        except KeyError as exc:
            raise WeChatKitError(f"encrypted reply lacks {exc.args[0]}") from exc
        if self.sign(timestamp, nonce, encrypt) != signature:
            raise SignatureError("reply MsgSignature does not match")
        inner = self.decrypt(encrypt)
        if not inner.lstrip().startswith("<"):
            return inner.strip()
        return parse_xml(inner)


class OfficialAccountKit(OfficialAccountMessages, _Kit):
    """Plays WeChat for an Official Account (公众号).

    Args:
        token: the callback Token configured on the platform.
        app_id: the AppID; it is the receive id inside ciphertexts.
        aes_key: EncodingAESKey (43 chars); None allows plaintext mode only.
        openid: default sender of built messages.
        original_id: the account's gh_ id, used as ToUserName.
        clock: `() -> float` Unix seconds for CreateTime and timestamps.
    """

    supports_plaintext = True

    def __init__(
        self,
        token: str,
        app_id: str,
        aes_key: str | None = None,
        openid: str = "oUser123",
        *,
        original_id: str = "gh_linli0000001",
        clock: Callable[[], float] | None = None,
    ) -> None:
        self._init_kit(token, app_id, aes_key, clock)
        self.app_id = app_id
        self.openid = openid
        self.original_id = original_id
        self._to_user = original_id
        self._default_from = openid
        self._init_builder()

    def _encrypted_expected(self, query: Mapping[str, str]) -> bool:
        return query.get("encrypt_type") == "aes"

    def get_verify(
        self,
        echostr: str = "echo_5f3a",
        timestamp: int | str | None = None,
        *,
        nonce: str | None = None,
        tamper: Tamper | None = None,
    ) -> Query:
        """Query of the platform's GET URL check; the server must answer `echostr`."""
        ts, nonce = self._stamp(timestamp, nonce, tamper)
        query = {"signature": self.sign(ts, nonce), "timestamp": ts, "nonce": nonce, "echostr": echostr}
        return self._apply_tamper(query, tamper)

    def post(
        self,
        xml: str | bytes,
        mode: Mode = "plaintext",
        timestamp: int | str | None = None,
        nonce: str | None = None,
        tamper: Tamper | None = None,
    ) -> tuple[Query, bytes]:
        """Sign (and encrypt) a built message: returns `(query, body)` ready to POST.

        `openid` in the query is taken from the message's FromUserName.
        """
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; one of {MODES}")
        raw = _as_bytes(xml)
        ts, nonce = self._stamp(timestamp, nonce, tamper)
        openid = _field(_FROM_USER, raw, self.openid)
        query: Query = {"signature": self.sign(ts, nonce), "timestamp": ts, "nonce": nonce, "openid": openid}
        if mode == "plaintext":
            return self._apply_tamper(query, tamper), raw
        encrypt = self.encrypt(raw)
        if mode == "safe":
            to_user = _field(_TO_USER, raw, self.original_id)
            body = self.envelope_body(encrypt, to_user)
        else:
            body = self._compatible_body(raw, encrypt)
        query["encrypt_type"] = "aes"
        query["msg_signature"] = self.sign(ts, nonce, encrypt)
        return self._apply_tamper(query, tamper), body

    def post_encrypted(
        self,
        encrypt: str,
        body: bytes | None = None,
        timestamp: int | str | None = None,
        nonce: str | None = None,
        tamper: Tamper | None = None,
    ) -> tuple[Query, bytes]:
        """Safe-mode request whose signatures cover an arbitrary Encrypt value.

        For forged ciphertexts: the signature is right, so the server reaches
        decryption. `body` replaces the default envelope (e.g. a hostile one
        that still carries this `encrypt`).
        """
        ts, nonce = self._stamp(timestamp, nonce, tamper)
        query: Query = {
            "signature": self.sign(ts, nonce),
            "timestamp": ts,
            "nonce": nonce,
            "openid": self.openid,
            "encrypt_type": "aes",
            "msg_signature": self.sign(ts, nonce, encrypt),
        }
        if body is None:
            body = self.envelope_body(encrypt, self.original_id)
        return self._apply_tamper(query, tamper), body

    @staticmethod
    def envelope_body(encrypt: str, to_user: str) -> bytes:
        """Safe-mode body: ToUserName and Encrypt only."""
        return (f"<xml><ToUserName>{cdata(to_user)}</ToUserName><Encrypt>{cdata(encrypt)}</Encrypt></xml>").encode()

    @staticmethod
    def _compatible_body(raw: bytes, encrypt: str) -> bytes:
        end = raw.rfind(b"</xml>")
        if end < 0:
            raise WeChatKitError("compatible mode needs a document ending in </xml>")
        tag = f"<Encrypt>{cdata(encrypt)}</Encrypt>".encode()
        return raw[:end] + tag + raw[end:]

    def hostile_cases(self, mode: Literal["plaintext", "safe"] | None = None) -> list[HostileCase]:
        """Named hostile requests for issue 2 (default: plaintext, plus safe with an aes_key)."""
        return hostile.hostile_cases(self, mode)


class WeComKit(WeComMessages, _Kit):
    """Plays WeCom (企业微信) for one self-built app; always encrypted.

    Args:
        token, aes_key: the app's callback Token and EncodingAESKey.
        corp_id: the receive id inside ciphertexts, and ToUserName.
        agent_id: AgentID carried by messages and the envelope.
        userid: default sender of built messages.
    """

    supports_plaintext = False

    def __init__(
        self,
        token: str,
        corp_id: str,
        agent_id: int,
        aes_key: str,
        userid: str = "zhangsan",
        *,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self._init_kit(token, corp_id, aes_key, clock)
        self.corp_id = corp_id
        self.agent_id = int(agent_id)
        self.userid = userid
        self._to_user = corp_id
        self._default_from = userid
        self._init_builder()

    def _encrypted_expected(self, query: Mapping[str, str]) -> bool:
        return True

    def get_verify(
        self,
        echostr: str = "echo_5f3a",
        timestamp: int | str | None = None,
        *,
        nonce: str | None = None,
        tamper: Tamper | None = None,
    ) -> Query:
        """Query of WeCom's GET URL check.

        `echostr` is the plaintext; the query carries it encrypted and the
        server must answer the plaintext.
        """
        ts, nonce = self._stamp(timestamp, nonce, tamper)
        encrypted = self.encrypt(echostr)
        query = {
            "msg_signature": self.sign(ts, nonce, encrypted),
            "timestamp": ts,
            "nonce": nonce,
            "echostr": encrypted,
        }
        return self._apply_tamper(query, tamper)

    def post(
        self,
        xml: str | bytes,
        mode: Mode = "safe",
        timestamp: int | str | None = None,
        nonce: str | None = None,
        tamper: Tamper | None = None,
    ) -> tuple[Query, bytes]:
        """Encrypt and sign a built message: returns `(query, body)` ready to POST."""
        if mode != "safe":
            raise ValueError("WeCom callbacks are always encrypted: mode must be 'safe'")
        return self.post_encrypted(self.encrypt(_as_bytes(xml)), None, timestamp, nonce, tamper)

    def post_encrypted(
        self,
        encrypt: str,
        body: bytes | None = None,
        timestamp: int | str | None = None,
        nonce: str | None = None,
        tamper: Tamper | None = None,
    ) -> tuple[Query, bytes]:
        """Request whose msg_signature covers an arbitrary Encrypt value."""
        ts, nonce = self._stamp(timestamp, nonce, tamper)
        query: Query = {"msg_signature": self.sign(ts, nonce, encrypt), "timestamp": ts, "nonce": nonce}
        if body is None:
            body = self.envelope_body(encrypt, self.corp_id)
        return self._apply_tamper(query, tamper), body

    def envelope_body(self, encrypt: str, to_user: str) -> bytes:
        """WeCom body: ToUserName, AgentID and Encrypt."""
        return (
            f"<xml><ToUserName>{cdata(to_user)}</ToUserName>"
            f"<AgentID>{cdata(str(self.agent_id))}</AgentID>"
            f"<Encrypt>{cdata(encrypt)}</Encrypt></xml>"
        ).encode()

    def hostile_cases(self, mode: Literal["safe"] | None = None) -> list[HostileCase]:
        """Named hostile requests for issue 2 (WeCom: safe mode only)."""
        return hostile.hostile_cases(self, mode or "safe")


__all__ = [
    "OfficialAccountKit",
    "WeComKit",
    "SignatureError",
    "DecryptError",
    "WeChatKitError",
    "TAMPERS",
    "MODES",
    "STALE_SECONDS",
]
