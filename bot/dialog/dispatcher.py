"""Who answers a message, decided in one function you can read top to bottom.

Order (DESIGN.md): the urgent fast path; global commands (取消 / 帮助 / 人工)
that work in every state; the active conversation step; the keyword router;
the fallback. An intent whose capability is not built yet answers honestly.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot import texts
from bot.delivery.outbox import Outbox
from bot.dialog.capability import Ctx, Handler
from bot.dialog.conversation import clear_state, load_state, save_state
from bot.dialog.message import IncomingMessage, Reply
from bot.errors import UserFacingError

_COMMAND_NOISE = re.compile(r"[\s\W_]+")


@dataclass(frozen=True)
class Decision:
    reply: Reply
    intent: str | None  # None: nothing understood the message (feeds "unmatched")


def dispatch(msg: IncomingMessage, *, db: Session, services: Any, now: datetime,
             understanding: Any = None) -> Decision:
    """Decide and run the handler for one message inside the caller's transaction.

    ``understanding``: the NLP result for ``msg.text`` when the caller already has it
    (the inbox computes it before taking the user's lock).
    """
    active = load_state(db, msg.channel, msg.user_id, now)
    ctx = Ctx(
        msg=msg,
        db=db,
        outbox=Outbox(db, now),
        now=now,
        config=services.config,
        state=active.state if active else None,
        data=dict(active.data) if active else {},
        services=services,
        understanding=understanding,
    )
    intent, handler = _choose(ctx, services)
    try:
        reply = handler(ctx)
        if reply.passed and ctx.state is not None and intent == ctx.state:
            # The open step declined: this message is something else; its question stays open.
            intent, handler = _route(ctx, services.registry)
            reply = handler(ctx)
        if msg.is_event:
            reply = _with_event_notes(ctx, services.registry, reply)
    except UserFacingError as exc:
        reply = Reply(exc.text)
    _apply_state(ctx, reply)
    return Decision(reply, intent)


def _choose(ctx: Ctx, services: Any) -> tuple[str | None, Handler]:
    registry = services.registry
    msg = ctx.msg

    if msg.is_event:
        intent = _event_intent(msg, registry.menu_keys)
        return intent, registry.intents.get(intent or "", _silent)

    if not msg.text:
        step = registry.states.get(ctx.state or "")
        if step is not None:  # a flow may expect a photo or a location
            return ctx.state, step
        return "media.received", registry.intents["media.received"]

    understanding = ctx.understanding or services.understand(msg.text)
    ctx.understanding = understanding
    match = understanding.match

    # 1. The urgent fast path wins over everything, even an open question. Both levels go to the urgent
    #    intent, whose handler reads the detector's level from the match: a STRONG one acts at once, an
    #    AMBIGUOUS one shows the safety text and asks (a yes/no to that question is answered there too).
    if understanding.urgent and match is not None:
        ctx.match = match
        return match.intent, _handler_for(registry, match.intent)

    # 2. Global commands work in every state.
    command = texts.GLOBAL_COMMAND_WORDS.get(_command_key(msg.text))
    if command is not None:
        return command, registry.intents[command]

    # 3. The question the bot asked and awaits an answer to.
    if ctx.state is not None:
        step = registry.states.get(ctx.state)
        if step is not None:
            return ctx.state, step

    return _route(ctx, registry)


def _route(ctx: Ctx, registry: Any) -> tuple[str | None, Handler]:
    """4. The keyword router; 5. the fallback when nothing matched."""
    match = ctx.understanding.match if ctx.understanding is not None else None
    if match is not None:
        ctx.match = match
        beside = getattr(ctx.understanding, "beside", None)
        if beside is not None and match.intent in registry.intents and beside.intent in registry.intents:
            return match.intent, _together(registry, match, beside)
        return match.intent, _handler_for(registry, match.intent)
    return None, registry.intents["fallback"]


def _together(registry: Any, *matches: Any) -> Handler:
    """Two requests in one message, each in a clause of its own (a report and a question): both answered.

    The replies follow the order the message said them in; one that asks something comes last, and its
    question is the one the conversation waits on.
    """
    def answer(ctx: Ctx) -> Reply:
        text = ctx.understanding.text if ctx.understanding is not None else ""
        replies: list[tuple[int, Reply]] = []
        for match in matches:
            ctx.match = match
            said_at = min((at for k in match.keywords if (at := text.find(k)) >= 0), default=len(text))
            replies.append((said_at, registry.intents[match.intent](ctx)))
        ctx.match = matches[0]
        ordered = [r for _, r in sorted(replies, key=lambda pair: (pair[1].next is not None, pair[0]))]
        asking = next((r for r in ordered if r.next is not None), None)
        return Reply(
            "\n\n".join(r.text for r in ordered if r.text) or None,
            next=asking.next if asking else None,
            data=asking.data if asking else None,
            end=asking is None and any(r.end for r in ordered),
        )

    return answer


def _command_key(text: str) -> str:
    """Full-width to half-width, lower case, no spaces or punctuation except a lone "?"."""
    folded = unicodedata.normalize("NFKC", text).strip().lower()
    return folded if folded == "?" else _COMMAND_NOISE.sub("", folded)


def _event_intent(msg: IncomingMessage, menu_keys: dict[str, str]) -> str | None:
    """The intent of an event; menu CLICK keys are declared by the capabilities (Capability.menu)."""
    if msg.event in ("subscribe", "subscribe_scan"):
        return "event.subscribe"
    if msg.event == "unsubscribe":
        return "event.unsubscribe"
    if msg.event == "click":
        key = msg.event_key.upper()  # "KEY:argument" (e.g. BULLETIN:party_history) matches KEY; the handler reads it
        return menu_keys.get(key) or menu_keys.get(key.partition(":")[0]) or "help.show"
    if msg.event == "scancode_waitmsg":
        return "event.scan_result"
    return None  # VIEW, LOCATION, SCAN, job reports, pic_*: nothing to answer


def _with_event_notes(ctx: Ctx, registry: Any, reply: Reply) -> Reply:
    """Let capabilities listening to this event act on it (a QR scene, an unfollow) and add their lines."""
    notes = [note for listener in registry.event_listeners(ctx.msg.event or "") if (note := listener(ctx))]
    if not notes:
        return reply
    return replace(reply, text="\n\n".join([*([reply.text] if reply.text else []), *notes]))


def _handler_for(registry: Any, intent: str) -> Handler:
    handler = registry.intents.get(intent)
    if handler is not None:
        return handler
    return _not_available(intent)


def _not_available(intent: str) -> Handler:
    def answer(ctx: Ctx) -> Reply:
        what = texts.INTENT_DESCRIPTIONS.get(intent, texts.INTENT_FALLBACK_DESCRIPTION)
        return Reply(texts.NOT_AVAILABLE_YET.format(what=what))

    return answer


def _silent(ctx: Ctx) -> Reply:
    return Reply.silent()


def _apply_state(ctx: Ctx, reply: Reply) -> None:
    msg = ctx.msg
    if reply.next is not None:
        data = {**ctx.data, **(reply.data or {})}
        save_state(ctx.db, msg.channel, msg.user_id, reply.next, data, ctx.now)
    elif reply.end and ctx.state is not None:
        clear_state(ctx.db, msg.channel, msg.user_id)
