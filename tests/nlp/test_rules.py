from __future__ import annotations

from pathlib import Path

import pytest

from nlp.rules import RuleError, load_rule_files, parse_rules, rule_files

GOOD = """
rules:
  - name: tickets.elevator.broken
    intent: tickets.create
    category: elevator
    any: [电梯, 直梯]
    all: [坏]
    none: [修好了]
    synonyms: {趴窝: 坏}
    priority: 10
  - name: chat.thanks
    intent: chat.thanks
    any: [谢谢]
    reply: 不客气
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_loads_every_field_with_defaults(tmp_path: Path) -> None:
    rules = load_rule_files([write(tmp_path, "a.yaml", GOOD)])
    elevator, thanks = rules
    assert (elevator.id, elevator.name, elevator.category) == (1, "tickets.elevator.broken", "elevator")
    assert elevator.any == ("电梯", "直梯") and elevator.all == ("坏",) and elevator.none == ("修好了",)
    assert dict(elevator.synonyms) == {"趴窝": "坏"}
    assert elevator.priority == 10 and elevator.enabled and elevator.community is None
    assert (thanks.id, thanks.priority, thanks.reply, thanks.category) == (2, 0, "不客气", None)


def test_ids_follow_order_across_files(tmp_path: Path) -> None:
    a = write(tmp_path, "a.yaml", GOOD)
    b = write(tmp_path, "b.yaml", "rules:\n  - {name: help, intent: help.show, any: [帮助]}\n")
    assert [r.id for r in load_rule_files([a, b])] == [1, 2, 3]


def test_keywords_are_normalised(tmp_path: Path) -> None:
    rules = parse_rules({"rules": [{"name": "x", "intent": "help.show", "any": ["幫助", "ＷＩＦＩ"]}]})
    assert rules[0].any == ("帮助", "WIFI")


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"name": "r", "intent": "tickets.fly", "any": ["a"]}, "rule 'r': field 'intent'"),
        ({"name": "r", "intent": "tickets.create", "any": ["电梯"]}, "rule 'r': field 'category' is required"),
        ({"name": "r", "intent": "tickets.create", "category": "moon", "any": ["电梯"]}, "unknown category"),
        ({"name": "r", "intent": "tickets.urgent", "category": "noise", "any": ["吵"]}, "cannot be urgent"),
        ({"name": "r", "intent": "help.show", "category": "noise", "any": ["吵"]}, "only for tickets"),
        ({"name": "r", "intent": "help.show", "any": ["帮助"], "anyy": ["x"]}, "unknown field(s) anyy"),
        ({"name": "r", "intent": "help.show"}, "'any' and 'all' are both empty"),
        ({"name": "r", "intent": "help.show", "any": [], "none": ["x"]}, "both empty"),
        ({"name": "r", "intent": "help.show", "any": "帮助"}, "field 'any' must be a list"),
        ({"name": "r", "intent": "help.show", "any": ["  "]}, "field 'any' has an empty keyword"),
        ({"name": "r", "intent": "help.show", "any": ["帮助"], "priority": "high"}, "field 'priority'"),
        (
            {"name": "r", "intent": "help.show", "any": ["帮助"], "synonyms": {"救救": "菜单"}},
            "not one of its keywords",
        ),
        ({"intent": "help.show", "any": ["帮助"]}, "field 'name' is required"),
        ({"name": "r", "intent": "help.show", "any": ["帮助"], "priority": 10**20}, "field 'priority' must be between"),
        ({"name": "r", "intent": "help.show", "any": ["帮助"], "priority": -1001}, "field 'priority' must be between"),
        # One over the limit (MAX_KEYWORDS = 500); 100,000 cost a minute of YAML parsing for the same check.
        ({"name": "r", "intent": "help.show", "any": [f"词{i}" for i in range(501)]}, "field 'any' has 501 keywords"),
        ({"name": "r", "intent": "help.show", "any": ["帮" * 65]}, "field 'any' has a keyword longer"),
        ({"name": "r", "intent": "faq.answer", "any": ["泳池"]}, "field 'reply' is required for faq.answer"),
        ({"name": "r", "intent": "faq.answer", "any": ["泳池"], "reply": "  "}, "field 'reply' is required"),
    ],
)
def test_bad_rules_name_file_rule_and_field(tmp_path: Path, rule: dict, message: str) -> None:
    import yaml

    path = write(tmp_path, "bad.yaml", yaml.safe_dump({"rules": [rule]}, allow_unicode=True))
    with pytest.raises(RuleError) as err:
        load_rule_files([path])
    assert "bad.yaml" in str(err.value)
    assert message in str(err.value)


def test_duplicate_names_across_files_are_rejected(tmp_path: Path) -> None:
    a = write(tmp_path, "a.yaml", GOOD)
    b = write(tmp_path, "b.yaml", GOOD)
    with pytest.raises(RuleError, match="duplicates a rule in"):
        load_rule_files([a, b])


def test_invalid_yaml_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match="broken.yaml: invalid YAML"):
        load_rule_files([write(tmp_path, "broken.yaml", "rules: [\n")])


def test_rule_files_puts_urgent_first(tmp_path: Path) -> None:
    for name in ("tickets.yaml", "chat.yaml", "urgent.yaml"):
        write(tmp_path, name, "rules: []\n")
    assert [p.name for p in rule_files(tmp_path)] == ["urgent.yaml", "chat.yaml", "tickets.yaml"]


def test_the_default_rules_still_load_and_every_faq_has_an_answer() -> None:
    from nlp.tokenizer import DATA_DIR

    rules = load_rule_files(rule_files(DATA_DIR / "rules"))
    faqs = [r for r in rules if r.intent == "faq.answer"]
    assert len(faqs) >= 25
    assert all(r.reply and r.reply.strip() for r in faqs)
