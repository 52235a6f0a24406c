"""Issue 6 end to end: an untouched ticket climbs the ladder, the department reports in, finishes, and is rated.

The deadline sweep runs at chosen moments (a fixed clock, never a sleep); every
message leaves through the real worker's dispatcher to the fake WeChat API.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.tickets import texts
from tests.flows.conftest import CUSTOM_SEND, TEMPLATE_SEND, Flow
from tests.tickets.conftest import RESIDENT, STAFF, T0

WANGFANG = "wangfang"  # 王芳 (WeCom): grid 1, gets the task
PROPERTY = "oDemoProperty"  # 王经理, 物业: owns elevators, the second rung


def at(hours: int, minutes: int = 0) -> datetime:
    """T0's local day (2026-11-22, Shanghai) at hh:mm."""
    return T0 + timedelta(hours=hours - 9, minutes=minutes)


def test_an_ignored_ticket_is_escalated_reported_in_completed_and_rated_over_the_wire(flow: Flow) -> None:
    flow.api.out_of_window.add(PROPERTY)  # the property manager never wrote to the account: 45015
    flow.town.say(RESIDENT, "幸福里1栋1单元电梯坏了")
    number = flow.town.ticket().number
    flow.drain()
    assert len(flow.wecom_to(WANGFANG)) == 1

    assert flow.sweep(at(10, 30)) == 1  # half an hour before the accept deadline
    flow.drain()
    reminder = flow.wecom_to(WANGFANG)[-1]["text"]["content"]
    assert "即将超时" in reminder and number in reminder

    assert flow.sweep(at(11)) == 1  # nobody accepted: community staff
    flow.drain()
    to_staff = [t for t in flow.texts_to(STAFF) if number in t]
    assert len(to_staff) == 1 and to_staff[0].startswith("【超时升级】")

    assert flow.sweep(at(13)) == 1  # staff did nothing either: 吹哨 to the department
    flow.drain()
    whistle = [b for b in flow.api.delivered(TEMPLATE_SEND) if b["touser"] == PROPERTY]
    assert len(whistle) == 1 and whistle[0]["template_id"] == "TPL_ESCALATION"
    assert "【社区吹哨】" in whistle[0]["data"]["content"]["value"]
    assert [b for b in flow.api.sent(CUSTOM_SEND) if b["touser"] == PROPERTY]  # tried first, refused 45015
    assert texts.TICKET_NOTE_ESCALATED.format(number=number, rung="物业") in flow.texts_to(RESIDENT)
    assert flow.sweep(at(13)) == 0  # the same moment again: nothing new

    assert flow.town.say(PROPERTY, f"报到 {number}") == texts.REPORT_IN_DONE.format(number=number, due="11月23日 13:00")
    assert flow.town.say(PROPERTY, f"完成 {number} 已更换门机板") == texts.MEMBER_DONE.format(number=number)
    assert flow.sweep(at(13, 1)) == 1  # asks the reporter to rate
    flow.drain()
    assert flow.texts_to(RESIDENT)[-2:] == [
        texts.TICKET_NOTE_REPORTED_IN.format(number=number, department="物业"),
        texts.TICKET_NOTE_DONE.format(number=number, note="已更换门机板"),
    ]
    (menu,) = [b for b in flow.api.delivered(CUSTOM_SEND) if b["touser"] == RESIDENT and b["msgtype"] == "msgmenu"]
    assert menu["msgmenu"]["head_content"].startswith("问题解决了吗？") and number in menu["msgmenu"]["head_content"]
    assert [o["content"] for o in menu["msgmenu"]["list"]] == ["满意", "基本满意", "不满意"]

    assert flow.town.say(RESIDENT, "满意") == texts.RATING_THANKS_INVITE["satisfied"].format(number=number)
    ticket = flow.town.ticket(number)
    assert (ticket.status, ticket.rating) == ("closed", "satisfied")
    assert flow.drain() >= 0 and flow.undelivered() == []


def test_not_satisfied_from_the_menu_reopens_and_escalates_over_the_wire(flow: Flow) -> None:
    flow.town.say(RESIDENT, "幸福里1栋1单元电梯坏了")
    number = flow.town.ticket().number
    assert flow.wecom(WANGFANG, f"接单 {number}") == texts.MEMBER_ACCEPTED.format(number=number)
    assert flow.wecom(WANGFANG, f"完成 {number} 已重启") == texts.MEMBER_DONE.format(number=number)
    assert flow.sweep(at(9, 30)) == 1
    flow.drain()
    assert [b for b in flow.api.delivered(CUSTOM_SEND) if b["touser"] == RESIDENT and b["msgtype"] == "msgmenu"]
    reply = flow.town.say(RESIDENT, "不满意")
    assert reply is not None and reply.startswith(f"抱歉问题还没解决！工单 {number}")
    flow.drain()
    assert flow.town.ticket(number).status != "closed"
    assert any(number in t for t in flow.texts_to(STAFF))  # the next rung heard of it
