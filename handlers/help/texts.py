"""Help, welcome, small talk, cancel and hand-over.

Named constants with {named} fields; shared sentences are re-exported from where they live."""

from __future__ import annotations

from bot.texts import CAPABILITIES_MENU as CAPABILITIES_MENU
from bot.texts import FALLBACK as FALLBACK

WELCOME = "您好，欢迎关注！我是社区的邻里助手，24小时在线。\n" + CAPABILITIES_MENU
HELP = "您好，" + CAPABILITIES_MENU

CANCELLED = "好的，已取消。还有什么可以帮您？"
NOTHING_TO_CANCEL = "当前没有进行中的事项。需要帮助请回复“帮助”。"
SCAN_RESULT = "已收到扫码内容：{result}"
THANKS = "不客气，有事随时找我。"
