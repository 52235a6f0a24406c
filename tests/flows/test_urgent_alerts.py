"""Issue 11 end to end: the one-tap question and the acknowledged alert, through the webhook, the worker
and the fake WeChat API.

幸福里1栋 is grid 1: 王芳 (WeCom, primary on duty), 李强 (Official Account, backup on duty).
A collapse is "medical": its urgent span is 5 minutes, and it has no department.
"""

from __future__ import annotations

from handlers.tickets import texts
from tests.flows.conftest import CUSTOM_SEND, Flow
from tests.tickets.conftest import MEMBER, RESIDENT, STAFF, T0

WANGFANG = "wangfang"
STREET = "oDemoStreet"


def minutes(n: float):  # type: ignore[no-untyped-def]
    from datetime import timedelta

    return T0 + timedelta(minutes=n)


def test_the_question_goes_out_as_a_menu_and_a_tap_answers_it(flow: Flow) -> None:
    reply = flow.town.say(RESIDENT, "幸福里1栋1单元好像有股烧焦味")
    assert reply is not None and reply.endswith(texts.URGENT_CONFIRM_QUESTION)
    assert flow.drain() == 1
    (menu,) = [b for b in flow.api.delivered(CUSTOM_SEND) if b["msgtype"] == "msgmenu"]
    assert menu["touser"] == RESIDENT and menu["msgmenu"]["head_content"] == texts.URGENT_CONFIRM_QUESTION
    assert [o["content"] for o in menu["msgmenu"]["list"]] == ["是，正在发生", "否，没有危险"]
    assert not flow.wecom_to(WANGFANG)  # nobody paged on a question

    tapped = flow.town.say(RESIDENT, "是，正在发生")  # a menu tap arrives as the option's words
    number = flow.town.ticket().number
    assert tapped is not None and number in tapped and flow.town.ticket(number).urgent
    flow.drain()
    (task,) = flow.wecom_to(WANGFANG)
    assert f"收到 {number}" in task["text"]["content"]
    assert flow.undelivered() == []


def test_an_alert_nobody_acknowledges_climbs_until_the_member_answers_on_wecom(flow: Flow) -> None:
    reply = flow.town.say(RESIDENT, "幸福里1栋1单元有个老人突然倒地 叫不醒")
    number = flow.town.ticket().number
    assert reply is not None and "已同时通知网格员和社区值班人员" in reply
    flow.drain()
    assert len(flow.wecom_to(WANGFANG)) == 1 and not flow.texts_to(MEMBER)

    assert flow.sweep(minutes(5)) >= 1  # five minutes, nobody said 收到
    flow.drain()
    assert flow.texts_to(MEMBER)[-1].startswith(f"【紧急·无人确认】{number}")  # 李强, the grid's backup
    assert flow.texts_to(STREET)[-1].startswith(f"【紧急·无人确认】{number}")
    assert flow.wecom_to(WANGFANG)[-1]["text"]["content"].startswith(f"【紧急·无人确认】{number}")
    assert flow.texts_to(STAFF)[-1].startswith(f"【紧急·无人确认】{number}")
    resident = flow.texts_to(RESIDENT)[-1]
    assert "还没有确认收到" in resident and "网格员李强和街道陈科长" in resident and "120" in resident

    flow.town.clock.at = minutes(7)
    assert flow.wecom(WANGFANG, f"收到 {number}") == texts.ACK_DONE.format(number=number)
    flow.drain()
    assert flow.texts_to(RESIDENT)[-1] == texts.URGENT_NOTE_ACK_COMING.format(who="网格员王芳", number=number)
    before = len(flow.api.requests)
    flow.sweep(minutes(10))  # acknowledged: no more rounds (the accept deadline runs from the answer)
    flow.drain()
    assert not [r for r in flow.api.requests[before:] if "无人确认" in str(r.get("json"))]
    assert flow.undelivered() == []
