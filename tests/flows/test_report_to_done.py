"""Issue 5 end to end: a report over /wechat, the task pushed by the worker over WeCom, the member works it over /wecom.

Everything crosses a real boundary: plaintext signed XML into /wechat, encrypted
XML into /wecom, the worker's dispatcher sending over HTTP to the fake WeChat API.
"""

from __future__ import annotations

from handlers.tickets import texts
from tests.flows.conftest import CUSTOM_SEND, Flow
from tests.tickets.conftest import MEMBER, RESIDENT

WANGFANG = "wangfang"  # 王芳: grid 1 (幸福里小区 1–2栋), bound by WeCom userid only


def test_a_report_reaches_the_member_on_wecom_and_the_resident_hears_each_step(flow: Flow) -> None:
    reply = flow.town.say(RESIDENT, "幸福里1栋1单元电梯坏了")
    number = flow.town.ticket().number
    assert reply is not None and number in reply and "王芳" in reply
    assert flow.api.requests == []  # nothing leaves before the worker drains

    assert flow.drain() == 1
    (task,) = flow.wecom_to(WANGFANG)
    assert task["msgtype"] == "text" and task["agentid"] == flow.api.agent_id
    content = task["text"]["content"]
    assert content.startswith(f"【新工单】{number}") and "幸福里小区1栋1单元" in content and f"接单 {number}" in content
    assert not [b for b in flow.api.sent(CUSTOM_SEND) if b["touser"] in (WANGFANG, MEMBER)]  # WeCom only

    assert flow.wecom(WANGFANG, f"接单 {number}") == texts.MEMBER_ACCEPTED.format(number=number)
    tasks = flow.wecom(WANGFANG, "我的任务")
    assert tasks is not None and tasks.startswith(texts.MEMBER_TASKS_HEAD.format(count=1)) and number in tasks
    assert flow.wecom(WANGFANG, f"完成 {number} 已更换门机板") == texts.MEMBER_DONE.format(number=number)
    assert flow.wecom(WANGFANG, "我的任务") == texts.MEMBER_NO_TASKS

    assert flow.drain() == 2
    assert flow.texts_to(RESIDENT) == [
        texts.TICKET_NOTE_ACCEPTED.format(number=number, name="网格员王芳"),
        texts.TICKET_NOTE_DONE.format(number=number, note="已更换门机板"),
    ]
    assert flow.undelivered() == []
    ticket = flow.town.ticket(number)
    assert ticket.status == "done"
    assert len(flow.wecom_to(WANGFANG)) == 1  # one task push, no repeats


def test_a_stranger_on_wecom_is_refused_and_nothing_is_sent(flow: Flow) -> None:
    flow.town.say(RESIDENT, "幸福里1栋1单元电梯坏了")
    number = flow.town.ticket().number
    flow.drain()
    before = len(flow.api.requests)
    assert flow.wecom("visitor_zhou", f"接单 {number}") == texts.MEMBER_ONLY
    assert flow.wecom("visitor_zhou", "我的任务") == texts.MEMBER_ONLY
    assert flow.drain() == 0 and len(flow.api.requests) == before
    assert flow.town.ticket(number).status == "assigned"


def test_a_member_bound_on_wecom_cannot_work_another_grids_ticket(flow: Flow) -> None:
    flow.town.say(RESIDENT, "桂花苑2栋1单元楼道灯坏了")  # grid 3: 陈刚 (WeCom) is only its backup
    number = flow.town.ticket().number
    assert flow.wecom(WANGFANG, f"接单 {number}") == texts.MEMBER_NOT_YOURS.format(number=number)
    assert flow.town.ticket(number).accepted_at is None
