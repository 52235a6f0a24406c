"""Help, welcome, small talk, cancel and hand-over.

Named constants with {named} fields; shared sentences are re-exported from where they live."""

from __future__ import annotations

from bot.texts import CAPABILITIES_MENU as CAPABILITIES_MENU
from bot.texts import FALLBACK as FALLBACK

WELCOME = "您好，欢迎关注！我是社区的邻里助手，24小时在线。\n" + CAPABILITIES_MENU
HELP = "您好，" + CAPABILITIES_MENU
# For grid members and community staff (handlers/tickets/members.py reads these commands).
MEMBER_HELP = (
    "网格员常用指令（T… 为工单号，只有一张在办时可省略）：\n"
    "我的任务：查看在办工单\n"
    "接单 T…：接下工单\n"
    "处理中 T… 说明：记录进展并告知居民（也可写“进展 T… 说明”）\n"
    "完成 T… 说明：办结，随后可发现场照片\n"
    "转派 T… 姓名或部门：转给他人\n"
    "退回 T… 原因：退回社区待派\n"
    "待补充 T… 问题：请居民补充\n"
    "收到 T…：确认紧急警情已收到\n"
    "关闭 T… 原因：误报等无需处理的工单由社区工作人员关闭，居民会收到通知\n"
    "详情 T… / 电话 T…：查看详情、居民电话"
)

CANCELLED = "好的，已取消。还有什么可以帮您？"
NOTHING_TO_CANCEL = "当前没有进行中的事项。需要帮助请回复“帮助”。"
SCAN_RESULT = "已收到扫码内容：{result}"
THANKS = "不客气，有事随时找我。"
