"""Help, welcome, small talk, cancel and hand-over: what every user meets first.

Intents: help.show, chat.greeting, chat.thanks, conversation.cancel (human.handover: handlers/consultations)
Events: subscribe, unsubscribe
"""

from __future__ import annotations

import logging

from bot.dialog.capability import Capability, Ctx
from bot.dialog.message import Reply
from handlers.community import people
from handlers.help import texts

log = logging.getLogger(__name__)
cap = Capability("help")


def _rule_reply(ctx: Ctx) -> str | None:
    rule = getattr(ctx.match, "rule", None)
    return getattr(rule, "reply", None) or None


@cap.intent("help.show")
def show_help(ctx: Ctx) -> Reply:
    """List what the bot can do; grid members and staff asking for 帮助 get the commands their role may use."""
    rule = getattr(ctx.match, "rule", None)
    roles = _roles(ctx) if getattr(rule, "name", "help.show") == "help.show" else None
    if roles is not None and roles.is_worker:
        return Reply(worker_help(roles))
    return Reply(_rule_reply(ctx) or texts.HELP)


def _roles(ctx: Ctx) -> people.Roles:
    person = people.find_person(ctx.db, ctx.msg)
    return people.roles_of(ctx.db, person, ctx.config.tickets.street_department)


def worker_help(roles: people.Roles) -> str:
    """The heading for the role, then only the commands it may use (handlers/tickets/members.py checks them):
    关闭 is staff's, 报到 a department's; 退回 sends to the community's queue, so community staff need it not."""
    community_staff = bool(roles.staff_communities)
    department = bool(roles.department_ids)
    if community_staff:
        heading = texts.WORKER_HELP_HEAD_STAFF
    else:
        heading = texts.WORKER_HELP_HEAD_DEPARTMENT if department else texts.WORKER_HELP_HEAD_MEMBER
    lines = [
        heading,
        texts.WORKER_HELP_TASKS_STAFF if community_staff else texts.WORKER_HELP_TASKS,
        texts.WORKER_HELP_ACCEPT,
        texts.WORKER_HELP_PROGRESS,
        texts.WORKER_HELP_COMPLETE,
        texts.WORKER_HELP_TRANSFER,
        _return_line(roles),
        texts.WORKER_HELP_WAIT,
        texts.WORKER_HELP_ACK,
        texts.WORKER_HELP_REPORT_IN if department else None,
        texts.WORKER_HELP_CLOSE if community_staff or department else None,
        texts.WORKER_HELP_DETAIL,
    ]
    return "\n".join(line for line in lines if line)


def _return_line(roles: people.Roles) -> str | None:
    if roles.staff_communities:
        return None
    return texts.WORKER_HELP_RETURN if roles.department_ids else texts.WORKER_HELP_RETURN_NO_CLOSE


@cap.intent("chat.greeting")
def greet(ctx: Ctx) -> Reply:
    return Reply(_rule_reply(ctx) or texts.HELP)


@cap.intent("chat.thanks")
def thank(ctx: Ctx) -> Reply:
    return Reply(_rule_reply(ctx) or texts.THANKS)


@cap.intent("conversation.cancel")
def cancel(ctx: Ctx) -> Reply:
    """Drop whatever question the bot was waiting on."""
    if ctx.state is None:
        return Reply(texts.NOTHING_TO_CANCEL)
    for name in CANCEL_READINGS:  # a step that is no question may mean something else by 算了
        reading = ctx.services.registry.intents.get(name)
        reply = reading(ctx) if reading is not None else None
        if reply is not None and not reply.passed:
            return reply
    return Reply(texts.CANCELLED, end=True)


CANCEL_READINGS = ("tickets.cancel_after_report",)  # handlers/tickets/followups.py


@cap.intent("fallback")
def fallback(ctx: Ctx) -> Reply:
    """Nothing understood the message: say so and show what we can do.

    First the capabilities' own readings of unmatched words (by intent name, without importing them):
    "还是不行" right after a ticket was finished is about that ticket."""
    for name in UNMATCHED_READINGS:
        reading = ctx.services.registry.intents.get(name)
        reply = reading(ctx) if reading is not None else None
        if reply is not None and not reply.passed:
            return reply
    return Reply(texts.FALLBACK)


# handlers/tickets/members.py, chat.py (tickets.correct_place: "桂花苑" right after "着火了 5栋")
UNMATCHED_READINGS = ("members.unmatched", "tickets.still_broken", "tickets.correct_place")


@cap.intent("event.subscribe")
def welcome(ctx: Ctx) -> Reply:
    """Greet a new follower; a QR scene (qrscene_xxx) is noted for the operator."""
    scene = ctx.msg.event_key.removeprefix("qrscene_")
    if scene:
        log.info("subscribe from QR scene %s", scene)
    return Reply(texts.WELCOME)


@cap.intent("event.unsubscribe")
def farewell(ctx: Ctx) -> Reply:
    """An unfollow cannot be answered; clear any open question."""
    return Reply(None, end=True)


@cap.intent("event.scan_result")
def show_scan_result(ctx: Ctx) -> Reply:
    """scancode_waitmsg: WeChat shows a spinner until we answer."""
    info = ctx.msg.extra.get("ScanCodeInfo")
    result = info.get("ScanResult", "") if isinstance(info, dict) else ""
    return Reply(texts.SCAN_RESULT.format(result=result[:200]))


cap.menu("HELP", "help.show")
