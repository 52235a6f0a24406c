"""Grid members' and staff's commands in chat (binding their identity is the community capability's).

Intents: members.accept, members.progress, members.complete, members.transfer,
         members.return, members.tasks, members.detail, members.phone, members.report_in, members.wait,
         members.acknowledge, members.close

Commands (the rules in data/rules/members.yaml route them here; the command table
below then reads them strictly, the command word first):
    接单 T…            处理中 T… 说明       完成 T… 说明 (photos may follow)
    转派 T… 姓名或部门  退回 T… 原因         我的任务      详情 T…      电话 T…
    报到 T… (a department takes an escalated ticket)   待补充 T… 问题 (ask the resident; deadlines pause)
    收到 T… (an urgent alert is in someone's hands; 接单, 处理中, 完成 and 报到 count too, acknowledge.py)
    关闭 T… 原因 (staff only: a false alarm or nothing to do; a grid member sends it back with 退回 instead)
The ticket number may be left out when the member has exactly one open ticket.
A worker who says a ticket is not theirs ("这个单子不归我管") is shown the 退回 command with it.
Only bound members and staff may use them, and only on tickets of their grids,
their department or transferred to them, and on urgent tickets whose alert reached them; anyone
else is refused and nothing changes.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from bot.dialog.capability import Ctx
from bot.dialog.message import Reply
from handlers.community import people
from handlers.tickets import acknowledge, escalation, service, texts
from handlers.tickets.capability import cap
from handlers.tickets.chat import list_my_tickets, open_attach_window
from handlers.tickets.states import Flow
from models import OPEN_STATUSES, Person, Ticket, TicketEvent, TicketMedia, TicketStatus
from nlp import lexicon

log = logging.getLogger(__name__)

# A ticket number, the leading T optional ("完成 20261203-0001" is read as T20261203-0001): _number_in rebuilds it.
_TICKET = re.compile(r"(?<![A-Za-z0-9])(?:[Tt]\s*)?(\d{8})\s*-\s*(\d{4,})(?!\d)")
_PUNCT = " ，,。.:：;；!！、\t\n"


@dataclass(frozen=True)
class Command:
    words: tuple[str, ...]
    needs_ticket: bool
    note: str = ""  # what the note is, when one is required (for the prompt)
    example: str = ""


COMMANDS: dict[str, Command] = {
    "members.accept": Command(lexicon.MEMBER_ACCEPT_WORDS, True),
    "members.progress": Command(lexicon.MEMBER_PROGRESS_WORDS, True, texts.MEMBER_NOTE_PROGRESS,
                                texts.MEMBER_EXAMPLE_PROGRESS),
    "members.complete": Command(lexicon.MEMBER_COMPLETE_WORDS, True, texts.MEMBER_NOTE_COMPLETE,
                                texts.MEMBER_EXAMPLE_COMPLETE),
    "members.transfer": Command(lexicon.MEMBER_TRANSFER_WORDS, True, texts.MEMBER_NOTE_TRANSFER,
                                texts.MEMBER_EXAMPLE_TRANSFER),
    "members.return": Command(lexicon.MEMBER_RETURN_WORDS, True, texts.MEMBER_NOTE_RETURN, texts.MEMBER_EXAMPLE_RETURN),
    "members.tasks": Command(lexicon.MEMBER_TASKS_WORDS, False),
    "members.detail": Command(lexicon.MEMBER_DETAIL_WORDS, True),
    "members.phone": Command(lexicon.MEMBER_PHONE_WORDS, True),
    "members.report_in": Command(lexicon.MEMBER_REPORT_IN_WORDS, True),
    "members.wait": Command(lexicon.MEMBER_WAIT_WORDS, True, texts.MEMBER_NOTE_WAIT, texts.MEMBER_EXAMPLE_WAIT),
    "members.acknowledge": Command(lexicon.MEMBER_ACK_WORDS, True),
    "members.close": Command(lexicon.MEMBER_CLOSE_WORDS, True, texts.MEMBER_NOTE_CLOSE, texts.MEMBER_EXAMPLE_CLOSE),
}
# Commands whose note the action asks for itself (完成 has a default; 关闭 first checks who is asking).
_NOTE_CHECKED_BY_ACTION = frozenset({"members.complete", "members.close"})
# Acting on an urgent ticket shows its alert reached someone: these acknowledge it too (silently: they
# tell the reporters themselves).
ACKNOWLEDGING = {"members.accept": "accept", "members.progress": "progress", "members.complete": "complete",
                 "members.report_in": "report_in"}


@dataclass(frozen=True)
class Parsed:
    number: str | None
    note: str


def parse(intent: str, text: str) -> Parsed:
    """The ticket number and the free text after the command word (whatever order they came in)."""
    body = text.strip()
    for word in sorted(COMMANDS[intent].words, key=len, reverse=True):
        if body.startswith(word):
            body = body[len(word):]
            break
    found = _TICKET.search(body)
    number = _number_in(found) if found else None
    if found:
        body = body[: found.start()] + " " + body[found.end():]
    return Parsed(number, body.strip(_PUNCT).strip())


def _number_in(found: re.Match[str]) -> str:
    """The ticket number as stored (T + date + - + sequence), however it was written."""
    return f"T{found.group(1)}-{found.group(2)}"


def _worker(ctx: Ctx) -> tuple[Person, people.Roles] | None:
    person = people.find_person(ctx.db, ctx.msg)
    roles = people.roles_of(ctx.db, person, ctx.config.tickets.street_department)
    if person is None or not roles.is_worker:
        return None
    return person, roles


def _ticket_for(ctx: Ctx, intent: str, person: Person, roles: people.Roles, parsed: Parsed) -> Ticket | Reply:
    if parsed.number is None:
        tasks = service.tasks_of(ctx.db, person.id)
        if len(tasks) == 1:
            return tasks[0]
        # Staff may name one from their community's queue too; a bare command never picks one from it.
        tasks += service.community_queue(ctx.db, roles.staff_communities)
        command = COMMANDS[intent].words[0]
        return Reply(texts.MEMBER_WHICH_TICKET.format(
            command=command, example=tasks[0].number if tasks else texts.MEMBER_EXAMPLE_NUMBER,
            numbers=texts.LIST_SEPARATOR.join(t.number for t in tasks) or texts.NONE))
    ticket = service.ticket_by_number(ctx.db, parsed.number)
    if ticket is None:
        return Reply(texts.TICKET_NOT_FOUND.format(number=parsed.number))
    if not roles.may_act_on(person.id, ticket) and not acknowledge.was_alerted(ctx.db, ticket, person.id):
        log.info("member %s refused on %s (not theirs)", person.id, ticket.number)
        return Reply(texts.MEMBER_NOT_YOURS.format(number=ticket.number))
    moved = _handed_on(ctx, person, roles, ticket) if intent in HOLDER_ACTIONS else None
    if moved is not None:
        log.info("member %s refused on %s (transferred away)", person.id, ticket.number)
        return moved
    return ticket


# What only the ticket's holder does: after 转派 the one who handed it on is told where it went instead.
HOLDER_ACTIONS = frozenset({"members.accept", "members.progress", "members.complete", "members.transfer",
                            "members.return", "members.wait", "members.report_in"})


def _handed_on(ctx: Ctx, person: Person, roles: people.Roles, ticket: Ticket) -> Reply | None:
    """The reply for a grid member who transferred the ticket away (staff of its community still act on it)."""
    if ticket.community_id is not None and ticket.community_id in roles.staff_communities:
        return None
    to = service.handed_on_to(ctx.db, ticket, person.id)
    return Reply(texts.MEMBER_TICKET_HANDED_ON.format(number=ticket.number, name=to)) if to is not None else None


Action = Callable[[Ctx, Person, Ticket, str], Reply]


def _command(intent: str, action: Action) -> None:
    @cap.intent(intent)
    def run(ctx: Ctx) -> Reply:
        worker = _worker(ctx)
        if worker is None:
            if not ctx.msg.text.strip().startswith(COMMANDS[intent].words):
                return list_my_tickets(ctx)  # "维修完成了吗": a resident asking, not a command
            return Reply(texts.MEMBER_ONLY)  # a stranger: nothing changes
        return _run(ctx, intent, action, worker, parse(intent, ctx.msg.text))

    run.__name__ = f"run_{intent.split('.')[1]}"


def _run(ctx: Ctx, intent: str, action: Action, worker: tuple[Person, people.Roles], parsed: Parsed) -> Reply:
    person, roles = worker
    command = COMMANDS[intent]
    if not command.needs_ticket:
        return action(ctx, person, None, parsed.note)  # type: ignore[arg-type]
    found = _ticket_for(ctx, intent, person, roles, parsed)
    if isinstance(found, Reply):
        return found
    if intent in _CHANGING and found.status == TicketStatus.CANCELLED:
        return _refuse_cancelled(ctx, found)
    if command.note and not parsed.note and intent not in _NOTE_CHECKED_BY_ACTION:
        return Reply(texts.MEMBER_NEED_NOTE.format(what=command.note, example=command.example))
    if intent in ACKNOWLEDGING and found.urgent and found.status in OPEN_STATUSES:
        acknowledge.acknowledge(ctx.db, ctx.outbox, ctx.config, found, person, ctx.now, via=ACKNOWLEDGING[intent],
                                notify=False)
    return action(ctx, person, found, parsed.note)


def progress_note(ctx: Ctx) -> Reply | None:
    """A worker's "进展 T… 说明" / "T… 进展 说明": recorded like "处理中 T… 说明". None when it is no note
    (a bare "T… 进展", a question, not a worker): the caller shows the status then.

    A worker's "T… 不归我管" is no note either: they are shown how to send it back (退回)."""
    found = _TICKET.search(ctx.msg.text or "")
    if found is None:
        return None
    rest = (ctx.msg.text[: found.start()] + " " + ctx.msg.text[found.end():]).strip(_PUNCT).strip()
    if _says_not_mine(rest):
        return _return_hint(ctx, _number_in(found))
    word = next((w for w in lexicon.MEMBER_STATUS_WORDS if rest.startswith(w)), None)
    note = rest[len(word):].strip(_PUNCT).strip() if word else ""
    if not note or any(cue in note for cue in lexicon.MEMBER_STATUS_QUESTION_CUES):
        return None
    worker = _worker(ctx)
    if worker is None:
        return None
    number = _number_in(found)
    return _run(ctx, "members.progress", record_progress, worker, Parsed(number, note))


@cap.intent("members.unmatched")
def hint_commands(ctx: Ctx) -> Reply:
    """A worker's ticket number with words no command understood ("T… 已修好了"): how to write the command.

    Asked by the fallback (handlers/help) only; nothing changes on the ticket until the worker says 完成.
    A ticket the worker may not act on is not theirs to finish: they hear only that someone else has it."""
    found = _TICKET.search(ctx.msg.text or "")
    if found is None:
        return _point_to_return(ctx)
    worker = _worker(ctx)
    if worker is None:
        return Reply.pass_on()
    number = _number_in(found)
    ticket = service.ticket_by_number(ctx.db, number)
    if ticket is None:
        return Reply(texts.TICKET_NOT_FOUND.format(number=number))
    person, roles = worker
    if not roles.may_act_on(person.id, ticket) and not acknowledge.was_alerted(ctx.db, ticket, person.id):
        log.info("member %s: no command hint on %s (not theirs)", person.id, ticket.number)
        return Reply(texts.MEMBER_HINT_NOT_YOURS.format(number=ticket.number))
    rest = (ctx.msg.text[: found.start()] + " " + ctx.msg.text[found.end():]).strip(_PUNCT).strip()
    command = _command_at_start(rest)
    if command is not None:  # "详情 20261203-0001": the rule wanted a T; the command is plain
        intent, word = command
        note = rest[len(word):].strip(_PUNCT).strip()
        return _run(ctx, intent, _ACTIONS[intent], worker, Parsed(number, note))
    moved = _handed_on(ctx, person, roles, ticket)  # the holder's hints are the new holder's now
    if moved is not None:
        return moved
    if _says_not_mine(rest):  # "T… 不归我管"
        return Reply(texts.MEMBER_NOT_MINE.format(number=number))
    return Reply(texts.MEMBER_COMMAND_HINT.format(number=number, note=rest or texts.MEMBER_HINT_NOTE))


def _says_not_mine(text: str) -> bool:
    return any(cue in text for cue in lexicon.MEMBER_NOT_MINE_CUES)


def _return_hint(ctx: Ctx, number: str) -> Reply | None:
    """How to send back ticket ``number`` (退回), for a worker who may act on it; None for anyone else."""
    worker = _worker(ctx)
    ticket = service.ticket_by_number(ctx.db, number) if worker is not None else None
    if worker is None or ticket is None or not worker[1].may_act_on(worker[0].id, ticket):
        return None
    return Reply(texts.MEMBER_NOT_MINE.format(number=number))


def _point_to_return(ctx: Ctx) -> Reply:
    """A worker's "这个单子不归我管" without a number: the 退回 command with their one open ticket, or with a
    number to pick from their tickets. Anyone else's words pass on; nothing changes on any ticket."""
    worker = _worker(ctx) if _says_not_mine(ctx.msg.text or "") else None
    if worker is None:
        return Reply.pass_on()
    tasks = service.tasks_of(ctx.db, worker[0].id)
    if not tasks:
        return Reply(texts.MEMBER_NOT_MINE_NONE)
    if len(tasks) == 1:
        return Reply(texts.MEMBER_NOT_MINE.format(number=tasks[0].number))
    return Reply(texts.MEMBER_NOT_MINE_WHICH.format(
        example=tasks[0].number if tasks else texts.MEMBER_EXAMPLE_NUMBER,
        numbers=texts.LIST_SEPARATOR.join(t.number for t in tasks) or texts.NONE))


def _command_at_start(text: str) -> tuple[str, str] | None:
    """(intent, word) of the ticket command ``text`` starts with, the longest word winning; None when none does."""
    found = [(word, intent) for intent, command in COMMANDS.items() if command.needs_ticket
             for word in command.words if text.startswith(word)]
    if not found:
        return None
    word, intent = max(found, key=lambda pair: len(pair[0]))
    return intent, word


# Commands that change a ticket: on a cancelled (or merged) one they are refused; 详情 and 电话 still read it.
_CHANGING = frozenset(COMMANDS) - {"members.tasks", "members.detail", "members.phone"}


def _refuse_cancelled(ctx: Ctx, ticket: Ticket) -> Reply:
    """A merged ticket names the one it went into; any other cancelled ticket just says so."""
    merged = ctx.db.scalar(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id,
                                                     TicketEvent.kind == "merged_into")
                           .order_by(TicketEvent.id.desc()).limit(1))
    into = (merged.data or {}).get("into") if merged is not None else None
    log.info("member command on cancelled ticket %s refused", ticket.number)
    if into:
        return Reply(texts.MEMBER_TICKET_MERGED.format(number=ticket.number, into=into))
    return Reply(texts.MEMBER_TICKET_CANCELLED.format(number=ticket.number))


def accept_ticket(ctx: Ctx, person: Person, ticket: Ticket, note: str) -> Reply:
    """接单: the member takes the ticket; reporters hear who has it."""
    status = texts.TICKET_STATUS_NAMES.get(ticket.status, ticket.status)
    if ticket.status in (TicketStatus.DONE, TicketStatus.CLOSED):
        return Reply(texts.MEMBER_ALREADY_DONE.format(number=ticket.number))
    if ticket.status in (TicketStatus.ACCEPTED, TicketStatus.IN_PROGRESS) and ticket.assignee_id == person.id:
        return Reply(texts.MEMBER_ALREADY_ACCEPTED.format(number=ticket.number, status=status))
    service.accept(ctx.db, ctx.outbox, ticket, person, ctx.now)
    return Reply(texts.MEMBER_ACCEPTED.format(number=ticket.number))


def record_progress(ctx: Ctx, person: Person, ticket: Ticket, note: str) -> Reply:
    """处理中: a progress note the reporters read as it is."""
    if ticket.status not in OPEN_STATUSES:
        return Reply(texts.MEMBER_ALREADY_DONE.format(number=ticket.number))
    service.progress(ctx.db, ctx.outbox, ticket, person, note, ctx.now)
    return Reply(texts.MEMBER_PROGRESS_SAVED.format(number=ticket.number))


def complete_ticket(ctx: Ctx, person: Person, ticket: Ticket, note: str) -> Reply:
    """完成: close the work; photos sent next attach to the ticket."""
    if ticket.status in (TicketStatus.DONE, TicketStatus.CLOSED):
        return Reply(texts.MEMBER_ALREADY_DONE.format(number=ticket.number))
    service.complete(ctx.db, ctx.outbox, ticket, person, note or texts.MEMBER_DONE_DEFAULT_NOTE, ctx.now)
    open_attach_window(ctx, ticket)
    return Reply(texts.MEMBER_DONE.format(number=ticket.number))


def transfer_ticket(ctx: Ctx, person: Person, ticket: Ticket, note: str) -> Reply:
    """转派: to another member (by name) or a department (by name or a category it owns)."""
    target_word, _, reason = note.partition(" ")
    target = service.find_transfer_target(ctx.db, ticket, target_word)
    if target is None:
        return Reply(texts.MEMBER_TRANSFER_UNKNOWN.format(target=target_word, number=ticket.number))
    _, name = service.transfer(ctx.db, ctx.outbox, ctx.config, ticket, person, target, reason.strip(), ctx.now)
    return Reply(texts.MEMBER_TRANSFERRED.format(number=ticket.number, name=name))


def _reason(note: str) -> str:
    """The reason itself: "原因：现场灯是好的" (the help text's word typed along) -> "现场灯是好的"."""
    return _REASON_LABEL.sub("", note, count=1).strip()


_REASON_LABEL = re.compile("^(?:" + "|".join(map(re.escape, texts.MEMBER_REASON_LABELS)) + ")[\\s" + re.escape(_PUNCT) + "]*")


def return_ticket(ctx: Ctx, person: Person, ticket: Ticket, note: str) -> Reply:
    """退回: back to the staff queue with a reason."""
    note = _reason(note)
    service.return_to_staff(ctx.db, ctx.outbox, ctx.config, ticket, person, note, ctx.now)
    return Reply(texts.MEMBER_RETURNED.format(number=ticket.number, note=note))


def list_tasks(ctx: Ctx, person: Person, ticket: Ticket | None, note: str) -> Reply:
    """我的任务: open tickets held by the member, urgent ones first, then oldest first; community staff also see
    their 社区待派 queue (in the same order)."""
    tasks = service.tasks_of(ctx.db, person.id)
    roles = people.roles_of(ctx.db, person, ctx.config.tickets.street_department)
    queue = service.community_queue(ctx.db, roles.staff_communities)
    if not tasks and not queue:
        return Reply(texts.MEMBER_NO_TASKS)
    lines = [texts.MEMBER_TASKS_HEAD.format(count=len(tasks)), *(_task_line(ctx, t) for t in tasks)] if tasks else []
    if queue:
        lines += [texts.MEMBER_QUEUE_HEAD.format(count=len(queue)), *(_task_line(ctx, t) for t in queue)]
    return Reply("\n".join(lines))


def _task_line(ctx: Ctx, t: Ticket) -> str:
    hours = max(0, int((ctx.now - t.created_at).total_seconds() // 3600))
    return texts.MEMBER_TASK_LINE.format(
        number=t.number, urgent=texts.TICKET_TASK_URGENT_MARK if t.urgent else "",
        category=service.category_name(ctx.db, t.category),
        location=t.location or texts.LOCATION_UNKNOWN, status=texts.TICKET_STATUS_NAMES.get(t.status, t.status),
        age=texts.MEMBER_TASK_AGE_HOURS.format(hours=hours) if hours else texts.MEMBER_TASK_AGE_NEW)


def show_detail(ctx: Ctx, person: Person, ticket: Ticket, note: str) -> Reply:
    """详情: every fact and event, the phone still masked."""
    reporter = ctx.db.get(Person, ticket.reporter_id)
    events = service.events_of(ctx.db, ticket)
    media_count = ctx.db.query(TicketMedia).filter(TicketMedia.ticket_id == ticket.id).count()
    lines = [
        f"{service.local(e.at, ctx.config.tz)} {service.actor_name(e)} {escalation.event_name(e)}"
        + (f"：{people.mask_phones_in(e.note)}" if e.note else "")  # residents write their numbers in reports
        for e in events
    ]
    return Reply(texts.MEMBER_DETAIL.format(
        number=ticket.number, urgent=texts.TICKET_TASK_URGENT_MARK if ticket.urgent else "",
        status=service.status_name(ctx.db, ticket),
        category=service.category_name(ctx.db, ticket.category), location=service.location_for_workers(ctx.db, ticket),
        description=people.mask_phones_in(ticket.description), reporter=people.display_name(reporter),
        phone=people.mask_phone(reporter.phone if reporter else None),
        reporters=len(service.reporters(ctx.db, ticket)), media=media_count, events="\n".join(lines),
    ))


def show_phone(ctx: Ctx, person: Person, ticket: Ticket, note: str) -> Reply:
    """电话: the unmasked phone, and a ticket event saying who looked (at most tickets.phone_views_per_hour)."""
    since = ctx.now - timedelta(hours=1)
    looked = ctx.db.scalar(select(func.count()).select_from(TicketEvent).where(
        TicketEvent.actor_id == person.id, TicketEvent.kind == "phone_viewed", TicketEvent.at >= since)) or 0
    if looked >= ctx.config.tickets.phone_views_per_hour:
        service.add_event(ctx.db, ticket, "phone_refused", ctx.now, person)
        log.warning("phone of ticket %s refused to person %s: %s lookups in the last hour", ticket.number,
                    person.id, looked)
        return Reply(texts.MEMBER_PHONE_LIMIT.format(number=ticket.number))
    reporter = ctx.db.get(Person, ticket.reporter_id)
    service.add_event(ctx.db, ticket, "phone_viewed", ctx.now, person)
    log.info("phone of ticket %s viewed by person %s", ticket.number, person.id)
    phone = (reporter.phone if reporter else None) or texts.PHONE_UNKNOWN
    return Reply(texts.MEMBER_PHONE.format(number=ticket.number, phone=phone))


def report_in_ticket(ctx: Ctx, person: Person, ticket: Ticket, note: str) -> Reply:
    """报到: the department the ticket was escalated to (吹哨) takes it and gets its own deadline."""
    if ticket.status not in OPEN_STATUSES:
        return Reply(texts.MEMBER_ALREADY_DONE.format(number=ticket.number))
    if ticket.escalation_level < escalation.DEPARTMENT:
        return Reply(texts.REPORT_IN_NOT_NEEDED.format(number=ticket.number))
    if not escalation.may_report_in(ctx.db, ctx.config, ticket, people.roles_of(ctx.db, person)):
        log.info("report-in on %s refused for person %s (not the rung's staff)", ticket.number, person.id)
        rung = escalation.rung_name(ctx.db, ctx.config, ticket, ticket.escalation_level)
        return Reply(texts.REPORT_IN_NOT_YOURS.format(number=ticket.number, rung=rung))
    if ticket.reported_in_at is not None:
        return Reply(texts.REPORT_IN_ALREADY.format(number=ticket.number,
                                                    at=service.local(ticket.reported_in_at, ctx.config.tz)))
    due = escalation.report_in(ctx.db, ctx.outbox, ctx.config, ticket, person, ctx.now)
    return Reply(texts.REPORT_IN_DONE.format(number=ticket.number, due=service.local(due, ctx.config.tz)))


def acknowledge_alert(ctx: Ctx, person: Person, ticket: Ticket, note: str) -> Reply:
    """收到: the urgent alert is in this person's hands; the ladder stops and the reporters hear who it is."""
    if ticket.status not in OPEN_STATUSES:
        return Reply(texts.MEMBER_ALREADY_DONE.format(number=ticket.number))
    if not ticket.urgent:
        return Reply(texts.ACK_NOT_URGENT.format(number=ticket.number))
    if not acknowledge.acknowledge(ctx.db, ctx.outbox, ctx.config, ticket, person, ctx.now):
        return Reply(texts.ACK_ALREADY.format(number=ticket.number))
    return Reply(texts.ACK_DONE.format(number=ticket.number))


def wait_for_resident(ctx: Ctx, person: Person, ticket: Ticket, note: str) -> Reply:
    """待补充: ask the reporters a question; the deadlines pause until one answers."""
    if ticket.status not in OPEN_STATUSES:
        return Reply(texts.MEMBER_ALREADY_DONE.format(number=ticket.number))
    service.ask_resident(ctx.db, ctx.outbox, ctx.config, ticket, person, note, ctx.now)
    return Reply(texts.MEMBER_WAITING.format(number=ticket.number))


def close_ticket(ctx: Ctx, person: Person, ticket: Ticket, note: str) -> Reply:
    """关闭: staff close a false alarm (or a ticket with nothing to do) with the reason; grid members are sent to 退回."""
    roles = people.roles_of(ctx.db, person, ctx.config.tickets.street_department)
    if not (roles.staff_communities or roles.department_ids or roles.street):
        log.info("close of %s refused for person %s (not staff)", ticket.number, person.id)
        return Reply(texts.MEMBER_CLOSE_STAFF_ONLY.format(number=ticket.number))
    if ticket.status not in OPEN_STATUSES:
        status = service.status_name(ctx.db, ticket)
        return Reply(texts.MEMBER_CLOSE_NOT_OPEN.format(number=ticket.number, status=status))
    note = _reason(note)
    if not note:
        return Reply(texts.MEMBER_NEED_NOTE.format(what=texts.MEMBER_NOTE_CLOSE,
                                                   example=texts.MEMBER_EXAMPLE_CLOSE.format(number=ticket.number)))
    service.close_by_worker(ctx.db, ctx.outbox, ctx.config, ticket, person, note, ctx.now)
    return Reply(texts.MEMBER_CLOSED.format(number=ticket.number, note=note))


_ACTIONS: dict[str, Action] = {}
for _intent, _action in (
    ("members.report_in", report_in_ticket),
    ("members.wait", wait_for_resident),
    ("members.accept", accept_ticket),
    ("members.progress", record_progress),
    ("members.complete", complete_ticket),
    ("members.transfer", transfer_ticket),
    ("members.return", return_ticket),
    ("members.tasks", list_tasks),
    ("members.detail", show_detail),
    ("members.phone", show_phone),
    ("members.acknowledge", acknowledge_alert),
    ("members.close", close_ticket),
):
    _command(_intent, _action)
    _ACTIONS[_intent] = _action


__all__ = ["COMMANDS", "Flow", "cap", "parse"]
