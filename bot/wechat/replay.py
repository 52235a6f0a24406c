"""Replaying the spool into the inbox once the database is back.

``serve`` replays its machine's spool itself: a request (or a /healthz probe)
that finds messages in the spool while the database answers wakes this
process's ``SpoolReplayer`` thread (``Services.wake_replayer``; started on
first use in each process, so after gunicorn's fork too), which then also
looks every ``REPLAY_INTERVAL_SECONDS`` until the spool is empty. Only serve
replays: the spool is local to the machine that received the messages, and
serve has the NLP engine warm. One replayer at a time per machine (the
spool's ``replay.lock``). Records are replayed in the order they were spooled;
a record that meets the database gone again stops the run, and the next run
starts from it.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from bot.wechat.inbox import Inbox, Outcome

log = logging.getLogger(__name__)

REPLAY_INTERVAL_SECONDS = 2.0
_QUIET_SECONDS = 60.0  # "database still unavailable" is logged at most this often


class SpoolReplayer:
    """Replays ``services.spool``; ``start()`` runs it in a background thread."""

    def __init__(self, services: Any, interval: float = REPLAY_INTERVAL_SECONDS) -> None:
        self.services = services
        self.interval = interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._ours: set[int] = set()  # rows this replayer claimed before the database went away again
        self._run_lock = threading.Lock()
        self._last_unavailable_log = 0.0

    def replay_once(self) -> int:
        """Replay what the spool holds now; returns the number of messages handled."""
        with self._run_lock:
            return self._replay()

    def _replay(self) -> int:
        spool = self.services.spool
        inbox = Inbox(self.services)
        handled = 0
        with spool.replaying() as batches:
            if batches is None:
                return 0  # another process of this machine is replaying
            for batch in batches:
                for record in spool.records(batch):
                    outcome = inbox.replay(record, self._ours)
                    if outcome in (Outcome.UNAVAILABLE, Outcome.WAIT):
                        self._note_pause(outcome, handled)
                        return handled
                    if outcome is not Outcome.SKIPPED:
                        handled += 1
                spool.finish(batch)
        if handled:
            log.warning("replayed %s spooled message(s) into the inbox", handled)
        return handled

    def _note_pause(self, outcome: Outcome, handled: int) -> None:
        if handled:
            log.warning("replayed %s spooled message(s); paused: %s", handled, outcome.value)
        if outcome is Outcome.UNAVAILABLE and time.monotonic() - self._last_unavailable_log >= _QUIET_SECONDS:
            self._last_unavailable_log = time.monotonic()
            log.warning("spooled messages wait: the database is still unavailable")

    # -- the background thread ----------------------------------------------------------

    def start(self) -> SpoolReplayer:
        self.services.replayer = self
        self._thread = threading.Thread(target=self._loop, name="spool-replayer", daemon=True)
        self._thread.start()
        self.wake()  # a spool left by an earlier run is replayed at start
        return self

    def wake(self) -> None:
        self._wake.set()

    def alive(self) -> bool:
        """False once stopped, and in a child forked after the start (threads do not cross a fork)."""
        return self._thread is not None and self._thread.is_alive() and not self._stop.is_set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                if self.services.spool.has_pending():
                    self.replay_once()
            except Exception:  # noqa: BLE001 - keep the thread alive; the next tick retries
                log.exception("spool replay failed")
