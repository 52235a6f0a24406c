"""Capabilities: a name, the intents and conversation states it handles, and its handlers.

A handler is a plain function ``(ctx: Ctx) -> Reply``. It changes rows through
``ctx.db`` and queues outbound messages through ``ctx.outbox``, all inside the
request's one transaction; the dispatcher commits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from bot.message import IncomingMessage, Reply

if TYPE_CHECKING:
    from bot.config import Config
    from bot.outbox import Outbox

Handler = Callable[["Ctx"], Reply]


@dataclass
class Ctx:
    """Everything a handler may use; nothing else (no Flask, no channel)."""

    msg: IncomingMessage
    db: Session
    outbox: Outbox
    now: datetime
    config: Config
    state: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    match: Any = None  # nlp RouteMatch when the router chose this handler
    understanding: Any = None  # nlp Understanding of msg.text, when it has text
    services: Any = None  # the process-wide Services (router, tokenizer…)


class Capability:
    """A feature module's registry of intent and state handlers."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.intents: dict[str, Handler] = {}
        self.states: dict[str, Handler] = {}

    def intent(self, name: str) -> Callable[[Handler], Handler]:
        def register(func: Handler) -> Handler:
            if name in self.intents:
                raise ValueError(f"intent {name} registered twice")
            self.intents[name] = func
            return func

        return register

    def state(self, name: str) -> Callable[[Handler], Handler]:
        def register(func: Handler) -> Handler:
            if name in self.states:
                raise ValueError(f"state {name} registered twice")
            self.states[name] = func
            return func

        return register


class Registry:
    """All capabilities of the running bot, looked up by intent or state."""

    def __init__(self, capabilities: list[Capability]) -> None:
        self.intents: dict[str, Handler] = {}
        self.states: dict[str, Handler] = {}
        for cap in capabilities:
            for table, own in ((self.intents, cap.intents), (self.states, cap.states)):
                clash = table.keys() & own.keys()
                if clash:
                    raise ValueError(f"capability {cap.name} redefines {sorted(clash)}")
                table.update(own)
