"""First conversation: help, menu, unknown text, cancel — through the real webhook."""

from bot import texts as bot_texts
from handlers.help import texts


def test_help_lists_what_the_bot_can_do(converse):
    (reply,) = converse(["帮助"])
    assert "报修" in reply and "我的工单" in reply


def test_menu_and_question_mark_show_help(converse):
    assert converse(["菜单", "？"]) == [texts.HELP, texts.HELP]


def test_unknown_text_gets_a_helpful_answer(converse):
    (reply,) = converse(["今天天气真好啊"])
    assert reply == bot_texts.FALLBACK
    assert "人工" in reply


def test_cancel_without_open_question_says_so(converse):
    assert converse(["取消"]) == [texts.NOTHING_TO_CANCEL]
