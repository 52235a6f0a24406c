"""Chinese words around a reminder request, for nlp/reminderwords.py.

Language facts only: how people ask to be reminded (提醒我, 叫我一下, 记得喊我), the
filler around what they want to be reminded of, yes and no answers, and how they name
a reminder to cancel (取消提醒 3, 取消第三个提醒, 取消所有提醒). Routing to the
reminders capability is data (data/rules/reminders.yaml); these lists only shape the
content and the answers. Change a list together with a test in tests/reminders/.
"""

from __future__ import annotations

TRIGGERS: tuple[str, ...] = (
    "到时候提醒我一下", "到时候提醒我", "到时候告诉我", "到时候叫我", "到时候喊我",
    "到点提醒我", "到点叫我", "到点喊我",
    "记得提醒我一下", "记得提醒我", "记得叫我一下", "记得叫我", "记得喊我一下", "记得喊我", "记得叫醒我",
    "提醒我一下", "提醒一下我", "提醒我", "提醒一下",
    "叫醒我", "叫我一下", "喊我一下", "叫我", "喊我",
    "别让我忘了", "不要让我忘了",
    "设置一个提醒", "设一个提醒", "设置提醒", "设个提醒", "定个提醒", "定一个提醒", "加个提醒",
    "定个闹钟", "设个闹钟",
    "提醒大家", "通知大家", "记得提醒", "到时候提醒", "提醒",
)  # fmt: skip
"""Phrases that ask for a reminder; the first one found (longest first at a position) is cut from the content."""

LEADING_FILLER: tuple[str, ...] = (
    "请你", "请", "麻烦你", "麻烦", "帮我", "帮忙", "给我", "你", "记得", "到时候", "一下", "要",
    "哦对了", "噢对了", "对了", "顺便", "另外",
)  # fmt: skip
"""Words that may start what is left once the trigger is cut (帮我去银行 → 去银行; 对了 …去盖章 → 去盖章)."""

TRAILING_FILLER: tuple[str, ...] = (
    "一下吧", "一下哦", "一下", "好吗", "好不好", "可以吗", "谢谢", "哦", "吧", "啊", "呀", "哈", "呢", "啦", "喔",
)  # fmt: skip
"""Words that may end it (关火吧 → 关火)."""

EDGE_PUNCTUATION = " ,，、。.！!？?；;：:~～…"
"""Punctuation trimmed from both ends of the content."""

YES: frozenset[str] = frozenset({
    "是", "是的", "是啊", "是呀", "对", "对的", "对啊", "对对", "对呀", "没错", "好", "好的", "好啊", "行", "可以",
    "嗯", "嗯嗯", "恩", "确认", "确定", "就这样", "没问题", "ok", "yes", "y", "1",
})  # fmt: skip
"""A whole answer that confirms the time the bot proposed."""

NO: frozenset[str] = frozenset({"不是", "不对", "错了", "不", "不行", "不要", "否", "no", "n"})
"""A whole answer that rejects it (the bot then asks for the time)."""

ALL_WORDS: tuple[str, ...] = ("所有", "全部", "全都", "都取消", "都删", "清空", "一切")
"""A cancel request naming every reminder (取消所有提醒, 提醒全部取消)."""

NUMERAL = r"(?:[0-9]+|[一二两三四五六七八九十]+(?![下些点会]))"
"""Regex: a reminder number in digits or Chinese numerals (not 一下, 一些, 一点)."""

NUMBER_PATTERN = r"(?:第|提醒|编号|号码)\s*(" + NUMERAL + r")|(" + NUMERAL + r")\s*(?:号|个|条)?\s*(?:提醒)?\s*$"
"""Regex: the number of a reminder in a cancel request (取消提醒 3, 取消第三个提醒, 取消3号提醒, 提醒3取消)."""

LEAD_PATTERN = (
    r"(?:提前|早)\s*(?P<amount>半|[0-9]+|[一二两三四五六七八九十]+)\s*(?P<measure>个)?\s*(?P<half>半)?\s*"
    r"(?P<unit>分钟|分|小时|钟头|天|日)"
)
"""Regex: how long before the time to remind (提前一天, 提前半小时, 提前两个小时, 早10分钟)."""

LEAD_UNITS: dict[str, int] = {"分钟": 1, "分": 1, "小时": 60, "钟头": 60, "天": 1440, "日": 1440}
"""Minutes in one unit of a lead time."""

HALF = "半"
