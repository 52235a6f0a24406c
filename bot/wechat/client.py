"""A terminal chat: signs real WeChat XML and posts it to the webhook.

Anyone can talk to the bot without a WeChat account, either against a running
server (``--url``) or an in-process app. ``/user NAME`` switches identity so one
terminal can play a resident and a grid member.
"""

from __future__ import annotations

import hashlib
import itertools
import secrets
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

from wechatpy.crypto import WeChatCrypto

from bot.config import Config

Poster = Callable[[str, dict[str, str], bytes], tuple[int, bytes]]

_msg_ids = itertools.count(int(time.time() * 1000))


def build_text_xml(to_user: str, from_user: str, content: str, msg_id: int | None = None) -> str:
    root = ET.Element("xml")
    for tag, value in (
        ("ToUserName", to_user),
        ("FromUserName", from_user),
        ("CreateTime", str(int(time.time()))),
        ("MsgType", "text"),
        ("Content", content),
        ("MsgId", str(msg_id if msg_id is not None else next(_msg_ids))),
    ):
        ET.SubElement(root, tag).text = value
    return ET.tostring(root, encoding="unicode")


def build_event_xml(to_user: str, from_user: str, event: str, key: str = "") -> str:
    root = ET.Element("xml")
    for tag, value in (
        ("ToUserName", to_user),
        ("FromUserName", from_user),
        ("CreateTime", str(int(time.time()))),
        ("MsgType", "event"),
        ("Event", event),
        ("EventKey", key),
    ):
        ET.SubElement(root, tag).text = value
    return ET.tostring(root, encoding="unicode")


class ChatClient:
    """Signs (and in safe mode encrypts) messages like WeChat's servers do."""

    def __init__(self, config: Config, post: Poster, openid: str = "oDemoResident") -> None:
        self.config = config
        self.post = post
        self.openid = openid
        self.bot_id = "gh_linli_demo"

    def _query(self, timestamp: str, nonce: str) -> dict[str, str]:
        token = self.config.wechat.token
        signature = hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()
        return {"signature": signature, "timestamp": timestamp, "nonce": nonce, "openid": self.openid}

    def send_xml(self, xml: str) -> str | None:
        """Post one message; return the reply text (None for "success")."""
        wechat = self.config.wechat
        timestamp, nonce = str(int(time.time())), secrets.token_hex(8)
        query = self._query(timestamp, nonce)
        body = xml
        crypto = None
        if wechat.effective_mode != "plaintext":
            crypto = WeChatCrypto(wechat.token, wechat.aes_key, wechat.app_id)
            envelope = crypto.encrypt_message(xml, nonce, timestamp)
            root = ET.fromstring(envelope)
            query["encrypt_type"] = "aes"
            query["msg_signature"] = root.findtext("MsgSignature", "")
            body = f"<xml><ToUserName>{self.bot_id}</ToUserName><Encrypt>{root.findtext('Encrypt')}</Encrypt></xml>"
        status, content = self.post("/wechat", query, body.encode("utf-8"))
        if status != 200:
            raise RuntimeError(f"webhook answered HTTP {status}: {content[:200]!r}")
        text = content.decode("utf-8")
        if text == "success" or not text:
            return None
        if crypto is not None:
            root = ET.fromstring(text)
            text = crypto.decrypt_message(
                {"Encrypt": root.findtext("Encrypt")},
                root.findtext("MsgSignature"),
                root.findtext("TimeStamp"),
                root.findtext("Nonce"),
            )
        return ET.fromstring(text).findtext("Content")

    def say(self, content: str) -> str | None:
        return self.send_xml(build_text_xml(self.bot_id, self.openid, content))

    def subscribe(self) -> str | None:
        return self.send_xml(build_event_xml(self.bot_id, self.openid, "subscribe"))


def http_poster(base_url: str) -> Poster:
    import requests

    def post(path: str, query: dict[str, str], body: bytes) -> tuple[int, bytes]:
        response = requests.post(base_url.rstrip("/") + path, params=query, data=body, timeout=10)
        return response.status_code, response.content

    return post


def app_poster(app: Any) -> Poster:
    client = app.test_client()

    def post(path: str, query: dict[str, str], body: bytes) -> tuple[int, bytes]:
        response = client.post(path, query_string=query, data=body)
        return response.status_code, response.data

    return post
