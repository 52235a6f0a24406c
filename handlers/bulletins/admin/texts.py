"""Words of the bulletins pages."""

MENU = "每日推送"
AUDIENCES = {"subscribers": "订阅的居民", "followers": "全部关注者", "grids": "指定网格", "buildings": "指定楼栋",
             "robots": "企业微信群"}
SHOWED = {"today": "当天内容", "this_week": "本周内容", "evergreen": "常备内容", "nothing": "无内容", "post": "一次性推送"}
ENABLED = "“{name}”已启用。"
DISABLED = "“{name}”已停用。"
ENTRY_SAVED = "{day} 的内容“{title}”已保存。"
ENTRY_INVALID = "内容有误：{error}"
TEST_QUEUED = "测试推送已排队（消息 {outbox_id}，{channel}），可在聊天模拟器里以该身份查看。"
TEST_FAILED = "无法发送测试：{reason}"
TEST_NEEDS_OPENID = "请选择接收测试的人。"
NOT_FOUND = "没有这个系列或这条内容。"
# Why a recipient got no delivery, in words (a reason not listed is shown as it is).
REASONS = {
    "outside_48h_window": "此人超过48小时没有互动，且推送没有设置模板消息",
    "outside_48h_no_template_id": "此人超过48小时没有互动，且没有配置模板消息 ID",
    "no_openid": "此人没有公众号账号",
    "robot_not_configured": "群机器人没有配置",
}
