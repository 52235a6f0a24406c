"""Non-text messages (image, voice without recognition, video, location, link, file).

Intents: media.received
"""

from __future__ import annotations

from bot.dialog.capability import Capability, Ctx
from bot.dialog.message import Reply
from handlers.media import texts

cap = Capability("media")


@cap.intent("media.received")
def acknowledge_media(ctx: Ctx) -> Reply:
    """Acknowledge the upload and say how to report a problem with it."""
    template = texts.MEDIA_RECEIVED.get(ctx.msg.kind)
    if template is None:
        return Reply(texts.UNSUPPORTED_MESSAGE)
    label = ctx.msg.location.label if ctx.msg.location and ctx.msg.location.label else texts.MEDIA_LOCATION_UNNAMED
    return Reply(template.format(label=label))
