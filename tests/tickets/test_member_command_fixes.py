"""Grid members' commands, the details that were wrong: urgent tickets first in 我的任务, a transfer without a
note says none, "T… 已修好了" about somebody else's ticket, ticket numbers written without the T."""

from __future__ import annotations

import re

from tests.tickets.conftest import MEMBER, MEMBER2, NEIGHBOUR, RESIDENT, STAFF, Town


def _number(reply: str | None) -> str:
    found = re.search(r"T\d{8}-\d{4}", reply or "")
    assert found, reply
    return found.group(0)


# -- 2. urgent first ------------------------------------------------------------------------------


def test_urgent_tickets_come_first_in_my_tasks(town: Town) -> None:
    ordinary = _number(town.say(RESIDENT, "幸福里3栋2单元楼道灯坏了"))
    town.clock.advance(minutes=10)
    urgent = _number(town.say(NEIGHBOUR, "幸福里4栋1单元电梯困人了，里面有人出不来"))
    assert town.ticket(urgent).urgent and town.ticket(urgent).assignee_id == town.ticket(ordinary).assignee_id

    reply = town.say(MEMBER, "我的任务") or ""

    assert ordinary in reply and urgent in reply
    assert reply.index(urgent) < reply.index(ordinary)
    assert f"{urgent}（紧急）" in reply and f"{ordinary}（紧急）" not in reply


def test_urgent_queued_tickets_come_first_in_the_staff_queue(town: Town) -> None:
    ordinary = _number(town.say(RESIDENT, "幸福里3栋2单元楼道灯坏了"))
    town.say(MEMBER, f"退回 {ordinary} 不属于本网格")
    town.clock.advance(minutes=10)
    urgent = _number(town.say(NEIGHBOUR, "幸福里4栋1单元电梯困人了，里面有人出不来"))
    town.say(MEMBER, f"退回 {urgent} 请社区协调")

    reply = town.say(STAFF, "我的任务") or ""

    assert reply.index(urgent) < reply.index(ordinary)


# -- 3. a transfer without a note -----------------------------------------------------------------


def test_a_transfer_without_a_note_pushes_no_empty_note(town: Town) -> None:
    number = _number(town.say(RESIDENT, "幸福里3栋2单元楼道灯坏了"))
    before = len(town.pushed(MEMBER2))

    town.say(MEMBER, f"转派 {number} 赵敏")

    pushed = town.pushed(MEMBER2)[before:]
    assert len(pushed) == 1
    assert pushed[0].startswith("（由李强转派）") and "：无" not in pushed[0]


def test_a_transfer_with_a_note_pushes_it(town: Town) -> None:
    number = _number(town.say(RESIDENT, "幸福里3栋2单元楼道灯坏了"))
    before = len(town.pushed(MEMBER2))

    town.say(MEMBER, f"转派 {number} 赵敏 她离得近")

    assert town.pushed(MEMBER2)[before:][0].startswith("（由李强转派：她离得近）")


# -- 4. the command hint on somebody else's ticket ------------------------------------------------


def test_the_hint_on_somebody_elses_ticket_says_it_is_handled_by_someone_else(town: Town) -> None:
    number = _number(town.say(RESIDENT, "桂花苑1栋1单元楼道灯坏了"))  # 第三网格: not 李强's

    reply = town.say(MEMBER, f"{number} 已修好了") or ""

    assert number in reply and "完成 " + number not in reply
    assert "其他" in reply
    assert "桂花苑" not in reply and "楼道灯" not in reply and "照明" not in reply
    assert town.ticket(number).status == "assigned"


def test_the_hint_on_ones_own_ticket_still_shows_the_command(town: Town) -> None:
    number = _number(town.say(RESIDENT, "幸福里3栋2单元楼道灯坏了"))

    reply = town.say(MEMBER, f"{number} 已修好了") or ""

    assert f"完成 {number} 已修好了" in reply


# -- 5. numbers without the T ---------------------------------------------------------------------


def test_a_number_without_the_t_gets_the_hint(town: Town) -> None:
    number = _number(town.say(RESIDENT, "幸福里3栋2单元楼道灯坏了"))

    reply = town.say(MEMBER, f"{number[1:]} 已经修好了") or ""

    assert f"完成 {number} 已经修好了" in reply


def test_commands_read_a_number_without_the_t(town: Town) -> None:
    first = _number(town.say(RESIDENT, "幸福里3栋2单元楼道灯坏了"))
    second = _number(town.say(NEIGHBOUR, "幸福里4栋1单元门禁坏了"))

    assert first in (town.say(MEMBER, f"接单 {first[1:]}") or "")
    assert town.ticket(first).status == "accepted"
    town.say(MEMBER, f"完成 {first[1:]} 已更换灯泡")
    assert town.ticket(first).status == "done"
    assert town.ticket(second).status == "assigned"


def test_detail_and_close_read_a_number_without_the_t(town: Town) -> None:
    number = _number(town.say(RESIDENT, "幸福里3栋2单元楼道灯坏了"))

    detail = town.say(MEMBER, f"详情 {number[1:]}") or ""
    assert detail.startswith(f"工单 {number}") and "记录" in detail

    town.say(STAFF, f"关闭 {number[1:]} 误报，现场核实灯是好的")
    assert town.ticket(number).status == "closed"
