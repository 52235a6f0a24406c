"""'帮助' from a grid member (or staff) lists the member commands, not the residents' menu; residents keep theirs."""

from __future__ import annotations

from handlers.help import texts
from tests.tickets.conftest import MEMBER, RESIDENT, STAFF, Town


def test_a_member_and_staff_asking_for_help_get_the_member_commands(town: Town) -> None:
    for who in (MEMBER, STAFF):
        reply = town.say(who, "帮助")
        assert reply == texts.MEMBER_HELP
        for command in ("我的任务", "接单", "处理中", "完成", "转派", "退回", "收到"):
            assert command in reply


def test_a_resident_asking_for_help_gets_the_residents_menu(town: Town) -> None:
    reply = town.say(RESIDENT, "帮助") or ""
    assert "报修" in reply and "接单" not in reply
