"""Several problems in one message: the further complaints besides the one the message was routed to.

"幸福里2栋电梯门关不上 还有楼道灯也坏了" is routed as a whole to one category; each piece the message
is cut into (nlp.clauses) is routed again, and a piece that is a report of another kind is a further
complaint, filed as its own ticket at the same place (or asked about once the place is known).
"""

from __future__ import annotations

from typing import Any

from bot.dialog.capability import Ctx
from nlp.clauses import complaint_clauses

REPORT_INTENT = "tickets.create"
MAX_FURTHER = 3  # a long rant is not cut into a pile of tickets


def further_complaints(ctx: Ctx, category: str) -> list[dict[str, Any]]:
    """The message's complaints of other kinds than ``category``: {"category", "description"}, in order."""
    pieces = complaint_clauses(ctx.msg.text or "")
    if len(pieces) < 2:
        return []
    found: list[dict[str, Any]] = []
    seen = {category}
    for piece in pieces:
        match = getattr(ctx.services.understand(piece), "match", None)
        if match is None or match.intent != REPORT_INTENT:
            continue
        kind = match.slots.get("category")
        if kind and kind not in seen:
            seen.add(kind)
            found.append({"category": kind, "description": piece})
    return found[:MAX_FURTHER]
