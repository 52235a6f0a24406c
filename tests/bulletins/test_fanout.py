"""Delivery: the channel ladder and its rules (48 hours, templates, robots at 20 a minute), audiences,
schedules, one-off posts, and exactly once under a killed run and under two concurrent fan-outs."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.delivery.channels import build_channels
from bot.delivery.outbox import Dispatcher, RateLimiter
from bot.jobs import scheduler
from handlers.bulletins import fanout
from handlers.bulletins.fanout import Issue, Reason, run_issue
from handlers.bulletins.jobs import JOB_NAME, bulletin_jobs
from handlers.bulletins.report import run_report
from models import BulletinDelivery, BulletinPost, OutboxMessage, OutboxStatus, PostStatus
from tests.bulletins.conftest import (
    CUSTOM_SEND,
    ROBOT_SEND,
    T0,
    TEMPLATE_SEND,
    Flow,
    Town,
    add_series,
    bulletin_rows,
    change_series,
    deliveries,
    fan_out,
    runs,
    series,
    subscribe_many,
    wrote_at,
)
from tests.conftest import TEST_AES_KEY, TEST_TOKEN
from tests.fakes.wechat_api import FakeWeChatAPI

TEMPLATE_ID = "TPL_BULLETIN"


@pytest.fixture
def make_wired(make_town: Callable[..., Town], fake_wechat: FakeWeChatAPI) -> Iterator[Callable[..., Flow]]:
    """The demo town sending through the fake WeChat API, with a bulletin template and one group robot."""
    made: list[Flow] = []

    def build(**overrides: Any) -> Flow:
        settings = fake_wechat.settings()
        config: dict[str, Any] = {
            "wechat": settings["wechat"],
            "wecom": {**settings["wecom"], "token": TEST_TOKEN, "aes_key": TEST_AES_KEY},
            "channels": {"mode": "wechat", "robot_api_base": fake_wechat.base_url},
            "templates": {"bulletin": TEMPLATE_ID},
            "robots": {"party_group": "ROBOTKEY1"},
            "rate_limits": {"official_account": 0, "wecom_app": 0},
            "outbox": {"http_timeout_seconds": 2.0, "max_attempts": 2},
        }
        flow = Flow(make_town(**{**config, **overrides}), fake_wechat)
        made.append(flow)
        return flow

    yield build
    for flow in made:
        flow.close()


@pytest.fixture
def wired(make_wired: Callable[..., Flow]) -> Flow:
    return make_wired()


def _report(town: Town) -> dict[str, Any]:
    [run] = runs(town.services.db)
    with town.services.db.session() as s:
        report = run_report(s, run.id)
    assert report is not None
    return report


def test_the_48_hour_rule_chooses_customer_service_or_the_template(wired: Flow) -> None:
    town = wired.town
    town.say("oRecent", "订阅今日党史")  # wrote just now: inside the window
    town.say("oLongAgo", "订阅今日党史")
    town.say("oNever", "订阅今日党史")
    town.clock.advance(hours=50)  # oRecent writes again; the others' last message is now 50 hours old
    town.say("oRecent", "今日党史")
    fan_out(town)
    rungs = {d.recipient: d.rung for d in deliveries(town.services.db)}
    assert rungs == {"oRecent": "custom", "oLongAgo": "template", "oNever": "template"}
    wired.drain()
    [custom] = [m for m in wired.api.delivered(CUSTOM_SEND) if m["touser"] == "oRecent"]
    assert custom["text"]["content"].startswith("【今日党史】\n2026年11月24日") and "退订今日党史" in custom["text"]["content"]
    templates = {m["touser"]: m for m in wired.api.delivered(TEMPLATE_SEND)}
    assert set(templates) == {"oLongAgo", "oNever"}
    assert templates["oNever"]["template_id"] == TEMPLATE_ID
    assert "今日党史" in templates["oNever"]["data"]["content"]["value"]
    report = _report(town)
    assert report["totals"] == {"recipients": 3, "sent": 3, "failed": 0, "pending": 0, "skipped": 0}
    assert report["delivered_via"] == {"custom": 1, "template": 2}


def test_outside_the_window_without_a_template_the_recipient_is_skipped_with_the_reason(
    make_wired: Callable[..., Flow],
) -> None:
    wired = make_wired(templates={})
    town = wired.town
    town.say("oRecent", "订阅今日党史")
    town.say("oLongAgo", "订阅今日党史")
    town.clock.advance(hours=49)
    town.say("oRecent", "我的订阅")
    fan_out(town)
    wired.drain()
    assert [m["touser"] for m in wired.api.delivered(CUSTOM_SEND)] == ["oRecent"]
    assert wired.api.delivered(TEMPLATE_SEND) == []
    report = _report(town)
    assert report["skipped_reasons"] == {Reason.NO_TEMPLATE_ID.value: 1}
    assert report["totals"]["sent"] == 1 and report["totals"]["skipped"] == 1


def test_a_window_wechat_says_is_closed_falls_back_to_the_template(wired: Flow) -> None:
    town = wired.town
    town.say("oRecent", "订阅今日党史")
    wired.api.out_of_window.add("oRecent")  # e.g. the message the log shows never counted: WeChat answers 45015
    fan_out(town)
    wired.drain()
    assert [m["touser"] for m in wired.api.delivered(TEMPLATE_SEND)] == ["oRecent"]
    assert _report(town)["delivered_via"] == {"template": 1}


def test_group_robots_get_markdown_at_most_20_a_minute(wired: Flow) -> None:
    town = wired.town
    db = town.services.db
    for i in range(25):
        add_series(db, f"notice_{i}", f"公告{i}", T0, audience="robots", audience_targets=["party_group"],
                   ladder=["robot"], format="markdown")
    change_series(db, enabled=False)
    assert fan_out(town) == 25
    ticks = [time.time()]
    wired.api.clock = lambda: ticks[0]  # the fake counts its 20 a minute on the same clock
    services = town.services
    dispatcher = Dispatcher(services.db, build_channels(services.config, services.db, wired.worker.tokens,
                                                        services.clock),
                            services.config.outbox, clock=services.clock,
                            limiter=RateLimiter(services.config.rate_limits, clock=lambda: ticks[0]))
    try:
        dispatcher.drain()
        sent = wired.api.delivered(ROBOT_SEND)
        assert len(sent) == 20 and all(m["msgtype"] == "markdown" for m in sent)
        assert sent[0]["markdown"]["content"].startswith("### 公告")
        waiting = [r for r in bulletin_rows(db) if r.status == OutboxStatus.PENDING]
        assert len(waiting) == 5 and all(r.attempts == 0 for r in waiting)  # waiting costs no attempt
        assert not [r for r in wired.api.requests if r.get("errcode") == 45009]  # WeChat never had to refuse
        ticks[0] += 61
        town.clock.advance(seconds=61)
        dispatcher.drain()
        assert len(wired.api.delivered(ROBOT_SEND)) == 25
    finally:
        dispatcher.close()


def test_a_robot_missing_from_the_configuration_is_skipped(wired: Flow) -> None:
    db = wired.town.services.db
    change_series(db, audience="robots", audience_targets=["party_group", "no_such_group"], ladder=["robot"])
    fan_out(wired.town)
    reasons = {d.recipient: (d.status, d.reason) for d in deliveries(db)}
    assert reasons == {"party_group": ("queued", None), "no_such_group": ("skipped", Reason.ROBOT_NOT_CONFIGURED)}


def test_one_fan_out_per_series_and_day_following_the_cron(town: Town) -> None:
    db = town.services.db
    town.say("oReader", "订阅今日党史")
    assert fan_out(town) == 1
    town.clock.advance(minutes=10)
    assert fan_out(town) == 0  # the day's run is done
    local = town.services.config.tz
    next_morning = datetime(2026, 11, 23, 6, 59, tzinfo=local).astimezone(UTC)
    assert fan_out(town, next_morning) == 0  # 07:00 has not come yet
    assert fan_out(town, next_morning + timedelta(minutes=1)) == 1
    assert [r.day.isoformat() for r in runs(db)] == ["2026-11-22", "2026-11-23"]
    assert len(bulletin_rows(db, "oReader")) == 2


def test_a_slot_missed_beyond_the_catch_up_window_is_not_sent_late(town: Town) -> None:
    town.say("oReader", "订阅今日党史")
    late = datetime(2026, 11, 22, 19, 30, tzinfo=town.services.config.tz).astimezone(UTC)  # 12.5 h after 07:00
    assert fan_out(town, late) == 0 and runs(town.services.db) == []


def test_the_configured_default_schedule_and_a_series_own_cron(make_town: Callable[..., Town]) -> None:
    town = make_town(bulletins={"default_cron": "30 9 * * *"})  # 09:30: not yet at T0 (09:00)
    db = town.services.db
    town.say("oReader", "订阅今日党史")
    assert fan_out(town) == 0
    change_series(db, cron="0 8 * * *")
    assert fan_out(town) == 1


def test_a_disabled_series_sends_nothing(town: Town) -> None:
    town.say("oReader", "订阅今日党史")
    change_series(town.services.db, enabled=False)
    assert fan_out(town) == 0


def test_a_one_off_post_goes_out_once_at_its_time(town: Town) -> None:
    db = town.services.db
    town.say("oReader", "订阅今日党史")
    fan_out(town)
    with db.session() as s:
        post = BulletinPost(series_id=series(db).id, title="七一主题党日", body="7月1日上午九点在活动室过组织生活。",
                            publish_at=T0 + timedelta(hours=2), status=PostStatus.SCHEDULED, created_at=T0)
        s.add(post)
    assert fan_out(town, T0 + timedelta(hours=1)) == 0
    assert fan_out(town, T0 + timedelta(hours=2)) == 1
    assert fan_out(town, T0 + timedelta(hours=3)) == 0
    texts = [r.payload["text"] for r in bulletin_rows(db, "oReader")]
    assert len(texts) == 2 and "七一主题党日" in texts[1]
    with db.session() as s:
        assert s.scalar(select(BulletinPost.status)) == PostStatus.PUBLISHED


def test_all_followers_and_residents_of_a_grid_less_those_who_left(town: Town) -> None:
    from bot.wechat.client import build_event_xml

    db = town.services.db
    for user in ("oFan1", "oFan2", "oGone"):
        town.client(user).send_xml(build_event_xml("gh_linli_demo", user, "subscribe"))
    town.client("oGone").send_xml(build_event_xml("gh_linli_demo", "oGone", "unsubscribe"))
    change_series(db, audience="followers")
    town.say("oFan2", "别再发党史了")
    fan_out(town)
    assert [d.recipient for d in deliveries(db)] == ["oFan1"]

    add_series(db, "grid_news", "网格通知", T0, audience="grid", audience_targets=["xfl-g2"],
               ladder=["custom", "template"])
    town.say("oThree", "我住幸福里3栋2单元501")
    town.say("oFive", "我家在幸福里5栋1单元101")
    town.say("oOne", "我住幸福里1栋1单元101")
    fan_out(town)
    assert {d.recipient for d in deliveries(db, "grid_news")} == {"oThree", "oFive"}


def test_a_run_killed_half_way_is_resumed_without_duplicates(
    make_town: Callable[..., Town], monkeypatch: pytest.MonkeyPatch
) -> None:
    town = make_town(bulletins={"fanout_batch_size": 100})
    db, config = town.services.db, town.services.config
    openids = [f"oSub{i:04d}" for i in range(250)]
    subscribe_many(db, "party_history", openids, config.account_id, T0)
    wrote_at(db, config.account_id, openids, T0 - timedelta(hours=1))
    written = fanout.write_batch
    calls = {"n": 0}

    def dies_on_the_second_batch(*args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt("the worker is killed")
        written(*args, **kwargs)

    monkeypatch.setattr(fanout, "write_batch", dies_on_the_second_batch)
    with pytest.raises(KeyboardInterrupt):
        fan_out(town)
    assert len(deliveries(db)) == 100 and len(bulletin_rows(db)) == 100
    assert fan_out(town) == 150
    assert fan_out(town) == 0
    rows = bulletin_rows(db)
    assert len(rows) == 250 and len({r.recipient for r in rows}) == 250
    [run] = runs(db)
    assert (run.status, run.attempts, run.queued) == ("done", 2, 250)


def test_two_workers_fanning_out_the_same_day_at_once_queue_each_message_once(make_town: Callable[..., Town]) -> None:
    town = make_town(bulletins={"fanout_batch_size": 100}, templates={"bulletin": TEMPLATE_ID})
    db, config = town.services.db, town.services.config
    openids = [f"oSub{i:04d}" for i in range(600)]
    subscribe_many(db, "party_history", openids, config.account_id, T0)
    wrote_at(db, config.account_id, openids[:300], T0 - timedelta(hours=1))
    issue = Issue(series(db).id, T0.astimezone(config.tz).date(), 0, T0)
    start = threading.Barrier(2)
    results: list[Any] = []

    def worker() -> None:
        start.wait()
        results.append(run_issue(db, config, issue, T0))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(results) == 2
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(BulletinDelivery)) == 600
        assert s.scalar(select(func.count(func.distinct(OutboxMessage.recipient))).where(
            OutboxMessage.kind == "bulletin")) == 600
        assert s.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "bulletin")) == 600
    assert {d.rung for d in deliveries(db)} == {"custom", "template"}


def test_two_schedulers_running_the_cron_at_once_run_it_once(town: Town) -> None:
    db = town.services.db
    town.say("oReader", "订阅今日党史")
    [job] = bulletin_jobs(town.services)
    assert job.name == JOB_NAME and job.crontab == "* * * * *"
    now = town.clock.now()
    slot = job.last_slot(now, town.services.config.tz)
    assert slot is not None
    start = threading.Barrier(2)
    ran: list[int | None] = []

    def run(owner: str) -> None:
        start.wait()
        ran.append(scheduler.run_job(db, job.name, job.func, not_run_since=slot, now=now, owner=owner,
                                     lease=timedelta(minutes=10)))

    threads = [threading.Thread(target=run, args=(f"worker-{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(ran, key=lambda r: r is None) == [1, None]
    assert len(bulletin_rows(db, "oReader")) == 1
