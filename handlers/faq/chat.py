"""便民服务 answers: the matched rule carries the answer text admins edit.

Intents: faq.answer
"""

from __future__ import annotations

from bot import texts
from bot.dialog.capability import Capability, Ctx
from bot.dialog.message import Reply

cap = Capability("faq")


@cap.intent("faq.answer")
def answer_question(ctx: Ctx) -> Reply:
    """Answer with the rule's own reply text."""
    rule = getattr(ctx.match, "rule", None)
    reply = getattr(rule, "reply", None)
    return Reply(reply or texts.FALLBACK)
