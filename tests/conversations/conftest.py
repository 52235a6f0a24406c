"""Conversation tests: whole dialogues through the real webhook over the seeded demo (tests/conftest.py).

def test_x(play):
    play(dialogue)    # raises DialogueFailure at the first expectation a person would notice is unmet
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conversations.runner import Dialogue, run_dialogue


@pytest.fixture
def play(nlp_services: Any, tmp_path: Path) -> Callable[[Dialogue], None]:
    """Run one dialogue on this test's freshly seeded database (SQLite, and PostgreSQL when configured)."""

    def run(dialogue: Dialogue) -> None:
        run_dialogue(dialogue, nlp_services, tmp_path)

    return run
