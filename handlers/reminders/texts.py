"""What the reminders capability says: confirmations, questions, lists, refusals and the reminders themselves.

Named constants with {named} fields.
"""

from __future__ import annotations

# -- Times in words ------------------------------------------------------------------------------
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
DATE = "{month}月{day}日（{weekday}）{time}"
DATE_WITH_YEAR = "{year}年{month}月{day}日（{weekday}）{time}"
EVERY_DAY = "每天 {time}"
EVERY_WEEK = "每{days} {time}"
EVERY_WORKDAY = "每个工作日 {time}"
EVERY_MONTH = "每月{day}日 {time}"
EVERY_MONTH_LAST = "每月最后一天 {time}"
EVERY_YEAR = "每年{month}月{day}日 {time}"
EVERY_YEAR_LAST = "每年{month}月最后一天 {time}"
DAY_SEPARATOR = "、"
DELAY_MINUTES = "{minutes}分钟"
DELAY_HOURS = "{hours}小时"
DELAY_HOURS_MINUTES = "{hours}小时{minutes}分钟"

# -- Creating ------------------------------------------------------------------------------------
CREATED = "好的，将在 {when} 提醒您：{what}。回复“取消提醒 {number}”可取消"
CREATED_NO_WHAT = "好的，将在 {when} 提醒您。回复“取消提醒 {number}”可取消"
CREATED_REPEAT = "好的，{rule} 提醒您：{what}，第一次是 {when}。回复“取消提醒 {number}”可停止"
CREATED_REPEAT_NO_WHAT = "好的，{rule} 提醒您，第一次是 {when}。回复“取消提醒 {number}”可停止"
DEFAULT_TIME_NOTE = "（没说具体几点，按 {time} 提醒；要改时间请取消后重新设置）"
WORKDAY_NOTE = "（按国家法定节假日安排：放假不提醒，调休上班的周末照常提醒）"

ASK_TIME = "好的，什么时候提醒您{what}？可以说“明天上午9点”“半小时后”或“每天晚上8点”。回复“取消”就不设了。"
ASK_TIME_WHAT = "：{what}"
ASK_WHAT_AND_TIME = "好的，什么时候提醒您什么事？一句话说就行，比如“明天上午9点去打疫苗”“半小时后关火”。回复“取消”就不设了。"
ASK_TIME_AGAIN = "没听出时间。请告诉我什么时候提醒您，比如“明天上午9点”“下周一下午3点”。回复“取消”就不设了。"
ASK_GIVE_UP = "还是没听出时间，这个提醒先不设了。需要时可以这样说：“明天上午9点提醒我去打疫苗”。"
ASK_WHICH_DAY = "下周哪一天、几点提醒您？比如“下周三上午9点”。"
CONFIRM_BARE_HOUR = "您说的是 {when} 吗？回复“是”确认；不对的话请说清楚，比如“凌晨{hour}点”或“下午{hour}点”。"
CONFIRM_WEEKDAY_TODAY = "今天就是{weekday}。您是说下{weekday}，{when} 吗？回复“是”确认；要今天的话请说“今天”加时间，比如“今天下午3点”。"
QUESTION_DROPPED = "好的，这个提醒不设了。"
STILL_ASKING = "\n\n（刚才的提醒还没设好：什么时候提醒您{what}？回复“取消”就不设了）"
PAST = "{when} 已经过去了，没法提醒。请告诉我一个以后的时间，比如“明天上午9点”。"

WINDOW_REFUSED = (
    "抱歉，这个提醒没有设置：{when} 离现在超过了48小时。微信只允许公众号在您最近一次给我们发消息后的48小时内"
    "主动给您发消息，到时候提醒很可能收不到。您可以：设一个48小时以内的提醒；或者在那件事的前两天内再来设置。"
)
WINDOW_REFUSED_REPEAT = (
    "抱歉，重复提醒暂时设不了：微信只允许公众号在您最近一次给我们发消息后的48小时内主动给您发消息，"
    "往后的提醒会收不到（社区还没有开通提醒用的模板消息）。您可以设一个48小时以内的一次性提醒，比如“明天上午9点提醒我吃药”。"
)
TOO_MANY = "您已经有 {count} 个待发的提醒，到上限了。回复“我的提醒”查看，取消一些再设新的吧。"

# -- Listing and cancelling ------------------------------------------------------------------------
LIST_EMPTY = "您现在没有待发的提醒。设提醒可以这样说：“明天上午9点提醒我去打疫苗”。"
LIST_HEAD = "您有 {count} 个提醒："
LIST_LINE = "{number}. {when} {what}"
LIST_LINE_REPEAT = "{number}. {rule} {what}（下次 {when}）"
LIST_TAIL = "回复“取消提醒 {number}”取消这一个，回复“取消所有提醒”全部取消。"
NO_WHAT = "（未写内容）"

CANCELLED = "已取消提醒 {number}：{when} {what}"
CANCELLED_REPEAT = "已取消提醒 {number}：{rule} {what}，以后不再提醒。"
CANCEL_NOT_FOUND = "没有找到待发的提醒 {number}。回复“我的提醒”查看您的提醒和编号。"
CANCEL_NONE = "您现在没有待发的提醒。"
CANCEL_WHICH = "您有 {count} 个提醒，要取消哪一个？\n{lines}\n请回复“取消提醒 编号”，或“取消所有提醒”。"
CANCELLED_ALL = "已取消全部 {count} 个提醒。"

# -- The reminder itself ------------------------------------------------------------------------------
PUSH = "⏰ 提醒：{what}"
PUSH_NO_WHAT = "⏰ 您设的提醒时间到了。"
PUSH_REPEAT_TAIL = "\n（{rule} 提醒，回复“取消提醒 {number}”可停止）"
LATE_NOTE = "\n（本应在 {due} 提醒您，系统故障晚了{delay}，抱歉。）"
STAFF_PUSH = "【社区提醒】{text}"
STAFF_PUSH_EVENT = "【社区提醒】{text}\n时间：{when}"
