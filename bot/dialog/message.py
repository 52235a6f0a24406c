"""The neutral message every channel turns its input into, and what handlers reply with."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float
    label: str = ""


@dataclass(frozen=True)
class IncomingMessage:
    """One message or event from a user, whatever channel it came through.

    ``text`` is what the user said: the Content of a text message, the speech
    recognition of a voice message, or the label of a location. ``kind`` is the
    WeChat MsgType (``text``, ``image``, ``voice``, …, ``event``).
    """

    channel: str  # official_account, wecom_app, console
    account: str  # dedupe/token scope: "mp:<appid>" or "wecom:<corpid>:<agentid>"
    user_id: str  # openid or WeCom userid
    kind: str
    dedupe_key: str
    text: str = ""
    event: str | None = None  # lower-case WeChat event, e.g. "subscribe", "click"
    event_key: str = ""
    media_id: str | None = None
    location: Location | None = None
    bot_id: str = ""  # ToUserName: our own account name, the source of a passive reply
    created: int = 0  # CreateTime (seconds)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_event(self) -> bool:
        return self.kind == "event"


@dataclass(frozen=True)
class Reply:
    """What a handler answers.

    Args:
        text: the reply text; None means answer nothing visible ("success").
        next: the conversation state that awaits the user's next message.
        data: data kept with that state (merged into the current data).
        end: clear the conversation state.
    """

    text: str | None = None
    next: str | None = None
    data: dict[str, Any] | None = None
    end: bool = False
    passed: bool = False  # a conversation step declined: the message is not its answer

    @classmethod
    def silent(cls) -> Reply:
        return cls(None)

    @classmethod
    def pass_on(cls) -> Reply:
        """From a conversation step: this message is something else; route it as new (the step stays open)."""
        return cls(None, passed=True)
