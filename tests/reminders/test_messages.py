"""The 40 whole messages of tests/nlp/test_timeparse_messages.py, end to end through the webhook.

Each message is sent by a new resident at Wednesday 2026-12-02 10:30. A message
that asks for a reminder (提醒我, 叫我, 喊我 …) must come back confirmed with the
expected time written out (or, for a bare hour, a question proposing it) and the
expected content without its filler. Messages that only mention a time (国庆节早上9点升旗)
are not reminder requests and must not create one. Before this capability every
one of them answered "还在开通中" (0 of 40).
"""

from __future__ import annotations

from datetime import datetime

from handlers.reminders import service
from nlp import reminderwords
from tests.nlp.test_timeparse_messages import MESSAGES
from tests.reminders.conftest import NOW, TZ, Desk

# Messages addressed to the reminders capability (the others only mention a time).
REQUESTS = {text for text, _, _ in MESSAGES
            if any(w in text for w in ("提醒我", "叫我", "喊我", "记得提醒", "提醒大家"))}


def expected_reply_parts(when: str, rest: str) -> tuple[str, str]:
    """The time as the confirmation writes it, and the content; a lead time (提前一天) moves the time."""
    stamp = " ".join(when.split()[-2:])  # "weekly 2026-12-03 07:00" -> its first occurrence
    at = datetime.strptime(stamp, "%Y-%m-%d %H:%M").replace(tzinfo=TZ)
    lead = reminderwords.lead_of(rest)
    if lead is not None:
        at -= lead[0]
        rest = reminderwords.without(rest, lead[1])
    return service.when_text(at, TZ, NOW), reminderwords.what_of(rest)


def test_whole_messages_end_to_end(desk: Desk) -> None:
    confirmed, misses = 0, []
    for n, (text, when, rest) in enumerate(MESSAGES):
        user = f"oMsg{n:02d}"
        reply = desk.say(text, user=user) or ""
        made = desk.reminders(user)
        if text not in REQUESTS:
            if made:
                misses.append(f"not a request but a reminder was set: {text} -> {reply}")
            continue
        stamp, what = expected_reply_parts(when, rest)
        if stamp in reply and (not what or what in reply):
            confirmed += 1
        else:
            misses.append(f"{text} -> {reply!r} (expected {stamp} / {what})")
    print(f"\nend to end: {confirmed}/{len(REQUESTS)} reminder requests confirmed with the expected time and "
          f"content; {len(MESSAGES) - len(REQUESTS)} messages that only mention a time set no reminder")
    for miss in misses:
        print("  miss:", miss)
    assert not misses
