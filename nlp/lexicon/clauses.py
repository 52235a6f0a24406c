"""Words that start another complaint in the same message ("电梯坏了 还有楼道灯也不亮")."""

from __future__ import annotations

COMPLAINT_JOINERS: tuple[str, ...] = (
    "还有就是", "还有一个", "还有个", "还有", "另外还有", "另外", "此外", "再就是", "再有就是", "再有", "而且",
    "顺便说一下", "顺便说下", "顺便", "以及", "同时", "对了",
)
"""A word that begins a further complaint; the text before it is one clause, the text after it another."""

SENTENCE_ENDS = "。！？；!?;\n"
"""Sentence-final punctuation: each sentence may be a complaint of its own."""

MIN_CLAUSE_CHARS = 4
"""Shorter pieces ("好吗", "谢谢") name no problem of their own."""

ALSO_WORDS: tuple[str, ...] = tuple("也" + start for start in (
    "不", "没", "坏", "漏", "堵", "停", "响", "掉", "卡", "满", "臭", "吵", "裂", "破", "脏", "黑", "灭", "冒", "堆", "刷不",
    "打不", "关不", "开不", "有问题", "出问题",
))
"""A piece after a comma or space with one of these says another thing is broken too ("…，楼道灯也不亮",
"…，门禁也刷不开")."""

ALSO_NOT: tuple[str, ...] = (
    "也没人", "也没有人", "也不知道", "也不是", "也不想", "也不敢", "也不会", "也不懂", "也不管", "也没办法", "也没用",
    "也没法", "也不行啊",
)
"""But these go on about the same thing ("敲门也没人应", "物业也不管")."""

BUILDING_AT_START = r"^[^，,、\s\d]{0,6}?(?:\d+|[一二三四五六七八九十]+)(?:栋|号楼|幢|号院)"
"""A piece after a comma or space that starts at a building of its own ("…，桂花苑2栋门口路灯不亮")."""

BUILDING_AT_END = r"(?:\d+|[一二三四五六七八九十]+)(?:栋|号楼|幢|号院)$"
"""A piece that ends at a building ("幸福里1栋" in "幸福里1栋和2栋的路灯都不亮了"): the thing is said after the next one."""

BUILDING_SAID = (r"(?:\d+|[一二三四五六七八九十]+)(?:栋|号楼|幢|号院)"
                 r"(?:(?:\d+|[一二三四五六七八九十]+)单元)?(?:\d+(?:室|号)?)?")
"""A building said anywhere in a piece, with its unit and room ("3栋2单元502"): not the thing the piece is about."""

BOTH_JOINERS: tuple[str, ...] = ("和", "跟", "与", "还有")
"""Join two things said to be in the same state ("电梯和楼道灯都坏了")."""

BOTH_MARKERS: tuple[str, ...] = ("全都", "都", "全")
"""Say that the things before are all in the state after."""

BOTH_MAX_THING_CHARS = 8
"""The second thing is short ("楼道灯"); longer, the 和 joins something else."""

CONSEQUENCE_WORDS: tuple[str, ...] = (
    "害得", "弄得", "搞得", "导致", "结果", "所以", "连带", "跟着", "被泡", "泡坏", "泡得", "泡了", "泡水",
    "被淹", "淹坏", "淹了", "进水", "渗到", "漏到", "滴到",
)
"""A piece that says also with one of these tells what the problem before did ("楼上漏水，害得我家灯也不亮了",
"…，把灯也泡坏了"): the same problem, not another one."""

SAME_AGAIN_WORDS: tuple[str, ...] = ("也是", "也一样", "一样", "同样", "也这样", "也那样", "也有这")
"""After a building of its own, say the thing before is in the same state there ("…，3栋也是")."""

SAME_AGAIN_MAX_CHARS = 10
"""A piece naming a building that carries the thing over is short ("4栋的也坏了"); longer, it says its own."""

QUESTION_WORDS: tuple[str, ...] = ("怎么申请", "怎么办理", "怎么办", "如何", "在哪", "哪里", "几点", "什么时候", "要带", "需要什么",
                                   "多少钱", "能不能", "可不可以", "是不是", "电话多少", "电话是多少", "号码多少",
                                   "请问", "想问", "问一下", "问下", "怎么交", "怎么报", "咋办", "咋整")
"""A part after a comma or space with one of these asks something ("…，低保怎么申请"): a clause of its own."""
