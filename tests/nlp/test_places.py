"""Places in an estate that are not buildings (nlp/places.py): gates, squares, garages, free text near a building."""

from __future__ import annotations

import pytest

from nlp.places import find_place, leftover, place_label, says_same_place, short_forms

ESTATES = ["幸福里小区", "幸福里", "桂花苑", "锦绣花园"]


@pytest.mark.parametrize(("text", "kind", "phrase"), [
    ("桂花苑东门那边路灯不亮 黑乎乎的", "gate", "东门那边"),
    ("幸福里的 不在楼里 就在小区大门口", "gate", "大门口"),
    ("共享单车堆在小区门口 进出都费劲", "gate", "门口"),
    ("地下车库的灯坏了好几盏", "garage", "地下车库"),
    ("快递柜屏幕黑了 取不了件", "parcel_locker", "快递柜"),
    ("幸福里小区垃圾站那边臭得要命", "bins", "垃圾站那边"),
    ("广场上健身器材断了一根", "square", "广场上"),
    ("小区西门的门禁坏了 进不去", "gate", "西门"),
    ("篮球场边上那棵树歪了", "other", "篮球场边上"),
    ("小区里健身器材坏了 转盘掉下来了", "fitness", "健身器材"),
])
def test_place_words_and_the_residents_own_words_for_them(text, kind, phrase):
    found = find_place(text, estates=ESTATES)
    assert found is not None and (found.kind, found.phrase) == (kind, phrase)


@pytest.mark.parametrize("text", [
    "单元门口的信报箱门掉了",  # the unit's door, not the estate's gate
    "我家门口堆满了杂物",
    "家里大门的锁坏了 打不开",
    "我家的大门关不上",
    "3栋大门坏了",
    "锦绣花园3栋楼道灯坏了",  # 花园 inside the estate's name
    "厨房下水道堵了",
])
def test_a_building_or_a_home_is_no_estate_place(text):
    assert find_place(text, estates=ESTATES) is None


def test_a_place_next_to_a_building_keeps_the_building_in_its_words():
    text = "就幸福里4栋后面那块空地 有人倒了一堆建筑垃圾"
    found = find_place(text, estates=ESTATES, building_span=(text.index("幸福里"), text.index("后面")))
    assert found is not None and found.phrase == "4栋后面那块空地" and found.near_building


def test_a_declared_name_or_alias_is_found_before_a_generic_word_at_the_same_place():
    found = find_place("中心广场上的灯不亮", names=["中心广场", "广场"], estates=ESTATES)
    assert found is not None and found.key == "中心广场" and found.kind is None


def test_an_alias_starting_with_the_estate_word_is_found_right_after_the_estate_name():
    """"幸福里小区主路上": the estate's name takes 小区, and the alias 小区主路 is still what was said."""
    found = find_place("幸福里小区主路上有个井盖没了", names=["幸福路", "小区主路"], estates=ESTATES)
    assert found is not None and found.key == "小区主路" and found.kind is None and found.phrase == "主路上"


def test_somewhere_in_the_estate_only_when_nothing_more_precise_is_said():
    assert find_place("小区里的路灯坏了").key == "小区里"
    assert place_label("幸福里小区", "小区里") == "幸福里小区里"
    assert place_label("桂花苑", "东门那边") == "桂花苑东门那边"


@pytest.mark.parametrize(("text", "same"), [
    ("还有楼道里垃圾好几天没人清 跟刚才一样的地方", True),
    ("还是那个地方，又坏了", True),
    ("地址同上", True),
    ("楼道灯坏了", False),
])
def test_the_same_place_as_before(text, same):
    assert says_same_place(text) is same


def test_what_an_answer_says_besides_the_estate():
    assert leftover("幸福里的", ["幸福里小区", "幸福里"]) == ""
    assert leftover("桂花苑 那个亭子下面", ["桂花苑"]) == "亭子下面"
    assert leftover("幸福里 不知道", ["幸福里"]) == ""
    assert short_forms("幸福里小区") == ["幸福里"]


def test_alias_after_the_estates_short_name():
    """"幸福里主路上": 幸福里 stands for 幸福里小区, so the rest of the alias 小区主路 stands for it too."""
    found = find_place("幸福里主路上路灯坏了", names=["幸福路", "小区主路"], estates=ESTATES)
    assert found is not None and found.key == "小区主路" and found.phrase == "主路上"


def test_alias_rest_not_after_an_estate_without_the_estate_word():
    """"桂花苑主路上": 桂花苑 has no 小区 form, so 主路 is only the generic word, not the alias."""
    found = find_place("桂花苑主路上路灯坏了", names=["幸福路", "小区主路"], estates=ESTATES)
    assert found is not None and found.key != "小区主路"
