"""Official Account: customer-service messages inside the 48-hour window, template messages outside it.

WeChat accepts customer-service messages (message/custom/send) only within
48 hours of the user's last message to the account. Outside it WeChat answers
45015; when our own inbound log already shows the window is closed we skip
the doomed call. Either way the message falls back to a template message if
the notification kind has a template id in ``templates``; if not, it fails
with a reason an admin can read. It is never silently dropped.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from bot.clock import Clock
from bot.delivery.channels.base import Capabilities, Channel, Delivery, Outbound, fit_text
from bot.delivery.channels.errors import CannotDeliver
from bot.delivery.channels.http import TokenCaller, WeChatHTTP
from bot.delivery.tokens import TokenStore
from bot.errors import OutOfWindow

CUSTOMER_SERVICE_WINDOW = timedelta(hours=48)
CUSTOM_SEND = "/cgi-bin/message/custom/send"
TEMPLATE_SEND = "/cgi-bin/message/template/send"

# (account, openid) -> when the user last wrote to us, or None if we have no record.
LastInbound = Callable[[str, str], datetime | None]
# How long a last-message time looked up for a claimed batch stands in for a lookup of its own.
PREFETCH_SECONDS = 5.0


class OfficialAccountChannel(Channel):
    name = "official_account"
    capabilities = Capabilities(
        passive_reply=True,
        push=True,
        msgtypes=frozenset({"text", "news", "msgmenu", "template"}),
        max_text_bytes=2048,
    )

    def __init__(
        self,
        http: WeChatHTTP,
        tokens: TokenStore,
        *,
        app_id: str,
        app_secret: str,
        templates: Mapping[str, str],
        last_inbound: LastInbound,
        clock: Clock,
        token_endpoint: str = "stable",
    ) -> None:
        self.http = http
        self.app_id = app_id
        self.app_secret = app_secret
        self.templates = dict(templates)
        self.last_inbound = last_inbound
        self.clock = clock
        self.token_endpoint = token_endpoint
        self.caller = TokenCaller(http, tokens, f"mp:{app_id}", self._fetch_token)
        self._known: dict[tuple[str, str], tuple[datetime | None, float]] = {}

    def push(self, message: Outbound) -> Delivery:
        self.check_msgtype(message)
        if message.msgtype == "template":
            return self._template(message, message.payload.get("data") or {}, reason="")
        if self._window_known_closed(message):
            return self._fall_back(message, "the 48-hour window is closed (last message on record)")
        try:
            response = self.caller.post(CUSTOM_SEND, self._custom_body(message))
        except OutOfWindow:
            return self._fall_back(message, "WeChat answered 45015 (outside the 48-hour window)")
        return Delivery("custom", response=response)

    def close(self) -> None:
        self.http.close()

    # -- customer-service messages ------------------------------------------------

    def prefetch(self, messages: list[Outbound]) -> None:
        """The last-message times of a claimed batch's recipients, in one query (when the lookup offers one)."""
        many = getattr(self.last_inbound, "many", None)
        if many is None:
            return
        wanted: dict[str, set[str]] = {}
        for message in messages:
            if message.msgtype != "template":
                wanted.setdefault(message.account, set()).add(message.recipient)
        at = time.monotonic()
        known = {} if len(self._known) > 10_000 else dict(self._known)
        for account, users in wanted.items():
            for user, last in many(account, sorted(users)).items():
                known[(account, user)] = (last, at)
        self._known = known  # replaced whole: senders read it without a lock

    def _window_known_closed(self, message: Outbound) -> bool:
        found = self._known.get((message.account, message.recipient))
        if found is not None and time.monotonic() - found[1] < PREFETCH_SECONDS:
            last = found[0]
        else:
            last = self.last_inbound(message.account, message.recipient)
        return last is not None and self.clock.now() - last > CUSTOMER_SERVICE_WINDOW

    def _custom_body(self, message: Outbound) -> dict[str, Any]:
        p = message.payload
        body: dict[str, Any] = {"touser": message.recipient, "msgtype": message.msgtype}
        if message.msgtype == "text":
            body["text"] = {"content": fit_text(message.text, self.capabilities.max_text_bytes)}
        elif message.msgtype == "news":
            # WeChat shows one article per customer-service news message.
            articles = [
                {k: a[k] for k in ("title", "description", "url", "picurl") if a.get(k)}
                for a in (p.get("articles") or [])[:1]
            ]
            body["news"] = {"articles": articles}
        else:  # msgmenu: one-tap answers; the tap comes back as a text message with the option id
            body["msgmenu"] = {
                "head_content": p.get("head_content", ""),
                "list": [{"id": str(o["id"]), "content": o["content"]} for o in p.get("list", [])],
                "tail_content": p.get("tail_content", ""),
            }
        return body

    # -- template messages ---------------------------------------------------------

    def _fall_back(self, message: Outbound, reason: str) -> Delivery:
        data = message.payload.get("template_data") or {"content": {"value": message.text[:200]}}
        return self._template(message, data, reason=reason)

    def _template(self, message: Outbound, data: dict[str, Any], *, reason: str) -> Delivery:
        template_id = message.payload.get("template_id") or self.templates.get(message.kind)
        if not template_id:
            why = f"{reason}; " if reason else ""
            raise CannotDeliver(f"{why}no template id configured for kind {message.kind!r} (templates.{message.kind})")
        body: dict[str, Any] = {"touser": message.recipient, "template_id": template_id, "data": data}
        if message.payload.get("url"):
            body["url"] = message.payload["url"]
        response = self.caller.post(TEMPLATE_SEND, body)
        return Delivery("template", detail=reason, response=response)

    # -- token ------------------------------------------------------------------------

    def _fetch_token(self, early: bool) -> tuple[str, int]:
        if self.token_endpoint == "stable":
            # stable_token keeps handing out the same token until it expires, so
            # several fetchers cannot invalidate each other; force_refresh only
            # to replace a token that is about to expire (WeChat limits those calls).
            body = {
                "grant_type": "client_credential",
                "appid": self.app_id,
                "secret": self.app_secret,
                "force_refresh": early,
            }
            data = self.http.call("POST", "/cgi-bin/stable_token", body=body)
        else:
            params = {"grant_type": "client_credential", "appid": self.app_id, "secret": self.app_secret}
            data = self.http.call("GET", "/cgi-bin/token", params=params)
        return str(data["access_token"]), int(data.get("expires_in", 7200))
