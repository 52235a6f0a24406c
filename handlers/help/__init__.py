"""Help, welcome, small talk, cancel and hand-over: what every user meets first."""

from __future__ import annotations

from handlers.help.chat import cap

__all__ = ["cap"]
