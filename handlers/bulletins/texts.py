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
