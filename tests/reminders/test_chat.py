"""Residents' reminders in chat: create, list, cancel, and the questions that never swallow a message.

The clock stands at Wednesday 2026-12-02 10:30 in Shanghai (tests/reminders/conftest.py).
"""

from __future__ import annotations

from datetime import date

from handlers.reminders import texts
from models import ReminderStatus
from tests.reminders.conftest import NOW, Desk, local


def test_create_confirms_the_time_with_its_weekday_and_the_number_to_cancel(desk: Desk) -> None:
    assert desk.say("明天上午9点提醒我去社区打疫苗") == (
        "好的，将在 12月3日（周四）09:00 提醒您：去社区打疫苗。回复“取消提醒 1”可取消"
    )
    [row] = desk.reminders()
    assert row.next_due_at == local(2026, 12, 3, 9, 0) and row.text == "去社区打疫苗" and row.number == 1
    assert row.repeat is None and row.status == ReminderStatus.ACTIVE


def test_the_ways_residents_ask(desk: Desk) -> None:
    replies = desk.converse([
        "一个半小时后叫我一下关火",
        "记得明早8点喊我",
        "12月18号上午10点社区体检，记得提醒我",
        "19:30开会，提醒我",
        "后天下午3点去医院复查，提前一小时提醒我",
    ])
    assert replies[0] == "好的，将在 12月2日（周三）12:00 提醒您：关火。回复“取消提醒 1”可取消"
    assert replies[1] == "好的，将在 12月3日（周四）08:00 提醒您。回复“取消提醒 2”可取消"
    assert replies[2] == "好的，将在 12月18日（周五）10:00 提醒您：社区体检。回复“取消提醒 3”可取消"
    assert replies[3] == "好的，将在 12月2日（周三）19:30 提醒您：开会。回复“取消提醒 4”可取消"
    assert replies[4] == "好的，将在 12月4日（周五）14:00 提醒您：去医院复查。回复“取消提醒 5”可取消"


def test_a_day_without_an_hour_says_which_hour_it_took(desk: Desk) -> None:
    reply = desk.say("下个月5号提醒我交物业费")
    assert reply == ("好的，将在 2027年1月5日（周二）09:00 提醒您：交物业费。回复“取消提醒 1”可取消"
                     + texts.DEFAULT_TIME_NOTE.format(time="09:00"))


def test_list_numbers_reminders_as_confirmed_soonest_first(desk: Desk) -> None:
    desk.converse(["明天上午9点提醒我去社区打疫苗", "每天晚上9点提醒我锁门", "半小时后提醒我关火"])
    assert desk.say("我的提醒") == "\n".join([
        "您有 3 个提醒：",
        "3. 12月2日（周三）11:00 关火",
        "2. 每天 21:00 锁门（下次 12月2日（周三）21:00）",
        "1. 12月3日（周四）09:00 去社区打疫苗",
        "回复“取消提醒 3”取消这一个，回复“取消所有提醒”全部取消。",
    ])
    assert desk.say("我的提醒", user="oSomeoneElse") == texts.LIST_EMPTY


def test_cancel_by_number_keeps_the_other_numbers(desk: Desk) -> None:
    desk.converse(["明天上午9点提醒我去社区打疫苗", "明天下午3点提醒我取快递", "明天晚上8点提醒我吃药"])
    assert desk.say("取消提醒 2") == "已取消提醒 2：12月3日（周四）15:00 取快递"
    assert desk.say("取消提醒 2") == texts.CANCEL_NOT_FOUND.format(number=2)
    assert desk.say("取消第三个提醒") == "已取消提醒 3：12月3日（周四）20:00 吃药"
    listing = desk.say("我的提醒") or ""
    assert "1. 12月3日（周四）09:00 去社区打疫苗" in listing and "取快递" not in listing
    # A new reminder never reuses a number: an old confirmation can't cancel the wrong one.
    assert "取消提醒 4" in (desk.say("后天上午10点提醒我去银行") or "")


def test_cancel_all_and_cancel_the_only_one(desk: Desk) -> None:
    desk.converse(["明天上午9点提醒我去社区打疫苗", "每天晚上9点提醒我锁门"])
    assert desk.say("取消所有提醒") == texts.CANCELLED_ALL.format(count=2)
    assert desk.say("取消所有提醒") == texts.CANCEL_NONE
    assert all(r.status == ReminderStatus.CANCELLED and r.next_due_at is None for r in desk.reminders())
    desk.say("明天上午9点提醒我去社区打疫苗")
    assert desk.say("取消提醒") == "已取消提醒 3：12月3日（周四）09:00 去社区打疫苗"


def test_cancel_without_a_number_among_several_asks_which(desk: Desk) -> None:
    desk.converse(["明天上午9点提醒我去社区打疫苗", "明天下午3点提醒我取快递"])
    reply = desk.say("把提醒取消了") or ""
    assert reply.startswith("您有 2 个提醒，要取消哪一个？") and "取消提醒 编号" in reply
    assert all(r.status == ReminderStatus.ACTIVE for r in desk.reminders())


def test_a_missing_time_is_asked_for(desk: Desk) -> None:
    assert desk.say("提醒我去交电费") == texts.ASK_TIME.format(what="：去交电费")
    assert desk.say("明天下午3点") == "好的，将在 12月3日（周四）15:00 提醒您：去交电费。回复“取消提醒 1”可取消"


def test_a_bare_request_asks_for_what_and_when(desk: Desk) -> None:
    assert desk.say("提醒我") == texts.ASK_WHAT_AND_TIME
    assert desk.say("去交电费") == texts.ASK_TIME.format(what="：去交电费")
    assert desk.say("明天早上8点") == "好的，将在 12月3日（周四）08:00 提醒您：去交电费。回复“取消提醒 1”可取消"


def test_the_time_question_never_swallows_a_report(desk: Desk) -> None:
    assert desk.say("提醒我交电费") == texts.ASK_TIME.format(what="：交电费")
    reply = desk.say("幸福里3栋2单元电梯坏了") or ""
    assert "T20261202-0001" in reply  # a ticket, not a failed time answer
    assert desk.reminders() == []


def test_the_time_question_stays_open_after_a_status_query(desk: Desk) -> None:
    desk.say("提醒我交电费")
    reply = desk.say("我的工单") or ""
    assert reply.startswith("您还没有") or "工单" in reply
    assert reply.endswith(texts.STILL_ASKING.format(what="：交电费"))
    assert desk.say("今晚8点") == "好的，将在 12月2日（周三）20:00 提醒您：交电费。回复“取消提醒 1”可取消"


def test_an_emergency_wins_over_the_question(desk: Desk) -> None:
    desk.say("提醒我交电费")
    reply = desk.say("厨房燃气泄漏了好大的味道") or ""
    assert "119" in reply or "燃气" in reply
    assert desk.reminders() == []


def test_a_time_with_an_faq_word_still_answers(desk: Desk) -> None:
    desk.say("提醒我")
    assert desk.say("明天上午9点去打疫苗") == "好的，将在 12月3日（周四）09:00 提醒您：去打疫苗。回复“取消提醒 1”可取消"


def test_a_new_request_replaces_the_open_question(desk: Desk) -> None:
    desk.say("提醒我交电费")
    assert desk.say("提醒我明天下午3点去银行") == "好的，将在 12月3日（周四）15:00 提醒您：去银行。回复“取消提醒 1”可取消"
    assert [r.text for r in desk.reminders()] == ["去银行"]


def test_two_answers_without_a_time_give_up(desk: Desk) -> None:
    desk.say("提醒我交电费")
    assert desk.say("嗯嗯嗯") == texts.ASK_TIME_AGAIN
    assert desk.say("啊这") == texts.ASK_GIVE_UP
    assert desk.say("明天9点") != texts.CREATED  # the question is closed: no reminder from a stray time
    assert desk.reminders() == []


def test_cancel_words_drop_the_question(desk: Desk) -> None:
    desk.say("提醒我交电费")
    assert desk.say("取消") == "好的，已取消。还有什么可以帮您？"
    desk.say("提醒我交电费")
    assert desk.say("不用提醒了") == texts.QUESTION_DROPPED


def test_a_bare_hour_is_confirmed_first(desk: Desk) -> None:
    assert desk.say("3点提醒我收衣服") == texts.CONFIRM_BARE_HOUR.format(when="12月2日（周三）15:00", hour=3)
    assert desk.say("是的") == "好的，将在 12月2日（周三）15:00 提醒您：收衣服。回复“取消提醒 1”可取消"


def test_a_bare_hour_can_be_corrected(desk: Desk) -> None:
    desk.say("3点提醒我收衣服")
    assert desk.say("凌晨3点") == "好的，将在 12月3日（周四）03:00 提醒您：收衣服。回复“取消提醒 1”可取消"


def test_no_to_the_proposal_asks_for_the_time(desk: Desk) -> None:
    desk.say("3点提醒我收衣服")
    assert desk.say("不对") == texts.ASK_TIME.format(what="：收衣服")
    assert desk.say("明天下午3点") == "好的，将在 12月3日（周四）15:00 提醒您：收衣服。回复“取消提醒 1”可取消"


def test_a_weekday_said_on_that_day_is_confirmed(desk: Desk) -> None:
    assert desk.say("周三下午3点提醒我开会") == texts.CONFIRM_WEEKDAY_TODAY.format(
        weekday="周三", when="12月9日（周三）15:00")
    assert desk.say("今天下午3点") == "好的，将在 12月2日（周三）15:00 提醒您：开会。回复“取消提醒 1”可取消"


def test_a_vague_week_asks_which_day(desk: Desk) -> None:
    assert desk.say("下周提醒我交物业费") == texts.ASK_WHICH_DAY
    reply = desk.say("下周二上午10点")
    assert reply == "好的，将在 12月8日（周二）10:00 提醒您：交物业费。回复“取消提醒 1”可取消"


def test_a_time_already_past_is_refused_with_the_reason(desk: Desk) -> None:
    assert desk.say("今天早上8点提醒我吃药") == texts.PAST.format(when="12月2日（周三）08:00")
    assert desk.reminders() == []
    assert desk.say("明天早上8点") == "好的，将在 12月3日（周四）08:00 提醒您：吃药。回复“取消提醒 1”可取消"


def test_a_repeat_continues_until_cancelled(desk: Desk) -> None:
    assert desk.say("每天晚上9点提醒我锁门") == (
        "好的，每天 21:00 提醒您：锁门，第一次是 12月2日（周三）21:00。回复“取消提醒 1”可停止")
    assert desk.sweep(local(2026, 12, 2, 21, 0)) == 1
    assert desk.sweep(local(2026, 12, 2, 21, 0, )) == 0  # the same moment again: nothing new
    assert desk.sweep(local(2026, 12, 3, 21, 0)) == 1
    tail = texts.PUSH_REPEAT_TAIL.format(rule="每天 21:00", number=1)
    assert desk.pushed() == ["⏰ 提醒：锁门" + tail] * 2
    [row] = desk.reminders()
    assert row.next_due_at == local(2026, 12, 4, 21, 0) and row.sent_count == 2
    desk.clock.at = local(2026, 12, 3, 22, 0)
    assert desk.say("取消提醒 1") == "已取消提醒 1：每天 21:00 锁门，以后不再提醒。"
    assert desk.sweep(local(2026, 12, 10, 21, 0)) == 0
    assert len(desk.pushed()) == 2


def test_weekly_on_several_days(desk: Desk) -> None:
    reply = desk.say("每周二四早上7点提醒我吃药")
    assert reply == "好的，每周二、周四 07:00 提醒您：吃药，第一次是 12月3日（周四）07:00。回复“取消提醒 1”可停止"
    desk.sweep(local(2026, 12, 3, 7, 0))
    assert desk.reminders()[0].next_due_at == local(2026, 12, 8, 7, 0)


def test_workdays_follow_the_apps_holiday_calendar(desk: Desk) -> None:
    """Friday 12-04 made a holiday and Sunday 12-06 a make-up working day in the app's (editable) table."""
    from bot.workcalendar import set_day

    with desk.services.db.session() as s:
        set_day(s, date(2026, 12, 4), "holiday", "test holiday", "admin:test", NOW)
        set_day(s, date(2026, 12, 6), "workday", "test make-up day", "admin:test", NOW)
    reply = desk.say("每个工作日早上7点半叫我起床") or ""
    assert reply.startswith("好的，每个工作日 07:30 提醒您：起床，第一次是 12月3日（周四）07:30。")
    assert reply.endswith(texts.WORKDAY_NOTE)
    desk.sweep(local(2026, 12, 3, 7, 30))
    assert desk.reminders()[0].next_due_at == local(2026, 12, 6, 7, 30)  # Friday off, Sunday worked
    desk.sweep(local(2026, 12, 6, 7, 30))
    assert desk.reminders()[0].next_due_at == local(2026, 12, 7, 7, 30)


def test_reminders_are_per_user(desk: Desk) -> None:
    desk.say("明天上午9点提醒我去社区打疫苗")
    assert desk.say("取消提醒 1", user="oNeighbour") == texts.CANCEL_NOT_FOUND.format(number=1)
    assert desk.reminders()[0].status == ReminderStatus.ACTIVE


def test_one_resident_has_a_limit(make_desk) -> None:  # type: ignore[no-untyped-def]
    desk = make_desk(templates={"reminder": "TPL"}, reminders={"max_per_user": 2})
    desk.converse(["明天上午9点提醒我去社区打疫苗", "明天上午10点提醒我去银行"])
    assert desk.say("明天上午11点提醒我买菜") == texts.TOO_MANY.format(count=2)


def test_the_reminder_itself(desk: Desk) -> None:
    desk.converse(["明天上午9点提醒我去社区打疫苗", "记得明早8点喊我"])
    assert desk.sweep(local(2026, 12, 3, 8, 0)) == 1
    assert desk.sweep(local(2026, 12, 3, 9, 0, )) == 1
    assert desk.pushed() == [texts.PUSH_NO_WHAT, "⏰ 提醒：去社区打疫苗"]
    assert [r.status for r in desk.reminders()] == [ReminderStatus.DONE, ReminderStatus.DONE]
    assert desk.say("我的提醒") == texts.LIST_EMPTY


def test_a_reminder_queued_ahead_of_its_time_is_still_listed_and_can_be_withdrawn(desk: Desk) -> None:
    """The sweep queues what falls due before its next run for that exact second; until then it is the resident's."""
    from datetime import timedelta

    desk.say("半小时后提醒我关火")  # 11:00:00
    assert desk.sweep(local(2026, 12, 2, 10, 59) + timedelta(seconds=55)) == 1
    [queued] = desk.outbox()
    assert queued.next_attempt_at == local(2026, 12, 2, 11, 0)  # the drain sends it on time, not at the next sweep
    desk.clock.at = local(2026, 12, 2, 10, 59) + timedelta(seconds=57)
    assert "1. 12月2日（周三）11:00 关火" in (desk.say("我的提醒") or "")
    assert desk.say("取消提醒 1") == "已取消提醒 1：12月2日（周三）11:00 关火"
    assert desk.outbox() == []
    assert desk.sweep(local(2026, 12, 2, 11, 1)) == 0
