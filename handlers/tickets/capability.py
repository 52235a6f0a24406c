"""The tickets capability object; the package's modules register their handlers on it."""

from __future__ import annotations

from bot.dialog.capability import Capability
from handlers.tickets.states import Flow

cap = Capability("tickets")
cap.declare_states(Flow)
cap.menu("MY_TICKETS", "tickets.list_mine")
