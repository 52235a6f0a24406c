"""The consultations capability object and its conversation steps."""

from __future__ import annotations

from enum import StrEnum

from bot.dialog.capability import Capability

cap = Capability("consultations")


class Consult(StrEnum):
    # After a hand-over: what the resident writes next (that nothing else understands) joins the consultation.
    FOLLOW_UP = "consultations.open:follow_up"


cap.declare_states(Consult)
cap.menu("HUMAN", "human.handover")
