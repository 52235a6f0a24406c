"""The bulletins capability object; the package's modules register their handlers on it."""

from __future__ import annotations

from bot.dialog.capability import Capability

cap = Capability("bulletins")
