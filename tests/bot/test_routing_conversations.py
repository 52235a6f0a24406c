"""What residents see for the default rules, through the real webhook and NLP engine."""

from __future__ import annotations

from bot import texts


def test_a_faq_question_gets_the_rules_answer(chat):
    (reply,) = chat(["办居住证要带啥"])
    assert "居住证" in reply


def test_greeting_and_thanks_are_answered_warmly(chat):
    hello, thanks = chat(["你好", "谢谢你啊"])
    assert hello and thanks and hello != thanks


def test_an_emergency_gets_safety_instructions_first(chat):
    (reply,) = chat(["燃气泄漏了快来人"])
    assert "燃气" in reply and "119" in reply
    assert "紧急工单" in reply  # issue 6: an urgent ticket is opened and everyone notified (tests/escalation)


def test_emergency_wins_even_over_an_open_question(chat, nlp_services):
    from bot.dialog.conversation import save_state

    with nlp_services.db.session() as session:
        save_state(session, "official_account", "oResident1", "tickets.create:ask_address", {}, nlp_services.clock.now())
    (reply,) = chat(["楼道冒烟了着火了"])
    assert "119" in reply


def test_a_report_becomes_a_ticket(chat):
    (reply,) = chat(["幸福里3栋2单元电梯坏了两天了"])
    assert "工单号 T" in reply  # the tickets capability (tests/tickets) handles it now


def test_a_resolved_problem_does_not_open_a_report(chat):
    (reply,) = chat(["电梯已经修好了谢谢"])
    assert "报修" not in reply.split("\n")[0]


def test_unknown_chit_chat_falls_back_to_help(chat):
    assert chat(["今天天气真好啊哈哈"]) == [texts.FALLBACK]
