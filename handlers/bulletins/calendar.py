"""Dated content for bulletin series: load and validate a series file, and pick what a day shows.

A series (今日党史, 社区公告, 健康小贴士 …) is one YAML file (format in docs/bulletins.md):
recurring entries on a month-day (with the year of the event, for anniversaries), one-off
entries on a specific date, and evergreen items for days that have neither. ``bulletin_for``
never returns an empty bulletin: a day without entries falls back to the nearest entry day in
the same week, then to an evergreen item chosen by the date, then to an explicit "nothing".

Pure: no database, no clock, no Chinese wording (render.py and texts.py say things).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "bulletins"
PARTY_HISTORY = DATA_DIR / "party_history.yaml"

MAX_SERIES_TITLE_CHARS = 20
MAX_TITLE_CHARS = 40
# Long enough for a real paragraph, short enough that one entry with the header, the fallback
# line and a footer always fits WeChat's 2048-byte customer-service text (3 bytes per character).
MAX_BODY_CHARS = 400

_SLUG = re.compile(r"^[a-z][a-z0-9_]*$")
_MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")
_URL = re.compile(r"^https?://\S+$")
_SERIES_KEYS = {"series", "title", "description", "fallbacks", "entries", "evergreen"}
_ENTRY_KEYS = {"key", "day", "date", "year", "title", "body", "url"}
_EVERGREEN_KEYS = {"key", "title", "body", "url"}


class ContentError(ValueError):
    """A series file is malformed; the message names the file and the entry."""


class Kind(StrEnum):
    """What a bulletin shows, in the order the fallbacks are tried."""

    TODAY = "today"  # the day's own entries
    THIS_WEEK = "this_week"  # no entry today: the nearest entry day in the same Monday-to-Sunday week
    EVERGREEN = "evergreen"  # nothing this week: one evergreen item, chosen by the date
    NOTHING = "nothing"  # a series with no entries this week and no evergreen items


class Fallback(StrEnum):
    THIS_WEEK = "this_week"
    EVERGREEN = "evergreen"


DEFAULT_FALLBACKS = (Fallback.THIS_WEEK, Fallback.EVERGREEN)


@dataclass(frozen=True, order=True)
class MonthDay:
    """A day that recurs every year. 02-29 falls on 02-28 in common years."""

    month: int
    day: int

    def in_year(self, year: int) -> date:
        """This month-day in ``year`` (02-29 becomes 02-28 when ``year`` is not a leap year)."""
        try:
            return date(year, self.month, self.day)
        except ValueError:
            return date(year, 2, 28)

    def __str__(self) -> str:
        return f"{self.month:02d}-{self.day:02d}"


@dataclass(frozen=True)
class Entry:
    """One piece of dated content: recurring (``when`` a MonthDay) or one-off (``when`` a date).

    ``year`` is the year of the event for a recurring entry (None when it has none) and the
    date's own year for a one-off entry. Evergreen items are Entries with ``when`` None.
    """

    key: str
    title: str
    body: str
    when: MonthDay | date | None = None
    year: int | None = None
    url: str | None = None

    @property
    def once(self) -> bool:
        return isinstance(self.when, date)

    def occurs_on(self, day: date) -> bool:
        if isinstance(self.when, date):
            return self.when == day
        if isinstance(self.when, MonthDay):
            return self.when.in_year(day.year) == day
        return False

    def event_date(self) -> date | None:
        """The date the entry is about: the one-off date, or the anniversary's original day."""
        if isinstance(self.when, date):
            return self.when
        if isinstance(self.when, MonthDay) and self.year is not None:
            return date(self.year, self.when.month, self.when.day)
        return None


@dataclass(frozen=True)
class Series:
    slug: str
    title: str
    entries: tuple[Entry, ...]
    evergreen: tuple[Entry, ...] = ()
    fallbacks: tuple[Fallback, ...] = DEFAULT_FALLBACKS
    description: str = ""

    def entries_for(self, day: date) -> list[Entry]:
        """The entries that fall on ``day``: one-off entries first, then anniversaries oldest first."""
        found = [e for e in self.entries if e.occurs_on(day)]
        return sorted(found, key=lambda e: (not e.once, e.year if e.year is not None else 10_000))

    def days_without_entries(self, year: int) -> list[date]:
        """Every day of ``year`` that has no entry of its own (what the editors may want to fill)."""
        day, end = date(year, 1, 1), date(year, 12, 31)
        empty: list[date] = []
        while day <= end:
            if not any(e.occurs_on(day) for e in self.entries):
                empty.append(day)
            day += timedelta(days=1)
        return empty

    def bulletin_for(self, day: date) -> Bulletin:
        """What the series shows on ``day``: its entries, or the first fallback that has something."""
        today = self.entries_for(day)
        if today:
            return Bulletin(self.slug, self.title, day, Kind.TODAY, tuple(today), day)
        for fallback in self.fallbacks:
            if fallback is Fallback.THIS_WEEK:
                near = self._nearest_this_week(day)
                if near is not None:
                    return Bulletin(self.slug, self.title, day, Kind.THIS_WEEK, tuple(self.entries_for(near)), near)
            elif fallback is Fallback.EVERGREEN and self.evergreen:
                item = self.evergreen[day.toordinal() % len(self.evergreen)]
                return Bulletin(self.slug, self.title, day, Kind.EVERGREEN, (item,), None)
        return Bulletin(self.slug, self.title, day, Kind.NOTHING, (), None)

    def _nearest_this_week(self, day: date) -> date | None:
        """The closest other day of the same Monday-to-Sunday week with entries; a tie goes to the coming day."""
        monday = day - timedelta(days=day.weekday())
        others = [monday + timedelta(days=i) for i in range(7) if monday + timedelta(days=i) != day]
        for other in sorted(others, key=lambda d: (abs((d - day).days), d < day)):
            if self.entries_for(other):
                return other
        return None


@dataclass(frozen=True)
class Bulletin:
    """One day's bulletin of one series, before rendering.

    ``source_day`` is the day the entries belong to: ``day`` itself for TODAY, another day of
    the same week for THIS_WEEK, None for EVERGREEN and NOTHING.
    """

    series: str
    series_title: str
    day: date
    kind: Kind
    entries: tuple[Entry, ...]
    source_day: date | None


# --- loading and validation -------------------------------------------------------------------


def load_series(path: Path | str) -> Series:
    """Read and validate one series file.

    Raises:
        ContentError: the file is missing, is not YAML, or an entry is malformed; the message
            names the file and the entry (its position, day and title).
    """
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ContentError(f"{path}: cannot read: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ContentError(f"{path}: not valid YAML: {exc}") from exc
    return parse_series(raw, source=str(path))


def parse_series(raw: Any, source: str = "<series>") -> Series:
    """Validate an already-parsed series document (the import format uses the same shape).

    Raises:
        ContentError: naming ``source`` and the offending entry.
    """
    if not isinstance(raw, Mapping):
        raise ContentError(f"{source}: a series file is a mapping with series, title and entries")
    unknown = set(raw) - _SERIES_KEYS
    if unknown:
        raise ContentError(f"{source}: unknown key(s) {sorted(map(str, unknown))}; allowed: {sorted(_SERIES_KEYS)}")
    slug = raw.get("series")
    if not isinstance(slug, str) or not _SLUG.match(slug):
        raise ContentError(f"{source}: 'series' must be a lowercase slug like party_history, got {slug!r}")
    title = _text(raw.get("title"), f"{source}: 'title'", MAX_SERIES_TITLE_CHARS)
    description = raw.get("description") or ""
    if not isinstance(description, str):
        raise ContentError(f"{source}: 'description' must be text")
    fallbacks = _fallbacks(raw.get("fallbacks", [f.value for f in DEFAULT_FALLBACKS]), source)

    entries_raw = raw.get("entries") or []
    evergreen_raw = raw.get("evergreen") or []
    for name, value in (("entries", entries_raw), ("evergreen", evergreen_raw)):
        if not isinstance(value, list):
            raise ContentError(f"{source}: '{name}' must be a list")
    if not entries_raw and not evergreen_raw:
        raise ContentError(f"{source}: a series needs at least one entry or evergreen item")

    entries = [_entry(item, f"{source}: entries[{i}]") for i, item in enumerate(entries_raw)]
    entries = _with_default_keys(entries)
    evergreen = [_evergreen(item, f"{source}: evergreen[{i}]", i + 1) for i, item in enumerate(evergreen_raw)]
    seen: dict[str, str] = {}
    for kind, items in (("entries", entries), ("evergreen", evergreen)):
        for i, item in enumerate(items):
            where = f"{kind}[{i}] ({item.title})"
            if item.key in seen:
                raise ContentError(f"{source}: {where}: key {item.key!r} is already used by {seen[item.key]}")
            seen[item.key] = where
    return Series(slug, title, tuple(entries), tuple(evergreen), fallbacks, description)


def _fallbacks(value: Any, source: str) -> tuple[Fallback, ...]:
    if not isinstance(value, list):
        raise ContentError(f"{source}: 'fallbacks' must be a list drawn from {[f.value for f in Fallback]}")
    try:
        chosen = tuple(Fallback(v) for v in value)
    except ValueError as exc:
        raise ContentError(f"{source}: 'fallbacks': {exc}; allowed: {[f.value for f in Fallback]}") from exc
    if len(set(chosen)) != len(chosen):
        raise ContentError(f"{source}: 'fallbacks' lists a fallback twice")
    return chosen


def _label(item: Mapping[str, Any], where: str) -> str:
    """``where`` plus whatever identifies the entry to a human: its day or date, year and title."""
    parts = [str(item[k]) for k in ("day", "date", "year", "title") if item.get(k) is not None]
    return f"{where} ({' '.join(parts)})" if parts else where


def _entry(item: Any, where: str) -> Entry:
    if not isinstance(item, Mapping):
        raise ContentError(f"{where}: an entry is a mapping with day or date, title and body")
    where = _label(item, where)
    unknown = set(item) - _ENTRY_KEYS
    if unknown:
        raise ContentError(f"{where}: unknown key(s) {sorted(map(str, unknown))}; allowed: {sorted(_ENTRY_KEYS)}")
    has_day, has_date = item.get("day") is not None, item.get("date") is not None
    if has_day == has_date:
        raise ContentError(f"{where}: give exactly one of 'day' (MM-DD, every year) or 'date' (YYYY-MM-DD, once)")
    year = item.get("year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int) or not 1 <= year <= 9999):
        raise ContentError(f"{where}: 'year' must be a whole year like 1921, got {year!r}")
    when: MonthDay | date
    if has_day:
        when = _month_day(item["day"], where)
        if year is not None:
            try:
                date(year, when.month, when.day)
            except ValueError:
                raise ContentError(f"{where}: {year} has no {when}") from None
    else:
        if year is not None:
            raise ContentError(f"{where}: 'year' goes with 'day'; a 'date' already has its year")
        when = _date(item["date"], where)
        year = when.year
    return Entry(
        key=_key(item.get("key"), where) or "",
        title=_text(item.get("title"), f"{where}: 'title'", MAX_TITLE_CHARS),
        body=_text(item.get("body"), f"{where}: 'body'", MAX_BODY_CHARS),
        when=when,
        year=year,
        url=_url(item.get("url"), where),
    )


def _evergreen(item: Any, where: str, number: int) -> Entry:
    if not isinstance(item, Mapping):
        raise ContentError(f"{where}: an evergreen item is a mapping with title and body")
    where = _label(item, where)
    unknown = set(item) - _EVERGREEN_KEYS
    if unknown:
        raise ContentError(
            f"{where}: unknown key(s) {sorted(map(str, unknown))}; evergreen items have no day or date, "
            f"allowed: {sorted(_EVERGREEN_KEYS)}"
        )
    return Entry(
        key=_key(item.get("key"), where) or f"evergreen-{number}",
        title=_text(item.get("title"), f"{where}: 'title'", MAX_TITLE_CHARS),
        body=_text(item.get("body"), f"{where}: 'body'", MAX_BODY_CHARS),
        url=_url(item.get("url"), where),
    )


def _with_default_keys(entries: list[Entry]) -> list[Entry]:
    """Give keyless entries ``MM-DD/YYYY`` (or ``YYYY-MM-DD`` for one-offs), numbered ``-2``, ``-3`` on repeats."""
    counts: dict[str, int] = {}
    keyed: list[Entry] = []
    for e in entries:
        if e.key:
            keyed.append(e)
            continue
        if isinstance(e.when, date):
            base = e.when.isoformat()
        else:
            base = f"{e.when}/{e.year}" if e.year is not None else f"{e.when}"
        counts[base] = counts.get(base, 0) + 1
        key = base if counts[base] == 1 else f"{base}-{counts[base]}"
        keyed.append(Entry(key, e.title, e.body, e.when, e.year, e.url))
    return keyed


def _month_day(value: Any, where: str) -> MonthDay:
    match = _MONTH_DAY.match(value) if isinstance(value, str) else None
    if match is None:
        raise ContentError(f'{where}: \'day\' must be a quoted "MM-DD" like "07-23", got {value!r}')
    month, day = int(match[1]), int(match[2])
    try:
        date(2000, month, day)  # a leap year, so 02-29 is accepted
    except ValueError:
        raise ContentError(f"{where}: 'day' {value!r} is not a day of the year") from None
    return MonthDay(month, day)


def _date(value: Any, where: str) -> date:
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ContentError(f"{where}: 'date' must be a date like 2026-03-01, got {value!r}")


def _text(value: Any, where: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ContentError(f"{where} is missing or empty")
    value = value.strip()
    if len(value) > limit:
        raise ContentError(f"{where} has {len(value)} characters; at most {limit}")
    return value


def _key(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or any(c.isspace() for c in value):
        raise ContentError(f"{where}: 'key' must be text without spaces, got {value!r}")
    return value


def _url(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _URL.match(value):
        raise ContentError(f"{where}: 'url' must start with http:// or https://, got {value!r}")
    return value


# --- the shipped 今日党史 calendar --------------------------------------------------------------


@cache
def party_history() -> Series:
    """The 今日党史 calendar shipped in data/bulletins/party_history.yaml (read once per process)."""
    return load_series(PARTY_HISTORY)


def entries_for(day: date, series: Series | None = None) -> list[Entry]:
    """The entries of ``series`` (default: 今日党史) that fall on ``day``; empty when it has none."""
    return (series or party_history()).entries_for(day)


def bulletin_for(day: date, series: Series | None = None) -> Bulletin:
    """The bulletin of ``series`` (default: 今日党史) for ``day``, falling back as the series says; never empty."""
    return (series or party_history()).bulletin_for(day)
