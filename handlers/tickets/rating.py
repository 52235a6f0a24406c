"""Closing the loop: "问题解决了吗？" after 完成, the answer, reopening, and the 默认满意 close.

The question goes out from the deadline sweep right after the worker's 完成
(so the done notice and any photos arrive first). On the Official Account it
is a one-tap menu (msgmenu); outside the 48-hour window the channel falls back
to the ``ticket_rating`` template, whose text asks for 1 / 2 / 3 in chat — the
reporter's conversation state takes those digits. Unanswered for
``tickets.rating_days`` the ticket closes as 默认满意, which statistics keep
apart from real ratings.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.config import Config
from bot.delivery.outbox import Outbox
from bot.dialog.conversation import save_state
from handlers.tickets import deadlines, escalation, texts
from handlers.tickets.notify import texts as notify_texts
from handlers.tickets.service import add_event, category_name, notify_reporters, notify_workers, reporters
from handlers.tickets.states import Flow
from models import OPEN_STATUSES, Person, Rating, Ticket, TicketStatus
from nlp import lexicon

MENU_IDS = {"rate_1": "1", "rate_2": "2", "rate_3": "3"}


def sweep_ratings(db: Session, outbox: Outbox, config: Config, now: datetime) -> int:
    steps = 0
    for ticket in db.scalars(select(Ticket).where(Ticket.status == TicketStatus.DONE,
                                                  Ticket.rating_asked_at.is_(None)).order_by(Ticket.id)).all():
        if not _claim(db, ticket, Ticket.rating_asked_at.is_(None), rating_asked_at=now):
            continue  # a concurrent sweep asked already
        ask(db, outbox, config, ticket, now)
        steps += 1
    cutoff = now - timedelta(days=config.tickets.rating_days)
    for ticket in db.scalars(select(Ticket).where(Ticket.status == TicketStatus.DONE,
                                                  Ticket.rating_asked_at <= cutoff).order_by(Ticket.id)).all():
        if not _claim(db, ticket, Ticket.rating_asked_at <= cutoff, status=TicketStatus.CLOSED):
            continue
        ticket.status = TicketStatus.CLOSED
        ticket.rating = Rating.DEFAULT
        ticket.closed_at = now
        event = add_event(db, ticket, "closed_default", now, note=texts.RATING_NAMES[Rating.DEFAULT])
        notify_reporters(db, outbox, ticket, event, notify_texts.TICKET_CLOSED_DEFAULT.format(
            number=ticket.number, days=f"{config.tickets.rating_days:g}"))
        steps += 1
    return steps


def _claim(db: Session, ticket: Ticket, condition: Any, **values: Any) -> bool:
    """Write ``values`` only if the ticket is still DONE and ``condition`` holds: two sweeps act once."""
    return db.execute(
        update(Ticket).where(Ticket.id == ticket.id, Ticket.status == TicketStatus.DONE, condition)
        .values(**values).execution_options(synchronize_session=False)
    ).rowcount == 1


def ask(db: Session, outbox: Outbox, config: Config, ticket: Ticket, now: datetime) -> int:
    """Ask every reporter once; a menu on the Official Account, plain text elsewhere."""
    ticket.rating_asked_at = now
    event = add_event(db, ticket, "rating_asked", now)
    fields = {"number": ticket.number, "category": category_name(db, ticket.category),
              "location": ticket.location or texts.LOCATION_UNKNOWN}
    ttl = timedelta(days=config.tickets.rating_days)
    sent = 0
    for r in reporters(db, ticket):
        key = f"ticket:{ticket.number}:rating:{event.id}:to:{r.person_id}"
        if r.channel == "official_account":
            outbox.enqueue(channel=r.channel, account=r.account, recipient=r.recipient, kind="ticket_rating", key=key,
                           payload=_menu(fields))
        else:
            outbox.text(channel=r.channel, account=r.account, recipient=r.recipient, kind="ticket_rating", key=key,
                        text=texts.RATING_TEXT.format(**fields))
        save_state(db, r.channel, r.recipient, Flow.RATE, {"ticket": ticket.number}, now, ttl=ttl)
        sent += 1
    return sent


def _menu(fields: dict[str, str]) -> dict[str, object]:
    question = texts.RATING_QUESTION.format(**fields)
    return {
        "msgtype": "msgmenu",
        "head_content": question,
        "list": [{"id": f"rate_{n}", "content": word} for n, word in texts.RATING_OPTIONS.items()],
        "tail_content": texts.RATING_TAIL,
        "text": texts.RATING_TEXT.format(**fields),
        # Outside the 48-hour window the channel sends the ticket_rating template with this data.
        "template_data": {
            "first": {"value": question},
            "keyword1": {"value": fields["number"]},
            "keyword2": {"value": f"{fields['category']}·{fields['location']}"},
            "remark": {"value": texts.RATING_TEMPLATE_REMARK},
        },
    }


def parse(text: str) -> str | None:
    """满意 / 基本满意 / 不满意 (or 1 / 2 / 3, 没修好 …, or a leading digit with a comment) -> a Rating value."""
    word = text.strip().strip("。.！!，, ")
    lead = _LEADING_DIGIT.match(word)
    if lead is not None:
        return texts.RATING_WORDS[lead.group(1)]
    return texts.RATING_WORDS.get(word) or next(
        (texts.RATING_WORDS[w] for w in sorted(texts.RATING_WORDS, key=len, reverse=True)
         if len(w) > 1 and w in word and not (w in lexicon.RATING_NOT_INSIDE and lexicon.RATING_NOT_INSIDE[w] in word)),
        None)


def parse_plain(text: str) -> str | None:
    """A rating said in the resident's own words ("修好了 挺快的 点赞", "没弄好嘛"), else None."""
    word = re.sub(r"\s+", "", text)
    return next((value for value, cues in texts.RATING_CUES.items() if any(cue in word for cue in cues)), None)


def comment(text: str) -> str:
    """What the resident said beyond the bare rating ("3 根本没修" -> "根本没修"); empty for "1" or "满意"."""
    word = text.strip().strip("。.！!，, ")
    if word in texts.RATING_WORDS:
        return ""
    lead = _LEADING_DIGIT.match(word)
    return word[lead.end():].strip(" ，,。.、：:") if lead is not None else word


def understand(text: str, match: Any, ticket: Ticket) -> str | None:
    """The rating an answer to "问题解决了吗？" gives: explicit words first, then the resident's own words,
    unless the router reads a report of another kind ("楼道灯又坏了 谢谢" is a new report, not a rating)."""
    value = parse(text)
    if value is not None:
        return value
    new_report = match is not None and match.intent in REPORT_INTENTS and match.slots.get("category") not in (
        None, ticket.category)
    return None if new_report else parse_plain(text)


REPORT_INTENTS = frozenset({"tickets.create", "tickets.urgent"})
_LEADING_DIGIT = re.compile(r"^([123])(?=[\s，,。.、：:]|$)")


def awaiting(db: Session, person_id: int, window_days: float, now: datetime) -> Ticket | None:
    """The reporter's most recent ticket that was finished lately (still answerable)."""
    from models import TicketReporter

    return db.scalar(
        select(Ticket).join(TicketReporter, TicketReporter.ticket_id == Ticket.id)
        .where(TicketReporter.person_id == person_id, Ticket.status.in_([TicketStatus.DONE, TicketStatus.CLOSED]),
               Ticket.done_at >= now - timedelta(days=window_days))
        .order_by(Ticket.done_at.desc(), Ticket.id.desc()).limit(1)
    )


def record(db: Session, outbox: Outbox, config: Config, ticket: Ticket, person: Person, value: str,
           now: datetime, remark: str = "") -> str:
    """Apply one answer; returns the reply text.

    Co-reporters are all asked: the first 不满意 reopens the ticket (one rung up),
    a later one while it is being worked on again is recorded and changes nothing.
    ``remark``: the resident's own words beyond the rating, kept in the history
    and, for 不满意 / 基本满意, pushed to whoever works on the ticket. Without one
    the reply invites the comment the resident may add next (the comment window).
    """
    note = _note(value, remark)
    if ticket.status in OPEN_STATUSES or (value == Rating.UNSATISFIED and not _claim_reopen(db, ticket)):
        if value == Rating.UNSATISFIED:
            event = add_event(db, ticket, "rated", now, person, note=note, rating=value)
            _tell_workers(db, outbox, config, ticket, event, value, remark)
        db.refresh(ticket)
        return texts.RATING_ALREADY_REOPENED.format(
            number=ticket.number, rung=escalation.rung_name(db, config, ticket, ticket.escalation_level))
    if value == Rating.UNSATISFIED:
        level = reopen(db, outbox, config, ticket, person, now, remark)
        reopened = texts.RATING_REOPENED if remark else texts.RATING_REOPENED_INVITE
        return reopened.format(number=ticket.number, rung=escalation.rung_name(db, config, ticket, level))
    if ticket.status != TicketStatus.DONE:
        return texts.RATING_ALREADY.format(number=ticket.number)
    ticket.status = TicketStatus.CLOSED
    ticket.rating = value
    ticket.rated_at = now
    ticket.closed_at = now
    event = add_event(db, ticket, "rated", now, person, note=note, rating=value)
    if value == Rating.BASIC:
        _tell_workers(db, outbox, config, ticket, event, value, remark)
    return (texts.RATING_THANKS if remark else texts.RATING_THANKS_INVITE)[value].format(number=ticket.number)


def add_comment(db: Session, outbox: Outbox, config: Config, ticket: Ticket, person: Person, value: str,
                remark: str, now: datetime) -> str:
    """Words said after a bare rating ("2", then "还行 就是来得有点慢"): kept on the ticket and, unless the
    rating was 满意, told to whoever works on it. Returns the reply text."""
    event = add_event(db, ticket, "rating_comment", now, person, note=_note(value, remark), rating=value)
    if value == Rating.SATISFIED:
        return texts.RATING_COMMENT_KEPT_SATISFIED.format(number=ticket.number)
    _tell_workers(db, outbox, config, ticket, event, value, remark)
    return texts.RATING_COMMENT_KEPT.format(number=ticket.number)


def _note(value: str, remark: str) -> str:
    name = texts.RATING_NAMES[value]
    return texts.RATING_COMMENT_NOTE.format(rating=name, comment=remark) if remark else name


def _tell_workers(db: Session, outbox: Outbox, config: Config, ticket: Ticket, event: Any, value: str,
                  remark: str) -> None:
    if remark:
        notify_workers(db, outbox, config, ticket, event, texts.TICKET_TASK_RATING_COMMENT.format(
            number=ticket.number, rating=texts.RATING_NAMES[value], comment=remark))


def _claim_reopen(db: Session, ticket: Ticket) -> bool:
    """Count this reopening only if the ticket is still finished as read: two answers reopen once.

    The conditional UPDATE waits for a concurrent answer's write (PostgreSQL's
    row lock, SQLite's single writer) and then matches nothing.
    """
    claimed = db.execute(
        update(Ticket).where(Ticket.id == ticket.id, Ticket.status.in_([TicketStatus.DONE, TicketStatus.CLOSED]),
                             Ticket.reopened == ticket.reopened)
        .values(reopened=Ticket.reopened + 1).execution_options(synchronize_session=False)
    ).rowcount == 1
    if claimed:
        ticket.reopened += 1  # what the row holds now
    return claimed


def reopen(db: Session, outbox: Outbox, config: Config, ticket: Ticket, person: Person, now: datetime,
           remark: str = "") -> int:
    """不满意 / 没修好: back to work with a fresh resolve deadline, one rung higher (after ``_claim_reopen``)."""
    ticket.status = TicketStatus.ACCEPTED if ticket.assignee_id else TicketStatus.QUEUED
    ticket.done_at = None
    ticket.closed_at = None
    ticket.rating = None
    ticket.rated_at = None
    ticket.rating_asked_at = None
    if ticket.accepted_at is None:
        ticket.accepted_at = now
    event = add_event(db, ticket, "reopened", now, person, note=_note(Rating.UNSATISFIED, remark),
                      rating=Rating.UNSATISFIED)
    _tell_workers(db, outbox, config, ticket, event, Rating.UNSATISFIED, remark)
    policy = deadlines.policy_for(db, config, ticket.category, ticket.urgent)
    ticket.resolve_due_at = deadlines.after(db, config, ticket, now, policy.resolve_minutes)
    return escalation.escalate(db, outbox, config, ticket, now, reason="unsatisfied", actor=person)
