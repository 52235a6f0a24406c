"""Process-wide caches of rows that rarely change, kept fresh by the version counters.

Rules and dictionary words bump their counters on every change
(bot/routing/rulestore.py). The tables a capability caches (categories,
deadlines, the holiday calendar …) are registered with ``watch_tables``: a
statement that writes one of them, through any session or connection of this
process, bumps the ``model`` counter in the same transaction (once, at its
commit; unless the transaction wrote the counters itself, e.g. an import that
also bumped ``rules``). So every process learns of every change from the
counters, and a cached value lives until any of them moves.

A process reads the counters at most once a second (``CHECK_SECONDS``) — not
once per message — and at once after one of its own connections wrote a
watched table or a counter (the local notification: the engine's statement
events). An edit made by another process is therefore seen within a second,
one made by this process on its next read. ``cached`` keeps a value per key
until a counter moves or a local write drops it.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

RULES_COUNTER = "rules"
WORDS_COUNTER = "words"
MODEL_COUNTER = "model"
COUNTERS = (RULES_COUNTER, WORDS_COUNTER, MODEL_COUNTER)
CHECK_SECONDS = 1.0

# Tables whose rows ``cached`` values are built from; a write to one bumps MODEL_COUNTER.
_watched: set[str] = set()
_COUNTERS_TABLE = "counters"
_WROTE = "linli.model_written"  # connection info: this transaction wrote a watched table
_NOTIFY = "linli.counter_written"  # connection info: this transaction wrote a counter
_DML = re.compile(r"^\s*(insert|update|delete|truncate|replace)\b", re.IGNORECASE)
_WORD = re.compile(r"[a-z_][a-z0-9_]*")
_READ = text("SELECT name, value FROM counters WHERE name IN ('rules', 'words', 'model')")

T = TypeVar("T")


def watch_tables(*names: str) -> None:
    """Declare tables whose changes must refresh ``cached`` values (call at import time)."""
    _watched.update(names)


def tables_named_in_write(statement: str) -> set[str] | None:
    """The table-like words of a textual INSERT/UPDATE/DELETE (None when it is no write), as the listener reads them."""
    if not _DML.match(statement):
        return None
    return set(_WORD.findall(statement.lower()))


def watched_tables() -> frozenset[str]:
    """The tables declared with ``watch_tables`` (and the counters), whose writes the engine events must see."""
    return frozenset(_watched | {_COUNTERS_TABLE})


class Versions:
    """The counters of one database as this process last read them, and the values cached under them."""

    def __init__(self, engine: Engine) -> None:
        self._engine_ref = weakref.ref(engine)
        self._lock = threading.Lock()
        self._values: dict[str, int] | None = None
        self._checked = 0.0
        self._stale = True
        self._entries: dict[str, tuple[Mapping[str, int], Any]] = {}

    def changed_here(self) -> None:
        """One of this process's connections wrote a watched table or a counter: drop and re-read."""
        with self._lock:
            self._stale = True
            self._entries.clear()

    def current(self, session: Session | None = None) -> Mapping[str, int]:
        """The counters (0 when absent), read at most once a second unless changed here.

        ``session``: read inside the caller's transaction instead of opening a connection.
        """
        values = self._values
        if values is not None and not self._stale and time.monotonic() - self._checked < CHECK_SECONDS:
            return values
        self._stale = False  # cleared before the read: a change noticed meanwhile sets it again
        if session is not None:
            rows = session.execute(_READ).all()
        else:
            engine = self._engine_ref()
            assert engine is not None
            with engine.connect() as conn:
                rows = conn.execute(_READ).all()
        fresh = {name: 0 for name in COUNTERS} | {name: int(value) for name, value in rows}
        with self._lock:
            if self._values != fresh:  # (the same dict object while nothing moves: entries compare by identity)
                self._entries.clear()
                self._values = fresh
            self._checked = time.monotonic()
            return self._values

    def cached(self, session: Session, key: str, load: Callable[[Session], T]) -> T:
        """The value of ``load(session)``, kept until a watched table (or any counter) changes."""
        values = self.current(session)
        entry = self._entries.get(key)
        if entry is not None and entry[0] is values:
            return entry[1]  # type: ignore[no-any-return]
        value = load(session)
        with self._lock:
            if not self._stale and self._values is values:  # nothing changed during the load
                self._entries[key] = (values, value)
        return value


_versions: weakref.WeakKeyDictionary[Engine, Versions] = weakref.WeakKeyDictionary()


def versions_of(bind: Any) -> Versions:
    """The Versions of the database behind a session, connection or engine."""
    if isinstance(bind, Session):
        bind = bind.get_bind()
    engine = getattr(bind, "engine", bind)
    found = _versions.get(engine)
    if found is None:
        found = _versions.setdefault(engine, Versions(engine))
    return found


def cached(session: Session, key: str, load: Callable[[Session], T]) -> T:
    """``load(session)`` once per change of the watched tables (``watch_tables``), per process and database."""
    return versions_of(session).cached(session, key, load)


# -- noticing writes --------------------------------------------------------------------------


def instrument(engine: Engine) -> None:
    """Listen to the engine's statements: writes to watched tables bump the model counter at commit."""
    versions = versions_of(engine)

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn, _cursor, statement, _params, context, _many):  # type: ignore[no-untyped-def]
        if context is not None and context.compiled is not None and (
                context.isinsert or context.isupdate or context.isdelete):
            table = getattr(context.compiled.statement, "table", None)
            names = {getattr(table, "name", "")}
        else:  # text: look for the watched names in it
            names = tables_named_in_write(statement)
            if names is None:
                return
        if _COUNTERS_TABLE in names:
            conn.info[_NOTIFY] = True
        if names & _watched:
            conn.info[_WROTE] = True
            versions.changed_here()

    @event.listens_for(engine, "commit")
    def _commit(conn):  # type: ignore[no-untyped-def]
        wrote, notify = conn.info.pop(_WROTE, False), conn.info.pop(_NOTIFY, False)
        if wrote and not notify:  # a transaction that wrote the counters itself (a bump, a restore) moved them
            _bump_model(conn)
        if wrote or notify:
            versions.changed_here()

    @event.listens_for(engine, "rollback")
    def _rollback(conn):  # type: ignore[no-untyped-def]
        if conn.invalidated:
            # The server dropped the connection (its info went with it): reading conn.info here raised
            # PendingRollbackError over the real error, which then did not read as an outage.
            versions.changed_here()
            return
        if conn.info.pop(_WROTE, False) | conn.info.pop(_NOTIFY, False):
            versions.changed_here()


def _bump_model(conn: Any) -> None:
    """``model`` + 1 in the committing transaction, on the driver's connection (no statement events)."""
    dbapi = conn.connection.dbapi_connection
    postgres = conn.dialect.name == "postgresql"
    upsert = (
        f"INSERT INTO counters (name, value) VALUES ('{MODEL_COUNTER}', 1) "
        "ON CONFLICT (name) DO UPDATE SET value = counters.value + 1"
    )
    cursor = dbapi.cursor()
    try:
        if postgres:  # a failure must not abort the transaction being committed
            cursor.execute("SAVEPOINT linli_model_bump")
        try:
            cursor.execute(upsert)
        except Exception as exc:  # noqa: BLE001 - e.g. a migration that runs before counters exists
            log.debug("model counter not bumped: %s", exc)
            if postgres:
                cursor.execute("ROLLBACK TO SAVEPOINT linli_model_bump")
        if postgres:
            cursor.execute("RELEASE SAVEPOINT linli_model_bump")
    finally:
        cursor.close()
