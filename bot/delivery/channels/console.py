"""The console channel: records messages instead of calling WeChat.

The demo (`python -m bot demo`), the terminal chat and tests use it. Every
message is logged and kept in memory (the newest few thousand), so whoever
shares the process can show what the bot would have sent.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime

from bot.clock import Clock, SystemClock
from bot.delivery.channels.base import Capabilities, Channel, Delivery, Outbound

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recorded:
    message: Outbound
    text: str
    at: datetime


class ConsoleChannel(Channel):
    name = "console"
    capabilities = Capabilities(
        passive_reply=True,
        push=True,
        msgtypes=frozenset({"text", "markdown", "news", "textcard", "msgmenu", "template"}),
        max_text_bytes=1 << 20,
    )

    def __init__(self, clock: Clock | None = None, keep: int = 5000) -> None:
        self.clock = clock or SystemClock()
        self._lock = threading.Lock()
        self._sent: deque[Recorded] = deque(maxlen=keep)

    def push(self, message: Outbound) -> Delivery:
        self.check_msgtype(message)
        text = message.text or str(message.payload.get("data", ""))
        with self._lock:
            self._sent.append(Recorded(message, text, self.clock.now()))
        # Recipients are openids (personal data): only a prefix reaches the log.
        log.info("console %s to %s…: %s", message.channel, message.recipient[:6], text)
        return Delivery("console")

    def sent(self, recipient: str | None = None) -> list[Recorded]:
        """What was sent, oldest first; optionally to one recipient."""
        with self._lock:
            return [r for r in self._sent if recipient is None or r.message.recipient == recipient]

    def clear(self) -> None:
        with self._lock:
            self._sent.clear()


_shared = ConsoleChannel()


def shared_console() -> ConsoleChannel:
    """The process's console channel, so the demo can read what its in-process worker sent."""
    return _shared
