"""Residents' reminders in chat: set one from a sentence, list them, cancel them.

Intents: reminders.create, reminders.list, reminders.cancel
Flow: reminders.create -> reminders.create:ask_time (no time, a vague one, or one already past)
      reminders.create -> reminders.create:confirm (3点: 15:00? 周三 said on a Wednesday: next week?)

Neither question swallows a message that is something else: the router looks
at every answer first, and a message it sends elsewhere (a report, a question,
"我的工单") is handled as what it is while the question stays open. Only a
time-like answer (or 是 / 不是 to a proposal) answers the step.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot import texts as bot_texts
from bot.dialog.capability import Ctx, Handler
from bot.dialog.conversation import load_state
from bot.dialog.message import Reply
from handlers.reminders import service, texts
from handlers.reminders.capability import Flow, cap
from nlp import reminderwords
from nlp.timeparse import Ambiguity, Freq, Precision, Recurrence, TimeResult, content, parse_time

MAX_TRIES = 2
# A time-like answer the router sends to one of these still answers the question.
_TIME_WINS = frozenset({"faq.answer", "chat.greeting", "chat.thanks", "help.show"})


# -- understanding one sentence ----------------------------------------------------------------


def _understand(ctx: Ctx, text: str) -> tuple[TimeResult | None, str, Any]:
    """The time (lead time applied), what to remind of, and the lead time found (or None)."""
    lead = reminderwords.lead_of(text)
    spoken = reminderwords.without(text, lead[1]) if lead else text
    now = ctx.now.astimezone(ctx.config.tz)
    result = parse_time(spoken, now, is_workday=service.Workdays(ctx.db, ctx.config, ctx.now))
    rest = content(spoken, result) if result is not None else spoken
    return result, reminderwords.what_of(rest), lead[0] if lead else None


def _proposal(result: TimeResult, lead: Any) -> dict[str, Any]:
    first = result.first if lead is None or isinstance(result.when, Recurrence) else result.first - lead
    return {"first": first.isoformat(), "repeat": service.repeat_of(result), "precision": str(result.precision)}


def _from_text(ctx: Ctx, text: str, what: str = "", tries: int = 0, confirmed: bool = False) -> Reply:
    """Set a reminder from one sentence, or ask for what is missing."""
    result, said, lead = _understand(ctx, text)
    what = what or said
    if result is None:
        return _ask_time(ctx, what, tries)
    if result.ambiguity is Ambiguity.VAGUE and not confirmed:
        return Reply(texts.ASK_WHICH_DAY, next=Flow.ASK_TIME, data={"what": what, "tries": tries})
    proposal = _proposal(result, lead)
    first = datetime.fromisoformat(proposal["first"])
    if result.past or first <= ctx.now:
        when = service.when_text(first, ctx.config.tz, ctx.now)
        return Reply(texts.PAST.format(when=when), next=Flow.ASK_TIME, data={"what": what, "tries": tries})
    if not confirmed and result.ambiguity in (Ambiguity.BARE_HOUR, Ambiguity.WEEKDAY_TODAY):
        question = _confirm_question(ctx, result, first)
        return Reply(question, next=Flow.CONFIRM, data={"what": what, "question": question, **proposal})
    return _create(ctx, what, proposal)


def _confirm_question(ctx: Ctx, result: TimeResult, first: datetime) -> str:
    when = service.when_text(first, ctx.config.tz, ctx.now)
    if result.ambiguity is Ambiguity.WEEKDAY_TODAY:
        weekday = texts.WEEKDAYS[first.astimezone(ctx.config.tz).weekday()]
        return texts.CONFIRM_WEEKDAY_TODAY.format(weekday=weekday, when=when)
    hour = first.astimezone(ctx.config.tz).hour % 12 or 12
    return texts.CONFIRM_BARE_HOUR.format(when=when, hour=hour)


def _ask_time(ctx: Ctx, what: str, tries: int) -> Reply:
    question = texts.ASK_TIME.format(what=texts.ASK_TIME_WHAT.format(what=what)) if what else texts.ASK_WHAT_AND_TIME
    return Reply(question, next=Flow.ASK_TIME, data={"what": what, "tries": tries})


def _create(ctx: Ctx, what: str, proposal: dict[str, Any]) -> Reply:
    owner = service.Owner.of(ctx.msg)
    first = datetime.fromisoformat(proposal["first"])
    repeat = proposal.get("repeat")
    if first <= ctx.now:
        when = service.when_text(first, ctx.config.tz, ctx.now)
        return Reply(texts.PAST.format(when=when), next=Flow.ASK_TIME, data={"what": what, "tries": 0})
    refusal = service.window_refusal(ctx.config, owner, first, repeat, ctx.now)
    if refusal is not None:
        return Reply(refusal, end=True)
    count = service.count_active(ctx.db, owner, ctx.now)
    if count >= ctx.config.reminders.max_per_user:
        return Reply(texts.TOO_MANY.format(count=count), end=True)
    row = service.create(ctx.db, owner, what, first, repeat, ctx.now)
    when = service.when_text(first, ctx.config.tz, ctx.now)
    if repeat:
        template = texts.CREATED_REPEAT if what else texts.CREATED_REPEAT_NO_WHAT
        reply = template.format(rule=service.rule_text(repeat), what=what, when=when, number=row.number)
    else:
        template = texts.CREATED if what else texts.CREATED_NO_WHAT
        reply = template.format(when=when, what=what, number=row.number)
    if proposal.get("precision") != Precision.MINUTE:
        reply += texts.DEFAULT_TIME_NOTE.format(time=f"{first.astimezone(ctx.config.tz):%H:%M}")
    if repeat and repeat.get("freq") == Freq.WORKDAYS:
        reply += texts.WORKDAY_NOTE
    return Reply(reply, end=True)


# -- the intents ----------------------------------------------------------------------------------


@cap.intent("reminders.create")
def create_reminder(ctx: Ctx) -> Reply:
    """Set a reminder from the message, or ask when (or which) if the time is missing or unclear."""
    return _from_text(ctx, ctx.msg.text)


@cap.intent("reminders.list")
def list_reminders(ctx: Ctx) -> Reply:
    """The resident's reminders still to come, numbered as they were confirmed."""
    rows = service.active(ctx.db, service.Owner.of(ctx.msg), ctx.now)
    if not rows:
        return Reply(texts.LIST_EMPTY)
    lines = [texts.LIST_HEAD.format(count=len(rows))]
    lines += [service.line_of(row, ctx.config.tz, ctx.now) for row in rows]
    lines.append(texts.LIST_TAIL.format(number=rows[0].number))
    return Reply("\n".join(lines))


@cap.intent("reminders.cancel")
def cancel_reminder(ctx: Ctx) -> Reply:
    """Cancel one reminder by its number, or all of them; with one reminder, that one."""
    owner = service.Owner.of(ctx.msg)
    text = ctx.msg.text
    rows = service.active(ctx.db, owner, ctx.now)
    if reminderwords.names_all(text):
        if not rows:
            return Reply(texts.CANCEL_NONE)
        for row in rows:
            service.cancel(ctx.db, row, ctx.now)
        return Reply(texts.CANCELLED_ALL.format(count=len(rows)))
    number = reminderwords.reminder_number(text)
    if number is not None:
        row = service.by_number(ctx.db, owner, number, ctx.now)
        if row is None:
            return Reply(texts.CANCEL_NOT_FOUND.format(number=number))
        return Reply(_cancelled(ctx, row))
    if not rows:
        return Reply(texts.CANCEL_NONE)
    if len(rows) == 1:
        return Reply(_cancelled(ctx, rows[0]))
    lines = "\n".join(service.line_of(row, ctx.config.tz, ctx.now) for row in rows)
    return Reply(texts.CANCEL_WHICH.format(count=len(rows), lines=lines))


def _cancelled(ctx: Ctx, row: Any) -> str:
    what = row.text or texts.NO_WHAT
    if row.repeat:
        text = texts.CANCELLED_REPEAT.format(number=row.number, rule=service.rule_text(row.repeat), what=what)
    else:
        when = service.when_text(service.upcoming(row, ctx.now) or ctx.now, ctx.config.tz, ctx.now)
        text = texts.CANCELLED.format(number=row.number, when=when, what=what)
    service.cancel(ctx.db, row, ctx.now)
    return text


# -- the questions ----------------------------------------------------------------------------------


def _intent(ctx: Ctx) -> str | None:
    match = ctx.understanding.match if ctx.understanding else None
    return match.intent if match else None


def _elsewhere(ctx: Ctx, result: TimeResult | None, said: str) -> bool:
    """The router sends this answer to something else (a report, a status query, 我的工单 …).

    A message that is nothing but a time answers whatever the router says
    (凌晨3点 is not a noise complaint here), and one with a time in it still
    answers when the router only offers an FAQ answer or small talk
    (明天9点去打疫苗 is not a question about vaccines).
    """
    intent = _intent(ctx)
    if intent is None or intent == "reminders.create" or (result is not None and not said):
        return False
    return not (result is not None and intent in _TIME_WINS)


def _new_request(ctx: Ctx, said: str) -> bool:
    """A whole new reminder request (提醒我明天去银行) rather than an answer to the question."""
    return _intent(ctx) == "reminders.create" and bool(said)


@cap.state(Flow.ASK_TIME)
def answer_time(ctx: Ctx) -> Reply:
    """A time answers the question; anything the router knows is handled as what it is."""
    what = str(ctx.data.get("what") or "")
    tries = int(ctx.data.get("tries", 0))
    if not ctx.msg.text:
        return _drop_or_pass(ctx, what)
    result, said, _ = _understand(ctx, ctx.msg.text)
    if _elsewhere(ctx, result, said):
        return _drop_or_pass(ctx, what)
    if _new_request(ctx, said):
        return _from_text(ctx, ctx.msg.text)
    if result is None and said and not what:  # 什么时候、什么事？ → 去交电费: now we know what, still not when
        return _ask_time(ctx, said, tries)
    if result is None or result.ambiguity is Ambiguity.VAGUE:
        if tries + 1 >= MAX_TRIES:
            return Reply(texts.ASK_GIVE_UP, end=True)
        again = texts.ASK_WHICH_DAY if result is not None else texts.ASK_TIME_AGAIN
        return Reply(again, next=Flow.ASK_TIME, data={"what": what or said, "tries": tries + 1})
    return _from_text(ctx, ctx.msg.text, what=what, tries=tries)


@cap.state(Flow.CONFIRM)
def confirm_time(ctx: Ctx) -> Reply:
    """是 takes the proposed time, 不是 asks for it, a new time replaces it."""
    what = str(ctx.data.get("what") or "")
    text = ctx.msg.text
    if text and reminderwords.is_yes(text):
        return _create(ctx, what, ctx.data)
    if text and reminderwords.is_no(text):
        return _ask_time(ctx, what, 0)
    if not text:
        return _drop_or_pass(ctx, what)
    result, said, _ = _understand(ctx, text)
    if _elsewhere(ctx, result, said):
        return _drop_or_pass(ctx, what)
    if _new_request(ctx, said):
        return _from_text(ctx, text)
    if result is None:
        return Reply(str(ctx.data.get("question") or texts.ASK_TIME_AGAIN), next=Flow.CONFIRM)
    return _from_text(ctx, text, what=what, confirmed=True)


def _drop_or_pass(ctx: Ctx, what: str) -> Reply:
    """取消提醒 drops the question; any other message is handled as what it is, the question left open."""
    match = ctx.understanding.match if ctx.understanding else None
    if match is not None and match.intent == "reminders.cancel" and reminderwords.reminder_number(ctx.msg.text) is None:
        return Reply(texts.QUESTION_DROPPED, end=True)
    state = ctx.state
    ctx.state, ctx.data = None, {}  # the other handler starts fresh; our row stays unless it replaces it
    reply = _handler_for(ctx)(ctx)
    still_ours = load_state(ctx.db, ctx.msg.channel, ctx.msg.user_id, ctx.now)
    if reply.text and reply.next is None and still_ours is not None and still_ours.state == state:
        what_part = texts.ASK_TIME_WHAT.format(what=what) if what else ""
        reply = Reply(reply.text + texts.STILL_ASKING.format(what=what_part), data=reply.data, end=reply.end)
    return reply


def _handler_for(ctx: Ctx) -> Handler:
    registry = ctx.services.registry
    match = ctx.understanding.match if ctx.understanding else None
    if match is None:
        return registry.intents["media.received" if not ctx.msg.text else "fallback"]
    ctx.match = match
    handler = registry.intents.get(match.intent)
    if handler is not None:
        return handler
    what = bot_texts.INTENT_DESCRIPTIONS.get(match.intent, bot_texts.INTENT_FALLBACK_DESCRIPTION)
    return lambda _ctx: Reply(bot_texts.NOT_AVAILABLE_YET.format(what=what))
