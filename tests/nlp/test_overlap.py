"""Two descriptions are about the same object only when they share a problem word."""

import pytest

from nlp.overlap import same_object, unit_level

ESTATE = ("幸福里小区3栋", "幸福里小区")


@pytest.mark.parametrize(("first", "second", "same"), [
    ("幸福里3栋楼道里堆满了纸箱子 走都走不过去", "幸福里3栋有人在楼道里给电动车充电", False),
    ("幸福里4栋门口的树枝断了 挂在半空中", "幸福里4栋楼上有人往下扔东西 差点砸到人", False),
    ("幸福里2栋楼下广场舞太吵了", "幸福里2栋楼上装修 电钻声从早到晚", False),
    ("幸福里3栋2单元电梯坏了", "3栋2单元电梯又停了 幸福里的", True),
    ("幸福里4栋1单元楼道水管爆了", "幸福里4栋1单元楼道里水管漏水", True),
    ("坏了", "幸福里3栋楼道灯不亮", True),  # nothing to compare: the category decides
    ("桂花苑1栋的路灯坏了", "1栋楼道灯也不亮", False),  # a corridor light is not the street lamp
    ("1栋楼道灯坏了", "楼道的灯不亮了", True),
    ("1栋门口路灯坏了", "灯不亮", True),
])
def test_same_object(first: str, second: str, same: bool) -> None:
    assert same_object(first, second, ignore=ESTATE) is same


@pytest.mark.parametrize(("text", "own"), [("楼道灯不亮，幸福里3栋1单元", True), ("单元门坏了关不上", True),
                                          ("幸福里3栋3单元电梯坏了", False), ("3栋停水了", False)])
def test_what_each_unit_has_of_its_own(text: str, own: bool) -> None:
    assert unit_level(text) is own
