"""Words that say where or how, not what: left out when two reports are compared for the same object."""

from __future__ import annotations

# Places and people around a problem: two reports sharing only these are not about the same thing.
PLACE_WORDS: tuple[str, ...] = (
    "楼道里", "楼道", "走廊", "楼梯间", "楼梯", "楼上", "楼下", "门口", "单元门口", "单元", "小区", "家里", "俺家",
    "我家", "我们家", "俺们", "我们", "那边", "这边", "附近", "旁边", "里面", "外面", "对面", "隔壁", "邻居",
    "有人", "天天", "每天", "一直", "现在", "今天", "昨天", "晚上", "白天", "半夜", "早上", "又是", "还是",
    "坏了", "怎么", "什么", "那个", "这个", "一下", "赶紧", "快点", "麻烦", "谢谢", "你们", "物业", "社区",
)
# Single characters that never carry the object of a complaint (particles, fillers).
FILLER_CHARS: frozenset[str] = frozenset("了的在里是有都不也又就还着过得地吧啊呢吗很太呀哦嘛啦俺我你他她它们个那这和与跟给把被从到")
# An estate named "幸福里小区" is also just "幸福里" in a resident's words.
ESTATE_SUFFIXES: tuple[str, ...] = ("小区", "花园", "家园", "社区", "公寓")

UNIT_LEVEL_WORDS: tuple[str, ...] = (
    "楼道", "楼梯", "楼梯间", "单元门", "单元楼", "过道", "走廊", "声控灯", "感应灯", "信报箱", "楼层", "平台",
)
"""Things each unit of a building has of its own: the same kind said of another unit is another problem
(3栋1单元's stair light is not 3栋2单元's)."""

DISTINCT_OBJECTS: tuple[tuple[str, ...], ...] = (
    ("楼道灯", "声控灯", "感应灯", "楼梯灯", "廊灯", "楼道里的灯", "楼道的灯"),
    ("路灯", "路灯杆", "庭院灯", "景观灯", "草坪灯"),
    ("车库灯",),
)
"""Things of one category that are never the same object, whatever else two descriptions share: a corridor
light is not the street lamp outside (place words would otherwise leave "楼道灯" nothing to compare)."""
