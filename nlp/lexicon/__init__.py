"""Small fixed word lists the engine relies on, independent of admin-edited rules.

These are language facts, not business rules: words that say a problem is over,
negators, aspect particles and urgency words. Admins tune routing through rules;
changing these lists changes behaviour for every rule, so each change needs a routing case.
"""

from __future__ import annotations

RESOLVED_PHRASES: tuple[str, ...] = (
    "修好了",
    "修好啦",
    "已修好",
    "已经修好",
    "已经好了",
    "已经没事",
    "没事了",
    "没事啦",
    "没问题了",
    "已解决",
    "已经解决",
    "解决了",
    "已修复",
    "已经修复",
    "修复了",
    "恢复了",
    "已恢复",
    "已经恢复",
    "现在好了",
    "又好了",
    "终于好了",
    "不用修了",
    "不用来了",
    "不用报修",
    "不需要报修",
    "虚惊一场",
)
"""A message containing one of these says the problem is over: tickets.* rules are vetoed."""

BROKEN_AGAIN: tuple[str, ...] = (
    "又坏", "又不", "又漏", "又堵", "又停", "又出", "又没", "又响", "又开始", "又冒", "又掉", "又卡", "还是不行",
    "还是坏", "还是不亮", "还是漏", "还是堵", "没两天", "没几天",
)
"""After a resolution phrase: the problem came back ("修好了没两天又坏了"), the message is a report."""

ASKED_AFTER_RESOLVED: tuple[str, ...] = ("吗", "么", "嘛", "没有", "没?", "没啊", "没呀", "没呢", "没 ")
"""Right after a resolution phrase these ask whether it is over ("修好了吗", "解决了没有"): no resolution.
A bare 没 at the end of the message asks too ("修好了没"); 没两天 is BROKEN_AGAIN's."""

ASKED_AT_END = "没"
"""After a resolution phrase at the very end of the message, this asks: 修好了没."""

DESCRIBING_MARK = "的"
"""Right after a resolution phrase it describes a thing ("修好的电梯"), it does not say the problem is over."""

NEGATORS: tuple[str, ...] = ("不再", "没再", "没有", "不", "没")
"""A negator right before a matched keyword, with 了/啦 right after it, negates that keyword
("不漏水了", "没有煤气味了"); the router requires it to be a token of its own (or the
head of the token holding the keyword), so 别 in 识别 or 不 in 不少 never negate."""

CHANGE_PARTICLES: tuple[str, ...] = ("了", "啦", "喽")
"""Particles marking a change of state: 不漏水**了** (no longer leaking)."""

SINGLE_CHAR_PREFIXES: frozenset[str] = frozenset("又都全")
"""A one-character keyword also matches a token made of these plus it (坏 in 又坏了, 都坏了)."""

SINGLE_CHAR_SUFFIXES: frozenset[str] = frozenset("了啦掉着过的")
"""A one-character keyword also matches a token made of it plus these (坏 in 坏掉, 坏了)."""

URGENCY_WORDS: tuple[str, ...] = (
    "十万火急",
    "救命",
    "紧急",
    "急急",
    "着急",
    "赶紧",
    "赶快",
    "尽快",
    "马上",
    "立刻",
    "立即",
    "快来",
    "快点",
    "危险",
    "急",
)
"""Words that show the resident is in a hurry; longest first (急 is found inside 紧急 too)."""

RATING_NOT_INSIDE: dict[str, str] = {"满意": "不满意"}
"""A rating word found inside a reply does not count when this longer word holds it (满意 in 不满意)."""

# Grid members' command words (handlers/members.py): the first word of each is the one quoted back in prompts.
MEMBER_ACCEPT_WORDS: tuple[str, ...] = ("接单", "确认接单")
MEMBER_PROGRESS_WORDS: tuple[str, ...] = ("处理中", "跟进中")
MEMBER_COMPLETE_WORDS: tuple[str, ...] = ("完成", "已完成", "办结", "已办结")
MEMBER_TRANSFER_WORDS: tuple[str, ...] = ("转派", "转交")
MEMBER_RETURN_WORDS: tuple[str, ...] = ("退回",)
MEMBER_TASKS_WORDS: tuple[str, ...] = ("我的任务", "我的待办", "待办")
MEMBER_DETAIL_WORDS: tuple[str, ...] = ("详情", "工单详情")
MEMBER_PHONE_WORDS: tuple[str, ...] = ("电话", "查看电话", "居民电话")
MEMBER_REPORT_IN_WORDS: tuple[str, ...] = ("报到", "部门报到")
MEMBER_WAIT_WORDS: tuple[str, ...] = ("待补充", "需补充", "请居民补充")
MEMBER_ACK_WORDS: tuple[str, ...] = ("收到", "已收到", "确认收到", "收到了")  # an urgent alert (issue 11)
MEMBER_CLOSE_WORDS: tuple[str, ...] = ("关闭", "关闭工单", "关单")  # staff close a false alarm
MEMBER_NOT_MINE_CUES: tuple[str, ...] = (
    "不归我管", "不归我负责", "不是我负责", "不是我管", "不是我的单", "不归我们管", "不是我们负责", "不属于我",
    "不归本网格", "不是本网格", "不属于本网格",
)
"""A worker saying a ticket is not theirs ("这个单子不归我管"): they are pointed to 退回 (handlers/tickets/members.py)."""
PHONE_EXTENSION_WORDS: tuple[str, ...] = ("转", "分机")
"""An office phone's extension follows one of these: "0571-86000011转123" (handlers/community/people.py)."""
MEMBER_STATUS_WORDS: tuple[str, ...] = ("进展", "进度")  # "进展 T… 说明" from a worker is a progress note
MEMBER_STATUS_QUESTION_CUES: tuple[str, ...] = ("怎么样", "咋样", "如何", "到哪", "情况", "吗", "呢", "?", "？")
"""Words after 进展 that make it a question about the ticket, not a note for the resident."""

# -- Addresses (nlp/address.py) ---------------------------------------------------------------
ADDRESS_NUMERALS = "零〇一二三四五六七八九十百"
"""Chinese numeral characters allowed in a building, unit or room number (三号楼, 二十三栋)."""

ADDRESS_DIGITS: dict[str, str] = {
    "零": "0", "〇": "0", "一": "1", "二": "2", "三": "3", "四": "4",
    "五": "5", "六": "6", "七": "7", "八": "8", "九": "9",
}  # fmt: skip
"""Room numbers read digit by digit (五零一 = 501, 一五零一 = 1501), as voice input writes them."""

ADDRESS_SIDES = "东西南北中"
"""A unit may be named by its side instead of a number (2号楼东单元)."""

ADDRESS_BUILDING_WORDS: tuple[str, ...] = ("号楼", "栋", "幢", "座")
"""Words after a building number; the bare 号 counts only when a unit follows (2号3单元)."""

ADDRESS_NUMBER_MARK = "号"
ADDRESS_UNIT_WORD = "单元"
ADDRESS_ROOM_WORD = "室"
ADDRESS_BUILDING_WORD = "栋"
"""Canonical building word in labels; a lettered building is a 座 (ADDRESS_LETTER_BUILDING_WORD)."""

ADDRESS_LETTER_BUILDING_WORD = "座"

ADDRESS_ROOM_WORDS: tuple[str, ...] = ("室", "号房", "房间")
"""Words that make a number a room even with no building or unit before it (501室)."""

ADDRESS_BUILDING_ENDINGS = "栋幢座楼"
"""Characters that end a building part, so 3栋2-501 reads the 2 as a unit."""

ADDRESS_HINTS = "栋幢座楼单室号"
"""Without one of these (or a dash) a message holds no address: a cheap pre-check."""

ADDRESS_BUILDING_HOMOPHONES = "动洞懂"
"""What voice input writes for 栋 (4动, 4洞, 4懂): read as 栋 only right after a building number and before a
unit, a room or one of ADDRESS_AFTER_BUILDING_WORDS — never in 动不动, 一动不动 or a bare "4动"."""

ADDRESS_AFTER_BUILDING_WORDS: tuple[str, ...] = (
    "电梯", "楼道", "楼梯", "楼下", "楼上", "楼顶", "楼前", "楼后", "门口", "门禁", "单元门", "大门", "地下室",
    "天台", "顶楼", "一楼", "后面", "前面", "旁边", "附近", "东边", "西边", "南边", "北边", "停水", "停电",
    "漏水", "水管", "下水道", "垃圾", "路灯",
)
"""What is wrong at a building, said right after it ("4动电梯坏了"): with a digit number (not 一动 …) before a
homophone these make it a building."""

ADDRESS_AFTER_BUILDING_PARTICLE = "的"
"""May stand between a homophone building and what is wrong there (4动的电梯)."""

ADDRESS_NOT_ROOM_AFTER = "元块米个岁次年月日分秒点"
"""A number followed by one of these is an amount, an age or a time, not a room (4动500块 is no 4栋500)."""

ADDRESS_ESTATE_SUFFIXES: tuple[str, ...] = ("小区", "社区", "花园", "家园", "苑")
"""Residents often drop these from an estate's name (幸福里 for 幸福里小区)."""

# -- Times for reminders (nlp/timeparse.py) ----------------------------------------------------
TIME_NUMERALS = "零〇一二两三四五六七八九十"
TIME_HALF = "半"
TIME_MEASURE_WORD = "个"
TIME_UNITS: dict[str, str] = {"分钟": "minutes", "小时": "hours", "钟头": "hours", "天": "days"}
"""Relative-time units (10分钟后) and the timedelta field each one means."""

TIME_AFTER_PATTERN = "之?后|以后"
"""Regex fragment: what follows a relative amount (10分钟后, 两小时之后, 三天以后)."""

TIME_DAY_OFFSETS: dict[str, int] = {
    "大后天": 3, "后天": 2, "明天": 1, "明早": 1, "明晚": 1, "今天": 0, "今早": 0, "今晚": 0, "今晚上": 0,
}
"""Day words and how many days ahead they are; tried in this order."""

TIME_EVERY = "每"
TIME_NEXT_MARK = "下"
TIME_WEEK_PREFIX_PATTERN = "下个?|这个?|本"
"""Regex fragment: 下周一 / 这个星期三 / 本周五; only the 下 forms move to next calendar week."""

TIME_WEEK_WORDS: tuple[str, ...] = ("周", "星期", "礼拜")
TIME_WEEKDAYS: dict[str, int] = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
TIME_MONTH_MARK = "月"
TIME_DAY_OF_MONTH_MARKS = "日号"
TIME_DAILY_WORDS: tuple[str, ...] = ("每天", "每日", "天天")
TIME_PERIOD_HOURS: dict[str, int] = {
    "凌晨": 6, "早上": 8, "早晨": 8, "上午": 8, "中午": 12, "下午": 15, "傍晚": 18, "晚上": 20, "夜里": 20,
    "今早": 8, "今晚": 20, "明早": 8, "明晚": 20,
}
"""Parts of the day, tried in this order, and the hour each means when no clock time is given."""

TIME_PM_WORDS: tuple[str, ...] = ("下午", "傍晚", "晚上", "夜里", "今晚", "明晚")
"""With one of these, 3点 means 15:00."""

TIME_NOON = "中午"
TIME_HOUR_MARKS: tuple[str, ...] = ("点", "时", ":")
TIME_QUARTER_WORDS: tuple[str, ...] = ("一刻", "1刻")
TIME_MINUTE_MARK = "分"

# -- Normalisation (nlp/normalize.py) ----------------------------------------------------------
TRADITIONAL_SAMPLE = "電"
"""One traditional character, converted once to load the conversion table at start-up."""
