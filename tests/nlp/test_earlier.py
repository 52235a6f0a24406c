"""Messages about an earlier matter (nlp/earlier.py): thanks and questions are no new reports."""

from __future__ import annotations

import pytest

from nlp.earlier import Earlier, about_an_earlier_matter


@pytest.mark.parametrize(
    ("text", "earlier"),
    [
        ("上次电梯关人的事处理得挺好 谢谢你们", Earlier.THANKS),
        ("之前楼道灯的问题修得很快，感谢", Earlier.THANKS),
        ("上周电梯困人的事后来咋样了", Earlier.ASKS),
        ("前几天报的修怎么样了", Earlier.ASKS),
        ("上次修好的电梯又坏了 幸福里3栋", None),  # a report: no matter named
        ("电梯坏了 谢谢", None),
        ("上次的事", None),  # neither thanks nor a question
    ],
)
def test_earlier_matters(text: str, earlier: Earlier | None) -> None:
    assert about_an_earlier_matter(text) == earlier
