"""Readable one-line logs for operators; secrets never reach them."""

from __future__ import annotations

import logging


def setup_logging(level: str = "INFO") -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        datefmt="%Y-%m-%d %H:%M:%S",
    )
    # Werkzeug's access log would print every signed query string.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("jieba").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    from bot.ops import redact

    redact.install()  # secrets, tokens, phone numbers and openids never reach a handler
