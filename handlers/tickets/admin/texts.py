"""Words of the tickets capability's admin pages (templates hold the rest)."""

MENU_TICKETS = "工单"
MENU_CATEGORIES = "类别与时限"
MENU_HOLIDAYS = "节假日"

VIEWS = {
    "open": "全部未办结",
    "mine": "我的",
    "unassigned": "待分派",
    "overdue": "已超时",
    "escalated": "已升级",
    "urgent": "紧急",
    "waiting": "等居民补充",
    "done": "待评价",
    "all": "全部",
}

STATUS_NAMES = {
    "queued": "待分派",
    "assigned": "已派单待接单",
    "accepted": "已接单",
    "in_progress": "处理中",
    "waiting": "等居民补充",
    "done": "已完成待评价",
    "closed": "已办结",
    "cancelled": "已撤销",
}
STATUS_CLOSED_UNRESOLVED = "已关闭（未处理）"  # 关闭 T… 原因 in chat: a false alarm, nothing was done
EVENT_CLOSED_UNRESOLVED = "工作人员关闭（未处理）"
LEVEL_NAMES = {0: "未升级", 1: "社区督办", 2: "部门吹哨", 3: "街道督办"}

# Event kinds the web UI adds to a ticket's history.
EVENT_NAMES = {
    "note": "内部备注",
    "note_public": "给居民的留言",
    "closed": "工作人员办结",
    "category_changed": "更改类别",
    "merged_into": "合并到其他工单",
    "merged_from": "并入重复工单",
    "split": "拆出单独工单",
    "split_from": "由其他工单拆出",
    "place_changed": "位置更正",
}

# Codes the ticket page shows in words (a code not listed is shown as it is).
SENT_TO = "发给 {name}"
CHANNEL_NAMES = {"official_account": "公众号", "wecom_app": "企业微信", "console": "控制台", "api": "接口", "web": "网页"}
MESSAGE_KINDS = {
    "ticket_task": "派单通知", "ticket_update": "进展通知", "ticket_number": "工单号回复", "ticket_rating": "评价邀请",
    "ticket_reminder": "到期提醒", "ticket_escalation": "升级通知", "ticket_urgent": "紧急通知",
    "urgent_confirm": "紧急确认", "text": "消息", "late_reply": "补发回复",
}
MESSAGE_STATUS = {"pending": "待发送", "sending": "发送中", "sent": "已发送", "failed": "发送失败", "dead": "多次失败已放弃"}
MEDIA_KINDS = {"image": "照片", "voice": "语音", "video": "视频", "location": "位置"}
ALERT_RUNGS = {"member": "网格员", "staff": "社区工作人员", "department": "部门", "street": "街道", "next": "下一级",
               "other": "其他人员"}

# What residents receive from the web UI's actions (through the outbox).
NOTE_TO_RESIDENT = "【工单 {number} 进展】{note}"
CLOSED_TO_RESIDENT = "您反映的问题（工单 {number}）已由社区办结：{note}"
MERGED_TO_RESIDENT = ("您反映的问题（工单 {number}）和工单 {into} 是同一件事，已合并到工单 {into} 一起处理，"
                      "后续进展和评价都通过工单 {into} 告诉您。")
MERGED_TO_WORKER = "工单 {number} 与工单 {into} 重复，已由社区合并到 {into}，{number} 无需再处理。"
SPLIT_TO_RESIDENT = "您反映的“{description}”与工单 {old} 不是同一件事，社区已为您单独登记为工单 {number}，处理进展会另行通知您。"

# Notes in the tickets' histories.
MERGED_INTO_NOTE = "与工单 {number} 重复，已合并过去"
MERGED_FROM_NOTE = "合并了重复的工单 {number}：{description}"
SPLIT_NOTE = "{name}的反映不是同一件事，已拆为工单 {number}"
SPLIT_FROM_NOTE = "从工单 {number} 拆出"

# Flash messages.
DONE_ASSIGNED = "工单 {number} 已派给 {name}。"
DONE_TRANSFERRED = "工单 {number} 已转给 {name}。"
DONE_ESCALATED = "工单 {number} 已升级到：{rung}。"
DONE_DEESCALATED = "工单 {number} 已降一级。"
DONE_CATEGORY = "工单 {number} 的类别已改为 {category}。"
DONE_CLOSED = "工单 {number} 已办结并通知居民。"
DONE_NOTE = "已给工单 {number} 添加备注。"
DONE_NOTE_PUBLIC = "留言已通过公众号发给工单 {number} 的报告人。"
DONE_ACCEPTED = "已接单 {number}。"
DONE_COMPLETED = "工单 {number} 已标记完成，系统会请居民评价。"
DONE_REPORTED_IN = "已报到 {number}，请在 {due} 前办结。"
DONE_MERGED = "工单 {number} 已合并到 {into}，已通知居民。"
DONE_SPLIT = "{name}的反映已拆为工单 {into}，已通知居民。"
DONE_BULK = "已对 {count} 张工单执行“{action}”。"
ERR_NOT_YOURS = "您不能处理工单 {number}。"
ERR_ALREADY_CLOSED = "工单 {number} 已经办结。"
ERR_NO_TARGET = "请选择要派给的人或部门。"
ERR_UNKNOWN_CATEGORY = "没有这个类别：{category}"
ERR_NOTE_REQUIRED = "请填写内容。"
ERR_NOTHING_SELECTED = "请先勾选工单。"
ERR_NO_PERSON = "您的账号没有关联网格员或部门人员，不能接单或办结。"
ERR_MERGE_SAME = "不能把工单 {number} 合并到它自己。"
ERR_MERGE_CLOSED = "工单 {number} 已经结束，不能合并进去。"
ERR_MERGE_TARGET = "没有找到您能处理的工单 {number}。"
ERR_MERGE_ESTATE = "不能合并：工单 {number} 在{here}，工单 {into} 在{there}，不是同一件事。"
ERR_MERGE_URGENT = "不能合并：工单 {urgent} 是紧急工单，工单 {other} 不是，紧急的事要单独处理。"
ERR_MERGE_CATEGORY = ("不能合并：工单 {number} 是“{here}”，工单 {into} 是“{there}”。"
                      "如果确实是同一件事，请先把类别改成一样再合并。")
UNKNOWN_ESTATE = "未知小区"
ERR_SPLIT_NOT_JOINED = "只能拆出后来关联到工单 {number} 的邻居反映（首报人不能拆出）。"
ERR_REPORT_IN = "只有被吹哨部门的联络人能报到工单 {number}。"

# 位置更正 (place.py): the form's errors, the history note and what the holder is told.
ERR_PLACE_ESTATE = "请选择小区。"
ERR_PLACE_BUILDING = "{estate}没有{building}栋，请核对楼栋号（{estate}有：{known}）。"
ERR_PLACE_UNIT = "{estate}{building}栋没有{unit}单元（有：{known}单元）。"
ERR_PLACE_NEEDS_BUILDING = "要填单元或门牌号，请先填楼栋。"
ERR_PLACE_ROOM = "门牌号只能是数字或字母（最多 8 位），如 501；其他说法请写在“具体位置”里。"
ERR_PLACE_SPOT = "具体位置最多 {limit} 个字。"
ERR_PLACE_SAME = "位置没有变化。"
PLACE_LIST_SEPARATOR = "、"
PLACE_NONE = "没有登记楼栋"
PLACE_UNKNOWN = "未说明"
PLACE_CHANGED_NOTE = "{old} → {new}"
DONE_PLACE = "工单 {number} 的位置已更正为：{location}。"
DONE_PLACE_REASSIGNED = "工单 {number} 的位置已更正为：{location}，并按新位置重新派单：{handler}。"
PLACE_TO_WORKER = "【位置更正】工单 {number} 的位置已更正为：{location}（原登记：{old}）。"
PLACE_MOVED_TO_WORKER = "【位置更正】工单 {number} 的位置已更正为：{location}，已按新位置改派他人，您无需再处理。"
PLACE_HANDLER_QUEUE = "新位置没有值班网格员，已进入社区待派"

BULK_ACTIONS = {"assign": "派给", "escalate": "升级一级", "close": "办结并留言", "merge": "合并到同一张工单"}

CSV_HEADER = ["工单号", "状态", "类别", "紧急", "地点", "描述", "报告人", "网格", "处理人", "部门", "升级", "超时",
              "登记时间", "接单时间", "完成时间", "评价"]
CSV_FILENAME = "tickets.csv"
YES = "是"
NO = ""

# Holidays.
DAY_KINDS = {"holiday": "放假", "workday": "调休上班"}
HOLIDAY_SAVED = "{day} 已设为{kind}。"
HOLIDAY_DELETED = "已删除 {day} 的设置。"
HOLIDAY_INVALID = "日期或类型不对。"
HOLIDAY_YEAR_UNKNOWN = "{year} 年还没有节假日数据：在填写之前，按普通周末计算工作时间。"
SETUP_TITLE = "类别、时限与节假日"
CATEGORY_SLUG_HINT = "小写英文和下划线，如 water_leak；规则、时限和部门都用它引用，创建后不能改"
CATEGORY_SCOPE_HINT = "building：同一楼栋的同类反映合并；unit：同一单元才合并（如漏水）"

DEDUPE_SCOPES = {"building": "同一楼栋", "unit": "同一单元"}
CATEGORY_LABELS = {
    "slug": "英文编码", "name": "名称", "urgent": "紧急类", "dedupe_scope": "重复反映按…合并",
    "deadlines": "时限（分钟）", "department": "负责部门",
    "deadlines.accept_minutes": "接单时限", "deadlines.resolve_minutes": "办结时限",
    "deadlines.urgent_accept_minutes": "紧急接单时限", "deadlines.urgent_resolve_minutes": "紧急办结时限",
    "deadlines.working_hours": "只按工作时间计算（跳过周末、节假日）",
}

# chinese_calendar names its holidays in English; the staff read them in Chinese (a name not listed is shown as it is).
HOLIDAY_NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节", "Mid-autumn Festival": "中秋节", "National Day": "国庆节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}
HOLIDAY_SOURCES = {"chinese_calendar": "国务院放假安排"}
RESIDENT = "居民"
RESIDENT_ACCOUNT = "居民（{account}）"  # an unnamed reporter: their masked account, never the internal id
