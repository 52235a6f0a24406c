"""Deadlines in working hours: weekends, public holidays, make-up working days, and years without data."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.db import Database
from handlers.tickets import deadlines
from models import Ticket
from tests.conftest import make_config
from tests.escalation.conftest import RESIDENT, Town, number_in

SH = ZoneInfo("Asia/Shanghai")


def local(y: int, m: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=SH).astimezone(UTC)


def due(db: Database, start: datetime, minutes: int) -> datetime:
    config = make_config(db)
    with db.session() as s:
        return deadlines.after(s, config, Ticket(working_hours=True), start, minutes)


@pytest.mark.parametrize(("start", "expected", "why"), [
    (local(2026, 11, 20, 17), local(2026, 11, 23, 10), "Friday evening → Monday morning"),
    (local(2026, 9, 30, 17), local(2026, 10, 8, 10), "National Day 10-01…10-07 is skipped"),
    (local(2026, 10, 9, 17), local(2026, 10, 10, 10), "Saturday 10-10 is a make-up working day"),
    (local(2026, 11, 22, 3), local(2026, 11, 23, 11), "Sunday night → Monday from 09:00"),
])
def test_working_hours_skip_weekends_and_holidays_and_count_make_up_days(
        db: Database, start: datetime, expected: datetime, why: str) -> None:
    assert due(db, start, 120) == expected, why


def test_a_year_without_holiday_data_falls_back_to_weekends_with_a_warning_until_an_admin_adds_it(
        db: Database, services, app, admin_token: str, caplog: pytest.LogCaptureFixture) -> None:
    from bot import workcalendar
    from bot.clock import FixedClock

    workcalendar._warned.discard(2027)
    with caplog.at_level(logging.WARNING, logger="bot.workcalendar"):
        # 2027-01-01 is a Friday: without data it is an ordinary working day.
        assert due(db, local(2026, 12, 31, 17), 120) == local(2027, 1, 1, 10)
    assert any("no public-holiday data for 2027" in r.getMessage() for r in caplog.records)

    headers = {"Authorization": f"Bearer {admin_token}"}
    client = app.test_client()
    services.clock = FixedClock(local(2027, 1, 5, 9))
    assert client.get("/api/v1/stats", headers=headers).get_json()["calendar_missing_years"] == [2027]
    services.clock = FixedClock(local(2026, 11, 22, 9))
    assert client.get("/api/v1/stats", headers=headers).get_json()["calendar_missing_years"] == []

    added = client.post("/api/v1/holidays", headers=headers, json={"date": "2027-01-01", "kind": "holiday", "name": "元旦"})
    assert added.status_code == 201
    assert due(db, local(2026, 12, 31, 17), 120) == local(2027, 1, 4, 10)  # now the holiday counts
    services.clock = FixedClock(local(2027, 1, 5, 9))
    assert client.get("/api/v1/stats", headers=headers).get_json()["calendar_missing_years"] == []
    listed = client.get("/api/v1/holidays?year=2027", headers=headers).get_json()
    assert listed["holidays"] == [{"date": "2027-01-01", "kind": "holiday", "name": "元旦", "source": "admin:admin"}]


def test_a_working_hours_category_promises_monday_for_a_friday_evening_report(town: Town) -> None:
    town.clock.at = local(2026, 11, 20, 17, 30)
    reply = town.say(RESIDENT, "幸福里4栋1单元楼道灯不亮了")  # lighting: 480 working minutes
    assert "11月23日 16:30 前接单" in reply  # 30 minutes on Friday, 450 on Monday
    assert town.ticket(number_in(reply)).working_hours
