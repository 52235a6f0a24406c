"""The capabilities this bot runs: one line each."""

from __future__ import annotations

from bot.capability import Registry
from handlers import emergency, faq, help, media


def build_registry() -> Registry:
    return Registry([help.cap, faq.cap, media.cap, emergency.cap])
