"""A member's 详情 keeps residents' phone numbers masked everywhere, the history lines included;
only 电话 (audited) shows one in full."""

from __future__ import annotations

from tests.tickets.conftest import MEMBER, NEIGHBOUR, Town


def test_the_history_in_a_members_detail_masks_the_phone_numbers_residents_wrote(town: Town) -> None:
    town.say("oPhoneInReport", "幸福里3栋1单元楼道里堆满了杂物，消防通道都堵了，我是住这的张阿姨电话13900001111")
    number = town.ticket().number
    town.say(NEIGHBOUR, "幸福里3栋楼道杂物堵了消防通道，我手机13655556666")
    detail = town.say(MEMBER, f"详情 {number}") or ""
    assert number in detail and "139****1111" in detail
    assert "13900001111" not in detail and "13655556666" not in detail
