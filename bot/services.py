"""The process-wide objects every request and job shares, built once at start."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from bot.clock import Clock, SystemClock
from bot.config import Config
from bot.db import Database
from bot.dialog.capability import Registry, load_registry

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NoUnderstanding:
    """What the dispatcher sees when no NLP engine is configured: nothing matched."""

    urgent: bool = False
    match: Any = None


@dataclass
class Services:
    config: Config
    db: Database
    clock: Clock = field(default_factory=SystemClock)
    registry: Registry | None = None
    nlp: Any = None  # bot.routing.engine.NlpEngine once warmed
    executor: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=16, thread_name_prefix="handler")
    )

    def __post_init__(self) -> None:
        if self.registry is None:
            self.registry = load_registry()

    def understand(self, text: str) -> Any:
        if self.nlp is None:
            return NoUnderstanding()
        return self.nlp.understand(text)

    def close(self) -> None:
        self.executor.shutdown(wait=True)
        self.db.dispose()
