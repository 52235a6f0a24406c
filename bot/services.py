"""The process-wide objects every request and job shares, built once at start."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from bot.clock import Clock, SystemClock
from bot.config import Config
from bot.db import Database
from bot.dialog.capability import Registry, load_registry
from bot.wechat.spool import Spool

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
    spool: Spool = None  # type: ignore[assignment]  # messages kept while the database is away; var_dir/spool
    # serve: a request that finds messages in the spool and the database answering starts (in this
    # process, after a fork too) a thread that replays them. Tests replay by hand.
    background_replay: bool = False
    replayer: Any = None  # bot.wechat.replay.SpoolReplayer of this process, once started

    def __post_init__(self) -> None:
        if self.registry is None:
            self.registry = load_registry()
        if self.spool is None:
            self.spool = Spool(self.config.var_path / "spool")
        self._replayer_lock = threading.Lock()

    def wake_replayer(self) -> None:
        """Replay the spool soon, in the background (started on first use in each process)."""
        if not self.background_replay:
            return
        replayer = self.replayer
        if replayer is None or not replayer.alive():
            with self._replayer_lock:
                replayer = self.replayer
                if replayer is None or not replayer.alive():
                    from bot.wechat.replay import SpoolReplayer

                    replayer = SpoolReplayer(self).start()
        replayer.wake()

    def understand(self, text: str) -> Any:
        if self.nlp is None:
            return NoUnderstanding()
        return self.nlp.understand(text)

    def close(self) -> None:
        if self.replayer is not None:
            self.replayer.stop()
        self.executor.shutdown(wait=True)
        self.db.dispose()
