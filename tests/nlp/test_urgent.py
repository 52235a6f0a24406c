"""The urgent detector (nlp/urgent.py): situations, the checks for "now", levels, admin words, compatibility."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from nlp import lexicon
from nlp.lexicon import urgent as words
from nlp.normalize import normalize
from nlp.router import Router
from nlp.rules import CATEGORIES, load_rule_files
from nlp.tokenizer import DATA_DIR, Tokenizer
from nlp.understand import explain, understand
from nlp.urgent import (
    FRAMES,
    Assessment,
    Detector,
    Level,
    Situation,
    UrgentLexiconError,
    UrgentMatch,
    assess,
    build_routers,
    build_urgent_router,
    check_urgent,
    split_rules,
    urgent_rule_problem,
)
from tests.nlp.conftest import make_rules

Judge = Callable[..., Assessment]


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector()


@pytest.fixture
def judge(detector: Detector, tokenizer: Tokenizer) -> Judge:
    def _judge(text: str, on: Detector | None = None, community: str | None = None) -> Assessment:
        norm = normalize(text)
        return (on if on is not None else detector).assess(norm, tokenizer.cut(norm), community)

    return _judge


# -- situations ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "situation", "category"),
    [
        ("楼下着火了", Situation.FIRE, "fire"),
        ("燃气味好大", Situation.GAS, "gas"),
        ("天然气管子在呲呲漏气", Situation.GAS, "gas"),
        ("有个孩子摸配电箱被电倒了", Situation.ELECTRIC_SHOCK, "electric_shock"),
        # The everyday 被电 with the person down is a shock (its advice: cut the power, don't touch), not
        # a collapse of unknown cause.
        ("幸福里5栋 工人被电了 倒在地上抽搐", Situation.ELECTRIC_SHOCK, "electric_shock"),
        ("孩子被电了 叫不醒", Situation.ELECTRIC_SHOCK, "electric_shock"),
        ("有个大爷碰到掉下来的电线 人倒在地上了", Situation.ELECTRIC_SHOCK, "electric_shock"),
        ("电表箱在冒火花", Situation.ELECTRIC_SHOCK, "power"),
        ("地下室的水漫到配电箱了", Situation.FLOODING, "power"),
        ("电梯卡在两层中间 我和孩子在里面", Situation.ENTRAPMENT, "elevator"),
        ("工人从脚手架上摔下来了", Situation.FALL_FROM_HEIGHT, "medical"),
        ("我爸倒地叫不应", Situation.MEDICAL, "medical"),
        ("我爸说话不清楚 半边身子动不了", Situation.MEDICAL, "medical"),
    ],
)
def test_situations_strong(judge: Judge, text: str, situation: Situation, category: str) -> None:
    a = judge(text)
    assert (a.level, a.situation, a.category) == (Level.STRONG, situation, category), a.explain


def test_an_assessment_says_what_and_why(judge: Judge) -> None:
    a = judge("我妈在厨房晕倒了 一屋子煤气味")
    assert a.urgent and a.strong
    assert a.situation is Situation.GAS and a.situations == (Situation.GAS, Situation.MEDICAL)
    assert a.best is not None and a.best.frame == "gas.smell" and a.best.phrases == ("煤气味",)
    assert a.explain.startswith("STRONG gas (category gas) because gas.smell")
    assert "medical.collapse" in a.explain
    json.dumps(a.to_dict(), ensure_ascii=False)


def test_nothing_found_is_none(judge: Judge) -> None:
    a = judge("你好 请问物业电话是多少")
    assert (a.level, a.situation, a.category, a.evidence) == (Level.NONE, None, None, ())
    assert not a.urgent and a.explain.startswith("not urgent")


# -- is it happening now? ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "check"),
    [
        ("昨天着火那事后来咋样了", "past"),
        ("我之前被关在电梯里过 现在都不敢坐", "past"),
        ("我爷爷晕倒过一次", "past"),
        ("火已经扑灭了 没事了", None),  # no situation left at all
        ("刚才的煤气味没有了", "resolved"),
        ("那个被困的老人已经被放出来了", "resolved"),
        ("燃气报警器响了一下 检查了是误报", "resolved"),
        ("燃气泄漏报警器在哪里买", None),  # a device name (a decoy)
        ("电梯被困应急演练要不要报名", "question about it"),
        ("要是着火了消防车都进不来", "hypothetical"),
        ("插座离水池太近了 容易触电", "hypothetical"),
        ("真着火了谁负责", "hypothetical"),
        ("如果天然气泄漏 会不会爆炸", "hypothetical"),
        ("电梯老是抖 迟早要困人", "hypothetical"),
        ("空调坏了 热得快晕倒了", "figure of speech"),
        ("有人快晕倒了", "not happened (yet)"),
        ("这天热得跟着火了一样", "figure of speech"),
        ("这房价贵得让人喘不过气", "figure of speech"),
        ("楼梯扶手松了 差点摔倒", "near miss"),
        ("我腿摔伤了 想找志愿者帮忙买菜", "not acute"),
        ("磕破了点皮 有创可贴吗", "not acute"),
        ("楼道里一股烟味 肯定又是有人抽烟", "explained"),
        ("电梯坏了 没人困在里面", "negated"),
        ("虚惊一场 不是着火是有人烧纸", "negated"),
        ("大风把树刮倒了", None),
        ("花盆从楼上掉下来了", "not a person"),
        ("我家猫困在空调外机上了", "not a person"),
        ("冬天路面结冰 老人出门摔倒的多", "habitual"),
    ],
)
def test_not_happening_now(judge: Judge, text: str, check: str | None) -> None:
    a = judge(text)
    assert a.level is Level.NONE, a.explain
    if check is not None:
        assert check in {e.dropped for e in a.ignored}, a.explain


def test_present_words_override_a_past_word_in_the_clause(judge: Judge) -> None:
    assert judge("从昨天开始一直有煤气味").level is Level.STRONG
    assert judge("昨天有煤气味").level is Level.NONE


def test_a_past_event_does_not_hide_a_new_one(judge: Judge) -> None:
    a = judge("昨天电梯坏了 今天又困人了")
    assert (a.level, a.situation) == (Level.STRONG, Situation.ENTRAPMENT), a.explain


def test_resolution_of_one_situation_leaves_another(judge: Judge) -> None:
    a = judge("火灭了 但是有人晕倒了")
    assert (a.level, a.situation) == (Level.STRONG, Situation.MEDICAL), a.explain


def test_tokens_decide_one_character_markers(judge: Judge) -> None:
    assert judge("真的着火了").level is Level.STRONG  # 真的, not the hypothetical 真
    assert judge("我爸倒了").level is Level.STRONG
    assert judge("我妈给我倒了一杯水").level is Level.NONE  # 倒了$ only at the end of a clause
    assert judge("听到这消息我都要晕倒了").level is Level.NONE  # 倒了 inside 晕倒|了


def test_voice_fillers_do_not_hide_an_emergency(judge: Judge) -> None:
    a = judge("那个 就是 我妈呃 刚才在厨房突然就倒下去了 叫她也没反应")
    assert (a.level, a.situation) == (Level.STRONG, Situation.MEDICAL)


# -- levels ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("有股很浓的烧焦味", Level.AMBIGUOUS),  # could be cooking
        ("有股很浓的烧焦味 救命", Level.STRONG),  # a plea makes it act now
        ("楼下花园有个老人摔倒了", Level.AMBIGUOUS),
        ("老太太摔倒了 起不来", Level.STRONG),
        ("奶奶嘴歪了", Level.AMBIGUOUS),  # one stroke sign
        ("奶奶嘴歪了 说话含糊", Level.STRONG),  # two signs
        ("爷爷突然说不出话了", Level.STRONG),  # one sign, sudden
        ("楼顶冒烟 是不是着火了", Level.STRONG),  # the smoke itself is reported, not asked
        ("是不是着火了", Level.AMBIGUOUS),  # asked as a question
        ("楼道的铁门带电", Level.AMBIGUOUS),
        ("有个人站在楼顶边上要往下跳", Level.AMBIGUOUS),
    ],
)
def test_levels(judge: Judge, text: str, level: Level) -> None:
    assert judge(text).level is level, judge(text).explain


def test_a_bare_cry_for_help_is_asked_about(judge: Judge) -> None:
    for text in ("救命", "救命啊 快来人"):
        a = judge(text)
        assert (a.level, a.situation, a.category) == (Level.AMBIGUOUS, Situation.HELP, "public_security"), text
    assert judge("救命 笑死我了").level is Level.NONE  # slang, and it says more
    assert judge("救命 我爸晕倒了").situation is Situation.MEDICAL


def test_a_hazard_about_to_happen_is_ambiguous_with_strong_words(judge: Judge) -> None:
    a = judge("电线烫得快着火了")
    assert (a.level, a.situation) == (Level.AMBIGUOUS, Situation.FIRE) and a.strong_words


@pytest.mark.parametrize(
    ("text", "level", "situation"),
    [
        ("我怀疑是煤气中毒 一家人都头晕", Level.STRONG, Situation.GAS),
        ("孩子误喝了消毒水", Level.AMBIGUOUS, Situation.MEDICAL),
        ("楼道里有人躺着不动", Level.STRONG, Situation.MEDICAL),
        ("我被电梯门夹了一下", Level.NONE, None),  # 被电 inside 被电梯
    ],
)
def test_more_phrasings(judge: Judge, text: str, level: Level, situation: Situation | None) -> None:
    a = judge(text)
    assert (a.level, a.situation) == (level, situation), a.explain


def test_strong_words_asked_as_a_question_stay_strong_words(judge: Judge) -> None:
    """The handler escalates an unanswered confirmation only when the words were strong."""
    asked = judge("是不是着火了")
    assert asked.level is Level.AMBIGUOUS and asked.strong_words
    smell = judge("有股烧焦味")
    assert smell.level is Level.AMBIGUOUS and not smell.strong_words
    assert judge("着火了").strong_words


def test_level_order() -> None:
    assert Level.NONE.rank < Level.AMBIGUOUS.rank < Level.STRONG.rank


# -- categories --------------------------------------------------------------------------------


def test_category_slugs_follow_the_categories_that_exist(judge: Judge) -> None:
    assert judge("有人触电了").category == "electric_shock"
    assert judge("电线冒火花").category == "power"
    assert judge("我被关在地下室里出不去").category == "entrapment"
    without = Detector(categories=CATEGORIES - {"electric_shock", "entrapment"})
    assert judge("有人触电了", on=without).category == "power"
    assert judge("我被关在地下室里出不去", on=without).category == "public_security"


# -- admins' words -------------------------------------------------------------------------------


def test_a_rule_with_a_group_adds_words_to_it(judge: Judge) -> None:
    rules = make_rules(
        {"name": "w.gas", "intent": "tickets.urgent", "category": "gas", "any": ["瓦斯味"],
         "params": {"group": "gas.smell"}},
        {"name": "w.decoy", "intent": "tickets.urgent", "category": "fire", "any": ["演出"],
         "none": ["冒烟特效"], "params": {"group": "topic"}},
    )  # fmt: skip
    extended = Detector(rules)
    assert judge("瓦斯味好重", on=extended).situation is Situation.GAS
    assert judge("瓦斯味好重").level is Level.NONE
    assert judge("昨天瓦斯味好重", on=extended).level is Level.NONE  # admins' words get the same checks
    assert judge("舞台冒烟特效", on=extended).level is Level.NONE
    assert judge("舞台冒烟特效").level is Level.STRONG
    assert len(extended) == 2


def test_community_scoped_words_apply_only_there(judge: Judge) -> None:
    rules = make_rules(
        {"name": "w", "intent": "tickets.urgent", "category": "power", "any": ["强电井"],
         "params": {"group": "electric.place"}, "community": "xfl"},
    )  # fmt: skip
    scoped = Detector(rules)
    assert judge("强电井进水了", on=scoped, community="xfl").situation is Situation.FLOODING
    assert judge("强电井进水了", on=scoped, community="other").level is Level.NONE


def test_a_bad_rule_is_skipped_and_reported_not_fatal(judge: Judge) -> None:
    """The engine rebuilds on every admin change: one typo must not stop emergencies being judged."""
    rules = make_rules(
        {"name": "w", "intent": "tickets.urgent", "category": "gas", "any": ["x"], "params": {"group": "gas.smel"}}
    )
    assert "gas.smel" in (urgent_rule_problem(rules[0]) or "")
    lenient = Detector(rules)
    assert len(lenient.problems) == 1 and "ignored" in lenient.problems[0]
    assert judge("着火了", on=lenient).strong
    with pytest.raises(UrgentLexiconError, match="gas.smel"):
        Detector(rules, strict=True)
    assert urgent_rule_problem(make_rules(NORMAL_URGENT)[0]) is None


def test_an_old_style_keyword_rule_is_ambiguous_and_checked(judge: Judge) -> None:
    rules = make_rules(
        {"name": "old", "intent": "tickets.urgent", "category": "medical", "any": ["犯病"]},
        {"name": "old.strong", "intent": "tickets.urgent", "category": "gas", "any": ["沼气"],
         "params": {"level": "strong"}},
    )  # fmt: skip
    legacy = Detector(rules)
    a = judge("我爸犯病了", on=legacy)
    assert (a.level, a.situation, a.best.frame if a.best else None) == (Level.AMBIGUOUS, Situation.MEDICAL, "rule:old")
    assert judge("上个月我爸犯病了", on=legacy).level is Level.NONE
    assert judge("沼气", on=legacy).level is Level.STRONG
    with pytest.raises(UrgentLexiconError):
        Detector(make_rules({"name": "x", "intent": "tickets.urgent", "category": "gas", "any": ["x"],
                             "params": {"level": "loud"}}), strict=True)  # fmt: skip


def test_the_shipped_urgent_rules_load_and_extend_the_lexicon(judge: Judge) -> None:
    rules = load_rule_files([DATA_DIR / "rules" / "urgent.yaml"])
    assert rules and all(r.intent == "tickets.urgent" and r.params.get("group") in words.GROUPS for r in rules)
    shipped = Detector(rules, strict=True)
    assert judge("俺家燃起味儿老大了", on=shipped).situation is Situation.GAS


# -- the lexicon --------------------------------------------------------------------------------


def test_every_group_a_frame_needs_exists() -> None:
    used = {g for f in FRAMES for g in (*f.needs, *f.strong_with)}
    assert used <= set(words.GROUPS)


def test_lexicon_phrases_are_normalised_and_unique() -> None:
    for name, phrases in words.GROUPS.items():
        assert len(phrases) == len(set(phrases)), f"{name} repeats a phrase"
        for phrase in phrases:
            body = phrase.removesuffix("$")
            assert body and normalize(body) == body and "……" not in body, (name, phrase)
            assert all(part for part in body.split("…")), (name, phrase)


def test_urgency_words_stay_in_the_shared_lexicon() -> None:
    """nlp.entities still reads URGENCY_WORDS from nlp/lexicon/__init__.py."""
    assert "救命" in lexicon.URGENCY_WORDS


# -- compatibility: the detector stands where the urgent Router stood -----------------------------

NORMAL_URGENT: dict[str, Any] = {
    "name": "urgent.words", "intent": "tickets.urgent", "category": "elevator", "any": ["电提"],
    "params": {"group": "elevator"},
}  # fmt: skip
NORMAL = make_rules(
    {"name": "tickets.elevator", "intent": "tickets.create", "category": "elevator", "any": ["电梯"], "priority": 900},
    NORMAL_URGENT,
)


def test_build_routers_splits_rules_so_priorities_cannot_hide_emergencies() -> None:
    normal, urgent = build_routers(NORMAL)
    assert isinstance(normal, Router) and isinstance(urgent, Detector)
    assert [r.name for r in normal.rules] == ["tickets.elevator"]
    assert [r.name for r in urgent.rules] == ["urgent.words"] and len(urgent) == 1
    assert split_rules(NORMAL)[0] == list(normal.rules)
    assert isinstance(build_urgent_router(NORMAL), Detector)


def test_route_returns_a_match_with_the_assessment(tokenizer: Tokenizer) -> None:
    _, urgent = build_routers(NORMAL)
    norm = normalize("电提困人了 快来")
    match = urgent.route(tokenizer.cut(norm), norm)
    assert isinstance(match, UrgentMatch) and match.intent == "tickets.urgent"
    assert match.category == "elevator" and match.rule.name == "urgent.entrapment.elevator"
    assert match.rule.params["level"] == "strong" and match.rule.params["situation"] == "entrapment"
    assert match.assessment is not None and match.assessment.strong
    hit = check_urgent(urgent, tokenizer.cut(norm), norm)
    assert hit is not None and hit.category == "elevator"
    assert urgent.route(tokenizer.cut("电梯坏了"), "电梯坏了") is None


def test_ambiguous_matches_are_reported_unless_the_floor_is_strong(tokenizer: Tokenizer) -> None:
    norm = normalize("有股烧焦味")
    match = Detector().route(tokenizer.cut(norm), norm)
    assert match is not None and match.rule.params["level"] == "ambiguous"
    assert Detector(min_level=Level.STRONG).route(tokenizer.cut(norm), norm) is None


def test_understand_and_explain_use_the_detector(tokenizer: Tokenizer) -> None:
    router, urgent = build_routers(NORMAL)
    u = understand("电梯卡住了 里面有人", tokenizer=tokenizer, router=router, urgent_router=urgent)
    assert u.urgent and u.intent == "tickets.urgent" and u.category == "elevator"
    assert u.match is not None and u.match.slots["params"]["level"] == "strong"
    assert isinstance(u.match, UrgentMatch) and u.match.assessment is not None
    calm = understand("电梯坏了", tokenizer=tokenizer, router=router, urgent_router=urgent)
    assert not calm.urgent and calm.intent == "tickets.create"
    report: dict[str, Any] = explain("昨天电梯困人了", tokenizer=tokenizer, router=router, urgent_router=urgent)
    assert report["urgent"] is False
    assert any(c["router"] == "urgent" and c["status"] == "vetoed" for c in report["candidates"])
    assert "past" in report["winner_reason"]
    json.dumps(report, ensure_ascii=False, default=str)


def test_a_detector_without_rules_still_detects(tokenizer: Tokenizer) -> None:
    """understand() tests `if urgent_router`: an empty rule set must not switch the lexicon off."""
    empty = Detector()
    assert len(empty) == 0 and bool(empty)
    u = understand("着火了", tokenizer=tokenizer, router=Router([]), urgent_router=empty)
    assert u.urgent and u.category == "fire"


def test_the_convenience_function_uses_the_built_in_lexicon() -> None:
    assert assess("着火了").situation is Situation.FIRE


# -- review (morning): figures of speech with 火, violence with weapons -------------------------


@pytest.mark.parametrize(
    "text",
    [
        "我急得嗓子都冒火了",
        "急得冒火",
        "嗓子冒火了 想买点润喉片",
        "心里冒火 物业就是不来修",
        "看他那样我眼睛都冒火了",
        "气得我冒火",
        "这几天上火了 嗓子疼",
        "火气大 睡不着",
    ],
)
def test_fire_idioms_of_the_body_and_temper_are_not_fires(judge: Judge, text: str) -> None:
    a = judge(text)
    assert a.level is Level.NONE, a.explain


@pytest.mark.parametrize("text", ["楼道里冒火了", "电瓶车冒火了", "插座冒火星"])
def test_real_flames_and_sparks_still_count(judge: Judge, text: str) -> None:
    a = judge(text)
    assert a.level is Level.STRONG and a.situation in (Situation.FIRE, Situation.ELECTRIC_SHOCK), a.explain


@pytest.mark.parametrize(
    "text",
    [
        "楼上有人打架 动刀子了 桂花苑1栋",
        "楼下两个人吵起来了 动刀了",
        "幸福里1栋邻居两口子打架，男的拿菜刀了",
        "幸福里2栋楼下有人打架，一个拿着菜刀",
        "小区门口有个男的拿刀追着人跑",
        "有人持刀闹事 快来",
        "菜市场那边有人砍人",
        "有人被砍了 在3栋楼下",
        "两个人打架 见血了",
        "楼下打架打得流血了",
    ],
)
def test_violence_with_a_weapon_or_blood_is_strong(judge: Judge, text: str) -> None:
    a = judge(text)
    assert (a.level, a.situation, a.category) == (Level.STRONG, Situation.VIOLENCE, "public_security"), a.explain


@pytest.mark.parametrize(
    ("text", "check"),
    [
        ("楼上有人吵架", None),
        ("打架了", None),
        ("上次有人动刀子的事 后来怎么处理的", "past"),
        ("昨天楼下打架见血了", "past"),
        ("打了一架 没见血", "negated"),
        ("我拿刀切菜的时候停电了", None),  # a kitchen knife (a decoy)
        ("门口的树被砍了", "not a person"),
    ],
)
def test_violence_not_happening_now(judge: Judge, text: str, check: str | None) -> None:
    a = judge(text)
    assert a.level is Level.NONE, a.explain
    if check is not None:
        assert check in {e.dropped for e in a.ignored}, a.explain


@pytest.mark.parametrize("text", ["楼下有人动刀了", "我爸动刀了 在医院"])
def test_a_knife_verb_without_a_fight_is_asked_about(judge: Judge, text: str) -> None:
    """动刀 is also surgery: alone it shows the safety text and asks, it alerts nobody yet."""
    a = judge(text)
    assert (a.level, a.situation) == (Level.AMBIGUOUS, Situation.VIOLENCE), a.explain


@pytest.mark.parametrize(
    "text", ["医生说要动刀子", "我妈下周得动刀 社区能开证明吗", "这个瘤子需要动刀", "家里菜刀钝了", "我用菜刀切菜把手切了个小口"]
)
def test_surgery_is_not_violence(judge: Judge, text: str) -> None:
    a = judge(text)
    assert a.level is Level.NONE, a.explain


def test_a_stabbing_with_heavy_bleeding_is_violence_first(judge: Judge) -> None:
    a = judge("楼下打架有人被捅了 一直在流血")
    assert (a.level, a.situation) == (Level.STRONG, Situation.VIOLENCE), a.explain
    assert Situation.MEDICAL in a.situations


@pytest.mark.parametrize("text", ["电梯咋又停了 里面好像还有人在喊", "电梯停了 里头有人喊"])
def test_someone_shouting_in_a_stopped_lift_is_an_entrapment(judge: Judge, text: str) -> None:
    a = judge(text)
    assert a.level is not Level.NONE and a.situation is Situation.ENTRAPMENT, a.explain


@pytest.mark.parametrize("text", ["电梯里有人贴小广告", "电梯停了 有人喊物业来修"])
def test_someone_merely_in_the_lift_is_no_entrapment(judge: Judge, text: str) -> None:
    assert judge(text).level is Level.NONE


@pytest.mark.parametrize(
    "text",
    ["电梯里面有人抽烟", "幸福里2栋电梯里面有人在抽烟 烟味很大", "有人在里面吸烟 电梯里全是烟味", "电梯里面有人吐痰"],
)
def test_smoking_in_the_lift_is_no_entrapment(judge: Judge, text: str) -> None:
    """里面有 is an occupant only when a person is shut in: 里面有人抽烟 is someone smoking there (and the
    smoke it explains is no fire)."""
    a = judge(text)
    assert a.level is Level.NONE, a.explain


@pytest.mark.parametrize("text", ["电梯里面有股烟味", "电梯里面有股焦味"])
def test_smoke_in_the_lift_without_a_smoker_is_still_asked_about(judge: Judge, text: str) -> None:
    a = judge(text)
    assert a.level is not Level.NONE and a.situation is Situation.FIRE, a.explain


@pytest.mark.parametrize("text", ["电梯卡住了里面有人", "电梯停了 里面有个小孩在哭", "电梯里面有人在拍门"])
def test_someone_inside_a_stuck_lift_is_still_an_entrapment(judge: Judge, text: str) -> None:
    a = judge(text)
    assert a.level is not Level.NONE and a.situation is Situation.ENTRAPMENT, a.explain


@pytest.mark.parametrize("text", ["电梯里面有烟", "幸福里2栋电梯里面有烟", "幸福里3栋电梯里有烟了", "电梯里头有烟 好呛"])
def test_smoke_inside_the_lift_is_a_fire_not_an_entrapment(judge: Judge, text: str) -> None:
    """里面有 + 烟 is smoke where people ride: the fire advice (no lift, leave, 119), never the entrapment one."""
    a = judge(text)
    assert (a.level, a.situation, a.category) == (Level.STRONG, Situation.FIRE, "fire"), a.explain
    assert Situation.ENTRAPMENT not in a.situations, a.explain


@pytest.mark.parametrize("text", ["幸福里2栋电梯里面有烟头没人扫", "电梯里没有烟", "电梯里面有人抽烟 有烟"])
def test_cigarette_ends_or_no_smoke_in_the_lift_are_no_emergency(judge: Judge, text: str) -> None:
    assert judge(text).level is Level.NONE, judge(text).explain


@pytest.mark.parametrize("text", ["电梯里面有人晕倒了", "幸福里2栋电梯里面有个人昏倒了"])
def test_someone_collapsed_in_the_lift_is_medical_not_an_entrapment(judge: Judge, text: str) -> None:
    """里面有人晕倒 names who is in there and what happened to them: 120 first, not the stuck-lift advice."""
    a = judge(text)
    assert (a.level, a.situation) == (Level.STRONG, Situation.MEDICAL), a.explain
    assert Situation.ENTRAPMENT not in a.situations, a.explain


@pytest.mark.parametrize("text", ["电梯里好大的烟 快来人", "楼道里好多烟", "走廊里烟雾很浓", "好浓的烟 呛死了", "有烟从电梯井冒出来"])
def test_smoke_said_the_colloquial_ways_is_a_fire(judge: Judge, text: str) -> None:
    a = judge(text)
    assert a.level is not Level.NONE and a.situation is Situation.FIRE, a.explain


@pytest.mark.parametrize("text", ["吸烟区好多烟头", "电梯里好多烟头没人扫"])
def test_cigarette_ends_are_no_fire(judge: Judge, text: str) -> None:
    assert judge(text).level is Level.NONE, judge(text).explain
