"""The community capability's sentences: binding, people, the community model.

Named constants with {named} fields; shared sentences are re-exported from where they live."""

from __future__ import annotations

from bot.texts import LIST_SEPARATOR as LIST_SEPARATOR

BIND_DONE = "绑定成功！{name}，您已作为{role}绑定当前账号，新工单会推送给您。回复“我的任务”查看待办。"
BIND_ROLE_MEMBER = "网格员"
BIND_ROLE_STAFF = "社区工作人员"
BIND_ASK_CODE = "请回复“绑定 八位数字绑定码”，绑定码向社区管理员索取。"
BIND_CODE_INVALID = {
    "unknown": "绑定码不正确，请核对后重试，或向社区管理员重新索取。",
    "used": "这个绑定码已经用过了，每个绑定码只能用一次。请向社区管理员重新索取。",
    "expired": "这个绑定码已过期，请向社区管理员重新索取。",
    "retired": "这个绑定码因多次错误尝试已作废，请向社区管理员重新索取。",
    "cooldown": "绑定码错误次数过多，请稍后再试。",
}
BIND_COOLDOWN = "绑定码错误次数过多，请在 {until} 之后再试，或向社区管理员核对绑定码。"
PHONE_UNKNOWN = "未留电话"
ROLE_STAFF = "社区工作人员"
ROLE_RESIDENT = "居民"
CLI_PERSON_NOT_FOUND = "没有找到人员 {person}（填导入时的 code 或人员 id）"
CLI_BIND_CODE = "{name} 的绑定码：{code}（{expires} 前有效，只能用一次）"
CLI_BIND_CODE_HOWTO = "请让对方在公众号或企业微信里发送：绑定 {code}"

# -- the community's facts in answers (handlers/community/facts.py) ----------------------------
# Placeholders an FAQ answer may hold, and the fact each one names.
FACT_PLACEHOLDERS = {
    "办公地点": "office_address",
    "联系电话": "phone",
    "办公时间": "office_hours",
    "值班电话": "after_hours_phone",
    "网格员电话": "grid_phones",
    "物业电话": "property_phone",
    "社区名称": "community_name",
}
# What residents read where a fact is not filled in yet: still useful, never a placeholder.
FACT_MISSING = {
    "office_address": "社区居委会（社区党群服务中心），具体地址可回复“人工”询问",
    "phone": "暂未公布，可回复“人工”留言，工作人员会尽快回复您",
    "office_hours": "工作日 {work_start}—{work_end}（节假日以社区通知为准）",
    "after_hours_phone": "非工作时间遇到紧急情况请直接拨打 110 / 119 / 120",
    "grid_phones": "暂未公布；报修、求助直接在这里说，我们会转给您的网格员",
    "property_phone": "暂未登记；报修直接在这里说，我们会转给物业",
    "community_name": "本社区",
}
FACT_LABELS = {
    "office_address": "办公地点",
    "phone": "联系电话",
    "office_hours": "办公时间",
    "after_hours_phone": "值班电话",
}
# Editors' marks in answer texts that residents must not see.
EDITOR_MARKS = ("【待核实】", "【请社区填写】")
PROPERTY_NAME_WORD = "物业"
GRID_PHONE = "{name} {phone}"
HEALTH_FACTS_MISSING = "{community}尚未填写：{facts}。居民问到时只能得到笼统的答复。处理：在管理后台“社区设置”或 PATCH /api/v1/communities/<id> 填写"
HEALTH_MEMBERS_WITHOUT_PUBLIC_PHONE = "{count} 位网格员没有可公开的工作电话，居民问“网格员电话”时无号码可给。处理：为网格员填写 public_phone（API /api/v1/members）"

# -- grid members' records (API and the 网格员 setup page): what is refused, and why ----------------
# The importer names the member and the key before the reason (the file and the entry come first).
IMPORT_MEMBER_FIELD = "网格员 {code} 的字段“{field}”有误：{problem}"
MEMBER_PHONE_INVALID = ("工作电话“{phone}”不像电话号码：请填写手机号（如 13800001111）或带区号的座机"
                        "（如 0571-8600 0012，分机写在后面：0571-8600 0012转123），不公开就留空。")
MEMBER_SECOND_PRIMARY = ("{grid}已有主责网格员{name}，一个网格只能有一位主责：请把这位设为“备岗”，"
                         "或先把{name}改为备岗。")
