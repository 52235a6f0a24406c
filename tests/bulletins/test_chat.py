"""Subscriptions and pull through the real /wechat webhook: phrasings, 我的订阅, 今日党史, QR scenes, unfollow."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from bot.wechat.client import build_event_xml
from handlers.bulletins import texts
from handlers.bulletins.render import date_line
from models import Follower, OutboxStatus, Subscription
from tests.bulletins.conftest import Town, bulletin_rows, fan_out, next_day

RESIDENT = "oBulletinReader"
SUBSCRIBE = [
    "订阅今日党史", "每天给我推党史", "我要订阅党史", "每天推送党史给我", "订阅党史故事", "我想每天看党史",
    "每天早上给我发党史", "帮我订阅一下今日党史", "开通党史推送", "能每天给我推送党史吗", "订阅",
]
UNSUBSCRIBE = [
    "退订今日党史", "别再发党史了", "不要再推了", "退订", "取消订阅党史", "不要再给我发党史了", "别再推党史了",
    "以后不想收党史了", "取消党史推送", "不想看党史了", "党史不要再发了", "别给我发了", "停止推送",
]


def _subscription(town: Town, openid: str) -> Subscription | None:
    with town.services.db.session() as s:
        return s.scalar(select(Subscription).where(Subscription.openid == openid))


@pytest.mark.parametrize("phrase", SUBSCRIBE)
def test_every_way_of_asking_subscribes_once(town: Town, phrase: str) -> None:
    reply = town.say(RESIDENT, phrase) or ""
    assert reply.startswith("已为您订阅【今日党史】，每天07:00推送"), reply
    row = _subscription(town, RESIDENT)
    assert row is not None and row.ended_at is None and row.source == "chat"
    again = town.say(RESIDENT, phrase) or ""
    assert again.startswith("您已订阅【今日党史】"), again


@pytest.mark.parametrize("phrase", UNSUBSCRIBE)
def test_every_way_of_leaving_unsubscribes(town: Town, phrase: str) -> None:
    town.say(RESIDENT, "订阅今日党史")
    reply = town.say(RESIDENT, phrase) or ""
    assert "已为您退订" in reply and "今日党史" in reply, reply
    row = _subscription(town, RESIDENT)
    assert row is not None and row.ended_at is not None and row.end_reason == "unsubscribe"
    assert town.say(RESIDENT, "退订今日党史") == texts.NOT_SUBSCRIBED.format(series="今日党史")


def test_unsubscribing_without_a_subscription_says_so(town: Town) -> None:
    assert town.say(RESIDENT, "不要再推了") == texts.NOTHING_TO_UNSUBSCRIBE


def test_my_subscriptions_lists_them_and_offers_the_others(town: Town) -> None:
    assert town.say(RESIDENT, "我的订阅") == texts.NO_SUBSCRIPTIONS.format(names="今日党史", example="今日党史")
    town.say(RESIDENT, "订阅今日党史")
    reply = town.say(RESIDENT, "我订阅了什么") or ""
    assert "· 今日党史（每天07:00推送）" in reply and "退订今日党史" in reply


def _local_day(town: Town, offset: int = 0) -> date:
    from datetime import timedelta

    return (town.clock.now().astimezone(town.services.config.tz) + timedelta(days=offset)).date()


@pytest.mark.parametrize(("phrase", "offset"), [("今日党史", 0), ("今天的党史", 0), ("历史上的今天", 0),
                                                ("昨天的党史", -1), ("党史", 0)])
def test_pull_answers_at_once_with_the_day_and_never_subscribes(town: Town, phrase: str, offset: int) -> None:
    reply = town.say(RESIDENT, phrase) or ""
    assert reply.startswith("【今日党史】\n" + date_line(_local_day(town, offset))), reply
    assert "订阅今日党史" in reply  # how to get it every morning, said to a non-subscriber
    assert _subscription(town, RESIDENT) is None
    assert len(reply.encode("utf-8")) <= 2048


def test_pull_works_for_a_subscriber_outside_the_push_window_and_without_the_footer(town: Town) -> None:
    town.say(RESIDENT, "订阅今日党史")
    town.clock.advance(days=5)  # long outside the 48-hour window: pull does not care
    reply = town.say(RESIDENT, "今日党史") or ""
    assert reply.startswith("【今日党史】\n" + date_line(_local_day(town)))
    assert "订阅今日党史" not in reply


@pytest.mark.parametrize("key", ["BULLETIN", "BULLETIN:party_history", "bulletin:PARTY_HISTORY"])
def test_the_menu_click_shows_today(town: Town, key: str) -> None:
    reply = town.client(RESIDENT).send_xml(build_event_xml("gh_linli_demo", RESIDENT, "CLICK", key)) or ""
    assert reply.startswith("【今日党史】\n" + date_line(_local_day(town))), reply


def test_a_qr_scene_naming_a_series_subscribes_on_follow(town: Town) -> None:
    client = town.client("oScanned")
    reply = client.send_xml(build_event_xml("gh_linli_demo", "oScanned", "subscribe", "qrscene_party_history")) or ""
    assert reply.startswith("您好，欢迎关注！")  # the welcome still comes first
    assert reply.endswith(texts.SCENE_SUBSCRIBED.format(series="今日党史", schedule="每天07:00"))
    row = _subscription(town, "oScanned")
    assert row is not None and row.source == "qrscene" and row.ended_at is None
    with town.services.db.session() as s:
        follower = s.scalar(select(Follower).where(Follower.openid == "oScanned"))
        assert follower is not None and follower.scene == "party_history" and follower.unfollowed_at is None


def test_a_follow_without_a_series_scene_only_welcomes(town: Town) -> None:
    for user, key in (("oPlain", ""), ("oOther", "qrscene_poster_2026")):
        reply = town.client(user).send_xml(build_event_xml("gh_linli_demo", user, "subscribe", key)) or ""
        assert reply.startswith("您好，欢迎关注！") and "已按您扫的二维码订阅" not in reply
        assert _subscription(town, user) is None


def test_a_follower_scanning_a_series_code_subscribes(town: Town) -> None:
    reply = town.client("oFollower").send_xml(build_event_xml("gh_linli_demo", "oFollower", "SCAN", "party_history"))
    assert reply == texts.SCENE_SUBSCRIBED.format(series="今日党史", schedule="每天07:00")


def test_unfollow_ends_every_subscription_and_nothing_is_sent_again(town: Town) -> None:
    town.say(RESIDENT, "订阅今日党史")
    assert fan_out(town) == 1
    [queued] = bulletin_rows(town.services.db, RESIDENT)
    town.client(RESIDENT).send_xml(build_event_xml("gh_linli_demo", RESIDENT, "unsubscribe"))
    row = _subscription(town, RESIDENT)
    assert row is not None and row.ended_at is not None and row.end_reason == "unfollow"
    # The bulletin still waiting in the outbox is cancelled, not sent to someone who left.
    [cancelled] = bulletin_rows(town.services.db, RESIDENT)
    assert cancelled.id == queued.id and cancelled.status == OutboxStatus.FAILED
    assert "unfollowed" in (cancelled.last_error or "")
    for _ in range(3):
        next_day(town)
        fan_out(town)
    assert len(bulletin_rows(town.services.db, RESIDENT)) == 1


def test_an_unsubscribed_follower_is_never_messaged_again(town: Town) -> None:
    town.say(RESIDENT, "订阅今日党史")
    town.say("oStays", "订阅今日党史")
    fan_out(town)
    town.say(RESIDENT, "别再发党史了")
    for _ in range(3):
        next_day(town)
        town.say("oStays", "今日党史")  # keeps the other subscriber's window open
        fan_out(town)
    assert len(bulletin_rows(town.services.db, RESIDENT)) == 1
    assert len(bulletin_rows(town.services.db, "oStays")) == 4
