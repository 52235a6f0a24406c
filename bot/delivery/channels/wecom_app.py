"""WeCom app messages (message/send) to grid members and staff, addressed by WeCom userid.

The token belongs to the app secret, so its store key names the corp and agent.
WeCom's own duplicate check (same content to the same user within the
interval) absorbs the resend after a worker crashed between send and record.
"""

from __future__ import annotations

from typing import Any

from bot.delivery.channels.base import Capabilities, Channel, Delivery, Outbound, fit_text
from bot.delivery.channels.http import TokenCaller, WeChatHTTP
from bot.delivery.tokens import TokenStore
from bot.errors import RecipientUnavailable

MESSAGE_SEND = "/cgi-bin/message/send"
DUPLICATE_CHECK_SECONDS = 1800


class WeComAppChannel(Channel):
    name = "wecom_app"
    capabilities = Capabilities(
        passive_reply=True,
        push=True,
        msgtypes=frozenset({"text", "markdown", "textcard"}),
        max_text_bytes=2048,
    )

    def __init__(self, http: WeChatHTTP, tokens: TokenStore, *, corp_id: str, agent_id: int, secret: str) -> None:
        self.http = http
        self.corp_id = corp_id
        self.agent_id = agent_id
        self.secret = secret
        self.caller = TokenCaller(http, tokens, f"wecom:{corp_id}:{agent_id}", self._fetch_token)

    def push(self, message: Outbound) -> Delivery:
        self.check_msgtype(message)
        body: dict[str, Any] = {
            "touser": message.recipient,
            "msgtype": message.msgtype,
            "agentid": self.agent_id,
            "enable_duplicate_check": 1,
            "duplicate_check_interval": DUPLICATE_CHECK_SECONDS,
        }
        p = message.payload
        if message.msgtype in ("text", "markdown"):
            body[message.msgtype] = {"content": fit_text(message.text, self.capabilities.max_text_bytes)}
        else:
            card = {"title": p.get("title", ""), "description": p.get("description", ""), "url": p.get("url", "")}
            if p.get("btntxt"):
                card["btntxt"] = p["btntxt"]
            body["textcard"] = card
        response = self.caller.post(MESSAGE_SEND, body)
        # errcode 0 with the user listed as invalid: not delivered, and never will be.
        invalid = {u for u in str(response.get("invaliduser") or "").split("|") if u}
        if message.recipient in invalid:
            raise RecipientUnavailable(81013, f"invalid WeCom userid {message.recipient}")
        return Delivery("app", response=response)

    def close(self) -> None:
        self.http.close()

    def _fetch_token(self, early: bool) -> tuple[str, int]:
        # gettoken returns the same token until it expires; `early` cannot force a new one.
        data = self.http.call("GET", "/cgi-bin/gettoken", params={"corpid": self.corp_id, "corpsecret": self.secret})
        return str(data["access_token"]), int(data.get("expires_in", 7200))
