"""Engine and sessions, locks that serialise one key's transactions, and schema creation through Alembic."""

from __future__ import annotations

import functools
import re
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bot import cache
from bot.config import REPO_ROOT
from bot.prepared import Prepared, insert_as_loaded

__all__ = ["Database", "LockTimeout", "hold_lock", "insert_as_loaded", "is_unavailable", "take_lock"]

MIGRATIONS_DIR = REPO_ROOT / "migrations"


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # WAL lets the webhook read while the worker writes; busy_timeout makes
    # concurrent writers wait instead of failing with "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, hide_parameters=True, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        # A database that does not answer must fail fast: the webhook has 5 s to spool and answer.
        connect_args = {} if "connect_timeout" in parsed.query else {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
        # No pool_pre_ping: it cost every message a round trip ("SELECT 1" at each checkout). A pooled
        # connection the server dropped fails on its first statement instead; SQLAlchemy then discards
        # the whole pool, and the inbox tries the message again at once on a new connection.
        engine = create_engine(url, hide_parameters=True, pool_size=10, max_overflow=10, connect_args=connect_args)
    cache.instrument(engine)  # writes to cached tables bump the model counter (bot/cache.py)
    return engine


CONNECT_TIMEOUT_SECONDS = 2


def is_unavailable(error: BaseException) -> bool:
    """True when ``error`` says the database could not be reached or dropped the connection.

    Such a failure is not the message's fault: the webhook spools the message
    and replays it when the database is back, instead of apologising for a bug.
    """
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError))


def stale_connection(error: BaseException) -> bool:
    """True when ``error`` came from a pooled connection the server had dropped (a restart, a failover).

    The pool is discarded with it: trying again at once opens a new connection, and only when that
    fails too is the database really away.
    """
    return isinstance(error, sa_exc.DBAPIError) and bool(error.connection_invalidated)


def _int4(value: str) -> int:
    number = zlib.crc32(value.encode("utf-8"))
    return number - (1 << 32) if number >= 1 << 31 else number


def hold_lock(session: Session, scope: str, key: str) -> None:
    """Hold a lock on ``(scope, key)`` until the session's transaction ends.

    PostgreSQL: a transaction-level advisory lock (two int4 hashes; a collision
    only serialises two unrelated keys). SQLite: the database's write lock,
    taken now with BEGIN IMMEDIATE unless this transaction already writes — one
    writer at a time serialises every key. Statements after this one see what
    the previous holder committed.
    """
    if session.get_bind().dialect.name == "postgresql":
        _ADVISORY_LOCK.execute(session, {"scope": _int4(scope), "key": _int4(key)})
        return
    connection = session.connection()
    if not connection.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
        _BEGIN_IMMEDIATE.execute(session)


# Every message takes a lock: prepared (bot/prepared.py), not through SQLAlchemy's execution layer.
_ADVISORY_LOCK = Prepared(text("SELECT pg_advisory_xact_lock(CAST(:scope AS integer), CAST(:key AS integer))"))
_TRY_ADVISORY_LOCK = Prepared(text("SELECT pg_try_advisory_xact_lock(CAST(:scope AS integer), CAST(:key AS integer))"))
# flush=False (as connection.exec_driver_sql did): a flush first would open pysqlite's implicit transaction,
# and BEGIN IMMEDIATE would then fail ("cannot start a transaction within a transaction").
_BEGIN_IMMEDIATE = Prepared(text("BEGIN IMMEDIATE"), flush=False)


class LockTimeout(Exception):
    """The lock was not free within the time allowed (nothing was changed)."""


def take_lock(session: Session, scope: str, key: str, timeout: float | None = None) -> bool:
    """Like ``hold_lock`` on PostgreSQL, but tries first; True when the lock was busy and had to be waited for.

    An uncontended lock costs one statement, as ``hold_lock`` does. A busy one is
    waited for, at most ``timeout`` seconds when given (then ``LockTimeout``).
    """
    params = {"scope": _int4(scope), "key": _int4(key)}
    if _TRY_ADVISORY_LOCK.scalar(session, params):
        return False
    if timeout is not None:
        session.execute(text(f"SET LOCAL lock_timeout = '{max(1, int(timeout * 1000))}ms'"))
    try:
        _ADVISORY_LOCK.execute(session, params)
    except sa_exc.OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) == "55P03":  # lock_not_available: the timeout, not an outage
            raise LockTimeout(f"{scope} busy for {timeout} s") from exc
        raise
    if timeout is not None:
        session.execute(text("SET LOCAL lock_timeout = 0"))
    return True


class Database:
    """One engine and its session factory; shared by the app, the worker and the CLI."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer: this process's serialised transactions queue here
        # instead of polling the file lock (busy_timeout) against each other.
        self._sqlite_writer = threading.Lock()

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose transaction commits on success and rolls back on error."""
        with self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def serialized(self, scope: str, key: str) -> Iterator[Session]:
        """A transaction that holds the lock on ``(scope, key)`` (``hold_lock``) from its first statement."""
        if self.is_sqlite:
            with self._sqlite_writer, self.session() as session:
                hold_lock(session, scope, key)
                yield session
            return
        with self.session() as session:
            hold_lock(session, scope, key)
            yield session

    @contextmanager
    def locked(self, session: Session, scope: str, key: str, timeout: float | None = None) -> Iterator[bool]:
        """Hold the lock on ``(scope, key)`` in ``session``'s transaction; yields True when it had to wait.

        The caller commits (or rolls back) inside the block: on SQLite this
        process's writer mutex is released when the block ends. A read made in
        the session before the block (outside any SQLite write transaction) is
        allowed; the write transaction starts here. An error inside rolls back.

        Raises:
            LockTimeout: not free within ``timeout`` seconds (nothing was changed).
        """
        if self.is_sqlite:
            waited = not self._sqlite_writer.acquire(blocking=False)
            if waited and not self._sqlite_writer.acquire(timeout=-1 if timeout is None else max(timeout, 0.001)):
                raise LockTimeout(f"{scope} busy for {timeout} s")
            try:
                hold_lock(session, scope, key)
                yield waited
            except BaseException:
                session.rollback()
                raise
            finally:
                self._sqlite_writer.release()
            return
        try:
            waited = take_lock(session, scope, key, timeout)
            yield waited
        except BaseException:
            session.rollback()
            raise

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def revive(self) -> None:
        """Ping, and once more when the pooled connection had been dropped (a server restart, a failover).

        The pool does not ping before every use (a round trip per WeChat message): a request that is
        not on the message path calls this first, so that its own queries run on live connections.
        """
        try:
            self.ping()
        except sa_exc.DBAPIError as exc:
            if not stale_connection(exc):
                raise
            self.ping()  # the pool was discarded with the dropped connection: this one is new

    def upgrade(self) -> None:
        """Create or upgrade the schema to the newest migration."""
        from alembic import command

        parsed = make_url(self.url)  # creating the database creates its folder (opening it never does)
        if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        command.upgrade(alembic_config(self), "head")

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config(db: Database):  # type: ignore[no-untyped-def]
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = db.engine
    return cfg


def schema_is_current(db: Database) -> bool:
    """True when the database is at the newest migration.

    Reads the one line of ``alembic_version`` and compares it with the head of
    ``migrations/versions`` read from the files' ``revision`` lines: importing
    alembic for it cost every start of ``serve`` about 0.1 s. Anything unusual
    (branches, a missing table) asks alembic itself.
    """
    head = _head_revision()
    if head is not None:
        try:
            with db.engine.connect() as conn:
                found = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        except sa_exc.ProgrammingError:
            found = None  # no alembic_version table: not initialised (alembic says so below)
        except sa_exc.OperationalError as exc:
            if "no such table" not in str(exc):
                raise
            found = None
        if found is not None:
            return found == [head]
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config(db)).get_current_head()
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision() == head


_REVISION = re.compile(r"""^(down_revision|revision)\s*(?::[^=]*)?=\s*(?:['"]([^'"]+)['"]|None)\s*$""", re.M)


@functools.cache
def _head_revision() -> str | None:
    """The single head of the migration files (None when they branch or cannot be read simply)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in MIGRATIONS_DIR.joinpath("versions").glob("*.py"):
        found = dict((m.group(1), m.group(2)) for m in _REVISION.finditer(path.read_text(encoding="utf-8")))
        if "revision" not in found or found["revision"] is None or "down_revision" not in found:
            return None
        revisions.add(found["revision"])
        if found["down_revision"] is not None:
            parents.add(found["down_revision"])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None
