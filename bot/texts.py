"""Every fixed sentence the bot says, in one place, as named constants with {named} fields.

Rules may carry their own reply text (FAQ answers are data admins edit); what
is here is the bot's own voice: greetings, help, confirmations, apologies.
"""

CAPABILITIES_MENU = (
    "我可以帮您：\n"
    "1. 报修投诉：直接说问题和地址，如“3栋2单元电梯坏了”\n"
    "2. 办事咨询：如“办居住证要带什么”\n"
    "3. 查进度：回复“我的工单”\n"
    "4. 设提醒：如“明天上午9点提醒我去打疫苗”，查看回复“我的提醒”\n"
    "5. 订阅每日党史：回复“订阅今日党史”，随时看回复“今日党史”\n"
    "6. 找工作人员：回复“人工”\n"
    "紧急情况（燃气泄漏、火情、有人受伤）请先拨打 119 / 120 / 110。"
)
WELCOME_FROM_SCENE = "您好，欢迎关注！已为您记录来源：{scene}。\n" + CAPABILITIES_MENU
FALLBACK = "抱歉，我没太明白您的意思。\n" + CAPABILITIES_MENU
NOT_AVAILABLE_YET = "我听懂了，您是想{what}。抱歉，这项服务还在开通中，暂时不能在线办理。如需帮助请回复“人工”。"

# The message failed twice and waits in the staff queue (GET /api/v1/inbound/failed) with its text.
INTERNAL_ERROR = "抱歉，系统没能自动处理您的消息，已转给社区工作人员人工查看；紧急情况请拨打 110 / 119 / 120。"
# The database was unreachable: the message is in the local spool and is answered once it is back.
SPOOLED = "您的消息已收到。系统正在恢复，处理后会再回复您；紧急情况请拨打 110 / 119 / 120。"
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
    "算啦": "conversation.cancel",
    "那算了": "conversation.cancel",
    "那就算了": "conversation.cancel",
    "算了算了": "conversation.cancel",
    "哎算了": "conversation.cancel",
    "算了不弄了": "conversation.cancel",
    "哎算了不弄了": "conversation.cancel",
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
CLI_DATABASE_MISSING = "数据库文件 {path} 不存在：请先运行 python -m bot init --config …（或把配置中的 database 指向已有的数据库）"
CLI_DATABASE_UNREACHABLE = "无法连接数据库 {url}（{reason}）：请确认数据库已启动，配置中 database 的地址、用户和密码正确"
CLI_PORT_TAKEN = "端口 {host}:{port} 已被占用：请先停止占用它的进程，或用 --port 换一个端口"
CLI_WAITRESS_ONE_PROCESS = (
    "waitress 只能运行一个进程，而这里要求 {workers} 个：去掉 --workers（或 server.workers），或改用 --engine gunicorn"
)
CLI_GUNICORN_POSIX_ONLY = "gunicorn 只能在 Linux 或 macOS 上运行：请改用 --engine waitress（或 server.engine: waitress）"
CLI_METRICS_PORT_TAKEN = "指标端口 {host}:{port} 已被占用：请先停止占用它的进程，或在配置中修改 scheduler.metrics_port"
CLI_PORT_UNUSABLE = "无法在 {host}:{port} 上监听（{reason}）：请用 --host / --port 换一个地址"
CLI_HOST_UNKNOWN = "无法解析监听地址 {host}（{reason}）：请检查 --host"
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
CLI_CHAT_EMPTY_DATABASE = (
    "（提示：数据库 {url} 里还没有关键词规则，机器人会把每条消息都当作听不懂。"
    "请先运行 python -m bot init（默认规则），或 python -m bot demo（演示社区），"
    "或用 BOT_DATABASE=sqlite:///var/demo/linli.db 连接演示数据库。）"
)
CLI_PUSHED = "  [推送给 {recipient}] {text}"
CLI_SWEEP_PUSHED = "  [推送给 {recipient} · {kind}] {text}"
CLI_SWEEP_AFTER_QUIET = "（该时间在免打扰时段内，按免打扰结束时 {at} 运行）"
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
CLI_ADMIN_UNKNOWN = "没有管理员 {username}"
CLI_TOKENS_REVOKED = "已吊销 {count} 个 API 令牌。"

# Import report (``python -m bot init`` / ``import``).
IMPORT_SUMMARY = "新增：{created}；更新：{updated}；未变：{unchanged}"
IMPORT_KEPT = "；保留管理员修改的规则 {count} 条（用 --force 覆盖）"


# -- API ERRORS: messages in JSON error bodies under /api/v1 ---------------------------------
OPENAPI_TITLE = "Linli 邻里 API"

# -- python -m bot doctor: each finding, then its fix ---------------------------------------------
DOCTOR_OK = "正常"
DOCTOR_WARN = "注意"
DOCTOR_ERROR = "错误"
DOCTOR_LINE = "[{level}] {check}: {message}"
DOCTOR_FIX_LINE = "        处理：{fix}"
DOCTOR_SUMMARY = "检查完毕：{errors} 项错误，{warnings} 项需要注意。"
DOCTOR_DB_OK = "数据库可连接，表结构是最新的（{url}）"
DOCTOR_DB_MISSING = "数据库文件不存在：{url}"
DOCTOR_DB_UNREACHABLE = "无法连接数据库 {url}（{error}）"
DOCTOR_DB_NOT_INITIALISED = "数据库 {url} 尚未初始化或需要升级"
DOCTOR_FIX_INIT = "运行 python -m bot init --config 配置文件（会建表并导入默认数据）"
DOCTOR_FIX_DB_UNREACHABLE = "确认数据库服务已启动、配置中的 database 地址和账号正确、防火墙放行"
DOCTOR_NO_TOKEN = "未配置 wechat.token，微信服务器的回调无法通过签名校验"
DOCTOR_FIX_TOKEN = "在公众号后台“设置与开发 → 基本配置 → 服务器配置”中的令牌(Token)与配置 wechat.token 必须一致"
DOCTOR_TOKEN_OK = "回调签名校验通过（wechat.token 一致）"
DOCTOR_TOKEN_MISMATCH = "服务器拒绝了用 wechat.token 签名的校验请求（HTTP {status}）"
DOCTOR_CALLBACK_UNREACHABLE = "无法访问回调地址（{error}）"
DOCTOR_FIX_CALLBACK_UNREACHABLE = "确认 serve 已启动，--url 写的是它的地址，反向代理把 /wechat 转发给它"
DOCTOR_AES_OK = "安全模式加解密正常（aes_key 与 app_id 一致）"
DOCTOR_AES_KEY_INVALID = "wechat.aes_key 格式不对（应为 43 位字母数字）"
DOCTOR_AES_MISMATCH = "服务器无法解密用本配置加密的消息：aes_key 或 app_id 与服务器不一致"
DOCTOR_APP_ID_MISMATCH = "服务器回复中的 app_id 与配置 wechat.app_id 不一致"
DOCTOR_FIX_AES_KEY = "把公众号后台的消息加解密密钥(EncodingAESKey)原样填入 wechat.aes_key，并确认 wechat.app_id 是本公众号的 AppID"
DOCTOR_FIX_APP_ID = "把公众号后台“基本配置”中的开发者ID(AppID)填入 wechat.app_id"
DOCTOR_CONSOLE_MODE = "控制台通道：不会向微信发送任何消息（演示模式）"
DOCTOR_NO_APP_SECRET = "未配置 wechat.app_id / app_secret：只能被动回复，无法推送、提醒和发布每日推送"
DOCTOR_FIX_APP_SECRET = "在公众号后台“基本配置”中查看 AppID，重置并填入 AppSecret（wechat.app_secret，可用环境变量 BOT_WECHAT__APP_SECRET）"
DOCTOR_API_OK = "已从 {base} 取得 access_token"
DOCTOR_API_UNREACHABLE = "无法访问微信接口 {base}（{error}）"
DOCTOR_FIX_API_UNREACHABLE = "确认服务器能访问外网（或配置 proxy 为可出网的代理），以及 api_base 地址正确"
DOCTOR_IP_NOT_WHITELISTED = "本服务器的出口 IP 不在白名单中（errcode {errcode}：{detail}）"
DOCTOR_FIX_IP_WHITELIST = "在公众号后台“设置与开发 → 基本配置 → IP白名单”（企业微信：应用的“企业可信IP”）加入服务器出口 IP，或通过已加白名单的 proxy 出网"
DOCTOR_BAD_CREDENTIALS = "AppID 或密钥不正确（errcode {errcode}）"
DOCTOR_API_ERROR = "微信接口返回错误 errcode {errcode}"
DOCTOR_FIX_API_ERROR = "按 errcode 查阅微信官方文档的全局返回码说明"
DOCTOR_NO_TEMPLATES = "未配置任何模板消息（templates）：超过48小时未互动的居民收不到提醒和进度通知"
DOCTOR_EMPTY_TEMPLATES = "以下消息类型的模板ID为空：{kinds}"
DOCTOR_TEMPLATE_NEEDED = "近7天有消息因缺少模板而发送失败：{kinds}"
DOCTOR_FIX_TEMPLATES = "在公众号后台“模板消息”中添加模板，把模板ID填入配置 templates.<消息类型>，见 README 配置表"
DOCTOR_ROBOT_FAILING = "群机器人 {robot} 近7天有 {count} 条消息发送失败"
DOCTOR_FIX_ROBOT = "在企业微信群里重新复制机器人的 Webhook 地址填入 robots.<名称>；机器人被移出群后需重新添加"
DOCTOR_DEAD_MESSAGES = "近7天有 {count} 条消息最终未能送达"
DOCTOR_FIX_DEAD = "python -m bot outbox dead 查看原因，修复后 python -m bot outbox retry --all 重发"
DOCTOR_CALENDAR_OK = "节假日与调休表已覆盖到 {last} 年"
DOCTOR_CALENDAR_MISSING = "节假日与调休表缺少 {years} 年的安排，工作日期限会按周一至周五计算"
DOCTOR_FIX_CALENDAR = "国务院办公厅公布放假安排后，用 POST /api/v1/holidays 或导入文件的 holidays 段录入当年的假日和调休上班日"
