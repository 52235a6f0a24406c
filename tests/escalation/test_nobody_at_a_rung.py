"""A rung nobody can be told about is skipped, in the history, and nobody is said to have taken over."""

from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy import delete, select

from handlers.tickets import texts
from models import Department, Staff, TicketEvent
from tests.escalation.conftest import MEMBER, RESIDENT, STAFF, STREET, Town, at, events, number_in, sweep, texts_to

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo.yaml"


def _drop_contacts(town: Town, department: str) -> None:
    """The department's staff leave (the category still belongs to it)."""
    with town.services.db.session() as s:
        department_id = s.scalar(select(Department.id).where(Department.code == department))
        s.execute(delete(Staff).where(Staff.department_id == department_id))


def _skip_notes(town: Town, number: str) -> list[str]:
    ticket = town.ticket(number)
    with town.services.db.session() as s:
        return list(s.scalars(select(TicketEvent.note).where(TicketEvent.ticket_id == ticket.id,
                                                             TicketEvent.kind == "rung_skipped")))


def test_a_department_without_contacts_is_skipped_for_the_street(town: Town) -> None:
    _drop_contacts(town, "property")
    number = number_in(town.say(RESIDENT, "幸福里3栋2单元电梯坏了"))
    sweep(town, at(11))
    sweep(town, at(13))
    assert town.ticket(number).escalation_level == 3
    assert _skip_notes(town, number) == [texts.EVENT_NOTE_RUNG_NOBODY.format(rung="物业")]
    assert "【街道督办】" in texts_to(town, STREET)[-1]
    told = texts_to(town, RESIDENT)
    assert texts.TICKET_NOTE_ESCALATED.format(number=number, rung="街道") == told[-1]
    assert not any("物业督办" in text for text in told)  # nobody at 物业 heard of it: never claimed


def test_every_demo_department_has_a_contact_so_the_demo_shows_the_real_path(town: Town) -> None:
    demo = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    reachable = {s["department"] for s in demo["staff"] if s.get("department") and (s.get("openid") or s.get("wecom_userid"))}
    assert {d["code"] for d in demo["departments"]} <= reachable
    number = number_in(town.say(RESIDENT, "幸福里3栋2单元停电了"))
    for hour in (11, 13):
        sweep(town, at(hour))
    assert town.ticket(number).escalation_level == 2
    assert "【社区吹哨】" in texts_to(town, "oDemoPower")[-1]
    assert texts.TICKET_NOTE_ESCALATED.format(number=number, rung="供电") in texts_to(town, RESIDENT)


def test_a_transfer_to_a_department_without_contacts_is_refused(town: Town) -> None:
    _drop_contacts(town, "property")
    number = number_in(town.say(RESIDENT, "幸福里3栋2单元楼道灯坏了"))
    before = len(town.outbox())
    assert town.say(MEMBER, f"转派 {number} 物业") == texts.TRANSFER_NO_CONTACTS.format(department="物业", number=number)
    ticket = town.ticket(number)
    assert ticket.department_id is None and ticket.status == "assigned" and len(town.outbox()) == before
    assert "transferred" not in events(town, number)


def test_an_urgent_report_names_only_those_actually_alerted(town: Town) -> None:
    _drop_contacts(town, "property")
    reply = town.say(RESIDENT, "幸福里3栋2单元电梯困人了，快来人")
    assert texts.URGENT_NOTIFIED.format(handlers="网格员和社区值班人员") in reply and "物业" not in reply
    assert texts_to(town, STAFF)[-1].startswith("【紧急工单】")
