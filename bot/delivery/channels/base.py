"""The interface every outbound channel implements, and the message it is handed.

The outbox stores a channel-neutral payload; each channel turns it into its
own wire format:

    {"msgtype": "text", "text": "..."}
    {"msgtype": "markdown", "text": "..."}
    {"msgtype": "news", "articles": [{"title", "description", "url", "picurl"}]}
    {"msgtype": "textcard", "title", "description", "url", "btntxt"}
    {"msgtype": "msgmenu", "head_content", "list": [{"id", "content"}], "tail_content"}
    {"msgtype": "template", "data": {...}, "url": "..."}   (Official Account only)

Any payload may carry ``template_data`` (and ``url``) used when an Official
Account message falls back to a template message.

Receiving (verify, parse, passive reply) lives in bot/webhook.py and
bot/wxproto.py; a channel here only pushes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

from bot.delivery.channels.errors import CannotDeliver


@dataclass(frozen=True)
class Capabilities:
    passive_reply: bool  # can answer inside the webhook request
    push: bool  # can send at any time through an API
    msgtypes: frozenset[str]
    max_text_bytes: int
    per_recipient_rate_limit: bool = False  # the limit counts per recipient (group robot key)


@dataclass(frozen=True)
class Outbound:
    """One outbox row as a channel sees it."""

    id: int
    channel: str
    account: str
    recipient: str
    kind: str
    payload: dict[str, Any]
    key: str = ""
    attempts: int = 1

    @property
    def msgtype(self) -> str:
        return str(self.payload.get("msgtype", "text"))

    @property
    def text(self) -> str:
        """The message as plain text, for channels and fallbacks that only take text."""
        p = self.payload
        if self.msgtype in ("text", "markdown"):
            return str(p.get("text", ""))
        if self.msgtype in ("news",):
            articles = p.get("articles") or [{}]
            first = articles[0]
            return "\n".join(x for x in (first.get("title", ""), first.get("description", "")) if x)
        if self.msgtype == "textcard":
            return "\n".join(x for x in (p.get("title", ""), p.get("description", "")) if x)
        if self.msgtype == "msgmenu":
            options = " / ".join(str(o.get("content", "")) for o in p.get("list", []))
            return "\n".join(x for x in (p.get("head_content", ""), options, p.get("tail_content", "")) if x)
        return str(p.get("text", ""))


@dataclass(frozen=True)
class Delivery:
    """How a message went out: ``via`` is e.g. custom, template, app, robot, console."""

    via: str
    detail: str = ""
    response: dict[str, Any] = field(default_factory=dict)


class Channel(ABC):
    name: ClassVar[str]
    capabilities: ClassVar[Capabilities]

    @abstractmethod
    def push(self, message: Outbound) -> Delivery:
        """Send one message.

        Raises:
            WeChatAPIError (a subclass per bot/channels/errors.py), ChannelUnavailable
            or CannotDeliver; the outbox decides from the class what happens next.
        """

    def close(self) -> None:  # noqa: B027 - optional hook: the console has nothing to release
        """Release connections."""

    def check_msgtype(self, message: Outbound) -> None:
        if message.msgtype not in self.capabilities.msgtypes:
            raise CannotDeliver(f"channel {self.name} cannot send msgtype {message.msgtype!r}")


def fit_text(text: str, max_bytes: int) -> str:
    """Cut text to the channel's byte limit on a character boundary (WeChat counts UTF-8 bytes)."""
    data = text.encode("utf-8")
    if len(data) <= max_bytes:
        return text
    ellipsis = "…"
    cut = data[: max_bytes - len(ellipsis.encode("utf-8"))].decode("utf-8", errors="ignore")
    return cut + ellipsis
