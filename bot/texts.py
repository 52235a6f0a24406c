"""Every fixed sentence the bot says, in one place, as named constants with {named} fields.

Rules may carry their own reply text (FAQ answers are data admins edit); what
is here is the bot's own voice: greetings, help, confirmations, apologies.
"""

CAPABILITIES_MENU = (
    "我可以帮您：\n"
    "1. 报修投诉：直接说问题和地址，如“3栋2单元电梯坏了”\n"
    "2. 办事咨询：如“办居住证要带什么”\n"
    "3. 查进度：回复“我的工单”\n"
    "4. 设提醒：如“明天上午9点提醒我去打疫苗”\n"
    "5. 订阅每日党史：回复“订阅今日党史”\n"
    "6. 找工作人员：回复“人工”\n"
    "紧急情况（燃气泄漏、火情、有人受伤）请先拨打 119 / 120 / 110。"
)

WELCOME = "您好，欢迎关注！我是社区的邻里助手，24小时在线。\n" + CAPABILITIES_MENU
WELCOME_FROM_SCENE = "您好，欢迎关注！已为您记录来源：{scene}。\n" + CAPABILITIES_MENU
HELP = "您好，" + CAPABILITIES_MENU
FALLBACK = "抱歉，我没太明白您的意思。\n" + CAPABILITIES_MENU

CANCELLED = "好的，已取消。还有什么可以帮您？"
NOTHING_TO_CANCEL = "当前没有进行中的事项。需要帮助请回复“帮助”。"
HUMAN_HANDOVER = (
    "在线转人工还在开通中，您的留言已保存在社区后台。需要马上找工作人员，请回复“联系电话”查看社区电话，"
    "或工作日到社区办理；紧急情况请拨打 110 / 119 / 120。"
)
NOT_AVAILABLE_YET = "我听懂了，您是想{what}。抱歉，这项服务还在开通中，暂时不能在线办理。如需帮助请回复“人工”。"

MEDIA_RECEIVED = {
    "image": "收到您的图片。如需报修，请用文字说明问题和地址，例如“3栋2单元楼道灯不亮”。",
    "video": "收到您的视频。如需报修，请用文字说明问题和地址。",
    "shortvideo": "收到您的小视频。如需报修，请用文字说明问题和地址。",
    "voice": "收到您的语音，但没能识别出文字。请再说一遍或直接打字告诉我。",
    "location": "收到您的位置：{label}。如需报修，请再用文字说明问题。",
    "link": "收到您分享的链接。如有问题需要反映，请直接用文字告诉我。",
    "file": "收到您的文件。如有问题需要反映，请直接用文字告诉我。",
}
UNSUPPORTED_MESSAGE = "暂不支持这种消息，请直接发文字告诉我您的需求。"

INTERNAL_ERROR = "抱歉，系统开小差了。您的留言已经记录，工作人员会尽快处理；紧急情况请拨打 110 / 119 / 120。"
REPLY_LATER = "您的消息已收到，正在处理，稍后回复您。"

# Names of intents for honest "not available yet" answers.
INTENT_DESCRIPTIONS = {
    "tickets.urgent": "报告紧急情况",
    "tickets.create": "报修或反映问题",
    "tickets.list_mine": "查看您的工单",
    "tickets.status": "查询工单进展",
    "tickets.urge": "催办工单",
    "reminders.create": "设置提醒",
    "subscriptions.subscribe": "订阅每日推送",
    "subscriptions.unsubscribe": "退订每日推送",
    "profile.set_address": "登记住址",
    "members.bind": "绑定网格员身份",
}

# Exact messages that work in every conversation state (after normalisation,
# punctuation and spaces removed).
GLOBAL_COMMAND_WORDS = {
    "取消": "conversation.cancel",
    "算了": "conversation.cancel",
    "不用了": "conversation.cancel",
    "退出": "conversation.cancel",
    "帮助": "help.show",
    "菜单": "help.show",
    "?": "help.show",
    "help": "help.show",
    "人工": "human.handover",
    "转人工": "human.handover",
    "人工服务": "human.handover",
    "人工客服": "human.handover",
}
SCAN_RESULT = "已收到扫码内容：{result}"

# Urgent fast path: what to do right now, per category. Numbers are national.
SAFETY_INSTRUCTIONS = {
    "gas": "闻到燃气味：请立即关闭燃气总阀，打开门窗通风；不要开关电器、不要打电话或用明火；离开房间后再拨打燃气公司抢修电话或 119。",
    "fire": "发生火情：请立即拨打 119，用湿毛巾捂住口鼻、弯腰沿疏散通道撤离，不要乘坐电梯。",
    "elevator": "电梯困人：请保持冷静，按下轿厢内警铃或拨打轿厢内救援电话，不要强行扒门；无法联系时拨打 119（或 96333 电梯应急）。",
    "medical": "有人受伤或晕倒：请立即拨打 120，不要随意搬动伤者；如有出血先按压止血。",
    "power": "漏电危险：请不要触碰，远离带电处；如能安全操作，先断开总电源，再拨打 95598 或 119。",
}
URGENT_NOT_AVAILABLE = (
    "⚠️ 紧急情况请先报警求助！\n{instructions}\n"
    "在线紧急派单服务还在开通中，社区暂时无法通过这里自动派人，请务必直接拨打电话。"
)
