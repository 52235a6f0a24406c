"""What bulletins say: the fixed wording around the content, as named templates with {named} fields.

The content itself (titles, paragraphs, evergreen items) is data in data/bulletins/.
Markup (markdown syntax, blank lines) is added by render.py, never here.
"""

# Indexed by date.weekday(): Monday is 0.
WEEKDAY_NAMES = ("一", "二", "三", "四", "五", "六", "日")

SOLAR_DATE = "{year}年{month}月{day}日 星期{weekday}"
# {month} is lunar_python's month name without 月 ("正", "冬", "腊", "闰二"), {day} its day ("初一", "十三").
LUNAR_DATE = "农历{month}月{day}"

SERIES_TITLE_TEXT = "【{series}】"

# The fallback line before entries taken from another day of this week (said with its date).
THIS_WEEK_BEFORE = "今天没有当日条目，回顾本周{weekday}（{month}月{day}日）："
THIS_WEEK_AHEAD = "今天没有当日条目，预告本周{weekday}（{month}月{day}日）："
EVERGREEN_INTRO = "今天没有当日条目，与您分享一则："
NOTHING_TODAY = "今天暂无内容，敬请关注后续推送。"

ENTRY_WITH_YEAR = "{year}年 {title}"
NEWS_TITLE = "{series}｜{title}"
MORE_ENTRIES = "还有{count}条，篇幅所限未能列出。"

# --- subscriptions and pull (chat) -----------------------------------------------------------------
# {schedule} is SCHEDULE_DAILY or SCHEDULE_PLANNED; {series} a series name such as 今日党史.
SCHEDULE_DAILY = "每天{hour:02d}:{minute:02d}"
SCHEDULE_PLANNED = "按计划"
SUBSCRIBED = "已为您订阅【{series}】，{schedule}推送。想先看看，回复“{series}”；不想收了，回复“退订{series}”。"
ALREADY_SUBSCRIBED = "您已订阅【{series}】，{schedule}推送。回复“{series}”随时查看，回复“退订{series}”可退订。"
SCENE_SUBSCRIBED = "已按您扫的二维码订阅【{series}】，{schedule}推送。回复“退订{series}”可随时退订。"
UNSUBSCRIBED = "已为您退订【{series}】，以后不再推送给您。想看时回复“{series}”；想恢复请回复“订阅{series}”。"
UNSUBSCRIBED_ALL = "已为您退订：{names}，以后不再推送给您。需要时回复“订阅{example}”即可恢复。"
NOT_SUBSCRIBED = "您没有订阅【{series}】，不会收到它的推送。"
NOTHING_TO_UNSUBSCRIBE = "您目前没有订阅任何推送，我们不会给您推送每日内容。"
MY_SUBSCRIPTIONS = "您订阅了：\n{lines}\n回复“退订+名称”可退订，如“退订{example}”。"
SUBSCRIPTION_LINE = "· {series}（{schedule}推送）"
NO_SUBSCRIPTIONS = "您还没有订阅任何推送。可以订阅：{names}，回复“订阅{example}”即可。"
WHICH_SERIES = "可以订阅的推送有：{names}。请回复“订阅+名称”，如“订阅{example}”。"
NOT_BY_SUBSCRIPTION = "【{series}】发在社区群里，不能单独订阅。回复“{series}”可随时查看当天内容。"
NO_SERIES = "暂时没有可以订阅的推送。"
SUBSCRIBE_IN_OFFICIAL_ACCOUNT = "每日推送请在社区公众号里订阅：关注后回复“订阅{series}”。"
NAME_SEPARATOR = "、"
# After a pulled bulletin, for someone who has not subscribed.
PULL_FOOTER = "回复“订阅{series}”，{schedule}推送给您。"

# --- pushes ----------------------------------------------------------------------------------------
# Kept at the end of every pushed text, so each push says how to stop it.
PUSH_FOOTER = "回复“退订{series}”不再接收"
# A template message (outside the 48-hour window) carries a short line in its "content" field.
TEMPLATE_CONTENT = "【{series}】{date}：{headline}。回复“{series}”查看全文。"
# A test send from the editorial API.
TEST_PREFIX = "【测试】"
