"""便民服务 answers: the matched rule carries the answer text admins edit.

Intents: faq.answer

An answer may name the community's facts (``{联系电话}``, ``{办公时间}`` …, see
handlers/community/facts.py); they are filled in for the resident's community,
and a fact nobody filled in yet reads as a helpful sentence, never a placeholder.
"""

from __future__ import annotations

from typing import Any

from bot import texts
from bot.dialog.capability import Capability, Ctx
from bot.dialog.message import Reply
from handlers.community import facts, people
from nlp.clauses import complaint_clauses

cap = Capability("faq")
FAQ_INTENT = "faq.answer"


@cap.intent(FAQ_INTENT)
def answer_question(ctx: Ctx) -> Reply:
    """Answer each question the message asks, in the order asked; a rule's reply is its own answer text."""
    routed = ctx.match.rule if ctx.match is not None else None
    rules = questions_asked(ctx, routed)
    answers = [answer for rule in rules if (answer := _answer(ctx, rule.reply))]
    if not answers:
        return Reply(texts.FALLBACK)
    return Reply("\n\n".join(dict.fromkeys(answers)))


def questions_asked(ctx: Ctx, routed: Any) -> list[Any]:
    """The FAQ rules of the message's pieces, in order ("低保怎么申请，还有居住证怎么办": two), with the rule the
    whole message was routed to first when no piece of its own asks it."""
    pieces = complaint_clauses(ctx.msg.text or "")
    if len(pieces) < 2:
        return [routed] if routed is not None else []
    found = [m.rule for piece in pieces if (m := getattr(ctx.services.understand(piece), "match", None)) is not None
             and m.intent == FAQ_INTENT]
    if routed is not None and all(rule.id != routed.id for rule in found):
        found.insert(0, routed)
    return list({rule.id: rule for rule in found}.values())


def _answer(ctx: Ctx, reply: str | None) -> str | None:
    """``reply`` with the community's facts filled in."""
    if not reply:
        return None
    wanted = facts.named_in(reply)
    if not wanted:  # most answers name no fact: nothing to look up
        return facts.fill(reply, facts.NO_FACTS, ctx.config)
    person = people.find_person(ctx.db, ctx.msg)
    return facts.fill(reply, facts.facts_for(ctx.db, person.id if person else None, wanted), ctx.config)
