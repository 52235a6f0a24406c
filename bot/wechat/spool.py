"""The local spool: verified messages that arrived while the database was unreachable.

One JSON line per message (after a newline, so a line torn by a crash cannot
swallow the next record), appended to ``<var_dir>/spool/inbox.jsonl`` with a
single ``write`` and ``fsync``ed before the webhook answers, so an answered
message is on disk. Several processes of one machine share the file: writers
hold a shared ``flock`` on ``spool.lock`` while appending, and the replayer
takes it exclusively for the instant it renames the file into a numbered batch
(``batch-000000000001.jsonl``); new messages then start a fresh file.

Replaying (``bot.wechat.inbox.replay_spool``) reads the batches in number
order, line by line, and deletes a batch once every record in it is in the
inbox. One replayer at a time per machine (``replay.lock``). A record replayed
twice — a crash between storing it and deleting its batch — is stopped by the
inbox's unique (account, dedupe key), so each message is handled once.

The file holds what the inbox table holds (openids, text) and lives only until
the database is back; it is created with mode 0600.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.dialog.message import IncomingMessage, Location

log = logging.getLogger(__name__)

CURRENT = "inbox.jsonl"
_BATCH = re.compile(r"^batch-(\d{12})\.jsonl$")
_VERSION = 1


class SpoolError(Exception):
    """The message could not be made durable (disk full, permissions): the caller must not acknowledge it."""


@dataclass(frozen=True)
class SpoolRecord:
    msg: IncomingMessage
    received_at: datetime
    # The inbound row a request claimed before the database went away (None: never stored).
    row_id: int | None = None


@dataclass
class _FileIndex:
    """What has been read of one spool file: up to ``offset``, ``records`` lines from ``users``."""

    offset: int = 0
    records: int = 0
    users: set[tuple[str, str]] = field(default_factory=set)


def _encode(record: SpoolRecord) -> bytes:
    msg = record.msg
    data: dict[str, Any] = {
        "v": _VERSION,
        "received_at": record.received_at.isoformat(),
        "row_id": record.row_id,
        "channel": msg.channel,
        "account": msg.account,
        "user_id": msg.user_id,
        "kind": msg.kind,
        "dedupe_key": msg.dedupe_key,
        "text": msg.text,
        "event": msg.event,
        "event_key": msg.event_key,
        "media_id": msg.media_id,
        "location": None if msg.location is None else {
            "latitude": msg.location.latitude, "longitude": msg.location.longitude, "label": msg.location.label,
        },
        "bot_id": msg.bot_id,
        "created": msg.created,
        "extra": msg.extra,
    }
    # The leading newline ends a line torn by a crash mid-append, so it cannot swallow this record.
    return ("\n" + json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str) + "\n").encode("utf-8")


def _decode(line: bytes) -> SpoolRecord:
    data = json.loads(line)
    if data.get("v") != _VERSION:
        raise ValueError(f"unknown spool record version {data.get('v')!r}")
    location = data.get("location")
    msg = IncomingMessage(
        channel=data["channel"], account=data["account"], user_id=data["user_id"], kind=data["kind"],
        dedupe_key=data["dedupe_key"], text=data.get("text") or "", event=data.get("event"),
        event_key=data.get("event_key") or "", media_id=data.get("media_id"),
        location=Location(**location) if location else None, bot_id=data.get("bot_id") or "",
        created=int(data.get("created") or 0), extra=data.get("extra") or {},
    )
    return SpoolRecord(msg, datetime.fromisoformat(data["received_at"]), data.get("row_id"))


class Spool:
    """The spool directory of one machine (``Config.var_path / "spool"``)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._index: dict[int, _FileIndex] = {}  # by inode: a batch keeps its file's, a fresh file gets its own
        self._index_lock = threading.Lock()

    # -- writing (the webhook) ----------------------------------------------------------

    def append(self, record: SpoolRecord) -> None:
        """Append one record and fsync it; raise SpoolError when that is not possible."""
        line = _encode(record)
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            with self._flock(fcntl.LOCK_SH):
                path = self.directory / CURRENT
                created = not path.exists()
                fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    written = os.write(fd, line)
                    if written != len(line):
                        raise OSError(f"short write to the spool ({written} of {len(line)} bytes)")
                    os.fsync(fd)
                finally:
                    os.close(fd)
                if created:
                    self._sync_directory()
        except OSError as exc:
            raise SpoolError(str(exc)) from exc

    # -- reading (health, ordering, replay) -------------------------------------------------

    def files(self) -> list[Path]:
        """The batches in replay order, then the file being appended to (if any)."""
        try:
            names = os.listdir(self.directory)
        except FileNotFoundError:
            return []
        batches = sorted(name for name in names if _BATCH.match(name))
        paths = [self.directory / name for name in batches]
        if CURRENT in names:
            paths.append(self.directory / CURRENT)
        return paths

    def has_pending(self) -> bool:
        return any((st := _stat(path)) is not None and st.st_size > 0 for path in self.files())

    def count(self) -> int:
        """Records waiting to be replayed."""
        return sum(index.records for index in self._refresh())

    def holds_user(self, account: str, user_id: str) -> bool:
        """Whether a message of this user waits in the spool (their next one must queue behind it)."""
        return any((account, user_id) in index.users for index in self._refresh())

    def _refresh(self) -> list[_FileIndex]:
        """Index what was appended since the last look (each byte is read once, however long the outage)."""
        with self._index_lock:
            seen: dict[int, _FileIndex] = {}
            for path in self.files():
                st = _stat(path)
                if st is None:
                    continue
                index = self._index.get(st.st_ino) or _FileIndex()
                if st.st_size > index.offset:
                    self._read_tail(path, index)
                seen[st.st_ino] = index
            self._index = seen
            return list(seen.values())

    @staticmethod
    def _read_tail(path: Path, index: _FileIndex) -> None:
        try:
            with path.open("rb") as f:
                f.seek(index.offset)
                data = f.read()
        except FileNotFoundError:
            return
        end = data.rfind(b"\n") + 1  # only whole lines; a line being written is read next time
        for line in data[:end].split(b"\n"):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                index.users.add((record["account"], record["user_id"]))
            except (ValueError, KeyError, TypeError):
                continue  # a torn line: never acknowledged, never replayed
            index.records += 1
        index.offset += end

    @contextmanager
    def replaying(self) -> Iterator[list[Path] | None]:
        """Become the machine's one replayer and seal the current file into a batch.

        Yields the batches in order, or None when another process is replaying.
        """
        if not self.directory.exists():
            yield []
            return
        lock = os.open(self.directory / "replay.lock", os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield None
                return
            self._seal()
            yield [p for p in self.files() if p.name != CURRENT]
        finally:
            os.close(lock)  # releases the flock

    def records(self, batch: Path) -> Iterator[SpoolRecord]:
        """The complete records of a batch; a torn last line (a crash mid-append, never acknowledged) is skipped."""
        for number, line in enumerate(self._lines(batch), start=1):
            try:
                yield _decode(line)
            except (ValueError, KeyError, TypeError) as exc:
                log.error("spool %s line %s unreadable, skipped: %s", batch.name, number, type(exc).__name__)

    def finish(self, batch: Path) -> None:
        """Every record of ``batch`` is in the inbox: delete it."""
        batch.unlink(missing_ok=True)
        self._sync_directory()

    # -- internals ------------------------------------------------------------------------

    def _seal(self) -> None:
        current = self.directory / CURRENT
        with self._flock(fcntl.LOCK_EX):
            if not current.exists() or current.stat().st_size == 0:
                return
            numbers = [int(m.group(1)) for name in os.listdir(self.directory) if (m := _BATCH.match(name))]
            os.rename(current, self.directory / f"batch-{max(numbers, default=0) + 1:012d}.jsonl")
            self._sync_directory()

    @contextmanager
    def _flock(self, mode: int) -> Iterator[None]:
        fd = os.open(self.directory / "spool.lock", os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, mode)
            yield
        finally:
            os.close(fd)

    def _sync_directory(self) -> None:
        fd = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    @staticmethod
    def _lines(path: Path) -> Iterator[bytes]:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return
        lines = data.split(b"\n")
        # The part after the last newline is a torn append (or empty): never acknowledged.
        yield from (line for line in lines[:-1] if line.strip())


def _stat(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except FileNotFoundError:
        return None
