"""人工: a resident's hand-over reaches the staff, who answer by chat; the answer reaches the resident."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from bot.clock import FixedClock
from bot.db import Database
from bot.routing.engine import NlpEngine
from bot.services import Services
from handlers.consultations import texts
from models import Consultation, ConsultationMessage, OutboxMessage, Ticket
from tests.conftest import conversation, make_config

# Thursday 2026-12-03, 10:00 in Shanghai (office hours) and 22:00 (closed).
OPEN = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
CLOSED = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
NUMBER = re.compile(r"C\d{8}-\d{4}")


def _say(seeded: Database, tokenizer: Any, at: datetime) -> Any:
    services = Services(config=make_config(seeded), db=seeded, clock=FixedClock(at))
    services.nlp = NlpEngine(seeded, tokenizer=tokenizer)
    services.nlp.refresh()
    return conversation(services)


def _pushed(db: Database, recipient: str) -> list[str]:
    with db.session() as s:
        rows = s.scalars(select(OutboxMessage).where(OutboxMessage.recipient == recipient).order_by(OutboxMessage.id))
        return [row.payload.get("text", "") for row in rows]


def test_handover_in_office_hours_reaches_the_staff_and_their_answer_reaches_the_resident(
    seeded: Database, shared_tokenizer: Any
) -> None:
    say = _say(seeded, shared_tokenizer, OPEN)
    opened, more = say(["人工", "孩子转学要社区开什么证明"], user="oAskingResident")
    number = NUMBER.search(opened).group(0)
    assert "工作时间" in opened and "张主任" in opened
    assert more.startswith(texts.FOLLOW_UP_ADDED.format(number=number)) and "证明" in more  # the FAQ's answer too
    to_staff = _pushed(seeded, "oDemoStaff")
    assert len(to_staff) == 2 and number in to_staff[0] and "孩子转学" in to_staff[1]

    [sent] = say([f"回复 {number} 带户口本和学籍证明来社区，周一到周五都可以办"], user="oDemoStaff")
    assert sent == texts.ANSWER_SENT.format(number=number)
    [answer] = _pushed(seeded, "oAskingResident")
    assert "带户口本和学籍证明" in answer and number in answer
    with seeded.session() as s:
        consultation = s.scalar(select(Consultation).where(Consultation.number == number))
        assert consultation.status == "answered"
        assert [m.from_resident for m in s.scalars(select(ConsultationMessage).order_by(ConsultationMessage.id))] \
            == [True, True, False]


def test_a_question_with_the_handover_is_passed_on_and_after_hours_says_when(seeded: Database, shared_tokenizer: Any) -> None:
    say = _say(seeded, shared_tokenizer, CLOSED)
    [opened] = say(["我要找工作人员 楼下商铺油烟太大想当面反映"], user="oLateResident")
    number = NUMBER.search(opened).group(0)
    assert "非工作时间" in opened and "12月4日 09:00" in opened and "0571-8600 0001" in opened
    assert any("油烟太大" in text for text in _pushed(seeded, "oDemoStaff"))
    assert number in opened


def test_a_report_after_the_handover_is_filed_not_swallowed(seeded: Database, shared_tokenizer: Any) -> None:
    say = _say(seeded, shared_tokenizer, OPEN)
    opened, report = say(["人工", "幸福里3栋2单元电梯坏了 按钮没反应"], user="oReportingResident")
    assert "工单" in report
    with seeded.session() as s:
        assert s.scalar(select(Ticket).where(Ticket.category == "elevator")) is not None
        assert s.scalar(select(ConsultationMessage).where(ConsultationMessage.text.contains("电梯"))) is None


def test_only_staff_may_answer_and_the_number_must_exist(seeded: Database, shared_tokenizer: Any) -> None:
    say = _say(seeded, shared_tokenizer, OPEN)
    [opened] = say(["人工"], user="oCurious")
    number = NUMBER.search(opened).group(0)
    [refused] = say([f"回复 {number} 我冒充工作人员"], user="oSomeoneElse")
    assert refused == texts.ANSWER_NOT_STAFF
    [missing] = say(["回复 C20261203-9999 您好"], user="oDemoStaff")
    assert missing == texts.ANSWER_NOT_FOUND.format(number="C20261203-9999")
    assert _pushed(seeded, "oCurious") == []


def test_staff_answer_through_the_api(seeded: Database, shared_tokenizer: Any, admin_token: str) -> None:
    from bot import create_app

    services = Services(config=make_config(seeded), db=seeded, clock=FixedClock(OPEN))
    services.nlp = NlpEngine(seeded, tokenizer=shared_tokenizer)
    services.nlp.refresh()
    [opened] = conversation(services)(["转人工 低保怎么申请"], user="oApiResident")
    number = NUMBER.search(opened).group(0)
    web = create_app(services=services).test_client()
    auth = {"Authorization": f"Bearer {admin_token}"}
    queue = web.get("/api/v1/consultations?status=open", headers=auth).get_json()["consultations"]
    assert [c["number"] for c in queue] == [number]
    answered = web.post(f"/api/v1/consultations/{number}/answer", json={"text": "带身份证和户口本来社区"}, headers=auth)
    assert answered.status_code == 200 and answered.get_json()["status"] == "answered"
    assert any("带身份证和户口本" in text for text in _pushed(seeded, "oApiResident"))
    assert web.post("/api/v1/consultations/C20990101-0001/answer", json={"text": "x"}, headers=auth).status_code == 404
