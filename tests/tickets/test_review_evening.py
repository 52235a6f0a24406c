"""The evening review: a phone number said in the answer to "请问具体在哪里？" is kept."""

from __future__ import annotations

from sqlalchemy import select

from models import Person, TicketReporter
from tests.tickets.conftest import Town

REPORTER = "oPhoneInAnswer"


def test_a_phone_in_the_answer_to_where_is_remembered(town: Town) -> None:
    assert "哪" in (town.say(REPORTER, "路灯不亮了") or "")
    town.say(REPORTER, "幸福里1栋门口，我电话是13511112222")
    assert town.tickets(), "no ticket filed"
    with town.services.db.session() as s:
        person = s.scalar(select(Person).join(TicketReporter, TicketReporter.person_id == Person.id))
        assert person is not None and person.phone == "13511112222"
