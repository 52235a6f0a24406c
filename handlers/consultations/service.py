"""Consultations: open one for a resident, add what they write, push to the staff, answer through the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.config import Config
from bot.delivery.outbox import Outbox
from bot.dialog.message import IncomingMessage
from handlers.community import people
from handlers.community.facts import community_of
from handlers.consultations import texts
from handlers.tickets import deadlines
from handlers.tickets.service import push, staff_of
from models import Consultation, ConsultationMessage, ConsultationStatus, Counter, Person

# A resident's new hand-over within this time reuses their open consultation.
REUSE_WINDOW = timedelta(hours=24)
FOLLOW_UP_TTL = timedelta(minutes=30)


def next_number(db: Session, now: datetime, config: Config) -> str:
    """C + local date + - + the day's sequence, incremented in the creating transaction (like tickets)."""
    day = now.astimezone(config.tz).strftime("%Y%m%d")
    name = f"consultations:{day}"
    insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.execute(insert(Counter).values(name=name, value=0, updated_at=now).on_conflict_do_nothing(index_elements=["name"]))
    value = db.execute(
        update(Counter).where(Counter.name == name).values(value=Counter.value + 1, updated_at=now)
        .returning(Counter.value).execution_options(synchronize_session=False)
    ).scalar_one()
    return f"C{day}-{value:04d}"


def by_number(db: Session, number: str) -> Consultation | None:
    return db.scalar(select(Consultation).where(Consultation.number == number.strip().upper()))


@dataclass(frozen=True)
class Opened:
    consultation: Consultation
    created: bool
    staff_notified: int


def open_for(db: Session, outbox: Outbox, config: Config, person: Person, msg: IncomingMessage, text: str,
             now: datetime) -> Opened:
    """The resident's open consultation (reused within a day) or a new one; the staff hear of it."""
    current = db.scalar(
        select(Consultation).where(Consultation.person_id == person.id,
                                   Consultation.status != ConsultationStatus.CLOSED,
                                   Consultation.last_message_at >= now - REUSE_WINDOW)
        .order_by(Consultation.id.desc()).limit(1)
    )
    created = current is None
    if current is None:
        community = community_of(db, person.id)
        current = Consultation(number=next_number(db, now, config), community_id=community.id if community else None,
                               person_id=person.id, channel=msg.channel, account=msg.account, recipient=msg.user_id,
                               status=ConsultationStatus.OPEN, created_at=now, last_message_at=now)
        db.add(current)
        db.flush()
    notified = add_resident_text(db, outbox, config, current, person, text, now, first=created)
    return Opened(current, created, notified)


def add_resident_text(db: Session, outbox: Outbox, config: Config, consultation: Consultation, person: Person,
                      text: str, now: datetime, *, first: bool = False) -> int:
    """Record the resident's words and push them to the community's staff; returns how many were told."""
    row = ConsultationMessage(consultation_id=consultation.id, at=now, from_resident=True, author="",
                              author_id=person.id, text=text)
    db.add(row)
    consultation.last_message_at = now
    if consultation.status == ConsultationStatus.ANSWERED:
        consultation.status = ConsultationStatus.OPEN
    db.flush()
    name = people.display_name(person) if person.name else texts.ANONYMOUS_RESIDENT
    template = texts.STAFF_PUSH if first else texts.STAFF_PUSH_MORE
    body = template.format(number=consultation.number, name=name, text=people.mask_phones_in(text))
    key = f"consultation:{consultation.number}:msg:{row.id}"
    return sum(push(db, outbox, config, staff, "consultation", body, f"{key}:to:{staff}")
               for staff in staff_of(db, consultation.community_id))


def staff_names(db: Session, community_id: int | None) -> list[str]:
    ids = staff_of(db, community_id)
    return [p.name for p in db.scalars(select(Person).where(Person.id.in_(ids)).order_by(Person.id)) if p.name]


def when_text(db: Session, config: Config, consultation: Consultation, after_hours_phone: str, now: datetime) -> str:
    """Who will answer, and when: now in office hours, else when the office opens next."""
    names = staff_names(db, consultation.community_id)
    who = texts.WHO_STAFF.format(names=f"（{'、'.join(names)}）" if names else "") if names else texts.WHO_ANYONE
    calendar = deadlines.calendar(db, config, now)
    back = calendar.add(now, 0, working=True)
    if back <= now:
        text = texts.WHEN_WORKING.format(who=who)
    else:
        local = back.astimezone(config.tz)
        phone = texts.AFTER_HOURS_PHONE.format(phone=after_hours_phone) if after_hours_phone else ""
        text = texts.WHEN_CLOSED.format(who=who, back=texts.BACK_AT.format(month=local.month, day=local.day, time=f"{local:%H:%M}"),
                                        after_hours=phone + texts.AFTER_HOURS_EMERGENCY)
    if not names:
        text += texts.NO_STAFF_YET
    return text


def answer(db: Session, outbox: Outbox, consultation: Consultation, text: str, now: datetime, *,
           author: str, author_id: int | None) -> None:
    """A staff answer: kept on the consultation and sent to the resident through the outbox."""
    row = ConsultationMessage(consultation_id=consultation.id, at=now, from_resident=False, author=author,
                              author_id=author_id, text=text)
    db.add(row)
    consultation.status = ConsultationStatus.ANSWERED
    consultation.answered_at = now
    consultation.last_message_at = now
    db.flush()
    outbox.text(channel=consultation.channel, account=consultation.account, recipient=consultation.recipient,
                kind="consultation_reply", text=texts.RESIDENT_ANSWER.format(text=text, number=consultation.number),
                key=f"consultation:{consultation.number}:answer:{row.id}")


def close(consultation: Consultation, now: datetime) -> None:
    consultation.status = ConsultationStatus.CLOSED
    consultation.closed_at = now


def messages(db: Session, consultation: Consultation) -> list[ConsultationMessage]:
    return list(db.scalars(select(ConsultationMessage).where(ConsultationMessage.consultation_id == consultation.id)
                           .order_by(ConsultationMessage.id)))
