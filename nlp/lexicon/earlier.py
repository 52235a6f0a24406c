"""Words with which residents speak of an earlier matter instead of reporting a new one (nlp/earlier.py)."""

from __future__ import annotations

EARLIER_MARKERS: tuple[str, ...] = (
    "上次", "上回", "上周", "上礼拜", "上星期", "上个月", "之前", "前几天", "前阵子", "前些天", "那次", "以前",
)
"""Where an earlier matter is named from ("上次电梯关人的事")."""

MATTER_WORDS: tuple[str, ...] = ("的事", "那事", "这事", "的问题", "那个问题", "的工单", "报的修")
"""What makes it a matter, not a thing that broke ("上次修好的电梯又坏了" names no matter: a report)."""

MATTER_SPAN = 12
"""At most this many characters between the marker and the matter word."""

THANKS_CUES: tuple[str, ...] = (
    "谢谢", "感谢", "多谢", "辛苦了", "辛苦你们", "处理得挺好", "处理得很好", "处理得不错", "处理得很及时", "点赞",
    "太及时了", "挺及时",
)
"""A thank-you for it."""

FOLLOW_UP_CUES: tuple[str, ...] = (
    "后来", "咋样", "怎么样", "如何了", "处理了吗", "解决了吗", "修了吗", "有结果", "进展", "到哪一步", "处理得怎样",
)
"""A question about where it stands."""
