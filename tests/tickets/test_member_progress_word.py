"""'进展 T… 说明' or 'T… 进展 说明' from the grid member records a progress note the resident is told, like
'处理中 T… 说明'; a bare 'T… 进展' (or a question) still shows where the ticket stands."""

from __future__ import annotations

import re

import pytest

from handlers.tickets import texts
from tests.tickets.conftest import MEMBER, RESIDENT, Town


def _ticket(town: Town) -> str:
    number = re.search(r"T\d{8}-\d{4}", town.say(RESIDENT, "幸福里3栋2单元楼道灯坏了") or "").group(0)
    town.say(MEMBER, f"接单 {number}")
    return number


@pytest.mark.parametrize("said", ["进展 {n} 已联系物业，明天上午换灯", "{n} 进展 已联系物业，明天上午换灯",
                                  "{n} 进展：已联系物业，明天上午换灯"])
def test_a_members_words_after_the_number_are_a_progress_note_the_resident_hears(town: Town, said: str) -> None:
    number = _ticket(town)

    reply = town.say(MEMBER, said.format(n=number))

    assert reply == texts.MEMBER_PROGRESS_SAVED.format(number=number)
    assert town.pushed(RESIDENT)[-1] == texts.TICKET_NOTE_PROGRESS.format(number=number,
                                                                           note="已联系物业，明天上午换灯")
    assert town.ticket(number).status == "in_progress"


@pytest.mark.parametrize("said", ["{n} 进展", "进展 {n}", "{n} 进展怎么样了"])
def test_a_bare_or_asking_progress_word_still_shows_the_status(town: Town, said: str) -> None:
    number = _ticket(town)
    told = len(town.pushed(RESIDENT))

    reply = town.say(MEMBER, said.format(n=number)) or ""

    assert number in reply and "已记录进展" not in reply
    assert len(town.pushed(RESIDENT)) == told
