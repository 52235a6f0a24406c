"""Cutting a message into the pieces that may each be a complaint (nlp/clauses.py)."""

from __future__ import annotations

import pytest

from nlp.clauses import besides_the_address, complaint_clauses, same_again


@pytest.mark.parametrize(
    ("text", "pieces"),
    [
        ("电梯门关不上 还有楼道灯也坏了", ["电梯门关不上", "还有楼道灯也坏了"]),
        ("电梯坏了。楼道灯不亮！", ["电梯坏了", "楼道灯不亮"]),
        # a comma or a space before a piece that says "also" (…也不亮) or names its own building
        ("幸福里1栋电梯坏了，桂花苑2栋门口路灯也不亮", ["幸福里1栋电梯坏了", "桂花苑2栋门口路灯也不亮"]),
        ("幸福里4栋电梯坏了 楼道灯也不亮", ["幸福里4栋电梯坏了", "楼道灯也不亮"]),
        ("3栋电梯坏了，5栋的路灯不亮", ["3栋电梯坏了", "5栋的路灯不亮"]),
        ("幸福里2栋电梯坏了，门禁也刷不开", ["幸福里2栋电梯坏了", "门禁也刷不开"]),
        ("幸福里1栋电梯坏了，垃圾房门口也堆满垃圾", ["幸福里1栋电梯坏了", "垃圾房门口也堆满垃圾"]),
        # two things joined by 和 that are both broken: each with the state said once
        ("幸福里3栋2单元的电梯和楼道灯都坏了", ["幸福里3栋2单元的电梯坏了", "楼道灯坏了"]),
        ("门禁跟路灯全都不好使", ["门禁不好使", "路灯不好使"]),
        # two buildings and one thing: the thing said after the second is the first one's too
        ("幸福里1栋和2栋的路灯都不亮了", ["幸福里1栋的路灯不亮了", "2栋的路灯不亮了"]),
    ],
)
def test_pieces_that_may_each_be_a_complaint(text: str, pieces: list[str]) -> None:
    assert complaint_clauses(text) == pieces


@pytest.mark.parametrize(
    "text",
    [
        "楼上漏水，把我家灯都泡坏了",  # one problem told in two breaths
        "幸福里3栋2单元 电梯坏了两天了",  # the place, then the problem
        "隔壁独居老太太好几天没见出门了 敲门也没人应",  # 也 goes on about the same thing
        "楼道灯坏了好几天了，物业也不管",
        # what the first problem did is no problem of its own
        "楼上漏水，害得我家灯也不亮了",
        "楼上漏水，把我家灯也泡坏了",
        "卫生间顶上漏水，结果灯也坏了",
        "楼上漏水 我家的灯被泡得也不亮了",
        "幸福里4栋停水了，热水器也用不了",
    ],
)
def test_one_problem_in_two_breaths_stays_one_piece(text: str) -> None:
    assert len(complaint_clauses(text)) == 1


@pytest.mark.parametrize(
    ("text", "pieces"),
    [
        ("幸福里3栋电梯坏了，4栋的也坏了", ["幸福里3栋电梯坏了", "4栋的也坏了"]),
        ("幸福里2栋停水了 3栋也是", ["幸福里2栋停水了", "3栋也是"]),
    ],
)
def test_another_building_in_the_same_state(text: str, pieces: list[str]) -> None:
    """"…，4栋的也坏了": the piece names only a building; the thing is the one before (same_again)."""
    assert complaint_clauses(text) == pieces
    assert same_again(pieces[1]) and not same_again(pieces[0])


@pytest.mark.parametrize(
    ("text", "pieces"),
    [
        ("电梯坏了，灯泡也坏了", ["电梯坏了", "灯泡也坏了"]),
        ("3栋电梯坏了，门把手也坏了", ["3栋电梯坏了", "门把手也坏了"]),
    ],
)
def test_a_word_that_only_looks_like_a_consequence_still_cuts(text: str, pieces: list[str]) -> None:
    assert complaint_clauses(text) == pieces


@pytest.mark.parametrize(
    ("piece", "thing"),
    [("幸福里灯是3栋的", "灯"), ("电梯是5栋的", "电梯"), ("电梯在4栋2单元", "电梯"), ("3栋的路灯", "路灯"), ("幸福里3栋", "")],
)
def test_the_thing_besides_the_address(piece: str, thing: str) -> None:
    """"电梯是5栋的 灯是3栋的" answering where two waiting reports are: each piece names its thing."""
    assert besides_the_address(piece, ["幸福里小区", "幸福里"]) == thing
