"""Passive replies stay valid XML and within WeChat's size limit, whatever text they carry."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from bot import texts
from bot.dialog.message import IncomingMessage
from bot.wechat.wxproto import PASSIVE_TEXT_MAX_BYTES, render_text_reply

MSG = IncomingMessage(
    channel="official_account", account="mp:x", user_id="oUser", kind="text", dedupe_key="msg:1", bot_id="gh_bot"
)


def test_text_with_a_cdata_terminator_still_renders_valid_xml():
    tricky = "补充：]]><MsgType>hacked</MsgType>"
    root = ET.fromstring(render_text_reply(MSG, tricky))
    assert root.findtext("Content") == tricky
    assert root.findtext("MsgType") == "text"


def test_an_overlong_reply_is_cut_at_a_line_and_says_so():
    lines = [f"T20261122-{i:04d} 电梯·幸福里小区3栋2单元：已派给网格员，待接单" for i in range(200)]
    content = ET.fromstring(render_text_reply(MSG, "\n".join(lines))).findtext("Content")
    assert len(content.encode("utf-8")) <= PASSIVE_TEXT_MAX_BYTES
    assert content.endswith(texts.REPLY_TRUNCATED)
    kept = content.removesuffix(texts.REPLY_TRUNCATED).rstrip("\n").split("\n")
    assert kept == lines[: len(kept)] and len(kept) > 5


def test_a_short_reply_is_left_alone():
    assert ET.fromstring(render_text_reply(MSG, "你好")).findtext("Content") == "你好"
