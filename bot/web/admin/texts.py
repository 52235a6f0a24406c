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
WORD_INVALID = "词语不能为空，也不能包含空格。"
NLP_OFF = "分词和规则引擎未启动（NLP engine not started），无法试算。"
SIM_UNKNOWN_IDENTITY = "请选择一个身份，或填写一个以 o 开头的 openid。"
SIM_SEND_FAILED = "发送失败：{error}"
SIM_CLEARED = "已清空 {who} 的对话记录显示（数据库记录不变）。"

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

# What `python -m bot demo` prints about the web UI.
DEMO_WEB = "  管理后台:  {url}/admin/   管理员 {username} / {password}"
DEMO_WEB_ROLES = "             其他角色（密码同上）：{accounts}"
DEMO_WEB_ROLE = "{username}（{role}）"
BAD_INPUT = "输入里有不允许的字符。"
