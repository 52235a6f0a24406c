"""The 48-hour rule: a reminder that WeChat would not deliver is refused at creation, never accepted silently.

Customer-service messages reach a resident only within 48 hours of their last
message. Without a template for kind ``reminder`` a one-off due later (less a
10-minute margin) and every repeat are refused with the reason; with one they
are accepted, and at send time the Official Account channel uses the template
when the window has closed (delivered through the fake WeChat API here).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from bot.jobs.worker import Worker
from handlers.reminders import texts
from tests.fakes.wechat_api import FakeWeChatAPI
from tests.reminders.conftest import NOW, RESIDENT, TEMPLATES, Desk, local

CUSTOM_SEND = "/cgi-bin/message/custom/send"
TEMPLATE_SEND = "/cgi-bin/message/template/send"


def test_without_a_template_a_reminder_beyond_48_hours_is_refused_with_what_to_do(make_desk: Callable[..., Desk]) -> None:
    desk = make_desk()
    reply = desk.say("后天下午3点提醒我去医院")  # Friday 15:00: 52.5 hours away
    assert reply == texts.WINDOW_REFUSED.format(when="12月4日（周五）15:00")
    assert "48小时" in reply and "您可以" in reply
    assert desk.reminders() == []


def test_without_a_template_a_reminder_within_48_hours_is_set(make_desk: Callable[..., Desk]) -> None:
    desk = make_desk()
    assert desk.say("明天下午3点提醒我去医院") == "好的，将在 12月3日（周四）15:00 提醒您：去医院。回复“取消提醒 1”可取消"
    assert desk.say("两天后提醒我交电费", user="oOther") is not None  # Friday 09:00: 46.5 hours
    assert len(desk.reminders(None)) == 2


def test_the_edge_of_the_window_keeps_a_margin_for_the_sweep(make_desk: Callable[..., Desk]) -> None:
    desk = make_desk()
    assert desk.say("47个小时后提醒我关火") == (
        "好的，将在 12月4日（周五）09:30 提醒您：关火。回复“取消提醒 1”可取消")
    refused = desk.say("47小时55分钟后提醒我关火")
    assert refused is not None and refused.startswith("抱歉，这个提醒没有设置")


def test_without_a_template_repeats_are_refused(make_desk: Callable[..., Desk]) -> None:
    desk = make_desk()
    assert desk.say("每天晚上9点提醒我锁门") == texts.WINDOW_REFUSED_REPEAT
    assert desk.reminders() == []


def test_with_a_template_both_are_set(make_desk: Callable[..., Desk]) -> None:
    desk = make_desk(templates=TEMPLATES)
    assert "取消提醒 1" in (desk.say("后天下午3点提醒我去医院") or "")
    assert "取消提醒 2" in (desk.say("每天晚上9点提醒我锁门") or "")


def test_the_console_has_no_window(make_desk: Callable[..., Desk]) -> None:
    desk = make_desk(channels={"mode": "console"})
    assert "取消提醒 1" in (desk.say("下周五上午10点提醒我去体检") or "")


def test_at_send_time_a_closed_window_falls_back_to_the_template(
    make_desk: Callable[..., Desk], fake_wechat: FakeWeChatAPI
) -> None:
    desk = make_desk(wechat=fake_wechat.settings()["wechat"], channels={"mode": "wechat"}, templates=TEMPLATES,
                     rate_limits={"official_account": 0}, outbox={"http_timeout_seconds": 2.0, "max_attempts": 2})
    desk.say("明天下午3点提醒我去医院")  # 28.5 hours: inside the window
    desk.say("下周一上午9点提醒我交物业费")  # 5 days: only the template gets there
    worker = Worker(desk.services)
    try:
        for at in (local(2026, 12, 3, 15, 0), local(2026, 12, 7, 9, 0)):
            desk.sweep(at)
            while worker.drain():
                pass
    finally:
        worker.dispatcher.close()
        worker.channels.close()
    custom = [b for b in fake_wechat.delivered(CUSTOM_SEND) if b["touser"] == RESIDENT]
    template = [b for b in fake_wechat.delivered(TEMPLATE_SEND) if b["touser"] == RESIDENT]
    assert [b["text"]["content"] for b in custom] == ["⏰ 提醒：去医院"]
    assert len(template) == 1 and template[0]["template_id"] == "TPL_REMINDER"
    assert template[0]["data"]["content"]["value"] == "⏰ 提醒：交物业费"
    rows = desk.outbox()
    assert [r.delivered_via for r in rows] == ["custom", "template"]
    assert NOW + timedelta(hours=48) < local(2026, 12, 7, 9, 0)
