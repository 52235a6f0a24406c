"""Every fixed sentence the bot says, in one place, as named constants with {named} fields.

Rules may carry their own reply text (FAQ answers are data admins edit); what
is here is the bot's own voice: greetings, help, confirmations, apologies.
"""

CAPABILITIES_MENU = (
    "我可以帮您：\n"
    "1. 报修投诉：直接说问题和地址，如“3栋2单元电梯坏了”\n"
    "2. 办事咨询：如“办居住证要带什么”\n"
    "3. 查进度：回复“我的工单”\n"
    "4. 设提醒（即将开通）：如“明天上午9点提醒我去打疫苗”\n"
    "5. 订阅每日党史（即将开通）：回复“订阅今日党史”\n"
    "6. 找工作人员：回复“人工”\n"
    "紧急情况（燃气泄漏、火情、有人受伤）请先拨打 119 / 120 / 110。"
)
WELCOME_FROM_SCENE = "您好，欢迎关注！已为您记录来源：{scene}。\n" + CAPABILITIES_MENU
FALLBACK = "抱歉，我没太明白您的意思。\n" + CAPABILITIES_MENU
NOT_AVAILABLE_YET = "我听懂了，您是想{what}。抱歉，这项服务还在开通中，暂时不能在线办理。如需帮助请回复“人工”。"

INTERNAL_ERROR = "抱歉，系统开小差了。您的留言已经记录，工作人员会尽快处理；紧急情况请拨打 110 / 119 / 120。"
REPLY_TRUNCATED = "（内容较长，只显示了前面部分。）"
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
URGENT_NOT_AVAILABLE = (
    "⚠️ 紧急情况请先报警求助！\n{instructions}\n"
    "在线紧急派单服务还在开通中，社区暂时无法通过这里自动派人，请务必直接拨打电话。"
)


# -- SHARED WORDS: fallbacks used wherever a value is missing -------------------------------
NONE = "无"
LIST_SEPARATOR = "、"
INTENT_FALLBACK_DESCRIPTION = "办理这项业务"


# -- CLI: what ``python -m bot …`` prints for the operator -----------------------------------
CLI_DATABASE_READY = "数据库已就绪：{url}"
CLI_SCHEMA_MISSING = "数据库尚未初始化或版本过旧：请先运行 python -m bot init --config …"
CLI_DEMO_STARTED = "邻里 Linli 演示已启动（SQLite：{path}）"
CLI_DEMO_WEBHOOK = "  Webhook:   {url}/wechat   健康检查: {url}/healthz"
CLI_DEMO_CHAT = "  终端聊天:  python -m bot chat --url {url}"
CLI_DEMO_API = "  管理 API:  {url}/api/v1 （说明：{url}/api/v1/openapi.json）"
CLI_DEMO_ADMIN = "  管理员:    {username} / {password}；API 令牌：{token}"
CLI_DEMO_STARTUP_TIME = "  启动用时:  {seconds:.2f} 秒；按 Ctrl-C 退出"
CLI_CHAT_HELP = "输入消息后回车；/user 名字 切换身份（演示：居民 oDemoResident，网格员 oDemoMember）；/quit 退出。"
CLI_CHAT_PROMPT = "[{openid}] 你: "
CLI_CHAT_SPEAKING_AS = "（现在以 {openid} 的身份发言）"
CLI_CHAT_SEND_FAILED = "[发送失败] {error}"
CLI_CHAT_REPLY = "邻里: {reply}"
CLI_CHAT_NO_REPLY = "邻里: （稍后回复）"
CLI_PUSHED = "  [推送给 {recipient}] {text}"
CLI_SWEEP_PUSHED = "  [推送给 {recipient} · {kind}] {text}"
CLI_SWEEP_BUSY = "{job}：另一个进程正在运行这项任务，本次跳过（稍后再试）。"
CLI_EXPLAIN_NO_DATABASE = "（数据库未初始化，按 data/ 中的默认规则解释）"
CLI_EXPLAIN_MESSAGE = "消息：{text}"
CLI_EXPLAIN_TOKENS = "分词：{tokens}"
CLI_EXPLAIN_ENTITIES = "实体：{entities}"
CLI_EXPLAIN_RESULT = "结果：intent={intent} category={category} rule={rule}{urgent}"
CLI_EXPLAIN_URGENT = "（紧急通道）"
CLI_EXPLAIN_REASON = "理由：{reason}"
CLI_EXPLAIN_CANDIDATES = "候选："
CLI_EXPLAIN_CANDIDATE = (
    "  [{router}] {rule} ({intent}) {status} 命中={matched} 缺={missing} 否决={vetoed_by} 优先级={priority}"
)
CLI_OUTBOX_EMPTY = "没有发送失败的消息。"
CLI_OUTBOX_ROW = "#{id} {status} {channel} {kind} 尝试 {attempts} 次：{error}"
CLI_OUTBOX_REQUEUED = "已重新排队 {count} 条消息。"
CLI_ADMIN_READY = "管理员 {username} 已就绪。API 令牌（只显示这一次）："

# Import report (``python -m bot init`` / ``import``).
IMPORT_SUMMARY = "新增：{created}；更新：{updated}；未变：{unchanged}"
IMPORT_KEPT = "；保留管理员修改的规则 {count} 条（用 --force 覆盖）"


# -- API ERRORS: messages in JSON error bodies under /api/v1 ---------------------------------
OPENAPI_TITLE = "Linli 邻里 API"
