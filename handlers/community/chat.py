"""Binding a grid member's or staff's WeChat/WeCom account with the one-time code an admin issued.

Intents: members.bind
"""

from __future__ import annotations

import logging
import re

from bot.dialog.capability import Ctx
from bot.dialog.message import Reply
from handlers.community import people, texts
from handlers.community.capability import cap

log = logging.getLogger(__name__)
_CODE = re.compile(r"(?<!\d)(\d{6,8})(?!\d)")  # 8 digits; codes issued before were 6


@cap.intent("members.bind")
def bind_identity(ctx: Ctx) -> Reply:
    """绑定 123456: link this WeChat/WeCom account to the member or staff the admin issued the code for."""
    found = _CODE.search(ctx.msg.text)
    if found is None:
        return Reply(texts.BIND_ASK_CODE)
    try:
        person = people.redeem_bind_code(ctx.db, found.group(1), ctx.msg, ctx.now, people.BindLimits.of(ctx.config))
    except people.BindError as exc:
        log.info("bind code refused: %s", exc.reason)
        if exc.reason == "cooldown" and exc.until is not None:
            return Reply(texts.BIND_COOLDOWN.format(until=exc.until.astimezone(ctx.config.tz).strftime("%H:%M")))
        return Reply(texts.BIND_CODE_INVALID[exc.reason])
    roles = people.roles_of(ctx.db, person)
    role = texts.BIND_ROLE_MEMBER if roles.grid_ids else texts.BIND_ROLE_STAFF
    return Reply(texts.BIND_DONE.format(name=people.display_name(person), role=role), end=True)
