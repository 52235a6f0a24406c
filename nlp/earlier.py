"""Is a message about an earlier matter, to thank for it or to ask where it stands, rather than a new report?

"上次电梯关人的事处理得挺好 谢谢你们" and "上周电梯的事后来咋样了" carry a report's keywords (电梯, 关人)
but report nothing new. A marker of the past (上次, 上周 …) followed closely by a matter word (的事, 的问题 …)
says so; "上次修好的电梯又坏了" names no matter and stays a report. Pure: no jieba, no database.
"""

from __future__ import annotations

import re
from enum import StrEnum

from nlp.lexicon.earlier import EARLIER_MARKERS, FOLLOW_UP_CUES, MATTER_SPAN, MATTER_WORDS, THANKS_CUES


class Earlier(StrEnum):
    THANKS = "thanks"
    ASKS = "asks"


_MATTER = re.compile(
    "(?:" + "|".join(map(re.escape, EARLIER_MARKERS)) + ")" + f".{{0,{MATTER_SPAN}}}?"
    + "(?:" + "|".join(map(re.escape, MATTER_WORDS)) + ")"
)


def about_an_earlier_matter(text: str) -> Earlier | None:
    """THANKS or ASKS when the text speaks of an earlier matter to thank for it or ask about it; else None."""
    if not text or _MATTER.search(text) is None:
        return None
    if any(cue in text for cue in THANKS_CUES):
        return Earlier.THANKS
    if any(cue in text for cue in FOLLOW_UP_CUES):
        return Earlier.ASKS
    return None
