"""便民服务 answers: the matched rule carries the answer text admins edit.

Intents: faq.answer

An answer may name the community's facts (``{联系电话}``, ``{办公时间}`` …, see
handlers/community/facts.py); they are filled in for the resident's community,
and a fact nobody filled in yet reads as a helpful sentence, never a placeholder.
"""

from __future__ import annotations

from bot import texts
from bot.dialog.capability import Capability, Ctx
from bot.dialog.message import Reply
from handlers.community import facts, people

cap = Capability("faq")


@cap.intent("faq.answer")
def answer_question(ctx: Ctx) -> Reply:
    """Answer with the rule's own reply text, the community's facts filled in."""
    reply = ctx.match.rule.reply if ctx.match is not None else None
    if not reply:
        return Reply(texts.FALLBACK)
    wanted = facts.named_in(reply)
    if not wanted:  # most answers name no fact: nothing to look up
        return Reply(facts.fill(reply, facts.NO_FACTS, ctx.config))
    person = people.find_person(ctx.db, ctx.msg)
    return Reply(facts.fill(reply, facts.facts_for(ctx.db, person.id if person else None, wanted), ctx.config))
