"""Words of the reminders pages."""

MENU = "提醒"
STATUS_NAMES = {"active": "待发送", "done": "已发送", "missed": "错过", "cancelled": "已取消", "all": "全部"}
KIND_NAMES = {"staff": "工作人员发布", "resident": "居民自设"}
AUDIENCE_KINDS = {"building": "楼栋", "estate": "小区", "grid": "网格", "robot": "企业微信群"}
BUILDING_NAME = "{estate}{number}栋"  # what residents call a building: 幸福里小区3栋, not its code
REASONS = {"no_wechat_account": "没有微信账号", "outside_48h_window_no_template": "超过48小时未互动且未配置模板"}
SCHEDULED = "已安排 {count} 次发送（{when}）。"
CANCELLED = "已取消 {count} 条提醒。"
NO_TIME = "没有读出时间：{when}"
NO_REPEAT = "工作人员提醒只在一个时间发送（可用提前量发送多次），不支持重复。"
PAST = "发送时间 {at} 已经过去。"
BAD_LEAD = "提前量“{lead}”看不懂，请写 1d、2h、30m 或 0。"
BAD_AUDIENCE = "没有这个{kind}：{code}"
NEED_TEXT = "请填写提醒内容（1000 字以内）和时间。"
CREATED_BY_RESIDENT = "居民本人"
CREATED_BY_ADMIN = "工作人员 {name}"
CHANNEL_NAMES = {"official_account": "公众号", "wecom_app": "企业微信", "wecom_robot": "企业微信群", "console": "控制台"}
