"""Non-text messages (image, voice without recognition, video, location, link, file)."""

from __future__ import annotations

from handlers.media.chat import cap

__all__ = ["cap"]
