"""The 人工 hand-over: a resident asks for a person; staff answer by chat ("回复 C… 内容") or in the admin UI.

Intents: human.handover, consultations.answer
Flow: human.handover -> consultations.open:follow_up (for a while, what nothing else understands joins it)
"""

from __future__ import annotations

import re

from bot.dialog.capability import Ctx
from bot.dialog.message import Reply
from handlers.community import facts, people
from handlers.consultations import service, texts
from handlers.consultations.capability import Consult, cap

_NUMBER = re.compile(r"[Cc]\s*(\d{8})\s*-\s*(\d{4,})")
_PUNCT = " ，,。.:：;；!！、\t\n"
# After a hand-over these still go to the staff (the resident asked for a person); anything else is routed.
FOR_THE_STAFF = frozenset({"faq.answer", "chat.greeting", "chat.thanks", "human.handover"})
# "人工", "转人工服务", "我要找工作人员": a request this short carries no question to pass on.
BARE_REQUEST_MAX_CHARS = 8


def _is_bare_request(ctx: Ctx) -> bool:
    """Only "人工" (or another hand-over phrase and nothing else): there is nothing to pass on yet."""
    text = re.sub(r"[\s\W_]+", "", ctx.msg.text or "")
    return len(text) <= BARE_REQUEST_MAX_CHARS


@cap.intent("human.handover")
def hand_over(ctx: Ctx) -> Reply:
    """Open (or reuse) a consultation, push it to the staff, and say who answers when."""
    person = people.person_for(ctx.db, ctx.msg, ctx.now)
    bare = _is_bare_request(ctx)
    text = texts.HANDOVER_REQUEST if bare else ctx.msg.text
    opened = service.open_for(ctx.db, ctx.outbox, ctx.config, person, ctx.msg, text, ctx.now)
    consultation = opened.consultation
    known = facts.facts_for(ctx.db, person.id)
    when = service.when_text(ctx.db, ctx.config, consultation, known.values.get("after_hours_phone", ""), ctx.now)
    template = texts.OPENED if bare else texts.OPENED_WITH_TEXT
    return Reply(template.format(number=consultation.number, when=when), next=Consult.FOLLOW_UP,
                 data={"consultation": consultation.number})


@cap.state(Consult.FOLLOW_UP)
def follow_up(ctx: Ctx) -> Reply:
    """What the resident writes after the hand-over (that nothing else understood) goes to the staff too.

    A report, an emergency, a status query, a command … is handled as what it is (pass_on). A question
    the FAQ can answer still goes to the staff — the resident asked for a person — with the answer beside it.
    """
    match = ctx.understanding.match if ctx.understanding is not None else None
    if not ctx.msg.text or (match is not None and match.intent not in FOR_THE_STAFF):
        return Reply.pass_on()
    consultation = service.by_number(ctx.db, str(ctx.data.get("consultation", "")))
    if consultation is None:
        return Reply.pass_on()
    person = people.person_for(ctx.db, ctx.msg, ctx.now)
    service.add_resident_text(ctx.db, ctx.outbox, ctx.config, consultation, person, ctx.msg.text, ctx.now)
    added = texts.FOLLOW_UP_ADDED.format(number=consultation.number)
    if match is not None and match.intent == "faq.answer" and match.rule.reply:
        answer = facts.fill(match.rule.reply, facts.facts_for(ctx.db, person.id), ctx.config)
        added = texts.FOLLOW_UP_WITH_ANSWER.format(added=added, answer=answer)
    return Reply(added, next=Consult.FOLLOW_UP)


@cap.intent("consultations.answer")
def answer_resident(ctx: Ctx) -> Reply:
    """回复 C20261202-0001 内容: a staff member answers a resident."""
    person = people.find_person(ctx.db, ctx.msg)
    roles = people.roles_of(ctx.db, person)
    if person is None or not (roles.staff_communities or roles.department_ids):
        return Reply(texts.ANSWER_NOT_STAFF)
    found = _NUMBER.search(ctx.msg.text or "")
    if found is None:
        return Reply(texts.ANSWER_HOWTO.format(example=texts.EXAMPLE_NUMBER))
    number = f"C{found.group(1)}-{found.group(2)}"
    body = ctx.msg.text[found.end():].strip(_PUNCT)
    if not body:
        return Reply(texts.ANSWER_HOWTO.format(example=number))
    consultation = service.by_number(ctx.db, number)
    if consultation is None:
        return Reply(texts.ANSWER_NOT_FOUND.format(number=number))
    if consultation.status == "closed":
        return Reply(texts.ANSWER_CLOSED.format(number=number))
    service.answer(ctx.db, ctx.outbox, consultation, body, ctx.now, author=people.display_name(person),
                   author_id=person.id)
    return Reply(texts.ANSWER_SENT.format(number=number))
