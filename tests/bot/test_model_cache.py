"""Cached community model (bot/cache.py): a change is seen by this process at once and by others within a second.

Categories, deadlines, holidays and grid names are read once per process and
kept until the ``model`` counter moves; any write to a watched table bumps it
in the writing transaction. The NLP engine and the cache read the counters at
most once a second, and at once after this process wrote.
"""

from __future__ import annotations

import time
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text, update

from bot import cache
from bot.db import Database
from bot.workcalendar import load_calendar
from handlers.tickets import service
from models import Category, Counter, Holiday


def _category(db: Database, slug: str = "elevator", name: str = "电梯") -> None:
    with db.session() as s:
        s.add(Category(slug=slug, name=name))


def _name(db: Database, slug: str = "elevator") -> str:
    with db.session() as s:
        return service.category_name(s, slug)


def _model(db: Database) -> int:
    with db.session() as s:
        return int(s.scalar(select(Counter.value).where(Counter.name == cache.MODEL_COUNTER)) or 0)


def test_a_write_through_a_session_bumps_the_model_counter_and_refreshes_at_once(db: Database) -> None:
    _category(db)
    before = _model(db)
    assert _name(db) == "电梯"
    with db.session() as s:
        s.execute(update(Category).where(Category.slug == "elevator").values(name="电梯故障"))
    assert _model(db) == before + 1  # once per transaction, whatever it wrote
    assert _name(db) == "电梯故障"


def test_a_core_write_outside_any_session_is_seen_at_once(db: Database) -> None:
    _category(db)
    assert _name(db) == "电梯"
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE categories SET name = '升降梯' WHERE slug = 'elevator'"))
    assert _name(db) == "升降梯"


def test_a_rolled_back_write_leaves_nothing_cached_from_it(db: Database) -> None:
    _category(db)
    before = _model(db)
    with pytest.raises(RuntimeError), db.session() as s:
        s.execute(update(Category).where(Category.slug == "elevator").values(name="临时"))
        assert service.category_name(s, "elevator") == "临时"  # read inside the writing transaction
        raise RuntimeError("rolled back")
    assert _name(db) == "电梯" and _model(db) == before


def test_another_process_sees_a_change_within_a_second(db: Database, monkeypatch: Any) -> None:
    monkeypatch.setattr(cache, "CHECK_SECONDS", 0.2)
    _category(db)
    other = Database(db.url)  # another engine: what another process would have
    try:
        assert _name(db) == "电梯" and _name(other) == "电梯"
        with db.session() as s:
            s.execute(update(Category).where(Category.slug == "elevator").values(name="电梯停运"))
        assert _name(db) == "电梯停运"
        time.sleep(0.25)
        assert _name(other) == "电梯停运"
    finally:
        other.dispose()


def test_a_holiday_added_changes_the_calendar(db: Database) -> None:
    tz = ZoneInfo("Asia/Shanghai")
    now = datetime(2030, 3, 4, 2, 0, tzinfo=ZoneInfo("UTC"))  # a Monday, outside the package's years
    with db.session() as s:
        assert load_calendar(s, tz, range(2030, 2031), now).is_workday(date(2030, 3, 5))
    with db.session() as s:
        s.add(Holiday(day=date(2030, 3, 5), kind="holiday", name="测试", source="test"))
    with db.session() as s:
        assert not load_calendar(s, tz, range(2030, 2031), now).is_workday(date(2030, 3, 5))
