"""A ticket an admin merged into another (cancelled) cannot be worked from chat: every command refuses, naming the
ticket it went into, and nothing changes (its resident was told it was merged)."""

from __future__ import annotations

import re

import pytest

from bot.delivery.outbox import Outbox
from handlers.tickets import texts
from handlers.tickets.admin import merge
from models import Ticket
from tests.tickets.conftest import MEMBER, NEIGHBOUR, RESIDENT, Town


def _two_tickets_merged(town: Town) -> tuple[str, str]:
    first = re.search(r"T\d{8}-\d{4}", town.say(RESIDENT, "幸福里3栋2单元电梯坏了") or "").group(0)
    second = re.search(r"T\d{8}-\d{4}", town.say(NEIGHBOUR, "幸福里4栋楼道灯不亮了") or "").group(0)
    assert first != second
    now = town.clock.now()
    with town.services.db.session() as s:
        keep = s.query(Ticket).filter(Ticket.number == first).one()
        dup = s.query(Ticket).filter(Ticket.number == second).one()
        dup.category = keep.category  # staff make them one kind first: a merge needs the same category
        merge.merge(s, Outbox(s, now), town.services.config, dup, keep, "admin", now)
        s.commit()
    return first, second


@pytest.mark.parametrize("command", ["接单 {n}", "处理中 {n} 已联系物业", "完成 {n} 已修好", "转派 {n} 赵敏",
                                     "退回 {n} 不归我管", "收到 {n}", "待补充 {n} 具体在几楼"])
def test_member_commands_on_a_merged_ticket_are_refused_naming_the_ticket_it_went_into(town: Town,
                                                                                        command: str) -> None:
    kept, merged = _two_tickets_merged(town)
    told = len(town.pushed(NEIGHBOUR))

    reply = town.say(MEMBER, command.format(n=merged))

    assert reply == texts.MEMBER_TICKET_MERGED.format(number=merged, into=kept)
    assert town.ticket(merged).status == "cancelled"
    assert len(town.pushed(NEIGHBOUR)) == told  # the resident hears nothing more about the merged ticket


def test_a_cancelled_ticket_not_merged_is_refused_too(town: Town) -> None:
    number = re.search(r"T\d{8}-\d{4}", town.say(RESIDENT, "幸福里3栋2单元电梯坏了") or "").group(0)
    with town.services.db.session() as s:
        s.query(Ticket).filter(Ticket.number == number).one().status = "cancelled"
        s.commit()

    assert town.say(MEMBER, f"接单 {number}") == texts.MEMBER_TICKET_CANCELLED.format(number=number)
    assert town.ticket(number).status == "cancelled"


def test_the_members_detail_names_merge_events_in_chinese_not_by_their_code(town: Town) -> None:
    kept, merged = _two_tickets_merged(town)

    kept_detail = town.say(MEMBER, f"详情 {kept}") or ""
    merged_detail = town.say(MEMBER, f"详情 {merged}") or ""

    assert "合并自" in kept_detail and "merged_from" not in kept_detail
    assert "合并到" in merged_detail and "merged_into" not in merged_detail
