"""The community capability object: people, identities, places, binding, the community model."""

from __future__ import annotations

from bot.dialog.capability import Capability

cap = Capability("community")
