"""The urgent fast path's answer: safety first, before any ticket exists.

Intents: tickets.urgent

Online urgent dispatch (tickets, notifying everyone at once) belongs to the
tickets capability; until it runs, this handler still tells the resident what
to do and whom to call, and says honestly that nobody was dispatched.
"""

from __future__ import annotations

import logging

from bot import texts
from bot.capability import Capability, Ctx
from bot.message import Reply

log = logging.getLogger(__name__)
cap = Capability("emergency")


@cap.intent("tickets.urgent")
def advise_emergency(ctx: Ctx) -> Reply:
    """Give the category's safety instructions and emergency numbers."""
    category = getattr(ctx.match, "category", None)
    instructions = texts.SAFETY_INSTRUCTIONS.get(category or "", "请立即拨打 110 / 119 / 120。")
    log.warning("urgent message category=%s channel=%s", category, ctx.msg.channel)
    return Reply(texts.URGENT_NOT_AVAILABLE.format(instructions=instructions), end=True)
