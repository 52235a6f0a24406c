"""Measure the urgent fast path on the emergency set (tests/nlp/emergency_cases.yaml).

Prints recall on real emergencies (found at all, and found STRONG where the case says
strong), the false-alarm rate on near-misses (any alarm, and STRONG alarms that would page
people), false alarms by kind of near-miss, a per-situation confusion table and the time
per message; -v lists every miss and false alarm with the detector's explanation.

Uses the real tokenizer (data/dict) and data/rules/urgent.yaml, as the bot does.
--legacy-rules FILE measures the old keyword router instead (every match STRONG, the
situation read from the rule's category), e.g. on the rules before issue 11:

    git show b39fc1b:data/rules/urgent.yaml > /tmp/old_urgent.yaml
    .venv/bin/python bench/emergency.py --legacy-rules /tmp/old_urgent.yaml

Run: .venv/bin/python bench/emergency.py [-v] [--legacy-rules FILE]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from nlp.normalize import normalize  # noqa: E402
from nlp.router import Router  # noqa: E402
from nlp.rules import load_rule_files  # noqa: E402
from nlp.tokenizer import DATA_DIR, Tokenizer, dictionary_files  # noqa: E402
from nlp.urgent import LEGACY_SITUATIONS, URGENT_INTENT, Detector  # noqa: E402

CASES = ROOT / "tests" / "nlp" / "emergency_cases.yaml"
Judge = Callable[[str], tuple[str, str, str]]  # text -> (situation or "none", level, explanation)


def new_judge(tokenizer: Tokenizer) -> Judge:
    path = DATA_DIR / "rules" / "urgent.yaml"
    detector = Detector(load_rule_files([path]) if path.exists() else [])

    def judge(text: str) -> tuple[str, str, str]:
        norm = normalize(text)
        a = detector.assess(norm, tokenizer.cut(norm))
        return (str(a.situation) if a.situation else "none"), str(a.level), a.explain

    return judge


def legacy_judge(tokenizer: Tokenizer, path: Path) -> Judge:
    router = Router(r for r in load_rule_files([path]) if r.intent == URGENT_INTENT)

    def judge(text: str) -> tuple[str, str, str]:
        norm = normalize(text)
        m = router.route(tokenizer.cut(norm), norm)
        if m is None:
            return "none", "none", "no rule"
        return str(LEGACY_SITUATIONS.get(m.category or "", "medical")), "strong", f"{m.rule.name}: {m.keywords}"

    return judge


def _by_batch(cases: list[dict], judge: Judge) -> list[tuple[str, str]]:
    """Recall and false alarms per batch: "original" was tuned on, later batches were measured first."""
    lines = []
    for batch in dict.fromkeys(c.get("batch", "original") for c in cases):
        chosen = [c for c in cases if c.get("batch", "original") == batch]
        real = [c for c in chosen if c["kind"] != "none"]
        near = [c for c in chosen if c["kind"] == "none"]
        found = sum(judge(c["text"])[1] != "none" for c in real)
        alarms = sum(judge(c["text"])[1] != "none" for c in near)
        lines.append(
            (
                batch,
                f"recall {found / len(real):6.1%} ({found}/{len(real)}), "
                f"false alarms {alarms / len(near):5.1%} ({alarms}/{len(near)})",
            )
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="list misses and false alarms with reasons")
    parser.add_argument("--legacy-rules", type=Path, help="measure the old keyword router on this rule file")
    args = parser.parse_args()

    cases = yaml.safe_load(CASES.read_text(encoding="utf-8"))["cases"]
    tokenizer = Tokenizer(cache_dir=tempfile.gettempdir(), user_dicts=dictionary_files())
    tokenizer.warm()
    judge = legacy_judge(tokenizer, args.legacy_rules) if args.legacy_rules else new_judge(tokenizer)

    real = [c for c in cases if c["kind"] != "none"]
    near = [c for c in cases if c["kind"] == "none"]
    found = strong_ok = kind_ok = alarms = strong_alarms = 0
    confusion: Counter[tuple[str, str]] = Counter()
    by_why: Counter[str] = Counter()
    misses: list[str] = []
    started = time.perf_counter()
    for case in cases:
        situation, level, why = judge(case["text"])
        confusion[(case["kind"], situation)] += 1
        line = f"  {case['kind']}/{case.get('level') or case.get('why')} -> {situation}/{level}: {case['text']}"
        if args.verbose:
            line += "\n      " + why.replace("\n", "\n      ")
        if case["kind"] == "none":
            if level != "none":
                alarms += 1
                strong_alarms += level == "strong"
                by_why[case["why"]] += 1
                misses.append(line)
            continue
        ok_kind = situation in (case["kind"], *case.get("accept", ()))
        found += level != "none"
        kind_ok += level != "none" and ok_kind
        level_ok = level == "strong" or (case["level"] == "ambiguous" and level == "ambiguous")
        strong_ok += level_ok
        if level == "none" or not ok_kind or not level_ok:
            misses.append(line)
    per_message = (time.perf_counter() - started) / len(cases) * 1e6
    batches = _by_batch(cases, judge) if len({c.get("batch", "original") for c in cases}) > 1 else []

    print(
        f"emergency set: {len(real)} real emergencies, {len(near)} near-misses"
        + (f" (legacy rules {args.legacy_rules})" if args.legacy_rules else "")
    )
    print(f"recall            {found / len(real):6.1%}  ({found}/{len(real)} found at all)")
    print(f"level right       {strong_ok / len(real):6.1%}  ({strong_ok}/{len(real)}; strong cases need STRONG)")
    print(f"situation right   {kind_ok / len(real):6.1%}  ({kind_ok}/{len(real)})")
    print(f"false alarms      {alarms / len(near):6.1%}  ({alarms}/{len(near)} near-misses flagged at all)")
    print(f"strong false alarms {strong_alarms / len(near):4.1%}  ({strong_alarms}/{len(near)} would page people)")
    if by_why:
        print("false alarms by kind of near-miss: " + ", ".join(f"{k} {v}" for k, v in by_why.most_common()))
    for batch, line in batches:
        print(f"  {batch:<9} {line}")
    print(f"time per message  {per_message:6.0f} us (normalise + tokenise + judge)")
    kinds = sorted({k for k, _ in confusion} | {g for _, g in confusion}, key=lambda k: (k == "none", k))
    width = max(len(k) for k in kinds)
    print("\nconfusion (rows: expected, columns: got)")
    print(" " * (width + 2) + " ".join(f"{k[:7]:>7}" for k in kinds))
    for k in kinds:
        print(f"  {k:<{width}}" + " ".join(f"{confusion[(k, g)] or '.':>7}" for g in kinds))
    if misses:
        print("\nmisses and false alarms (expected -> got):")
        print("\n".join(misses))


if __name__ == "__main__":
    main()
