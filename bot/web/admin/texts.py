"""The admin framework's own words: menu entries, roles, messages. Capabilities' pages keep theirs."""

APP_TITLE = "邻里 · 管理后台"

ROLE_NAMES = {
    "admin": "管理员",
    "staff": "社区工作人员",
    "grid": "网格员",
    "department": "部门联络人",
}

# Menu entries of the framework's own pages.
MENU_DASHBOARD = "概览"
MENU_RULES = "规则工作室"
MENU_WORDS = "词典"
MENU_UNMATCHED = "未匹配消息"
MENU_SIMULATOR = "聊天模拟器"
MENU_ACCOUNTS = "账号"
MENU_AUDIT = "审计日志"
MENU_OUTBOX = "消息投递"

# Signing in.
LOGIN_FAILED = "用户名或密码错误。"
LOGIN_LOCKED = "登录失败次数过多，账号已锁定，请在 {at} 之后再试，或请管理员解锁。"
LOGIN_THROTTLED = "此地址登录失败次数过多，请 {minutes} 分钟后再试。"
LOGIN_INACTIVE = "该账号已停用，请联系管理员。"
LOGGED_OUT = "您已退出登录。"
LOGIN_REQUIRED = "请先登录。"
FORBIDDEN = "您的角色（{role}）不能打开这个页面。"
CSRF_FAILED = "表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试。"
NOT_FOUND = "没有找到这个页面或记录。"

# Accounts.
ACCOUNT_SAVED = "账号 {username} 已保存。"
ACCOUNT_CREATED = "账号 {username} 已创建。"
ACCOUNT_UNLOCKED = "账号 {username} 已解锁。"
ACCOUNT_EXISTS = "用户名 {username} 已被使用。"
ACCOUNT_NEEDS_PERSON = "网格员和部门联络人账号必须关联一位人员（网格员或部门工作人员）。"
ACCOUNT_PERSON_UNKNOWN = "没有编码为 {code} 的人员。"
ACCOUNT_SELF_DEMOTE = "不能降低或停用自己的管理员账号。"
PASSWORD_TOO_SHORT = "密码至少 {n} 位。"
PASSWORD_CHANGED = "密码已修改，其他设备上的登录已失效。"
PASSWORD_WRONG = "当前密码不正确。"

# Outbox.
OUTBOX_RETRIED = "已重新排队 {count} 条消息。"

# Rules, words and the simulator.
RULE_SAVED = "规则“{name}”已保存，所有进程在下一条消息时生效。"
RULE_CREATED = "规则“{name}”已创建。"
RULE_DELETED = "规则“{name}”已删除。"
RULE_RESTORED = "规则“{name}”已恢复到第 {version} 版。"
RULE_ENABLED = "规则“{name}”已启用。"
RULE_DISABLED = "规则“{name}”已停用。"
RULE_INVALID = "规则有误：{error}"
WORD_SAVED = "词语“{word}”已加入词典。"
WORD_DELETED = "词语“{word}”已从词典删除。"
WORD_ENABLED = "词语“{word}”已启用。"
WORD_DISABLED = "词语“{word}”已停用，分词时不再使用。"
WORD_INVALID = "词语不能为空，也不能包含空格。"
NLP_OFF = "分词和规则引擎未启动，无法试算。"
SIM_UNKNOWN_IDENTITY = "请选择一个身份，或填写一个以 o 开头的 openid。"
SIM_SEND_FAILED = "发送失败：{error}"
SIM_CLEARED = "已清空 {who} 的对话记录显示（数据库记录不变）。"

# What is wrong with a rule (explaintext.rule_error), by the form's field names.
RULE_FIELDS = {
    "name": "名称", "intent": "意图", "category": "类别", "any": "任一关键词", "all": "全部关键词", "none": "排除词",
    "synonyms": "同义词", "priority": "优先级", "reply": "回复", "params": "参数", "community": "仅限社区",
    "enabled": "启用",
}
RULE_ACTIONS = {"created": "新建", "updated": "修改", "deleted": "删除", "restored": "恢复", "imported": "导入",
                "enabled": "启用", "disabled": "停用"}
RULE_ERRORS = {
    "EMPTY": "“任一关键词”和“全部关键词”都是空的，这条规则永远不会命中",
    "NAME_USED": "{field}已被其他规则使用",
    "TOO_MANY": "“{field}”有 {n} 个词，最多 {m} 个",
    "TOO_LONG": "“{field}”里有超过 {n} 个字的词",
    "EMPTY_WORD": "“{field}”里有空的词",
    "NOT_TEXT": "“{field}”里有不是文字的词",
    "SYNONYM": "同义词“{w}”对应的“{t}”不是这条规则的关键词",
    "UNKNOWN_VALUE": "没有这个{field}：{v}",
    "UNKNOWN_COMMUNITY": "没有这个社区：{v}",
    "NOT_URGENT": "类别“{v}”不能走紧急通道",
    "REQUIRED_FOR": "意图 {v} 必须填写“{field}”",
    "REQUIRED": "请填写“{field}”",
    "ONLY_TICKETS": "只有报事类意图（tickets.create、tickets.urgent）才能选类别",
    "PRIORITY": "优先级必须是 {low} 到 {high} 之间的整数",
    "BAD_VALUE": "“{field}”的格式不对",
    "UNKNOWN_FIELD": "有无法识别的字段",
}

# Why a message went where it did (the 试一试 box and the simulator's side panel; explaintext.py).
EXPLAIN_STATUS = {
    "winner": "胜出",
    "eligible": "也命中，但没有胜出",
    "vetoed": "被排除",
    "incomplete": "关键词不全",
    "out_of_scope": "不适用于本社区",
    "disabled": "已停用",
}
EXPLAIN_STATUS_OTHER = "未采用"
EXPLAIN_SEPARATOR = "；"
EXPLAIN_WORD_JOINER = "、"
EXPLAIN_END = "。"
EXPLAIN_MISSING = "缺少{words}"
EXPLAIN_NO_ANY = "“任一关键词”一个也没出现"
EXPLAIN_VETOED_BY = "出现排除词{words}"
EXPLAIN_NO_KEYWORD = "消息里没有任何规则的关键词，走兜底回复。"
EXPLAIN_NONE_MATCHED = "没有规则完全命中：{rules}"
EXPLAIN_ONLY_ONE = "只有规则“{rule}”命中。"
EXPLAIN_WON = "规则“{rule}”胜出：{because}。"
EXPLAIN_BY_PRIORITY = "优先级更高（{w} > {r}），胜过“{rival}”"
EXPLAIN_BY_KEYWORDS = "优先级相同，命中的关键词更多（{w} > {r} 个），胜过“{rival}”"
EXPLAIN_BY_CHARS = "优先级和关键词数都相同，命中的文字更长（{w} > {r} 个字），胜过“{rival}”"
EXPLAIN_BY_COMMUNITY = "本社区专用的规则优先于通用规则“{rival}”"
EXPLAIN_BY_AGE = "其他条件都相同，先建的规则优先（编号 {w} < {r}），胜过“{rival}”"
EXPLAIN_URGENT = "走紧急通道：“{rule}”命中{words}{level}。"
EXPLAIN_URGENT_LEVEL = {
    "STRONG": "，明确的紧急情况，立即通知所有责任人",
    "AMBIGUOUS": "，不能确定是否正在发生，先问居民现在是否有危险",
}
EXPLAIN_URGENT_TOO_WEAK = "紧急通道：提到了可能的险情，但说法不够确定，未按紧急处理。"
EXPLAIN_URGENT_RULED_OUT = "紧急通道未命中：{reasons}"
EXPLAIN_DROPPED = {
    "negated": "被否定",
    "resolved": "已经解决",
    "near miss": "差一点，并没有发生",
    "not happened (yet)": "还没有发生",
    "figure of speech": "是比喻说法",
    "hypothetical": "是假设的情况",
    "habitual": "是经常性的情况，不是正在发生",
    "past": "已经过去",
    "question about it": "是在询问相关信息",
    "explained": "有正常原因",
    "says more": "呼救词只有单独说时才算",
    "not a person": "说的不是人",
}
EXPLAIN_DROPPED_OTHER = "不算紧急"
EXPLAIN_DROPPED_WITH = "{check}（{words}）"

# The audit log's actions in words: the object, then what was done (the stored code is shown beside).
AUDIT_OBJECTS = {
    "ticket": "工单", "rule": "规则", "word": "词语", "account": "账号", "login": "登录", "bind_code": "绑定码",
    "bulletin": "推送", "bulletin_entry": "推送内容", "bulletin_series": "推送系列", "holiday": "节假日",
    "outbox": "消息投递", "reminder": "提醒", "consultation": "人工咨询", "communities": "社区", "estates": "小区",
    "grids": "网格", "buildings": "楼栋", "places": "小区地点", "departments": "部门", "persons": "人员",
    "members": "网格员", "staff": "工作人员", "residents": "居民住址", "categories": "类别",
    "admin_user": "账号", "person": "人员", "reminder_series": "提醒系列",
}
AUDIT_VERBS = {
    "create": "新建", "update": "修改", "delete": "删除", "enable": "启用", "disable": "停用", "restore": "恢复版本",
    "add": "添加", "set": "设置", "issue": "生成", "test": "测试推送", "retry": "重新投递", "cancel": "取消",
    "schedule": "安排", "password": "改密码", "unlock": "解锁", "failed": "失败", "locked": "被锁定",
    "throttled": "被限流", "phone_viewed": "查看电话", "assign": "派单", "transfer": "转派", "escalate": "升级",
    "deescalate": "降级", "category": "改类别", "close": "办结", "note": "内部备注", "note_public": "给居民留言",
    "accept": "接单", "complete": "完成", "report_in": "报到", "merge": "合并", "split": "拆分", "reply": "回复", "answer": "回复",
    "place": "更正位置",
}
AUDIT_LOGIN = "登录成功"

# Generic.
SAVED = "已保存。"
NONE = "无"
YES = "是"
NO = "否"

# Form labels.
LABEL_USERNAME = "用户名"
LABEL_PASSWORD = "密码"
LABEL_DISPLAY_NAME = "姓名"
LABEL_ROLE = "角色"
LABEL_PERSON = "关联人员编码（网格员、部门联络人必填）"
LABEL_NEW_ACCOUNT_PASSWORD = "密码（新建必填；留空则不修改）"
LABEL_ACTIVE = "启用"
LABEL_CURRENT_PASSWORD = "当前密码"
LABEL_NEW_PASSWORD = "新密码"

# The chat simulator.
SIM_MEMBER = "网格员"
SIM_STAFF = "工作人员"
SIM_RESIDENT = "居民"
SIM_ADDRESS = "我住{estate}{building}栋{unit}单元"

# Setup pages generated from the API's resources.
CRUD_BAD_JSON = "不是有效的 JSON"
CRUD_FIXED = "{field} 是其他记录引用的编码，不能修改"
CRUD_CONFLICT = "编码重复：已经有同样编码的记录。"
CRUD_SAVED = "{what}已保存。"
CRUD_DELETED = "{what}已删除。"
CRUD_IN_USE = "不能删除：{reason}"
CRUD_REFERENCED = "还有其他记录引用它"
CRUD_DEFAULT = "默认"
CRUD_PART_JOINER = "，"
CRUD_ITEM_JOINER = "、"

# What `python -m bot demo` prints about the web UI.
DEMO_WEB = "  管理后台:  {url}/admin/   管理员 {username} / {password}"
DEMO_WEB_ROLES = "             其他角色（密码同上）：{accounts}"
DEMO_WEB_ROLE = "{username}（{role}）"
BAD_INPUT = "输入里有不允许的字符。"


# Outbox codes in words (the simulator's push bubbles, the dashboard); a code not listed is shown as it is.
OUTBOX_KINDS = {
    "ticket_task": "派单通知", "ticket_update": "进展通知", "ticket_number": "工单号回复", "ticket_rating": "评价邀请",
    "ticket_reminder": "到期提醒", "ticket_escalation": "升级通知", "ticket_urgent": "紧急通知",
    "urgent_confirm": "紧急确认", "text": "消息", "late_reply": "补发回复", "bulletin": "订阅推送",
    "consultation": "咨询", "consultation_reply": "咨询回复", "staff": "工作人员提醒", "reminder": "提醒",
}
OUTBOX_STATUSES = {"pending": "待发送", "sending": "发送中", "sent": "已发送", "failed": "发送失败",
                   "dead": "多次失败已放弃"}

# Rule intents in words: the rule studio shows the name with the code small beside it.
INTENT_NAMES = {
    "bulletins.show": "查看推送", "chat.greeting": "打招呼", "chat.thanks": "道谢", "consultations.answer": "咨询",
    "conversation.cancel": "取消当前对话", "event.scan_result": "扫码", "event.subscribe": "关注公众号",
    "event.unsubscribe": "取消关注", "fallback": "未匹配兜底", "faq.answer": "常见问题答复", "help.show": "帮助",
    "human.handover": "转人工", "media.received": "收到图片/语音", "members.accept": "网格员接单",
    "members.acknowledge": "网格员确认紧急警情", "members.bind": "工作人员绑定账号", "members.close": "工作人员关闭工单",
    "members.complete": "网格员办结",
    "members.detail": "网格员查看详情", "members.phone": "网格员查看电话", "members.progress": "网格员记录进展",
    "members.report_in": "部门报到", "members.return": "网格员退回", "members.tasks": "网格员查看待办",
    "members.transfer": "网格员转派", "members.wait": "网格员请居民补充", "profile.set_address": "登记住址",
    "rating.answer": "居民评价", "reminders.cancel": "取消提醒", "reminders.create": "设置提醒",
    "reminders.list": "查看提醒", "reports.split": "拆分反映", "reports.withdraw": "撤回反映",
    "subscriptions.list": "查看订阅", "subscriptions.subscribe": "订阅", "subscriptions.unsubscribe": "退订",
    "tickets.add_detail": "补充工单信息", "tickets.create": "报修/投诉", "tickets.list_mine": "查看我的工单",
    "tickets.status": "查询工单进度", "tickets.urge": "催办", "tickets.urgent": "紧急求助",
}
