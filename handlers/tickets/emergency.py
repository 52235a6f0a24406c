"""The urgent fast path: safety first; a clear emergency alerts everyone at once, an unclear one is asked.

Intents: tickets.urgent
Flow: tickets.urgent:confirm (ambiguous) -> 1: the urgent ticket; 2: the words routed as an ordinary message
      tickets.urgent:ask_location (an urgent ticket opened without a place)

Every reply starts with the safety text for the situation (safety.py) and the
emergency numbers (119 / 120 / 110, the gas company's line from
``emergency.gas_company_phone`` for gas). Then the detector's level decides:

STRONG     an urgent ticket in the same request, with the place if the message or
           the resident's home says it (else the place is asked afterwards, never
           before the safety text). The grid member, the community staff and the
           category's department are alerted at once, and each alert must be
           acknowledged (acknowledge.py). "已通知…" names only those whose push was queued.
AMBIGUOUS  "现在是否正在发生危险？回复 1 是 / 2 否" (also a one-tap menu on the Official
           Account), kept as an UrgentCheck. 1 (是/对/正在) → as STRONG; 2 (否/没有/不是)
           → the original words are routed without the urgent detector; a message that
           is clearly something else is handled as what it is and the question stays
           open; unanswered for ``tickets.urgent_confirm_minutes`` the sweep
           (``sweep_urgent_checks``) opens the urgent ticket if the words were strong
           (是不是着火了) and lets the question go if they were weak (有点焦味).

An urgent ticket is always its own, or joins an open urgent ticket of the same
category and place from the last ``tickets.urgent_join_minutes``
(service.find_duplicate); the same person saying it again is told where it stands.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.config import Config
from bot.delivery.outbox import Outbox
from bot.dialog.capability import Ctx
from bot.dialog.conversation import clear_state, load_state, save_state
from bot.dialog.message import IncomingMessage, Reply
from handlers.community import people, places
from handlers.tickets import acknowledge, escalation, locating, media, service, several, texts
from handlers.tickets.capability import cap
from handlers.tickets.chat import (
    WAITING_FOR_PLACE,
    ask_waiting_again,
    file_further,
    home_estate,
    place_from,
    remember_phone,
)
from handlers.tickets.safety import safety_text
from handlers.tickets.states import Flow
from models import (
    OPEN_STATUSES,
    Person,
    Ticket,
    TicketEvent,
    TicketReporter,
    UrgentCheck,
    UrgentCheckStatus,
)
from nlp.lexicon.location_hints import PLACE_HINT_CHARS

log = logging.getLogger(__name__)

STRONG, AMBIGUOUS = "strong", "ambiguous"
YES, NO = "yes", "no"
MENU_IDS = {"urgent_yes": "1", "urgent_no": "2"}
_ANSWER_NOISE = " \t\n，,。.！!？?、；;：:~～"


@dataclass(frozen=True)
class Danger:
    """What the detector found: the ticket category, the situation and frame (for the safety text), how sure."""

    category: str
    situation: str = ""
    frame: str = ""
    level: str = STRONG
    strong_words: bool = True


def danger_of(ctx: Ctx) -> Danger:
    """The urgent match's category, situation, frame and level (rule.params, from nlp.urgent)."""
    match = ctx.match
    if match is None:
        return Danger("public_facilities")
    params: dict[str, Any] = dict(match.slots.get("params") or match.rule.params or {})
    level = str(params.get("level") or STRONG)
    assessment = getattr(match, "assessment", None)
    strong_words = assessment.strong_words if assessment is not None else level == STRONG
    return Danger(match.category or "public_facilities", str(params.get("situation") or ""),
                  str(params.get("frame") or ""), level, strong_words)


# -- the fast path ------------------------------------------------------------------------------


@cap.intent("tickets.urgent")
def report_emergency(ctx: Ctx) -> Reply:
    """Act at once on a clear emergency; show the safety text and ask about an unclear one."""
    danger = danger_of(ctx)
    log.warning("urgent message level=%s situation=%s category=%s channel=%s", danger.level, danger.situation,
                danger.category, ctx.msg.channel)
    if ctx.state == Flow.URGENT_CONFIRM and confirm_answer(ctx.msg.text) is not None:
        return answer_confirmation(ctx)  # "是，有烟" answers the question it was asked
    if ctx.state == Flow.URGENT_ASK_LOCATION and _names_a_place(ctx) and _asked_ticket_category(ctx) == danger.category:
        return answer_urgent_location(ctx)  # "3栋2单元，味道很大" answers where
    person = people.person_for(ctx.db, ctx.msg, ctx.now)
    remember_phone(ctx, person)
    found = place_from(ctx, person)
    place = found if isinstance(found, places.Place) else places.Place(label="")
    if danger.level != STRONG:
        return ask_confirmation(ctx, danger, person, place)
    description = ctx.msg.text
    check = _open_check(ctx, danger.category)
    if check is not None and not _claim_check(ctx.db, check, UrgentCheckStatus.CONFIRMED, ctx.now):
        check = None  # the sweep settled it a moment ago
    if check is not None:  # the question asked a moment ago is answered by a clearer message
        description = texts.TICKET_DESCRIPTION_WITH_DETAIL.format(description=check.text, note=ctx.msg.text)
        place = place if place.label else place_of(ctx.db, check.place)
    reply = _with_further(ctx, person, open_urgent_reply(ctx, danger, person, description, place, check), place)
    if ctx.state in WAITING_FOR_PLACE:  # an ordinary report waits for its place: asked again, never dropped
        return ask_waiting_again(ctx, reply)  # (while the urgent one's place is asked, its data rides along)
    return reply


def _with_further(ctx: Ctx, person: Person, reply: Reply, place: places.Place, category: str | None = None,
                  said: str | None = None) -> Reply:
    """An ordinary problem said with the urgent one ("…被困了，还有楼道灯也不亮") is its own ticket.

    The urgent ticket and its alerts are made first, untouched; the ordinary ones are filed at the same
    place, or kept until the place is answered (answer_urgent_location). ``said``: the words that told the
    danger when they are not this message (the "1" confirming an unclear one)."""
    msg = ctx.msg
    if said is not None:
        ctx.msg = replace(msg, text=said)
    further = several.further_complaints(ctx, category or danger_of(ctx).category)
    ctx.msg = msg
    if not further:
        return reply
    if place.label and reply.next is None:
        return replace(reply, text="\n\n".join([reply.text or "", *file_further(ctx, person, further, place)]))
    names = texts.CATEGORY_JOINER.join(service.category_name(ctx.db, f["category"]) for f in further)
    noted = texts.URGENT_FURTHER_NOTED.format(categories=names)
    if reply.next == Flow.URGENT_ASK_LOCATION:
        return replace(reply, text=f"{reply.text}\n\n{noted}", data={**(reply.data or {}), FURTHER: further})
    if reply.next is None:  # no place for them yet: asked as an ordinary report is (chat.report_problem)
        first, *rest = further
        ask = texts.TICKET_ASK_PLACE_FOR.format(categories=names)
        data = {**first, "tries": 0, "media": [], "queue": rest}
        return replace(reply, text=f"{reply.text}\n\n{ask}", next=Flow.ASK_LOCATION, data=data, end=False)
    return replace(reply, text=f"{reply.text}\n\n{noted}")


FURTHER = "further"  # ordinary complaints said with the urgent one, filed once its place is known


def _names_a_place(ctx: Ctx) -> bool:
    return bool(ctx.understanding and ctx.understanding.entities.address)


def _asked_ticket_category(ctx: Ctx) -> str | None:
    ticket = service.ticket_by_number(ctx.db, str(ctx.data.get("ticket", "")))
    return ticket.category if ticket is not None else None


def _open_check(ctx: Ctx, category: str) -> UrgentCheck | None:
    """The user's pending question about the same kind of danger, if the open step is that question."""
    if ctx.state != Flow.URGENT_CONFIRM:
        return None
    check = ctx.db.get(UrgentCheck, int(ctx.data.get("check") or 0))
    if check is None or check.status != UrgentCheckStatus.PENDING or check.category != category:
        return None
    return check


def open_urgent_reply(ctx: Ctx, danger: Danger, person: Person, description: str, place: places.Place,
                      check: UrgentCheck | None = None) -> Reply:
    """Open (or join) the urgent ticket and say so: safety text, numbers, the ticket, who was really told."""
    instructions, numbers = safety_text(ctx.config, danger.situation, danger.category, danger.frame)
    own = own_recent_ticket(ctx.db, ctx.config, person, danger.category, ctx.now)
    if own is not None:  # the same person saying it again: no second alert, where it stands instead
        if check is not None:
            check.ticket_id = own.id
        status = acknowledge.status_line(ctx.db, own, alert_handlers(ctx.db, own))
        text = texts.URGENT_REPEAT.format(instructions=instructions, numbers=numbers, number=own.number,
                                          status=status)
        if not own.location:
            return Reply(text + texts.URGENT_CONFIRM_TIMEOUT_ASK_LOCATION, next=Flow.URGENT_ASK_LOCATION,
                         data={"ticket": own.number})
        return Reply(text, end=True)
    opened = open_urgent(ctx.db, ctx.outbox, ctx.config, ctx.now, person=person, msg=ctx.msg,
                         category=danger.category, description=description, place=place)
    ticket = opened.ticket
    if check is not None:
        check.ticket_id = ticket.id
    if opened.joined:
        status = acknowledge.status_line(ctx.db, ticket, alert_handlers(ctx.db, ticket))
        return Reply(texts.URGENT_JOINED.format(instructions=instructions, numbers=numbers, number=ticket.number,
                                                location=ticket.location, status=status), end=True)
    notified = notified_text(opened.handlers)
    if not place.label:
        return Reply(texts.URGENT_CREATED_ASK_LOCATION.format(
            instructions=instructions, numbers=numbers, number=ticket.number, notified=notified),
            next=Flow.URGENT_ASK_LOCATION, data={"ticket": ticket.number})
    return Reply(texts.URGENT_CREATED.format(
        instructions=instructions, numbers=numbers, number=ticket.number, location=ticket.location,
        notified=notified, due=service.local(ticket.accept_due_at or ctx.now, ctx.config.tz)), end=True)


@dataclass(frozen=True)
class Opened:
    ticket: Ticket
    joined: bool  # joined a neighbour's urgent ticket (its alert went out before)
    handlers: str  # who this report's alert reached, in words ("网格员、社区值班人员和物业"); "" if nobody


def open_urgent(db: Session, outbox: Outbox, config: Config, now: datetime, *, person: Person,
                msg: IncomingMessage, category: str, description: str, place: places.Place) -> Opened:
    """The urgent ticket (or the urgent one it joins) and, for a new one, the alert to everyone."""
    outcome = service.report(db, outbox, config, person=person, msg=msg, category=category,
                             description=description, place=place, now=now, urgent=True)
    if outcome.joined or outcome.repeat:
        return Opened(outcome.ticket, True, "")
    return Opened(outcome.ticket, False, alert_everyone(db, outbox, config, now, outcome.ticket))


def own_recent_ticket(db: Session, config: Config, person: Person, category: str, now: datetime) -> Ticket | None:
    """This person's open urgent ticket of the category from the join window (they are saying it again)."""
    window = config.tickets.urgent_join_minutes
    if window <= 0:
        return None
    return db.scalar(
        select(Ticket).join(TicketReporter, TicketReporter.ticket_id == Ticket.id)
        .where(TicketReporter.person_id == person.id, Ticket.urgent.is_(True), Ticket.category == category,
               Ticket.status.in_(OPEN_STATUSES), Ticket.created_at >= now - timedelta(minutes=window))
        .order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(1))


def alert_everyone(db: Session, outbox: Outbox, config: Config, now: datetime, ticket: Ticket) -> str:
    """Member (already pushed by assignment), community staff and the department, in this transaction.

    Every push really queued becomes an alert that must be acknowledged. When none
    of them can be reached, the street office and the next person are alerted at
    once instead. Returns who was actually told, in words for the resident
    ("网格员、社区值班人员和物业"), or "" when nobody was.
    """
    reporter = db.get(Person, ticket.reporter_id)
    department = escalation.owning_department(db, ticket)
    staff_ids = [p for p in service.staff_of(db, ticket.community_id) if p != ticket.assignee_id]
    contacts = service.staff_of(db, None, department_id=department.id) if department is not None else []
    department_ids = [p for p in contacts if p != ticket.assignee_id and p not in staff_ids]
    if department is not None and any(service.reach(db, config, p) for p in contacts):
        ticket.department_id = department.id  # alerted and asked to respond: the ticket is theirs too
    event = service.add_event(db, ticket, "urgent_alert", now, notified=staff_ids + department_ids)
    text = texts.URGENT_ALERT.format(
        number=ticket.number, category=service.category_name(db, ticket.category),
        location=ticket.location or texts.URGENT_LOCATION_ASKING, description=people.mask_phones_in(ticket.description),
        reporter=people.display_name(reporter), phone=people.mask_phone(reporter.phone if reporter else None),
        due=service.local(ticket.accept_due_at or now, config.tz))
    key = f"ticket:{ticket.number}:event:{event.id}"
    alerted: dict[int, str] = {}
    member_told = ticket.assignee_id is not None and service.reach(db, config, ticket.assignee_id) is not None
    if member_told and ticket.assignee_id is not None:
        alerted[ticket.assignee_id] = acknowledge.DEPARTMENT if ticket.assignee_id in contacts else acknowledge.MEMBER
    alerted |= {p: acknowledge.STAFF for p in staff_ids
                if service.push(db, outbox, config, p, "ticket_urgent", text, key=key)}
    alerted |= {p: acknowledge.DEPARTMENT for p in department_ids
                if service.push(db, outbox, config, p, "ticket_urgent", text, key=key)}
    told_department = department is not None and any(r == acknowledge.DEPARTMENT for r in alerted.values())
    parts = [w for w, told in ((texts.URGENT_WHO_MEMBER, member_told and ticket.assignee_id not in contacts),
                               (texts.URGENT_WHO_STAFF, acknowledge.STAFF in alerted.values()),
                               (department.name if department is not None else "", told_department)) if told]
    if not alerted:  # nobody of the usual three can be reached: the street and the next person, now
        more = acknowledge.further_people(db, config, ticket, set())
        alerted |= {p: rung for p, rung in more.items()
                    if service.push(db, outbox, config, p, "ticket_urgent", text, key=key)}
        parts = [acknowledge.joined_titles(db, list(alerted))] if alerted else []
    acknowledge.start(db, config, ticket, alerted, now)
    handlers = join_words(parts)
    event.note = handlers
    event.data = {**(event.data or {}), "handlers": handlers, "alerted": sorted(alerted)}
    return handlers


def join_words(parts: list[str]) -> str:
    """"网格员、社区值班人员和物业" from the parts; empty when there are none."""
    parts = [p for p in parts if p]
    if len(parts) <= 1:
        return "".join(parts)
    return texts.URGENT_WHO_LAST.format(first=texts.LIST_SEPARATOR.join(parts[:-1]), last=parts[-1])


def notified_text(handlers: str) -> str:
    return texts.URGENT_NOTIFIED.format(handlers=handlers) if handlers else texts.URGENT_NOTIFIED_NOBODY


def alert_handlers(db: Session, ticket: Ticket) -> str:
    """Who the ticket's urgent alert reached, in words (for a neighbour joining it)."""
    row = db.scalar(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id,
                                              TicketEvent.kind == "urgent_alert").order_by(TicketEvent.id))
    return str((row.data or {}).get("handlers", "")) if row else ""


# -- asking when unsure ---------------------------------------------------------------------------


def confirm_answer(text: str | None) -> str | None:
    """YES, NO or None: "1", "是", "对", "正在" / "2", "否", "没有", "不是"; a menu tap; "是，有烟"."""
    folded = (text or "").strip()
    whole = "".join(ch for ch in folded if ch not in _ANSWER_NOISE)
    if whole in texts.URGENT_CONFIRM_WORDS:
        return texts.URGENT_CONFIRM_WORDS[whole]
    head = folded
    for i, ch in enumerate(folded):
        if ch in _ANSWER_NOISE:
            head = folded[:i]
            break
    return texts.URGENT_CONFIRM_WORDS.get(head.strip()) if head != folded else None


def is_bare_answer(text: str | None) -> bool:
    """Only "1" / "是" / a menu option, nothing more to add to the report."""
    return "".join(ch for ch in (text or "") if ch not in _ANSWER_NOISE) in texts.URGENT_CONFIRM_WORDS


def ask_confirmation(ctx: Ctx, danger: Danger, person: Person, place: places.Place) -> Reply:
    """Show the safety text now and ask whether it is happening; the question is kept until answered or swept."""
    strong = danger.strong_words
    text = ctx.msg.text
    for older in pending_checks(ctx.db, ctx.msg.channel, ctx.msg.user_id):
        if older.category == danger.category:  # the same worry said again: one question, the words together
            older.status = UrgentCheckStatus.SUPERSEDED
            strong = strong or older.strong_words
            text = texts.TICKET_DESCRIPTION_WITH_DETAIL.format(description=older.text, note=text)
            place = place if place.label else place_of(ctx.db, older.place)
    minutes = ctx.config.tickets.urgent_confirm_minutes
    check = UrgentCheck(channel=ctx.msg.channel, account=ctx.msg.account, user_id=ctx.msg.user_id,
                        person_id=person.id, text=text, situation=danger.situation, frame=danger.frame,
                        category=danger.category, strong_words=strong, place=place_data(place),
                        status=UrgentCheckStatus.PENDING, asked_at=ctx.now,
                        due_at=ctx.now + timedelta(minutes=minutes))
    ctx.db.add(check)
    ctx.db.flush()
    instructions, numbers = safety_text(ctx.config, danger.situation, danger.category, danger.frame)
    reply = texts.URGENT_CONFIRM_ASK.format(instructions=instructions, numbers=numbers)
    if strong:
        reply += texts.URGENT_CONFIRM_WILL_ESCALATE.format(minutes=_minutes(minutes))
    if ctx.msg.channel == "official_account":  # one tap, in the 48-hour window the resident's message opened
        ctx.outbox.enqueue(channel=ctx.msg.channel, account=ctx.msg.account, recipient=ctx.msg.user_id,
                           kind="urgent_confirm", key=f"urgent_check:{check.id}:menu", payload=_menu())
    return Reply(reply, next=Flow.URGENT_CONFIRM, data={"check": check.id, "text": text, "situation": danger.situation,
                                                         "strong_words": strong})


def _menu() -> dict[str, object]:
    question = texts.URGENT_CONFIRM_QUESTION
    return {
        "msgtype": "msgmenu",
        "head_content": question,
        "list": [{"id": menu_id, "content": texts.URGENT_CONFIRM_OPTIONS[n]} for menu_id, n in MENU_IDS.items()],
        "tail_content": texts.URGENT_CONFIRM_TAIL,
        "text": question,
        "template_data": {"first": {"value": question}, "remark": {"value": texts.URGENT_CONFIRM_TEMPLATE_REMARK}},
    }


def _minutes(value: float) -> str:
    return f"{value:g}"


def pending_checks(db: Session, channel: str, user_id: str) -> list[UrgentCheck]:
    return list(db.scalars(select(UrgentCheck).where(
        UrgentCheck.channel == channel, UrgentCheck.user_id == user_id,
        UrgentCheck.status == UrgentCheckStatus.PENDING).order_by(UrgentCheck.id)))


def place_data(place: places.Place) -> dict[str, Any]:
    return places.as_data(place)


def place_of(db: Session, data: dict[str, Any] | None) -> places.Place:
    """The place kept with an urgent check; only its words when the building or estate is unknown."""
    data = data or {}
    return places.from_data(db, data) or places.Place(label=str(data.get("label") or ""))


@cap.state(Flow.URGENT_CONFIRM)
def answer_confirmation(ctx: Ctx) -> Reply:
    """1 → the urgent ticket; 2 → the words as an ordinary message; anything else is handled as what it is."""
    check = ctx.db.get(UrgentCheck, int(ctx.data.get("check") or 0))
    answer = confirm_answer(ctx.msg.text)
    if check is None:
        return Reply.pass_on()
    if answer is None:
        return something_else(ctx, check)
    outcome = UrgentCheckStatus.CONFIRMED if answer == YES else UrgentCheckStatus.DENIED
    if check.status != UrgentCheckStatus.PENDING or not _claim_check(ctx.db, check, outcome, ctx.now):
        ctx.db.refresh(check)
        return _late_answer(ctx, check, answer)  # the sweep acted (or another answer came) first
    person = people.person_for(ctx.db, ctx.msg, ctx.now)
    if answer == YES:
        danger = Danger(check.category, check.situation, check.frame, STRONG, check.strong_words)
        description = check.text
        if not is_bare_answer(ctx.msg.text):  # "是，烟越来越大了": the words belong to the report
            description = texts.TICKET_DESCRIPTION_WITH_DETAIL.format(description=check.text, note=ctx.msg.text)
        place = place_of(ctx.db, check.place)
        reply = open_urgent_reply(ctx, danger, person, description, place, check)
        return ask_waiting_again(ctx, _with_further(ctx, person, reply, place, check.category, check.text))
    log.info("urgent check %s: the resident says there is no danger now", check.id)
    return route_as_ordinary(ctx, check.text)


def _claim_check(db: Session, check: UrgentCheck, outcome: str, now: datetime) -> bool:
    """Settle a pending question once: an answer and the sweep may race; the first conditional UPDATE wins."""
    claimed = db.execute(
        update(UrgentCheck).where(UrgentCheck.id == check.id, UrgentCheck.status == UrgentCheckStatus.PENDING)
        .values(status=outcome, answered_at=now).execution_options(synchronize_session=False)
    ).rowcount == 1
    if claimed:
        check.status, check.answered_at = outcome, now
    return claimed


def something_else(ctx: Ctx, check: UrgentCheck) -> Reply:
    """Not an answer: a clear other message is handled (the question stays open); an unclear one is asked again."""
    understanding = ctx.understanding
    match = understanding.match if understanding is not None else None
    address = understanding.entities.address if understanding is not None else None
    if not ctx.msg.text or match is None or (address is not None and match.intent == "profile.set_address"):
        _, numbers = safety_text(ctx.config, check.situation, check.category, check.frame)
        again = texts.URGENT_CONFIRM_AGAIN.format(numbers=numbers)
        if ctx.msg.kind == "location" and ctx.msg.location is not None:  # a pin: where it is
            label = ctx.msg.location.label or texts.LOCATION_PIN_UNNAMED
            check.place = {**(check.place or {}), "label": label}
            return Reply(texts.URGENT_CONFIRM_PLACE_NOTED.format(location=label) + again)
        if not ctx.msg.text:
            return Reply(again)  # a photo or a voice without words: the question first
        if address is not None:  # "3栋2单元502": where it is; kept for the ticket, the question stands
            person = people.person_for(ctx.db, ctx.msg, ctx.now)
            place = places.resolve(ctx.db, address, home_estate(ctx, person))
            if isinstance(place, places.Place):
                check.place = place_data(place)
                return Reply(texts.URGENT_CONFIRM_PLACE_NOTED.format(location=place.label) + again)
        return Reply(again)
    registry = ctx.services.registry
    handler = registry.intents.get(match.intent)
    if handler is None:
        return Reply.pass_on()
    ctx.state, ctx.data, ctx.match = None, {}, match  # as if no question were open; its end must not clear ours
    reply = handler(ctx)
    still = load_state(ctx.db, ctx.msg.channel, ctx.msg.user_id, ctx.now)
    if reply.next is None and reply.text and still is not None and still.state == Flow.URGENT_CONFIRM:
        return replace(reply, text=f"{reply.text}\n\n{texts.URGENT_CONFIRM_STILL_OPEN}")
    return reply


def route_as_ordinary(ctx: Ctx, text: str) -> Reply:
    """Route the original words as the resident meant them (no urgent detector), after "2 否"."""
    clear_state(ctx.db, ctx.msg.channel, ctx.msg.user_id)
    ctx.state, ctx.data = None, {}
    nlp = ctx.services.nlp
    understanding = nlp.understand(text, urgent=False) if nlp is not None else None
    match = understanding.match if understanding is not None else None
    if match is None or match.intent == "tickets.urgent":
        return Reply(texts.URGENT_CONFIRM_NO_NOTHING, end=True)
    ctx.msg = replace(ctx.msg, text=text)
    ctx.understanding, ctx.match = understanding, match
    handler = ctx.services.registry.intents.get(match.intent)
    if handler is None:
        what = texts.INTENT_DESCRIPTIONS.get(match.intent, texts.INTENT_FALLBACK_DESCRIPTION)
        return Reply(texts.URGENT_CONFIRM_NO + texts.NOT_AVAILABLE_YET.format(what=what), end=True)
    reply = handler(ctx)
    return replace(reply, text=texts.URGENT_CONFIRM_NO + reply.text) if reply.text else reply


def _late_answer(ctx: Ctx, check: UrgentCheck, answer: str) -> Reply:
    """An answer after the sweep acted (or the question was replaced)."""
    ticket = ctx.db.get(Ticket, check.ticket_id) if check.ticket_id else None
    if ticket is None:
        if answer == YES:  # asked again and confirmed now: act as on time
            check.status, check.answered_at = UrgentCheckStatus.CONFIRMED, ctx.now
            person = people.person_for(ctx.db, ctx.msg, ctx.now)
            danger = Danger(check.category, check.situation, check.frame, STRONG, check.strong_words)
            return open_urgent_reply(ctx, danger, person, check.text, place_of(ctx.db, check.place), check)
        return Reply(texts.URGENT_CONFIRM_NO_NOTHING, end=True)
    if answer == YES:
        status = acknowledge.status_line(ctx.db, ticket, alert_handlers(ctx.db, ticket))
        return Reply(texts.URGENT_CONFIRM_LATE_YES.format(number=ticket.number, status=status), end=True)
    person = people.person_for(ctx.db, ctx.msg, ctx.now)
    event = service.add_event(ctx.db, ticket, "no_danger", ctx.now, person, note=ctx.msg.text)
    for alert in acknowledge.alerts_of(ctx.db, ticket):
        service.push(ctx.db, ctx.outbox, ctx.config, alert.person_id, "ticket_urgent",
                     texts.URGENT_TASK_NO_DANGER.format(number=ticket.number),
                     key=f"ticket:{ticket.number}:event:{event.id}")
    return Reply(texts.URGENT_CONFIRM_LATE_NO.format(number=ticket.number), end=True)


# -- the sweep: questions nobody answered ----------------------------------------------------------


def sweep_urgent_checks(db: Session, outbox: Outbox, now: datetime, config: Config) -> int:
    """Unanswered questions past ``tickets.urgent_confirm_minutes``: strong words escalate, weak ones drop."""
    query = (select(UrgentCheck).where(UrgentCheck.status == UrgentCheckStatus.PENDING, UrgentCheck.due_at <= now)
             .order_by(UrgentCheck.id))
    if db.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    steps = 0
    for check in db.scalars(query).all():
        outcome = UrgentCheckStatus.ESCALATED if check.strong_words else UrgentCheckStatus.EXPIRED
        claimed = db.execute(
            update(UrgentCheck).where(UrgentCheck.id == check.id, UrgentCheck.status == UrgentCheckStatus.PENDING)
            .values(status=outcome).execution_options(synchronize_session=False)
        ).rowcount == 1
        if not claimed:
            continue  # answered, or another sweep took it, meanwhile
        check.status = outcome
        state = load_state(db, check.channel, check.user_id, now)
        asked_here = state is not None and state.state == Flow.URGENT_CONFIRM and state.data.get("check") == check.id
        if asked_here:
            clear_state(db, check.channel, check.user_id)
        if outcome == UrgentCheckStatus.ESCALATED:
            escalate_unanswered(db, outbox, config, check, now)
        else:
            log.info("urgent check %s: no answer in time, weak words: dropped", check.id)
        steps += 1
    return steps


def escalate_unanswered(db: Session, outbox: Outbox, config: Config, check: UrgentCheck, now: datetime) -> None:
    """Open the urgent ticket for a strong-worded question nobody answered, and tell the resident so."""
    msg = IncomingMessage(channel=check.channel, account=check.account, user_id=check.user_id, kind="text",
                          dedupe_key=f"urgent_check:{check.id}", text=check.text)
    person = db.get(Person, check.person_id) if check.person_id else None
    person = person or people.person_for(db, msg, now)
    place = place_of(db, check.place)
    minutes = _minutes(config.tickets.urgent_confirm_minutes)
    instructions, numbers = safety_text(config, check.situation, check.category, check.frame)
    own = own_recent_ticket(db, config, person, check.category, now)
    if own is not None:
        check.ticket_id = own.id
        log.warning("urgent check %s: unanswered, strong words; the resident's ticket %s is already open",
                    check.id, own.number)
        return
    opened = open_urgent(db, outbox, config, now, person=person, msg=msg, category=check.category,
                         description=check.text, place=place)
    ticket = opened.ticket
    check.ticket_id = ticket.id
    log.warning("urgent check %s: unanswered in %s min, strong words: urgent ticket %s", check.id, minutes,
                ticket.number)
    notified = notified_text(opened.handlers) if not opened.joined else acknowledge.status_line(
        db, ticket, alert_handlers(db, ticket))
    text = texts.URGENT_CONFIRM_TIMEOUT.format(text=check.text, minutes=minutes, number=ticket.number,
                                               notified=notified, instructions=instructions, numbers=numbers)
    if not ticket.location:
        text += texts.URGENT_CONFIRM_TIMEOUT_ASK_LOCATION
        save_state(db, check.channel, check.user_id, Flow.URGENT_ASK_LOCATION, {"ticket": ticket.number}, now)
    outbox.text(channel=check.channel, account=check.account, recipient=check.user_id, kind="ticket_update",
                text=text, key=f"urgent_check:{check.id}:escalated")


# -- the place, given after an urgent ticket was opened --------------------------------------------


@cap.state(Flow.URGENT_ASK_LOCATION)
def answer_urgent_location(ctx: Ctx) -> Reply:
    """Add the place to the urgent ticket, bring in the grid member it now has, tell everyone alerted."""
    ticket = service.ticket_by_number(ctx.db, ctx.data.get("ticket", ""))
    if ticket is None:
        return Reply(texts.TICKET_NONE_OPEN, end=True)
    person = people.person_for(ctx.db, ctx.msg, ctx.now)
    if ctx.msg.kind == "location" and ctx.msg.location is not None:
        label = ctx.msg.location.label or texts.LOCATION_PIN_UNNAMED
        media.attach(ctx.db, ticket, ctx.msg, person, ctx.now)
    else:
        address = ctx.understanding.entities.address if ctx.understanding else None
        text = (ctx.msg.text or "").strip()
        # A building, or a place in the estate that is no building ("东门保安室那", "地下车库入口").
        words = ctx.understanding.text if ctx.understanding is not None else text
        estate_id = home_estate(ctx, person)
        place = places.locate(ctx.db, words, address, estate_id, free_text=True) if text else None
        if place is not None and ticket.building_id is None:
            place = locating.completed_by_report(ctx, place, ticket.description or "", estate_id)
        if not isinstance(place, places.Place):
            if ctx.understanding is not None and ctx.understanding.match is not None:
                return Reply.pass_on()  # a report, a question, a command: not where the danger is
            if not any(char in PLACE_HINT_CHARS for char in text):
                return Reply(texts.TICKET_ASK_LOCATION.format(category=service.category_name(ctx.db, ticket.category)),
                             next=Flow.URGENT_ASK_LOCATION)  # "1", "好的": still ask where
        label = place.label if isinstance(place, places.Place) else text
        if isinstance(place, places.Place) and place.building is not None and ticket.building_id is None:
            ticket.building_id, ticket.unit, ticket.room = place.building.id, place.unit, place.room
            ticket.grid_id = ticket.grid_id or place.grid_id
        elif isinstance(place, places.Place) and place.estate_level and ticket.building_id is None:
            ticket.estate_id, ticket.place_id = place.estate.id if place.estate else None, place.place_id
            ticket.grid_id = ticket.grid_id or place.grid_id
    if not label:
        return Reply(texts.TICKET_ASK_LOCATION.format(category=service.category_name(ctx.db, ticket.category)),
                     next=Flow.URGENT_ASK_LOCATION)
    ticket.location = label
    note = texts.EVENT_NOTE_LOCATION.format(label=label)
    event = service.add_event(ctx.db, ticket, "detail", ctx.now, person, note=note)
    member_told = False
    if ticket.assignee_id is None and service.on_duty_member(ctx.db, ticket.grid_id) is not None:
        member = service.assign(ctx.db, ctx.outbox, ctx.config, ticket, ctx.now)  # the task, place included
        member_told = member is not None and service.reach(ctx.db, ctx.config, member.id) is not None
        if member_told and member is not None:
            acknowledge.record_alert(ctx.db, ticket, member.id, acknowledge.MEMBER, ctx.now, ticket.ack_round)
    alerted = {a.person_id for a in acknowledge.alerts_of(ctx.db, ticket)}
    if member_told:
        alerted.discard(ticket.assignee_id)
    text = texts.TICKET_TASK_DETAIL.format(number=ticket.number, note=note)
    told = {person_id for person_id in sorted(alerted)
            if service.push(ctx.db, ctx.outbox, ctx.config, person_id, "ticket_urgent", text,
                            key=f"ticket:{ticket.number}:event:{event.id}")}
    department = escalation.owning_department(ctx.db, ticket)
    contacts = set(service.staff_of(ctx.db, None, department_id=department.id)) if department else set()
    staff = set(service.staff_of(ctx.db, ticket.community_id))
    street = set(acknowledge.street_people(ctx.db, ctx.config)) - contacts
    members = {p for p in told - contacts - staff - street if acknowledge.is_member(ctx.db, p)}
    handlers = join_words([w for w, yes in ((texts.URGENT_WHO_MEMBER, member_told or bool(members)),
                                            (texts.URGENT_WHO_STAFF, bool(told & staff)),
                                            (department.name if department else "", bool(told & contacts)),
                                            (texts.ACK_RUNG_WORDS["street"], bool(told & street))) if yes])
    if not handlers:
        text = texts.URGENT_LOCATION_SAVED_NOBODY.format(location=label, number=ticket.number)
    else:
        text = texts.URGENT_LOCATION_SAVED.format(location=label, number=ticket.number, handlers=handlers)
    further = list(ctx.data.get(FURTHER) or [])
    if further:
        where = place if ctx.msg.kind != "location" and isinstance(place, places.Place) else places.Place(label=label)
        text = "\n\n".join([text, *file_further(ctx, person, further, where)])
    return ask_waiting_again(ctx, Reply(text, end=True))  # an ordinary report said before it still waits
