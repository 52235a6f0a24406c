"""Issue 10's dialogues outside pytest: pass rate per issue point and the first-send success rate.

    .venv/bin/python bench/conversations.py              # the figures
    .venv/bin/python bench/conversations.py -v           # and why each failing dialogue fails
    .venv/bin/python bench/conversations.py -k p5- -v    # only dialogues whose id contains "p5-"

Runs tests/conversations/dialogues/*.yaml with the test runner's own code
(tests/conversations/runner.py), each dialogue on a fresh seeded SQLite database
in a temporary directory, as `pytest tests/conversations -k sqlite` does.
Whether a dialogue is marked ``open`` (expected to fail today) does not matter here:
every dialogue is run and counted for what it does now.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("JIEBA_LOG_LEVEL", "WARNING")

from tests.conversations.runner import POINTS, load_dialogues, run_outside_pytest  # noqa: E402

POINT_NAMES = {
    1: "pending question never swallows",
    2: "places and addresses",
    3: "attaching only what belongs",
    4: "duplicates only when the same",
    5: "ratings, withdrawal, urging, status",
    6: "hand-over to a person",
    7: "community facts, no placeholders",
    8: "notification hygiene",
    9: "README, demo, chat --url",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", dest="select", default="", help="run only dialogues whose id contains this")
    parser.add_argument("-v", dest="verbose", action="store_true", help="print why each failing dialogue fails")
    args = parser.parse_args()
    logging.disable(logging.WARNING)

    dialogues = [d for d in load_dialogues() if args.select in d.id]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="linli-conversations-") as root:
        results = run_outside_pytest(dialogues, Path(root))
    seconds = time.perf_counter() - started

    passed: dict[int, int] = defaultdict(int)
    total: dict[int, int] = defaultdict(int)
    for d in dialogues:
        if d.first_send:
            continue
        total[d.point] += 1
        passed[d.point] += results[d.id] is None
    print(f"issue 10 dialogues through the webhook ({len(dialogues)} run in {seconds:.0f} s, SQLite)")
    print(f"  {'point':<42} {'passing':>9}")
    for point in POINTS:
        if total[point]:
            label = f"{point}. {POINT_NAMES[point]}"
            print(f"  {label:<42} {passed[point]:>3}/{total[point]:<3} {passed[point] / total[point]:5.0%}")
    all_passed, all_total = sum(passed.values()), sum(total.values())
    if all_total:
        print(f"  {'all points':<42} {all_passed:>3}/{all_total:<3} {all_passed / all_total:5.0%}")

    reports = [d for d in dialogues if d.first_send]
    if reports:
        ok = sum(results[d.id] is None for d in reports)
        print(
            f"first-send success of plain reports (own ticket, right category and place, "
            f"after the first message or one answer): {ok}/{len(reports)} = {ok / len(reports):.0%}"
        )

    if args.verbose:
        for d in dialogues:
            if results[d.id] is not None:
                marked = f" [open: {d.open}]" if d.open else ""
                print(f"\nFAIL {d.id} (point {d.point}){marked}: {d.title}\n  {results[d.id]}")


if __name__ == "__main__":
    main()
