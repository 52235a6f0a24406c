"""便民服务 answers: the matched rule carries the answer text admins edit."""

from __future__ import annotations

from handlers.faq.chat import cap

__all__ = ["cap"]
