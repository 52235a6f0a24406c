"""Service tickets (工单), who reported them, what happened to them, and their media.

Statuses leave room for deadlines and escalation (issue 6): ``accept_due_at``,
``resolve_due_at`` and ``escalation_level`` are set here and swept there.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base

if TYPE_CHECKING:
    from models.community import Department, Grid


class TicketStatus(StrEnum):
    QUEUED = "queued"  # waiting in the staff queue (no grid member)
    ASSIGNED = "assigned"  # pushed to a member, not yet accepted
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting"  # 待补充: waiting for the resident; deadlines pause
    DONE = "done"  # the worker says it is fixed; the reporters are asked to rate it
    CLOSED = "closed"  # rated, or closed by default after the rating window
    CANCELLED = "cancelled"


OPEN_STATUSES = (
    TicketStatus.QUEUED, TicketStatus.ASSIGNED, TicketStatus.ACCEPTED, TicketStatus.IN_PROGRESS, TicketStatus.WAITING,
)


class Rating(StrEnum):
    SATISFIED = "satisfied"  # 满意
    BASIC = "basic"  # 基本满意
    UNSATISFIED = "unsatisfied"  # 不满意
    DEFAULT = "default"  # 默认满意: nobody answered; not counted as a rating


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_dedupe", "category", "building_id", "status", "created_at"),
        Index("ix_tickets_assignee", "assignee_id", "status"),
        Index("ix_tickets_status", "status"),
        Index("ix_tickets_ack_due", "ack_due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id", ondelete="SET NULL"))
    category: Mapped[str] = mapped_column(String(64))  # category slug
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id", ondelete="SET NULL"))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id", ondelete="SET NULL"))
    # The estate of a place that is no building (a gate, the square, 4栋后面的空地), and its named place if any.
    estate_id: Mapped[int | None] = mapped_column(ForeignKey("estates.id", ondelete="SET NULL"))
    place_id: Mapped[int | None] = mapped_column(ForeignKey("estate_places.id", ondelete="SET NULL"))
    unit: Mapped[str | None] = mapped_column(String(16))
    room: Mapped[str | None] = mapped_column(String(16))
    location: Mapped[str] = mapped_column(String(255), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    reporter_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=TicketStatus.QUEUED)
    urgent: Mapped[bool] = mapped_column(default=False)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    accept_due_at: Mapped[datetime | None]
    resolve_due_at: Mapped[datetime | None]
    escalation_level: Mapped[int] = mapped_column(default=0)
    last_urged_at: Mapped[datetime | None]
    # Deadlines and escalation (bot/tickets/deadlines.py, escalation.py).
    working_hours: Mapped[bool] = mapped_column(default=False, server_default="0")
    paused_at: Mapped[datetime | None]  # 待补充 since; deadlines move by the paused time on resume
    escalated_at: Mapped[datetime | None]
    report_in_due_at: Mapped[datetime | None]  # the department's deadline to 报到
    reported_in_at: Mapped[datetime | None]
    overdue: Mapped[bool] = mapped_column(default=False, server_default="0")  # missed any deadline
    reminded_key: Mapped[str | None] = mapped_column(String(64))  # the deadline last reminded of
    # The satisfaction loop (bot/tickets/rating.py).
    rating_asked_at: Mapped[datetime | None]
    rating: Mapped[str | None] = mapped_column(String(16))
    rated_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    reopened: Mapped[int] = mapped_column(default=0, server_default="0")
    # Urgent tickets: every alert is acknowledged by a person (收到 T…) or goes further (acknowledge.py).
    acknowledged_at: Mapped[datetime | None]  # the first acknowledgement; the ladder stops
    ack_due_at: Mapped[datetime | None]  # the ladder's next step when nobody has acknowledged by then
    ack_round: Mapped[int] = mapped_column(default=0, server_default="0")  # steps taken so far

    grid: Mapped[Grid | None] = relationship()
    department: Mapped[Department | None] = relationship()


class TicketReporter(Base):
    """Everyone who reported the ticket (the first reporter and those who joined it), and how to reach them."""

    __tablename__ = "ticket_reporters"
    __table_args__ = (UniqueConstraint("ticket_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    account: Mapped[str] = mapped_column(String(128))
    recipient: Mapped[str] = mapped_column(String(128))
    original: Mapped[bool] = mapped_column(default=False)
    joined_at: Mapped[datetime]


class TicketEvent(Base):
    """One change to a ticket: who (person or "system"/"admin:x"), when, what."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"), index=True)
    actor: Mapped[str] = mapped_column(String(64), default="system")
    kind: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class MediaStatus(StrEnum):
    PENDING = "pending"  # WeChat holds it; the worker downloads it (media ids expire after 3 days)
    STORED = "stored"
    FAILED = "failed"
    NONE = "none"  # nothing to download (a location)


class TicketMedia(Base):
    __tablename__ = "ticket_media"
    __table_args__ = (Index("ix_ticket_media_status", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))  # image, voice, video, location
    channel: Mapped[str] = mapped_column(String(32))
    account: Mapped[str] = mapped_column(String(128))
    media_id: Mapped[str | None] = mapped_column(String(255))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)  # location: latitude, longitude, label
    status: Mapped[str] = mapped_column(String(16), default=MediaStatus.PENDING)
    path: Mapped[str | None] = mapped_column(String(512))
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    stored_at: Mapped[datetime | None]


class TicketAlert(Base):
    """Someone an urgent ticket's alert reached (the push was queued), and whether they acknowledged it."""

    __tablename__ = "ticket_alerts"
    __table_args__ = (UniqueConstraint("ticket_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    rung: Mapped[str] = mapped_column(String(16))  # member, staff, department, street, next, other
    round: Mapped[int] = mapped_column(default=0)  # 0 = the first alert; n = the ladder's n-th step
    alerted_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    via: Mapped[str | None] = mapped_column(String(32))  # the command that acknowledged (收到, 接单 …)


class UrgentCheckStatus(StrEnum):
    PENDING = "pending"  # asked "现在是否正在发生危险？", no answer yet
    CONFIRMED = "confirmed"  # 1 / 是, or a later message said it clearly: an urgent ticket was opened
    DENIED = "denied"  # 2 / 否: the message was routed as an ordinary one
    ESCALATED = "escalated"  # no answer in time and the words were strong: an urgent ticket was opened
    EXPIRED = "expired"  # no answer in time, the words were weak: nothing more
    SUPERSEDED = "superseded"  # a newer question replaced it


class UrgentCheck(Base):
    """An ambiguous emergency the bot asked the resident to confirm, kept until answered or swept."""

    __tablename__ = "urgent_checks"
    __table_args__ = (Index("ix_urgent_checks_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    account: Mapped[str] = mapped_column(String(128))
    user_id: Mapped[str] = mapped_column(String(128))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text, default="")
    situation: Mapped[str] = mapped_column(String(32), default="")
    frame: Mapped[str] = mapped_column(String(64), default="")
    category: Mapped[str] = mapped_column(String(64))
    strong_words: Mapped[bool] = mapped_column(default=False)
    place: Mapped[dict[str, Any]] = mapped_column(default=dict)  # label, building_id, estate_id, unit, room
    status: Mapped[str] = mapped_column(String(16), default=UrgentCheckStatus.PENDING)
    asked_at: Mapped[datetime]
    due_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))


class TicketDayCounter(Base):
    """The per-day ticket sequence, incremented in the creating transaction (row lock = no gaps, no twins)."""

    __tablename__ = "ticket_day_counters"

    day: Mapped[str] = mapped_column(String(8), primary_key=True)  # local date, YYYYMMDD
    value: Mapped[int] = mapped_column(default=0)
