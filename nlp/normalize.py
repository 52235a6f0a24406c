"""Text normalisation applied to every message before tokenising and routing.

Residents type on phones with full-width input, traditional characters, emoji
bursts and "!!!!!!"; rules and the user dictionary are written in plain simplified
Chinese with half-width digits. Normalising once here keeps every later stage simple.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from nlp import lexicon

MAX_CHARS = 2000
"""Routing looks at the first MAX_CHARS characters only: long rambling messages stay fast."""

# Full-width ASCII block U+FF01..U+FF5E maps onto U+0021..U+007E; U+3000 is the ideographic space.
_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20

_WHITESPACE_RUN = re.compile(r"\s+")
# The same punctuation character repeated ("！！！", "。。。", "???"); "……" collapses to "…".
_PUNCT_RUN = re.compile(r"([!?.,;:~。，！？、…—\-])\1+")

_traditional_chars: frozenset[str] | None = None


def _load_traditional() -> frozenset[str]:
    """Single characters zhconv converts to a different simplified form (loaded once)."""
    global _traditional_chars
    if _traditional_chars is None:
        from zhconv import zhconv as _zh

        table = _zh.getdict("zh-cn")
        _traditional_chars = frozenset(k for k, v in table.items() if len(k) == 1 and k != v)
    return _traditional_chars


@lru_cache(maxsize=2048)
def _to_simplified(text: str) -> str:
    from zhconv import convert

    return convert(text, "zh-cn")


def _strip_controls(text: str) -> str:
    """Turn line breaks and tabs into spaces and drop other control/format characters."""
    out = []
    for ch in text:
        if ch.isprintable() or ch == " ":
            out.append(ch)
        elif ch in "\t\n\r\v\f\u2028\u2029\x85":
            out.append(" ")
        elif unicodedata.category(ch) in ("Zs",):
            out.append(" ")
        # Cc/Cf (zero-width joiners, BOM, bidi marks ...) are dropped.
    return "".join(out)


def has_traditional(text: str) -> bool:
    """Whether any character in text is a traditional form zhconv would change."""
    trad = _load_traditional()
    return any(ch in trad for ch in text)


def normalize(text: str, max_chars: int = MAX_CHARS) -> str:
    """Return the canonical form of a message used by every other nlp module.

    Full-width letters, digits, punctuation and spaces become half-width; traditional
    characters become simplified (only when the text has some: zhconv is skipped
    otherwise); control characters go; whitespace and repeated punctuation collapse;
    the result is capped at max_chars characters. Case is kept (addresses say "B座").
    """
    if not text:
        return ""
    # Cap early (with slack for what the steps below remove) so huge inputs stay cheap.
    text = text[: max_chars * 2]
    text = text.translate(_FULLWIDTH)
    text = _strip_controls(text)
    if not text.isascii() and has_traditional(text):
        text = _to_simplified(text)
    text = _WHITESPACE_RUN.sub(" ", text).strip()
    text = _PUNCT_RUN.sub(r"\1", text)
    return text[:max_chars]


def warm() -> None:
    """Load the conversion table now rather than on the first traditional message."""
    _load_traditional()
    _to_simplified(lexicon.TRADITIONAL_SAMPLE)
