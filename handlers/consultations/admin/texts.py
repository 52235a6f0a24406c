"""Words of the consultations queue page."""

MENU = "人工咨询"
STATUS_NAMES = {"open": "待回复", "answered": "已回复", "closed": "已结束", "all": "全部"}
ANSWERED = "回复已通过公众号发给居民（咨询单 {number}）。"
CLOSED = "咨询单 {number} 已结束。"
CLOSED_ALREADY = "咨询单 {number} 已结束，不能再回复。"
EMPTY_ANSWER = "请填写回复内容（1000 字以内）。"
NOT_FOUND = "没有这个咨询单。"
RESIDENT = "居民"
CHANNEL_NAMES = {"official_account": "公众号", "wecom_app": "企业微信", "console": "控制台", "api": "接口", "web": "网页"}
