"""What a reminder request says besides its time: the content, a yes or no, a reminder's number.

Pure text functions (vocabulary in nlp/lexicon/reminders.py); the time itself is
nlp/timeparse.py's. Used by handlers/reminders/.

    what_of("提醒我去社区打疫苗") == "去社区打疫苗"        # after timeparse.content() cut the time
    what_of("社区体检，记得提醒我") == "社区体检"
    reminder_number("取消第三个提醒") == 3
"""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta

from nlp.lexicon import reminders as words
from nlp.numerals import cn2an

_TRIGGER = re.compile("|".join(re.escape(t) for t in sorted(words.TRIGGERS, key=len, reverse=True)))
_NUMBER = re.compile(words.NUMBER_PATTERN)
_ANSWER_NOISE = re.compile(r"[\s\W_]+")
_LEAD = re.compile(words.LEAD_PATTERN)


def lead_of(text: str) -> tuple[timedelta, tuple[int, int]] | None:
    """How long before the named time to remind (提前一天 → 1 day), and the phrase's span; None if not said."""
    found = _LEAD.search(text)
    if found is None:
        return None
    amount = found["amount"]
    if amount == words.HALF:
        value = 0.5
    elif amount.isdigit():
        value = float(amount)
    else:
        try:
            value = float(cn2an.cn2an(amount, "smart"))
        except ValueError:
            return None
    if found["half"]:
        value += 0.5
    minutes = value * words.LEAD_UNITS[found["unit"]]
    if minutes <= 0:
        return None
    return timedelta(minutes=minutes), found.span()


def without(text: str, span: tuple[int, int]) -> str:
    """``text`` with ``span`` cut out."""
    return text[: span[0]] + text[span[1]:]


def what_of(text: str) -> str:
    """The reminder's content: the first request phrase cut out, filler and edge punctuation trimmed."""
    found = _TRIGGER.search(text)
    if found is not None:
        text = text[: found.start()] + text[found.end():]
    previous = None
    while previous != text:
        previous = text
        text = text.strip(words.EDGE_PUNCTUATION)
        for filler in words.LEADING_FILLER:
            if text.startswith(filler) and len(text) > len(filler):
                text = text[len(filler):]
                break
        for filler in words.TRAILING_FILLER:
            if text.endswith(filler) and len(text) > len(filler):
                text = text[: -len(filler)]
                break
    if text in words.LEADING_FILLER or text in words.TRAILING_FILLER:
        return ""
    return re.sub(r"\s+", " ", text)


def _answer(text: str) -> str:
    return _ANSWER_NOISE.sub("", unicodedata.normalize("NFKC", text).strip().lower())


def is_yes(text: str) -> bool:
    """The whole message confirms (是 / 对的 / 好 / 嗯嗯 …)."""
    return _answer(text) in words.YES


def is_no(text: str) -> bool:
    """The whole message rejects (不是 / 不对 …)."""
    return _answer(text) in words.NO


def names_all(text: str) -> bool:
    """A cancel request for every reminder (取消所有提醒)."""
    return any(word in text for word in words.ALL_WORDS)


def reminder_number(text: str) -> int | None:
    """The number in a cancel request (取消提醒 3, 取消第三个提醒, 取消3号提醒), or None."""
    found = _NUMBER.search(unicodedata.normalize("NFKC", text))
    if found is None:
        return None
    group = found.group(1) or found.group(2)
    if group.isdigit():
        return int(group)
    try:
        return int(cn2an.cn2an(group, "smart"))
    except ValueError:
        return None
