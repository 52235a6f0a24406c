"""The reminders capability object and its conversation steps."""

from __future__ import annotations

from enum import StrEnum

from bot.dialog.capability import Capability


class Flow(StrEnum):
    ASK_TIME = "reminders.create:ask_time"  # the request had no (usable) time
    CONFIRM = "reminders.create:confirm"  # an ambiguous time awaits a yes (3点 → 15:00?)


cap = Capability("reminders")
cap.declare_states(Flow)
