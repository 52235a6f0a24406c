"""The capabilities this bot runs: one line each (the framework reads CAPABILITIES)."""

from __future__ import annotations

from handlers import bulletins, community, consultations, faq, help, media, reminders, tickets

CAPABILITIES = [
    help.cap,
    faq.cap,
    media.cap,
    community.cap,
    tickets.cap,
    consultations.cap,
    reminders.cap,
    bulletins.cap,
]
