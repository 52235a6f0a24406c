"""The community capability's sentences: binding, people, the community model.

Named constants with {named} fields; shared sentences are re-exported from where they live."""

from __future__ import annotations

BIND_DONE = "绑定成功！{name}，您已作为{role}绑定当前账号，新工单会推送给您。回复“我的任务”查看待办。"
BIND_ROLE_MEMBER = "网格员"
BIND_ROLE_STAFF = "社区工作人员"
BIND_ASK_CODE = "请回复“绑定 六位数字绑定码”，绑定码向社区管理员索取。"
BIND_CODE_INVALID = {
    "unknown": "绑定码不正确，请核对后重试，或向社区管理员重新索取。",
    "used": "这个绑定码已经用过了，每个绑定码只能用一次。请向社区管理员重新索取。",
    "expired": "这个绑定码已过期，请向社区管理员重新索取。",
}
PHONE_UNKNOWN = "未留电话"
ROLE_STAFF = "社区工作人员"
ROLE_RESIDENT = "居民"
CLI_PERSON_NOT_FOUND = "没有找到人员 {person}（填导入时的 code 或人员 id）"
CLI_BIND_CODE = "{name} 的绑定码：{code}（{expires} 前有效，只能用一次）"
CLI_BIND_CODE_HOWTO = "请让对方在公众号或企业微信里发送：绑定 {code}"
