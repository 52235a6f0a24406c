"""Chinese time vocabulary for nlp/timeparse.py (and the masks in nlp/timemask.py).

Language facts only: the words people use for amounts, days, parts of the day, weekdays,
dates, clock times, holidays and repeats, plus the words that make a number something
else (a building, a price, an age). Regex fragments are kept here because they are made
of these words; nlp/timeparse.py assembles them. Changing a list changes what every
reminder understands: add a case to tests/nlp/timeparse_cases.yaml with it.
"""

from __future__ import annotations

# -- Numbers ------------------------------------------------------------------------------------
NUMERAL_CHARS = "零〇一二两三四五六七八九十百"
"""Chinese numeral characters in amounts, days and hours (两个钟头, 十二月十八号, 二十分钟)."""

DIGIT_CHARS: dict[str, str] = {
    "零": "0", "〇": "0", "一": "1", "二": "2", "三": "3", "四": "4",
    "五": "5", "六": "6", "七": "7", "八": "8", "九": "9",
}  # fmt: skip
"""A year written digit by digit (二〇二七年)."""

MINUTE_WORDS = "零[一二三四五六七八九]|[二三四五]?十[一二三四五六七八九]?"
"""Regex: minutes spoken without 分 after an hour (十点四十, 七点零五, 八点二十五)."""

HOUR_WEAK = "一"
"""一点 is "a little" (有一点漏水, 快一点) unless a day or part of day comes first or minutes follow."""

HOUR_NOT_AFTER = "第几这那哪有每"
"""An hour in Chinese numerals right after one of these is not a clock (这两点意见, 第一点)."""

# -- Relative amounts (10分钟后, 一个半小时后, 过两天) -----------------------------------------------
HALF = "半"
MEASURE = "个"
QUARTER_HOUR = "刻钟"
REL_BEFORE = "再?过"
"""Regex: a leading 过 makes an amount relative (过两天, 再过10分钟)."""

REL_AFTER = "之后|以后|过后|后"
"""Regex: what follows a relative amount (10分钟后, 两小时之后, 三天以后, 5分钟过后)."""

REL_UNITS: dict[str, tuple[str, int]] = {
    "分钟": ("minutes", 1), "分": ("minutes", 1),
    "小时": ("hours", 1), "钟头": ("hours", 1), "钟": ("hours", 1),
    "天": ("days", 1), "日": ("days", 1),
    "周": ("days", 7), "星期": ("days", 7), "礼拜": ("days", 7),
    "月": ("months", 1), "年": ("months", 12),
}  # fmt: skip
"""Relative-time units, longest first within a family: the field and how many of it one unit is."""

REL_MINUTE_UNITS: tuple[str, ...] = ("分钟", "分")
"""The minutes that may follow hours in one amount (1小时30分钟后)."""

# -- Days ---------------------------------------------------------------------------------------
DAY_WORDS: dict[str, tuple[int, str | None]] = {
    "大大后天": (4, None), "大后天": (3, None), "后天": (2, None), "后日": (2, None),
    "明天": (1, None), "明日": (1, None), "明儿个": (1, None), "明儿": (1, None),
    "明早上": (1, "morning"), "明早": (1, "morning"), "明晨": (1, "morning"),
    "明晚上": (1, "evening"), "明晚": (1, "evening"), "明夜": (1, "evening"),
    "今天": (0, None), "今日": (0, None), "今儿个": (0, None), "今儿": (0, None),
    "今早上": (0, "morning"), "今早": (0, "morning"), "今晨": (0, "morning"),
    "今晚上": (0, "evening"), "今晚": (0, "evening"), "今夜": (0, "evening"),
}  # fmt: skip
"""Day words: days from today, and the part of the day some of them carry (明早, 今晚)."""

NOW_CLOCK_WORDS: tuple[str, ...] = ("这个点", "这个时候", "这个时间", "这时候", "此时", "同一时间", "同一个时间")
"""After a day (明天这个点): the same time of day as now."""

LINKS = "的"
"""A character that may sit between two parts of one time phrase (明天的下午3点)."""

CLOSE_GAP_CHARS = ",，、"
"""Besides spaces and 的, what may sit between two parts of one phrase (下周三，晚上7点)."""

CLAUSE_PUNCTUATION: tuple[str, ...] = ("，", ",", "、", "。", ".", "！", "!", "？", "?", "；", ";", "：", ":", "~")
"""Ends a clause: a time of day after one of these does not join an earlier day; content() trims them."""

# -- Parts of the day -------------------------------------------------------------------------
PERIODS: dict[str, str] = {
    "凌晨": "small_hours", "清晨": "early", "早晨": "morning", "早上": "morning", "一早": "early",
    "大早": "early", "上午": "forenoon", "中午": "noon", "午间": "noon", "下午": "afternoon",
    "傍晚": "dusk", "晚上": "evening", "晚间": "evening", "夜晚": "evening", "夜里": "night",
    "夜间": "night", "半夜": "late_night", "深夜": "late_night",
}  # fmt: skip
"""Parts of the day and their kind (the kinds' hours are in nlp/timeparse.py)."""

SHORT_PERIODS: dict[str, str] = {"早": "morning", "晚": "evening", "夜": "night"}
"""One-character parts of the day: only right after a day (周五晚7点) or right before a clock (早8点)."""

SHORT_PERIOD_NOT_BEFORE = "点些"
"""早点 / 晚些 mean "earlier" / "later", not a part of the day."""

# -- Weekdays -----------------------------------------------------------------------------------
WEEK_WORDS: tuple[str, ...] = ("星期", "礼拜", "周")
WEEKDAY_CHARS: dict[str, int] = {
    "一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6,
    "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6,
}  # fmt: skip
"""Weekday after a week word (周三, 星期天, 周4); Monday is 0 as in Python."""

WEEKDAY_NOT_IN_LISTS = "天"
"""天 names Sunday only right after a week word: 每周三天 is three days a week, not Wed and Sun."""

WEEKDAY_DIGIT_NOT_BEFORE = "次回遍天个"
"""每周1次 is once a week, not Mondays."""

WEEKEND = "末"
"""周末: the weekend; a one-off reminder means its Saturday."""

WEEK_VAGUE_NOT_BEFORE = "报边围到转期刊年岁记"
"""下周 alone is next week (vague), but not in 下周报 / 一下周边 …"""

WEEK_VAGUE_NOT_AFTER = "一"
"""看一下周报: 一下 is "a bit"."""

WEEK_PREFIXES: dict[str, int] = {
    "下下个": 2, "下下": 2, "下个": 1, "下": 1, "这个": 0, "这": 0, "本": 0, "上个": -1, "上": -1,
}  # fmt: skip
"""Which calendar week (Monday to Sunday) a prefix names, relative to this one."""

LIST_SEPARATORS: tuple[str, ...] = ("、", ",", "，", "/", "和", "及", "与", "跟")
"""Between listed weekdays (每周二、四, 每周二和周四)."""

RANGE_WORDS: tuple[str, ...] = ("到", "至", "~", "-")
"""Between the ends of a weekday range (每周一到周五)."""

# -- Dates --------------------------------------------------------------------------------------
YEAR_MARK = "年"
MONTH_MARK = "月"
MONTH_SUFFIX = "份"
DAY_MARKS = "日号"
DAY_MARK_FOR_CHINESE = "号"
"""A bare day in Chinese numerals needs 号 (三号); 一日三餐 is not the 1st."""

YEAR_WORDS: dict[str, int] = {"今年": 0, "明年": 1, "后年": 2}
MONTH_PREFIXES: dict[str, int] = {"下下个": 2, "下个": 1, "下": 1, "这个": 0, "这": 0, "本": 0, "当": 0}
"""Before 月: which month (下个月5号, 本月28号, 下个月底), counted from this one."""

MONTH_END_WORDS: tuple[str, ...] = ("月底", "月末")
"""The last day of a month (月底, 下个月底)."""

EVERY_MONTH_END_WORDS: tuple[str, ...] = ("月底", "月末", "底", "最后一天")
"""After 每月: its last day (每月月底, 每月底, 每个月最后一天)."""

MONTH_START_WORDS: tuple[str, ...] = ("月初",)
"""The start of a month, the 1st (approximate)."""

YEAR_END_WORDS: tuple[str, ...] = ("年底", "年末")

# -- Clock --------------------------------------------------------------------------------------
HOUR_MARKS: tuple[str, ...] = ("点钟", "点", "时")
HOUR_MARK_FORMAL = "时"
"""三时 is written in notices after a day or part of the day (下午三时); alone, 一时半会 is "a while"."""
HALF_PAST = "半"
QUARTER = "刻"
QUARTERS: dict[str, int] = {"一": 15, "1": 15, "三": 45, "3": 45}
"""一刻 is a quarter past, 三刻 three quarters."""

ON_THE_HOUR = "整"
MINUTE_MARK = "分"
MINUTE_TAIL = "钟"
PAST_THE_HOUR = "过"
"""7点过5分: five past seven."""

TO_THE_HOUR = "差"
"""差五分八点 / 八点差五分: five to eight."""

HOUR_NOT_BEFORE = "间候期代"
"""3时 is three o'clock, but 时间 / 时候 / 时期 are not."""

APPROX_NOT_BEFORE = "台门面边排头天院楼"
"""3点前台 is the front desk, not "before 3"."""

APPROXIMATE: tuple[str, ...] = ("左右", "前后", "上下", "多钟", "多", "许", "之前", "以前", "之后", "以后", "前", "后")
"""Right after a time, these make it approximate (8点左右, 8点多, 周五前): the caller may ask."""

# -- Repeats ------------------------------------------------------------------------------------
EVERY = "每"
EVERY_LINK: tuple[str, ...] = ("个", "逢", "一")
"""Between 每 and what repeats (每个月, 每逢周五, 每一天)."""

DAILY_WORDS: tuple[str, ...] = ("每一天", "每天", "每日", "天天", "日日")
DAILY_PERIOD_WORDS: dict[str, str] = {"每晚": "evening", "每早": "morning", "每夜": "night"}
"""每晚9点: daily, with the part of the day."""

MONTH_WORD = "月"
YEAR_WORD = "年"
WORKDAY_WORDS: tuple[str, ...] = ("工作日",)
"""工作日: the Chinese working days (holidays and their 调休 make-up days follow the calendar)."""

# -- Holidays -----------------------------------------------------------------------------------
FESTIVAL_SUFFIX = "节"
HOLIDAYS: dict[str, tuple[str, int, int]] = {
    "元旦": ("solar", 1, 1),
    "情人节": ("solar", 2, 14),
    "妇女节": ("solar", 3, 8),
    "劳动节": ("solar", 5, 1),
    "五一劳动节": ("solar", 5, 1),
    "儿童节": ("solar", 6, 1),
    "建党节": ("solar", 7, 1),
    "建军节": ("solar", 8, 1),
    "教师节": ("solar", 9, 10),
    "国庆": ("solar", 10, 1),
    "国庆节": ("solar", 10, 1),
    "圣诞节": ("solar", 12, 25),
    "平安夜": ("solar", 12, 24),
    "春节": ("lunar", 1, 1),
    "大年初一": ("lunar", 1, 1),
    "正月初一": ("lunar", 1, 1),
    "元宵节": ("lunar", 1, 15),
    "元宵": ("lunar", 1, 15),
    "正月十五": ("lunar", 1, 15),
    "端午节": ("lunar", 5, 5),
    "端午": ("lunar", 5, 5),
    "七夕节": ("lunar", 7, 7),
    "七夕": ("lunar", 7, 7),
    "中元节": ("lunar", 7, 15),
    "中秋节": ("lunar", 8, 15),
    "中秋": ("lunar", 8, 15),
    "重阳节": ("lunar", 9, 9),
    "重阳": ("lunar", 9, 9),
    "腊八节": ("lunar", 12, 8),
    "腊八": ("lunar", 12, 8),
    "除夕": ("lunar_eve", 0, 0),
    "大年三十": ("lunar_eve", 0, 0),
    "年三十": ("lunar_eve", 0, 0),
    "清明节": ("term", 4, 0),
    "清明": ("term", 4, 0),
    "冬至": ("term", 12, 0),
    "母亲节": ("nth_weekday", 5, 2),
    "父亲节": ("nth_weekday", 6, 3),
}
"""Holidays: ("solar", month, day); ("lunar", lunar month, lunar day); ("lunar_eve", 0, 0) is the last
day of the lunar year; ("term", month, 0) a solar term found in that month (its name is the key without
节); ("nth_weekday", month, n): the n-th Sunday of the month."""

SOLAR_TERM_NAMES: dict[str, str] = {"清明节": "清明", "清明": "清明", "冬至": "冬至"}
"""The solar term's name as lunar-python spells it."""

HOLIDAY_NEEDS_AFTER: dict[str, str] = {"五一": "节|假|长假|小长假|那天|当天|期间|放假"}
"""Regex per name: what must follow it."""
"""Holiday names that are also place names (五一广场, 五一路): only with one of these after them."""

HOLIDAY_NEEDS_AFTER_TARGET: dict[str, tuple[str, int, int]] = {"五一": ("solar", 5, 1)}

HOLIDAY_NOT_AFTER = "吃买煮包做送卖碗颗些个了"
"""元宵 / 腊八 right after one of these is the food (吃元宵, 买了元宵)."""

HOLIDAY_FOOD_NAMES: tuple[str, ...] = ("元宵", "腊八")
"""Names that are also foods: not after HOLIDAY_NOT_AFTER, nor before HOLIDAY_FOOD_AFTER (腊八粥)."""

HOLIDAY_FOOD_AFTER = "粥粉馅"

# -- Things that are never times (nlp/timemask.py) --------------------------------------------
ADDRESS_UNITS: tuple[str, ...] = (
    "号楼", "号门", "号线", "号床", "号院", "号房", "号铺", "号窗口", "号口", "号车位", "号位", "号柜", "号机",
    "号地块", "号馆", "号厅", "号车", "栋", "幢", "座", "单元", "楼", "层", "室", "户", "期", "区", "排", "组",
    "床", "路", "弄", "巷", "街", "村", "门",
)  # fmt: skip
"""A number before one of these is part of an address (3号楼, 12栋, 2单元, 5楼, 501室, 2号线)."""

ROOM_AFTER = "栋幢座楼元"
"""Digits right after a building or unit (5栋302, 2单元501) are a room number."""

ROOM_SUFFIXES: tuple[str, ...] = ("室", "号")
UNIT_WORD = "单元"
"""A bare 号 is a building when a unit follows (2号3单元)."""

RESIDE_VERB = "住"
RESIDE_NOT_AFTER = "记抓挡站顶忍按停盯握保拦稳挺"
"""我住3号 is an address; 记住3号交费 (remember: the 3rd) is not."""

QUANTITY_UNITS: tuple[str, ...] = (
    "块钱", "元钱", "块", "元", "毛", "角", "万", "千",
    "公斤", "千克", "斤", "克", "吨", "公里", "厘米", "米", "里",
    "平方米", "平方", "平米", "平", "周岁", "岁", "口人", "人", "位",
    "次", "遍", "回", "件", "瓶", "盒", "袋", "箱", "包", "台", "辆", "只", "条", "张", "本", "份", "碗",
    "杯", "粒", "片", "顿", "把", "根", "度", "倍", "折", "成", "%", "℃",
)  # fmt: skip
"""A number before one of these is an amount (交了300块, 买了3斤, 80岁, 三个人, 38.5度), never a time."""

QUANTITY_MEASURE = "个"
"""May sit between a number and a quantity unit (三个人)."""

CURRENCY_SIGNS = "¥￥$"
