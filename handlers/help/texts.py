"""Help, welcome, small talk, cancel and hand-over.

Named constants with {named} fields; shared sentences are re-exported from where they live."""

from __future__ import annotations

from bot.texts import CAPABILITIES_MENU as CAPABILITIES_MENU
from bot.texts import FALLBACK as FALLBACK

WELCOME = "您好，欢迎关注！我是社区的邻里助手，24小时在线。\n" + CAPABILITIES_MENU
HELP = "您好，" + CAPABILITIES_MENU
# For grid members and staff (handlers/tickets/members.py reads these commands): a heading naming the role,
# then the lines of the commands that role may use (handlers/help/chat.py picks them).
WORKER_HELP_NUMBER_NOTE = "（T… 为工单号，只有一张在办时可省略）："
WORKER_HELP_HEAD_MEMBER = "网格员常用指令" + WORKER_HELP_NUMBER_NOTE
WORKER_HELP_HEAD_STAFF = "社区工作人员常用指令" + WORKER_HELP_NUMBER_NOTE
WORKER_HELP_HEAD_DEPARTMENT = "部门联络人常用指令" + WORKER_HELP_NUMBER_NOTE
WORKER_HELP_TASKS = "我的任务：查看在办工单"
WORKER_HELP_TASKS_STAFF = "我的任务：查看在办工单和社区待派工单"
WORKER_HELP_ACCEPT = "接单 T…：接下工单"
WORKER_HELP_PROGRESS = "处理中 T… 说明：记录进展并告知居民（也可写“进展 T… 说明”）"
WORKER_HELP_COMPLETE = "完成 T… 说明：办结，随后可发现场照片"
WORKER_HELP_TRANSFER = "转派 T… 姓名或部门：转给他人"
WORKER_HELP_RETURN = "退回 T… 原因：退回社区待派"
WORKER_HELP_RETURN_NO_CLOSE = "退回 T… 原因：退回社区待派（不归您负责或误报的工单也这样退回，由社区工作人员核实）"
WORKER_HELP_WAIT = "待补充 T… 问题：请居民补充"
WORKER_HELP_ACK = "收到 T…：确认紧急警情已收到"
WORKER_HELP_REPORT_IN = "报到 T…：接下吹哨到本部门的工单，开始计时"
WORKER_HELP_CLOSE = "关闭 T… 原因：误报等无需处理的工单直接关闭，居民会收到通知"
WORKER_HELP_DETAIL = "详情 T… / 电话 T…：查看详情、居民电话"

CANCELLED = "好的，已取消。还有什么可以帮您？"
NOTHING_TO_CANCEL = "当前没有进行中的事项。需要帮助请回复“帮助”。"
SCAN_RESULT = "已收到扫码内容：{result}"
THANKS = "不客气，有事随时找我。"
