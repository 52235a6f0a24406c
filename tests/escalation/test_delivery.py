"""The rating question and an escalation on the wire: worker dispatcher → fake WeChat API over HTTP."""

from __future__ import annotations

from collections.abc import Callable

from bot.delivery.channels import build_channels
from bot.delivery.outbox import Dispatcher, RateLimiter
from bot.delivery.tokens import DatabaseTokenStore
from tests.escalation.conftest import MEMBER, PROPERTY, RESIDENT, STAFF, Town, at, number_in, sweep
from tests.fakes.wechat_api import FakeWeChatAPI

CUSTOM = "/cgi-bin/message/custom/send"
TEMPLATE = "/cgi-bin/message/template/send"


def _wired_town(make_town: Callable[..., Town], api: FakeWeChatAPI) -> Town:
    return make_town(wechat=api.settings()["wechat"], channels={"mode": "wechat"},
                     templates={"ticket_rating": "TPL_RATING", "ticket_escalation": "TPL_ESCALATION"},
                     rate_limits={"official_account": 0}, outbox={"http_timeout_seconds": 2.0, "max_attempts": 2})


def _drain(town: Town) -> None:
    services = town.services
    channels = build_channels(services.config, services.db, DatabaseTokenStore(services.db), town.clock)
    dispatcher = Dispatcher(services.db, channels, services.config.outbox, clock=town.clock,
                            limiter=RateLimiter(services.config.rate_limits), owner="test")
    try:
        dispatcher.drain()
    finally:
        dispatcher.close()
        channels.close()


def test_inside_the_window_the_rating_is_a_one_tap_menu(make_town: Callable[..., Town], fake_wechat: FakeWeChatAPI) -> None:
    town = _wired_town(make_town, fake_wechat)
    number = number_in(town.say(RESIDENT, "幸福里3栋2单元电梯坏了"))
    town.say(MEMBER, f"接单 {number}")
    town.say(MEMBER, f"完成 {number} 已修复")
    sweep(town, at(9, 30))
    _drain(town)
    (menu,) = [b for b in fake_wechat.delivered(CUSTOM) if b["touser"] == RESIDENT and b["msgtype"] == "msgmenu"]
    assert menu["msgmenu"]["head_content"].startswith("问题解决了吗？")
    assert [o["content"] for o in menu["msgmenu"]["list"]] == ["满意", "基本满意", "不满意"]
    assert not fake_wechat.sent(TEMPLATE)


def test_outside_the_window_the_rating_is_a_template_asking_for_1_2_3(make_town: Callable[..., Town],
                                                                      fake_wechat: FakeWeChatAPI) -> None:
    town = _wired_town(make_town, fake_wechat)
    number = number_in(town.say(RESIDENT, "幸福里3栋2单元电梯坏了"))
    town.say(MEMBER, f"接单 {number}")
    town.clock.advance(days=3)
    town.say(MEMBER, f"完成 {number} 已修复")
    sweep(town, town.clock.now())  # the resident last wrote three days ago
    _drain(town)
    (template,) = [b for b in fake_wechat.delivered(TEMPLATE) if b["touser"] == RESIDENT]
    assert template["template_id"] == "TPL_RATING"
    assert "1 满意" in template["data"]["remark"]["value"] and number == template["data"]["keyword1"]["value"]
    assert town.say(RESIDENT, "3").startswith(f"抱歉问题还没解决！工单 {number}")  # the reply in chat
    assert town.ticket(number).status == "accepted"


def test_an_escalation_reaches_staff_and_department_over_the_api(make_town: Callable[..., Town],
                                                                 fake_wechat: FakeWeChatAPI) -> None:
    town = _wired_town(make_town, fake_wechat)
    town.say(STAFF, "你好")  # staff and department wrote lately: customer-service messages reach them
    town.say(PROPERTY, "你好")
    number_in(town.say(RESIDENT, "幸福里3栋2单元电梯坏了"))
    sweep(town, at(11))
    sweep(town, at(13))
    _drain(town)
    texts: dict[str, list[str]] = {}
    for body in fake_wechat.delivered(CUSTOM):
        if body["msgtype"] == "text":
            texts.setdefault(body["touser"], []).append(body["text"]["content"])
    assert any(t.startswith("【超时升级】") for t in texts[STAFF])
    assert any(t.startswith("【社区吹哨】") for t in texts[PROPERTY])
