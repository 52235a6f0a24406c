"""Staff change a whistled ticket's category: the new category's department takes it over (issue 10)."""

from __future__ import annotations

from sqlalchemy import select

from bot.delivery.outbox import Outbox
from handlers.tickets.admin import actions
from models import Category, Department, Ticket
from tests.escalation.conftest import PROPERTY, RESIDENT, Town, at, number_in, sweep, texts_to

POWER = "oDemoPower"  # 刘工, 供电


def test_recategorising_a_whistled_ticket_moves_it_to_the_new_categorys_department(town: Town) -> None:
    number = number_in(town.say(RESIDENT, "幸福里3栋2单元电梯坏了"))
    sweep(town, at(11))
    sweep(town, at(13))  # whistled: the property (elevator's department) must report in
    assert town.ticket(number).escalation_level == 2 and any(number in t for t in texts_to(town, PROPERTY))

    now = at(13, 30)
    with town.services.db.session() as s:
        ticket = s.get(Ticket, town.ticket(number).id)
        power = s.scalar(select(Category).where(Category.slug == "power"))
        actions.change_category(s, town.services.config, ticket, power, "admin", now, outbox=Outbox(s, now))
        power_office = s.scalar(select(Department).where(Department.code == "power"))
        power_id = power_office.id

    ticket = town.ticket(number)
    assert ticket.category == "power" and ticket.department_id == power_id
    assert ticket.escalation_level == 2 and ticket.reported_in_at is None and ticket.report_in_due_at > now
    assert any(number in t for t in texts_to(town, POWER))  # the new department is told, and must report in


def test_recategorising_before_the_whistle_needs_no_department_move(town: Town) -> None:
    number = number_in(town.say(RESIDENT, "幸福里3栋2单元电梯坏了"))
    now = at(9, 30)
    with town.services.db.session() as s:
        ticket = s.get(Ticket, town.ticket(number).id)
        power = s.scalar(select(Category).where(Category.slug == "power"))
        actions.change_category(s, town.services.config, ticket, power, "admin", now, outbox=Outbox(s, now))
    ticket = town.ticket(number)
    assert ticket.category == "power" and ticket.department_id is None and ticket.escalation_level == 0
    assert not texts_to(town, POWER)
