"""The emergency set (tests/nlp/emergency_cases.yaml) through the real engine pieces.

Uses data/rules/urgent.yaml, data/dict/*.txt and the real tokenizer, as the bot does.
Gates (issue 11): every real emergency is found, in an acceptable situation, and STRONG
where the case says strong; at most 2 % of near-misses raise any alarm. Recall and the
false-alarm rate are printed (pytest -s), per batch; bench/emergency.py shows more.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from nlp.normalize import normalize
from nlp.rules import load_rule_files
from nlp.tokenizer import DATA_DIR, Tokenizer, dictionary_files
from nlp.urgent import Assessment, Detector, Level, Situation

CASES_FILE = Path(__file__).resolve().parent / "emergency_cases.yaml"
MAX_FALSE_ALARMS = 0.02
KINDS = {str(s) for s in Situation} | {"none"}
WHYS = {"past", "resolved", "question", "hypothetical", "figure", "non_acute", "slippery", "other"}

CASES: list[dict[str, Any]] = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))["cases"]
REAL = [c for c in CASES if c["kind"] != "none"]
NEAR = [c for c in CASES if c["kind"] == "none"]


@pytest.fixture(scope="module")
def judge(tmp_path_factory: pytest.TempPathFactory) -> Any:
    tokenizer = Tokenizer(cache_dir=tmp_path_factory.mktemp("jieba"), user_dicts=dictionary_files())
    detector = Detector(load_rule_files([DATA_DIR / "rules" / "urgent.yaml"]))

    def _judge(text: str) -> Assessment:
        norm = normalize(text)
        return detector.assess(norm, tokenizer.cut(norm))

    return _judge


def test_the_set_is_big_enough_and_well_formed() -> None:
    assert len(REAL) >= 100 and len(NEAR) >= 150 and len(CASES) >= 250
    texts = [c["text"] for c in CASES]
    assert len(texts) == len(set(texts)), "duplicate texts"
    for c in CASES:
        assert c["kind"] in KINDS, c
        assert set(c.get("accept", ())) <= KINDS - {"none"}, c
        if c["kind"] == "none":
            assert c.get("why") in WHYS and "level" not in c, c
        else:
            assert c.get("level") in ("strong", "ambiguous") and "why" not in c, c


@pytest.mark.parametrize("case", REAL, ids=[f"{i:03d}-{c['kind']}" for i, c in enumerate(REAL)])
def test_every_real_emergency_is_found(judge: Any, case: dict[str, Any]) -> None:
    a = judge(case["text"])
    assert a.urgent, f"missed: {case['text']}\n{a.explain}"
    assert str(a.situation) in (case["kind"], *case.get("accept", ())), f"{case['text']}\n{a.explain}"
    if case["level"] == "strong":
        assert a.level is Level.STRONG, f"should act at once: {case['text']}\n{a.explain}"


def test_recall_and_false_alarms(judge: Any) -> None:
    """Print the figures per batch; gate the false-alarm rate (recall is gated case by case above)."""
    lines, alarms_all = [], []
    for batch in dict.fromkeys(c.get("batch", "original") for c in CASES):
        real = [c for c in REAL if c.get("batch", "original") == batch]
        near = [c for c in NEAR if c.get("batch", "original") == batch]
        found = sum(judge(c["text"]).urgent for c in real)
        alarms = [c for c in near if judge(c["text"]).urgent]
        alarms_all += alarms
        lines.append(
            f"  {batch:<9} recall {found / len(real):6.1%} ({found}/{len(real)}), "
            f"false alarms {len(alarms) / len(near):5.1%} ({len(alarms)}/{len(near)})"
        )
    found = sum(judge(c["text"]).urgent for c in REAL)
    rate = len(alarms_all) / len(NEAR)
    print(f"\nemergency set: recall {found / len(REAL):.1%} ({found}/{len(REAL)}), "
          f"false alarms {rate:.1%} ({len(alarms_all)}/{len(NEAR)})")  # fmt: skip
    print("\n".join(lines))
    for c in alarms_all:
        print(f"  false alarm [{c['why']}]: {c['text']}\n    " + judge(c["text"]).explain.replace("\n", "\n    "))
    assert rate <= MAX_FALSE_ALARMS, f"false alarms {rate:.1%} > {MAX_FALSE_ALARMS:.0%}"
