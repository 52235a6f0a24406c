"""Access tokens shared by every process: stored in the database (or Redis), refreshed by one at a time.

WeChat's classic ``/cgi-bin/token`` invalidates the previous token of the app,
so two workers refreshing independently would knock each other's token out.
Every process therefore reads the token from a shared store, and only the
process holding the store's lock calls WeChat. A token is refreshed a few
minutes before it expires; a process that finds another one refreshing keeps
using the current token while it is still valid, and otherwise waits.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from bot.clock import Clock, SystemClock
from bot.db import Database
from bot.errors import BotError
from models import AccessToken

log = logging.getLogger(__name__)

# (early) -> (token, expires_in seconds). `early` is true when the current
# token still works and is only being replaced because it expires soon.
Fetch = Callable[[bool], tuple[str, int]]

REFRESH_MARGIN = timedelta(minutes=5)
# A token fetched this recently is used even inside the margin: WeCom and the
# stable token endpoint hand back the same token until it really expires, and
# asking again every call would hammer the token endpoint.
RECENT_FETCH = timedelta(seconds=60)
LOCK_TTL = timedelta(seconds=30)
WAIT_SECONDS = 15.0
_POLL_SECONDS = 0.05


class TokenUnavailable(BotError):
    """No valid token could be obtained (another process holds the lock too long)."""


@dataclass(frozen=True)
class StoredToken:
    token: str
    expires_at: datetime
    updated_at: datetime


def process_owner() -> str:
    """A lock owner id unique to this process (and this store instance)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class TokenStore(ABC):
    """The refresh protocol; subclasses provide read, write and a lock."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock or SystemClock()
        self.owner = process_owner()
        # The last token this process saw per key: saves a store read per message.
        # Safe because a rejected token comes back as `invalid` and skips it.
        self._local: dict[str, StoredToken] = {}

    def get(self, key: str, fetch: Fetch, *, invalid: str | None = None) -> str:
        """Return a valid token for ``key``, fetching it if nobody else has.

        Args:
            key: the token's scope, e.g. ``mp:<app_id>``.
            fetch: calls WeChat's token endpoint.
            invalid: a token WeChat just rejected (40001/42001): never return it.

        Raises:
            TokenUnavailable: another process held the lock and no token appeared in time.
            Whatever ``fetch`` raises.
        """
        local = self._local.get(key)
        if local is not None and local.token != invalid and local.expires_at - REFRESH_MARGIN > self.clock.now():
            return local.token
        return self._get_shared(key, fetch, invalid)

    def _get_shared(self, key: str, fetch: Fetch, invalid: str | None) -> str:
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            now = self.clock.now()
            current = self.read(key)
            if current is not None:
                self._local[key] = current
            if _fresh(current, now, invalid):
                return current.token  # type: ignore[union-attr]
            if self.try_lock(key, now):
                try:
                    current = self.read(key)  # someone may have refreshed before we got the lock
                    if _fresh(current, now, invalid):
                        return current.token  # type: ignore[union-attr]
                    early = _valid(current, now, invalid)
                    token, expires_in = fetch(early)
                    fetched_at = self.clock.now()
                    stored = StoredToken(token, fetched_at + timedelta(seconds=expires_in), fetched_at)
                    self.write(key, stored)
                    self._local[key] = stored
                    log.info("access token refreshed key=%s expires_in=%s early=%s", key, expires_in, early)
                    return token
                finally:
                    self.unlock(key)
            if _valid(current, now, invalid):
                return current.token  # type: ignore[union-attr]
            if time.monotonic() >= deadline:
                raise TokenUnavailable(f"access token {key}: another process is still refreshing it")
            time.sleep(_POLL_SECONDS)

    @abstractmethod
    def read(self, key: str) -> StoredToken | None: ...

    @abstractmethod
    def write(self, key: str, value: StoredToken) -> None: ...

    @abstractmethod
    def try_lock(self, key: str, now: datetime) -> bool: ...

    @abstractmethod
    def unlock(self, key: str) -> None: ...


def _valid(current: StoredToken | None, now: datetime, invalid: str | None) -> bool:
    return current is not None and current.token != invalid and current.expires_at > now


def _fresh(current: StoredToken | None, now: datetime, invalid: str | None) -> bool:
    if not _valid(current, now, invalid):
        return False
    assert current is not None
    return current.expires_at - REFRESH_MARGIN > now or current.updated_at > now - RECENT_FETCH


class DatabaseTokenStore(TokenStore):
    """Tokens in the ``access_tokens`` table; the lock is a leased column on the same row."""

    def __init__(self, db: Database, clock: Clock | None = None) -> None:
        super().__init__(clock)
        self.db = db

    def read(self, key: str) -> StoredToken | None:
        with self.db.session() as s:
            row = s.get(AccessToken, key)
            if row is None or row.token is None or row.expires_at is None:
                return None
            return StoredToken(row.token, row.expires_at, row.updated_at or row.expires_at - timedelta(days=1))

    def write(self, key: str, value: StoredToken) -> None:
        with self.db.session() as s:
            s.execute(
                update(AccessToken)
                .where(AccessToken.key == key)
                .values(token=value.token, expires_at=value.expires_at, updated_at=value.updated_at)
            )

    def try_lock(self, key: str, now: datetime) -> bool:
        values = {"lock_owner": self.owner, "lock_until": now + LOCK_TTL}
        with self.db.session() as s:
            result = s.execute(
                update(AccessToken)
                .where(AccessToken.key == key, or_(AccessToken.lock_until.is_(None), AccessToken.lock_until < now))
                .values(**values)
            )
            if result.rowcount == 1:
                return True
            if s.scalar(select(AccessToken.key).where(AccessToken.key == key)) is not None:
                return False
        try:
            with self.db.session() as s:
                s.add(AccessToken(key=key, **values))
        except IntegrityError:
            return False  # another process created the row, and holds its lock
        return True

    def unlock(self, key: str) -> None:
        with self.db.session() as s:
            s.execute(
                update(AccessToken)
                .where(AccessToken.key == key, AccessToken.lock_owner == self.owner)
                .values(lock_owner=None, lock_until=None)
            )


# Delete the lock only if we still own it (it may have expired and been taken).
_UNLOCK_SCRIPT = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class RedisTokenStore(TokenStore):
    """Tokens in Redis (the fast path when ``redis`` is configured); the lock is SET NX with a TTL."""

    def __init__(self, client: Any, clock: Clock | None = None, prefix: str = "linli:token:") -> None:
        super().__init__(clock)
        self.client = client
        self.prefix = prefix
        self._unlock = client.register_script(_UNLOCK_SCRIPT)

    @classmethod
    def from_url(cls, url: str, clock: Clock | None = None) -> RedisTokenStore:
        import redis

        return cls(redis.Redis.from_url(url, socket_timeout=5), clock)

    def read(self, key: str) -> StoredToken | None:
        raw = self.client.get(self.prefix + key)
        if raw is None:
            return None
        data = json.loads(raw)
        return StoredToken(
            data["token"],
            datetime.fromtimestamp(data["expires_at"], UTC),
            datetime.fromtimestamp(data["updated_at"], UTC),
        )

    def write(self, key: str, value: StoredToken) -> None:
        data = {
            "token": value.token,
            "expires_at": value.expires_at.timestamp(),
            "updated_at": value.updated_at.timestamp(),
        }
        ttl = max(1, int((value.expires_at - self.clock.now()).total_seconds()) + 60)
        self.client.set(self.prefix + key, json.dumps(data), ex=ttl)

    def try_lock(self, key: str, now: datetime) -> bool:
        ttl_ms = int(LOCK_TTL.total_seconds() * 1000)
        return bool(self.client.set(self.prefix + "lock:" + key, self.owner, nx=True, px=ttl_ms))

    def unlock(self, key: str) -> None:
        self._unlock(keys=[self.prefix + "lock:" + key], args=[self.owner])


def build_token_store(db: Database, redis_url: str | None, clock: Clock | None = None) -> TokenStore:
    """Redis when configured, else the database (the default and the fallback)."""
    if redis_url:
        return RedisTokenStore.from_url(redis_url, clock)
    return DatabaseTokenStore(db, clock)
