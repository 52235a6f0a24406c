"""jieba segmentation behind a small class that owns its own `jieba.Tokenizer`.

We never touch jieba's module-level default tokenizer: every Tokenizer carries its own
dictionary (base + user words), so tests and several routers cannot leak words into each
other. Start-up cost is dominated by building jieba's prefix dictionary; jieba caches it
in a marshal file, which we keep in a writable cache directory chosen by the caller.
"""

from __future__ import annotations

import logging
import marshal
import os
import sys
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any


def _import_jieba() -> Any:
    """jieba 0.42 imports pkg_resources (60 ms) only to open its own data files; it falls back to
    open() when that import fails, so the import is made to fail, for jieba alone."""
    blocked = "pkg_resources" not in sys.modules
    if blocked:
        sys.modules["pkg_resources"] = None  # type: ignore[assignment]
    try:
        import jieba
    finally:
        if blocked:
            del sys.modules["pkg_resources"]
    return jieba


jieba = _import_jieba()

from nlp.normalize import normalize  # noqa: E402

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEFAULT_CACHE_DIR = Path(__file__).resolve().parent.parent / "var" / "cache"

# jieba prints "Building prefix dict ..." at DEBUG level on its own stderr handler.
jieba.setLogLevel(logging.WARNING)


class _WholeFileMarshal:
    """What jieba sees as ``marshal``: the cache file is read in one piece, then decoded.

    ``marshal.load`` on a file object reads it in small pieces; for jieba's 9 MB
    prefix dictionary that took more than twice as long as ``marshal.loads`` of
    the whole file (0.68 s against 0.29 s): most of a server's start-up.
    """

    @staticmethod
    def load(file: Any) -> Any:
        return marshal.loads(file.read())

    dump = staticmethod(marshal.dump)
    dumps = staticmethod(marshal.dumps)
    loads = staticmethod(marshal.loads)


jieba.marshal = _WholeFileMarshal  # type: ignore[attr-defined]  # jieba's own module global, nothing else


def _cache_dir(cache_dir: str | Path | None) -> str:
    """The caller's directory, else var/cache in the repository, else the system temp dir."""
    for candidate in (cache_dir, DEFAULT_CACHE_DIR):
        if candidate is None:
            continue
        path = Path(candidate)
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(path, os.W_OK):
            return str(path)
    return tempfile.gettempdir()


class Tokenizer:
    """A jieba tokenizer with the project's user dictionary.

    Args:
        cache_dir: writable directory for jieba's prefix-dictionary cache.
        user_dicts: jieba-format dictionary files to load (word [freq] [pos] per line).
    """

    def __init__(
        self,
        cache_dir: str | Path | None = None,
        user_dicts: Iterable[str | Path] = (),
    ) -> None:
        self._jieba = jieba.Tokenizer()
        self._jieba.tmp_dir = _cache_dir(cache_dir)
        self._lock = threading.Lock()
        self._pending: list[Path] = [Path(p) for p in user_dicts]
        self._ready = False
        # Run-time words -> the frequency jieba had before we added them (None: unknown),
        # so removing an admin word restores a dictionary word instead of breaking it.
        self._added: dict[str, int | None] = {}

    def warm(self) -> None:
        """Initialise jieba and load the user dictionaries now, not on the first message."""
        if self._ready:
            return
        with self._lock:
            if self._ready:
                return
            self._jieba.initialize()
            for path in self._pending:
                self._load_file(path)
            self._pending.clear()
            self._ready = True

    def load_user_dict(self, paths: Iterable[str | Path]) -> None:
        """Add the words of jieba-format dictionary files (loaded at warm() if not warm yet)."""
        paths = [Path(p) for p in paths]
        if not self._ready:
            self._pending.extend(paths)
            return
        with self._lock:
            for path in paths:
                self._load_file(path)

    def add_words(self, words: Iterable[str]) -> None:
        """Add words at run time (admin-added words); each is normalised like messages are."""
        self.warm()
        with self._lock:
            for word in words:
                word = normalize(word)
                if word:
                    if word not in self._added:
                        self._added[word] = self._jieba.FREQ.get(word) or None
                    self._jieba.add_word(word)

    def remove_words(self, words: Iterable[str]) -> None:
        """Undo add_words (an admin deleted the word): jieba splits it again on the next cut.

        A word that was already in the base or data/dict dictionary gets its old frequency
        back; a word only the admin had added is deleted (jieba's del_word: frequency 0).
        """
        self.warm()
        with self._lock:
            for word in words:
                word = normalize(word)
                if not word or word not in self._added:
                    continue
                previous = self._added.pop(word)
                if previous:
                    self._jieba.add_word(word, previous)
                else:
                    self._jieba.del_word(word)

    def cut(self, text: str) -> list[str]:
        """Segment already-normalised text; whitespace tokens are dropped.

        jieba's HMM (new-word discovery) is off: it glues unknown neighbours into
        pseudo-words (灯坏, 电提坏) that hide one-character keywords from the router.
        """
        self.warm()
        return [t for t in self._jieba.lcut(text, HMM=False) if t.strip()]

    def _load_file(self, path: Path) -> None:
        # Parsed here rather than by jieba.load_userdict so words are normalised the same
        # way as messages and a malformed line names its file.
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split()
            word = normalize(parts[0])
            freq: int | None = None
            tag: str | None = None
            for extra in parts[1:3]:
                if extra.isdigit():
                    freq = int(extra)
                else:
                    tag = extra
            if not word:
                raise ValueError(f"{path}:{lineno}: empty word")
            self._jieba.add_word(word, freq, tag)


def dictionary_files(data_dir: Path = DATA_DIR) -> list[Path]:
    """The user dictionary files under data/dict, sorted."""
    return sorted((data_dir / "dict").glob("*.txt"))


def default_tokenizer(cache_dir: str | Path | None = None, *, warm: bool = True) -> Tokenizer:
    """A Tokenizer with the repository's data/dict/*.txt loaded (and warmed by default)."""
    tokenizer = Tokenizer(cache_dir=cache_dir, user_dicts=dictionary_files())
    if warm:
        tokenizer.warm()
    return tokenizer
