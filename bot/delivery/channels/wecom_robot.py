"""WeCom group robots (webhook/send): bulletins posted into group chats.

The outbox recipient is the robot's name from ``robots``; its webhook key is
a secret and stays in the configuration. A robot takes 20 messages a minute;
the outbox's rate limiter counts per robot (Capabilities.per_recipient_rate_limit)
and 45009 backs off.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.delivery.channels.base import Capabilities, Channel, Delivery, Outbound, fit_text
from bot.delivery.channels.errors import CannotDeliver
from bot.delivery.channels.http import WeChatHTTP

WEBHOOK_SEND = "/cgi-bin/webhook/send"


class WeComRobotChannel(Channel):
    name = "wecom_robot"
    capabilities = Capabilities(
        passive_reply=False,
        push=True,
        msgtypes=frozenset({"text", "markdown"}),
        max_text_bytes=2048,
        per_recipient_rate_limit=True,
    )
    MARKDOWN_MAX_BYTES = 4096

    def __init__(self, http: WeChatHTTP, robots: Mapping[str, str]) -> None:
        self.http = http
        self.robots = dict(robots)

    def push(self, message: Outbound) -> Delivery:
        self.check_msgtype(message)
        key = self.robots.get(message.recipient)
        if not key:
            raise CannotDeliver(f"no group robot named {message.recipient!r} in robots")
        limit = self.capabilities.max_text_bytes if message.msgtype == "text" else self.MARKDOWN_MAX_BYTES
        content: dict[str, Any] = {"content": fit_text(message.text, limit)}
        if message.msgtype == "text" and message.payload.get("mentioned_list"):
            content["mentioned_list"] = list(message.payload["mentioned_list"])
        response = self.http.call(
            "POST", WEBHOOK_SEND, params={"key": key}, body={"msgtype": message.msgtype, message.msgtype: content}
        )
        return Delivery("robot", response=response)

    def close(self) -> None:
        self.http.close()
