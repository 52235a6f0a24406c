"""Words that start another complaint in the same message ("电梯坏了 还有楼道灯也不亮")."""

from __future__ import annotations

COMPLAINT_JOINERS: tuple[str, ...] = (
    "还有就是", "还有一个", "还有个", "还有", "另外还有", "另外", "此外", "再就是", "再有就是", "再有", "而且",
    "顺便说一下", "顺便说下", "顺便", "以及", "同时",
)
"""A word that begins a further complaint; the text before it is one clause, the text after it another."""

SENTENCE_ENDS = "。！？；!?;\n"
"""Sentence-final punctuation: each sentence may be a complaint of its own."""

MIN_CLAUSE_CHARS = 4
"""Shorter pieces ("好吗", "谢谢") name no problem of their own."""
