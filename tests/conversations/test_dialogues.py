"""Issue 10's dialogues (tests/conversations/dialogues/*.yaml), each through the real webhook.

A dialogue marked ``open: "<reason>"`` fails on today's code: it is a strict
xfail, so the fix that makes it pass must remove the mark (delete the ``open``
line). The others are plain tests that must keep passing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest

from tests.conversations.runner import POINTS, Dialogue, DialogueFailure, load_dialogues

DIALOGUES = load_dialogues()


def _param(dialogue: Dialogue) -> object:
    marks = []
    if dialogue.open:
        marks.append(
            pytest.mark.xfail(strict=True, raises=DialogueFailure, reason=f"issue 10 not fixed yet: {dialogue.open}")
        )
    return pytest.param(dialogue, id=dialogue.id, marks=marks)


@pytest.mark.parametrize("dialogue", [_param(d) for d in DIALOGUES])
def test_dialogue(dialogue: Dialogue, play: Callable[[Dialogue], None]) -> None:
    play(dialogue)


def test_the_dialogues_cover_every_point_of_issue_10() -> None:
    issue = [d for d in DIALOGUES if not d.first_send]
    per_point = Counter(d.point for d in issue)
    assert len(issue) >= 80, f"{len(issue)} dialogues about the issue's points, 80 wanted"
    assert all(per_point[p] for p in POINTS), f"points without a dialogue: {[p for p in POINTS if not per_point[p]]}"
    reports = [d for d in DIALOGUES if d.first_send]
    assert len(reports) >= 40, f"{len(reports)} plain reports for the first-send rate, 40 wanted"
    assert all(len(d.turns) <= 2 for d in reports), "a plain report is the report and at most one answer"
