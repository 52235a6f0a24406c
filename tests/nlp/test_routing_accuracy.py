"""Real resident phrasings (tests/nlp/routing_cases.yaml) through the real engine.

Uses data/rules/*.yaml, data/dict/*.txt, the real tokenizer, the urgent router and the
normal router, exactly as the bot does. Prints every miss as "expected -> got: text".

Each case carries the batch it was added in: "original" cases were written before the
rules but the rules were then tuned on them, so the "fresh-*" batches (each measured
before tuning) are the better guess at accuracy on messages nobody has seen. The
accuracy is printed per batch; the gate is on all cases.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from nlp.rules import load_rule_files, rule_files
from nlp.tokenizer import DATA_DIR, Tokenizer, dictionary_files
from nlp.understand import understand
from nlp.urgent import build_routers

CASES = Path(__file__).resolve().parent / "routing_cases.yaml"
RULES_DIR = DATA_DIR / "rules"
REQUIRED_ACCURACY = 0.92
BATCHES = ("original", "fresh-1", "fresh-2", "fresh-3", "features")
ESTATES = ("幸福里小区",)


def _describe(intent: str | None, category: str | None, rule: str | None) -> str:
    return f"{intent}{'/' + category if category else ''}{' [' + rule + ']' if rule else ''}"


def test_routing_accuracy(tmp_path_factory: pytest.TempPathFactory) -> None:
    rules = load_rule_files(rule_files(RULES_DIR))
    router, urgent_router = build_routers(rules)
    tokenizer = Tokenizer(cache_dir=tmp_path_factory.mktemp("jieba"), user_dicts=dictionary_files())
    cases: list[dict[str, Any]] = yaml.safe_load(CASES.read_text(encoding="utf-8"))["cases"]

    unknown = [c["text"] for c in cases if c.get("batch") not in BATCHES]
    assert not unknown, f"cases without a known batch ({', '.join(BATCHES)}): {unknown[:5]}"

    misses: list[str] = []
    confusion: Counter[str] = Counter()
    total: Counter[str] = Counter(c["batch"] for c in cases)
    missed: Counter[str] = Counter()
    for case in cases:
        u = understand(case["text"], tokenizer=tokenizer, router=router, urgent_router=urgent_router, estates=ESTATES)
        got_rule = u.match.rule.name if u.match else None
        ok = u.intent == case.get("intent")
        if ok and case.get("category") is not None:
            ok = u.category == case["category"]
        if ok and case.get("rule") is not None:
            ok = got_rule == case["rule"]
        if not ok:
            expected = _describe(case.get("intent"), case.get("category"), case.get("rule"))
            got = _describe(u.intent, u.category, got_rule)
            confusion[f"{case.get('intent')}/{case.get('category')} -> {u.intent}/{u.category}"] += 1
            misses.append(f"  [{case['batch']}] {expected} -> {got}: {case['text']}")
            missed[case["batch"]] += 1

    accuracy = 1 - len(misses) / len(cases)
    print(f"\nrouting accuracy {accuracy:.1%} ({len(cases) - len(misses)}/{len(cases)}), {len(rules)} rules")
    for batch in BATCHES:
        right = total[batch] - missed[batch]
        print(f"  {batch:<9} {right / total[batch]:6.1%} ({right}/{total[batch]})")
    if confusion:
        print("confusion (expected -> got):")
        for pair, count in confusion.most_common():
            print(f"  {count:3d}  {pair}")
        print("misses:")
        print("\n".join(misses))
    assert accuracy >= REQUIRED_ACCURACY, f"accuracy {accuracy:.1%} < {REQUIRED_ACCURACY:.0%}"
