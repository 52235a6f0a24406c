"""The WeChat callbacks: /wechat (Official Account) and /wecom (WeCom app).

A thin Flask adapter over bot/wechat/wxproto.py (wire format) and
bot/wechat/inbox.py (store once, decide, answer; spool while the database is
unreachable). Every protocol failure is a 4xx with a short reason, logged
without secrets; a message neither stored nor spooled is a 503, which WeChat retries.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, current_app, request

from bot.wechat.inbox import Answer, Inbox, Unavailable
from bot.wechat.wxproto import (
    Cipher,
    ProtocolError,
    decode_body,
    parse_xml,
    render_text_reply,
    require_token,
    to_incoming,
    verify_plain_signature,
    verify_timestamp,
)

log = logging.getLogger(__name__)
bp = Blueprint("webhook", __name__)


def _services() -> Any:
    return current_app.extensions["linli"]


def _args() -> dict[str, str]:
    return {key: value for key, value in request.args.items()}


# Misconfiguration (503) is logged once per reason, not once per request.
_logged_unavailable: set[str] = set()


def _reject(error: ProtocolError) -> Response:
    if error.status == 503:
        if error.reason not in _logged_unavailable:
            _logged_unavailable.add(error.reason)
            log.error("refusing %s %s: %s", request.method, request.path, error.reason)
    else:
        log.warning("rejected %s %s: %s", request.method, request.path, error.reason)
    return Response(error.reason, status=error.status, mimetype="text/plain")


def _xml(body: str) -> Response:
    return Response(body, mimetype="application/xml")


@bp.get("/wechat")
def wechat_verify() -> Response:
    services = _services()
    args = _args()
    try:
        require_token(services.config.wechat.token, "wechat.token")
        verify_timestamp(args.get("timestamp"), services.config.server.timestamp_tolerance_seconds)
        verify_plain_signature(services.config.wechat.token, args)
    except ProtocolError as error:
        return _reject(error)
    return Response(args.get("echostr", ""), mimetype="text/plain")


@bp.post("/wechat")
def wechat_message() -> Response:
    services = _services()
    config = services.config
    args = _args()
    encrypted = args.get("encrypt_type", "raw").lower() == "aes"
    mode = config.wechat.effective_mode
    try:
        require_token(config.wechat.token, "wechat.token")
        verify_timestamp(args.get("timestamp"), config.server.timestamp_tolerance_seconds)
        if encrypted and mode == "plaintext":
            raise ProtocolError(400, "encrypted message but no aes_key configured")
        if not encrypted and mode == "safe":
            raise ProtocolError(403, "plaintext message refused in safe mode")
        max_depth = config.server.max_xml_depth
        envelope = parse_xml(decode_body(request.get_data()), max_depth)
        if encrypted:
            cipher = Cipher.official_account(config.wechat.token, config.wechat.aes_key, config.wechat.app_id)
            inner = cipher.decrypt(str(envelope.get("Encrypt", "")), args)
            data = parse_xml(decode_body(inner.encode("utf-8")), max_depth)
        else:
            verify_plain_signature(config.wechat.token, args)
            cipher = None
            data = envelope
        msg = to_incoming(data, channel="official_account", account=config.account_id)
    except ProtocolError as error:
        return _reject(error)
    return _receive(services, msg, cipher)


@bp.get("/wecom")
def wecom_verify() -> Response:
    services = _services()
    wecom = services.config.wecom
    if wecom is None:
        return Response("WeCom is not configured", status=404, mimetype="text/plain")
    args = _args()
    try:
        require_token(wecom.token, "wecom.token")
        verify_timestamp(args.get("timestamp"), services.config.server.timestamp_tolerance_seconds)
        echo = Cipher.wecom(wecom.token, wecom.aes_key, wecom.corp_id).decrypt_echo(args.get("echostr", ""), args)
    except ProtocolError as error:
        return _reject(error)
    return Response(echo, mimetype="text/plain")


@bp.post("/wecom")
def wecom_message() -> Response:
    services = _services()
    config = services.config
    wecom = config.wecom
    if wecom is None:
        return Response("WeCom is not configured", status=404, mimetype="text/plain")
    args = _args()
    try:
        require_token(wecom.token, "wecom.token")
        verify_timestamp(args.get("timestamp"), config.server.timestamp_tolerance_seconds)
        max_depth = config.server.max_xml_depth
        envelope = parse_xml(decode_body(request.get_data()), max_depth)
        cipher = Cipher.wecom(wecom.token, wecom.aes_key, wecom.corp_id)
        inner = cipher.decrypt(str(envelope.get("Encrypt", "")), args)
        data = parse_xml(decode_body(inner.encode("utf-8")), max_depth)
        msg = to_incoming(data, channel="wecom_app", account=f"wecom:{wecom.corp_id}:{wecom.agent_id}")
    except ProtocolError as error:
        return _reject(error)
    return _receive(services, msg, cipher)


def _receive(services: Any, msg: Any, cipher: Cipher | None) -> Response:
    try:
        answer = Inbox(services).receive(msg)
    except Unavailable:
        # Neither the database nor the spool took it: WeChat retries a failed request.
        return Response("temporarily unavailable", status=503, mimetype="text/plain")
    return _answer(answer, msg, cipher)


def _answer(answer: Answer, msg: Any, cipher: Cipher | None) -> Response:
    if not answer.text:
        # WeChat's documented "nothing to say" answer; never encrypted.
        return Response("success", mimetype="text/plain")
    xml = render_text_reply(msg, answer.text)
    return _xml(cipher.encrypt(xml) if cipher else xml)
