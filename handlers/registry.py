"""The capabilities this bot runs: one line each."""

from __future__ import annotations

from bot.capability import Registry
from handlers import emergency, faq, help, media, members, tickets


def build_registry() -> Registry:
    return Registry([help.cap, faq.cap, media.cap, emergency.cap, tickets.cap, members.cap])
