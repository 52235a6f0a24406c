"""A message that reports several problems, cut into the pieces that may each be a complaint.

Cut at sentence-final punctuation and before the words that start another complaint (还有, 另外, 而且 …),
never at commas or spaces: "楼上漏水，把我家灯都泡坏了" is one problem told in two breaths. Whether a
piece is a problem of its own is for the router to say; this only cuts.
"""

from __future__ import annotations

import re

from nlp.lexicon.clauses import COMPLAINT_JOINERS, MIN_CLAUSE_CHARS, SENTENCE_ENDS

_CUT = re.compile(
    "[" + re.escape(SENTENCE_ENDS) + "]+|(?=" + "|".join(re.escape(w) for w in sorted(COMPLAINT_JOINERS, key=len,
                                                                                       reverse=True)) + ")"
)


def complaint_clauses(text: str) -> list[str]:
    """The pieces of ``text`` that may each be a complaint, in order; one piece when there is no cut."""
    pieces = [p.strip(" ，,、") for p in _CUT.split(text or "")]
    return [p for p in pieces if len(p) >= MIN_CLAUSE_CHARS]
