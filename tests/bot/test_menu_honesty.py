"""The help menu promises only what works: items that answer "还在开通中" say so in the menu."""

from __future__ import annotations

import re

from bot import texts as bot_texts
from handlers.help import texts

NOT_OPEN = "还在开通中"
MARK = "（即将开通）"


def _menu_items() -> list[tuple[str, str]]:
    """(menu line, the example the line tells residents to send) for every numbered item."""
    items = []
    for line in bot_texts.CAPABILITIES_MENU.splitlines():
        if re.match(r"\d\. ", line):
            example = re.search(r"“([^”]+)”", line)
            items.append((line, example.group(1) if example else ""))
    return items


def test_every_menu_example_either_works_or_is_marked_coming_soon(chat):
    items = _menu_items()
    assert len(items) == 6
    replies = {example: chat([example], user=f"oMenu{i}")[0] or "" for i, (_, example) in enumerate(items) if example}
    for line, example in items:
        if not example:
            continue
        if NOT_OPEN in replies[example]:
            assert MARK in line, f"{line!r} advertises something that answers {replies[example]!r}"
        else:
            assert MARK not in line, f"{line!r} is marked coming soon but works"
    marked = [line for line, _ in items if MARK in line]
    assert "订阅每日党史" not in "".join(marked)  # bulletins work (issue 14)


def test_welcome_and_help_carry_the_marks():
    for text in (texts.WELCOME, texts.HELP, bot_texts.FALLBACK):
        assert text.count(MARK) == bot_texts.CAPABILITIES_MENU.count(MARK)
