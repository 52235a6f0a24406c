"""Each WeChat error code path, through the real channel code and the fake API over HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest

from models import InboundMessage, OutboxStatus
from tests.delivery.conftest import ROBOT_KEY, T0, Rig

CUSTOM = "/cgi-bin/message/custom/send"
TEMPLATE = "/cgi-bin/message/template/send"
WECOM_SEND = "/cgi-bin/message/send"
ROBOT = "/cgi-bin/webhook/send"


@pytest.mark.parametrize("errcode", [40001, 40014, 42001])
def test_rejected_token_is_refreshed_and_the_send_retried_once(rig: Rig, errcode: int) -> None:
    rig.api.queue(CUSTOM, errcode=errcode)
    oid = rig.enqueue(text="维修师傅明天上午到")
    rig.drain()
    row = rig.row(oid)
    assert row.status == OutboxStatus.SENT
    assert [m["text"]["content"] for m in rig.api.delivered(CUSTOM)] == ["维修师傅明天上午到"]
    assert len(rig.api.sent(CUSTOM)) == 2


def test_token_rejected_twice_goes_back_to_the_queue(rig: Rig) -> None:
    rig.api.queue(CUSTOM, errcode=40001, times=2)
    oid = rig.enqueue()
    rig.drain()
    row = rig.row(oid)
    assert row.status == OutboxStatus.PENDING
    assert row.attempts == 1 and row.next_attempt_at > T0
    assert "40001" in (row.last_error or "")


def test_classic_token_invalidated_elsewhere_is_fetched_again(make_rig) -> None:  # type: ignore[no-untyped-def]
    rig = make_rig(channels={"official_account_token": "classic"})
    rig.enqueue(text="一")
    rig.drain()
    rig.api.grant_token()  # someone else fetched a token: ours is now invalid (40001)
    oid = rig.enqueue(text="二")
    rig.drain()
    assert rig.row(oid).status == OutboxStatus.SENT
    assert [m["text"]["content"] for m in rig.api.delivered(CUSTOM)] == ["一", "二"]


@pytest.mark.parametrize("errcode", [45009, 45047])
def test_quota_errors_back_off_for_at_least_a_minute(rig: Rig, errcode: int) -> None:
    rig.api.queue(CUSTOM, errcode=errcode)
    oid = rig.enqueue()
    rig.drain()
    row = rig.row(oid)
    assert row.status == OutboxStatus.PENDING
    assert row.next_attempt_at >= T0 + timedelta(seconds=60)
    rig.clock.advance(seconds=100)
    rig.drain()
    assert rig.row(oid).status == OutboxStatus.SENT


@pytest.mark.parametrize(
    "script",
    [{"errcode": -1}, {"http_status": 500}, {"reset": True}, {"delay": 1.5}],
    ids=["busy", "http500", "reset", "timeout"],
)
def test_transient_failures_are_retried_with_backoff(rig: Rig, script: dict) -> None:
    rig.api.queue(CUSTOM, **script)
    oid = rig.enqueue(text="停水通知")
    rig.drain()
    row = rig.row(oid)
    assert row.status == OutboxStatus.PENDING
    # base 5 s with 50-100 % jitter
    assert T0 + timedelta(seconds=2.5) <= row.next_attempt_at <= T0 + timedelta(seconds=5)
    rig.clock.advance(seconds=10)
    rig.drain()
    assert rig.row(oid).status == OutboxStatus.SENT
    assert rig.api.delivered(CUSTOM)[-1]["text"]["content"] == "停水通知"


@pytest.mark.parametrize("errcode", [43004, 43019, 40003])
def test_unreachable_user_fails_permanently_without_retry(rig: Rig, errcode: int) -> None:
    rig.api.queue(CUSTOM, errcode=errcode)
    oid = rig.enqueue()
    rig.drain()
    rig.clock.advance(hours=2)
    rig.drain()
    row = rig.row(oid)
    assert row.status == OutboxStatus.FAILED
    assert str(errcode) in (row.last_error or "")
    assert len(rig.api.sent(CUSTOM)) == 1


def test_out_of_window_45015_falls_back_to_the_kinds_template(rig: Rig) -> None:
    rig.api.out_of_window.add("oUser1")
    oid = rig.enqueue(kind="ticket_update", text="您的报修单已完成")
    rig.drain()
    row = rig.row(oid)
    assert row.status == OutboxStatus.SENT and row.delivered_via == "template"
    sent = rig.api.delivered(TEMPLATE)
    assert sent[0]["template_id"] == "TPL_TICKET"
    assert sent[0]["touser"] == "oUser1"
    assert sent[0]["data"]["content"]["value"] == "您的报修单已完成"


def test_out_of_window_without_a_template_fails_with_a_reason(rig: Rig) -> None:
    rig.api.out_of_window.add("oUser1")
    oid = rig.enqueue(kind="reminder")
    rig.drain()
    row = rig.row(oid)
    assert row.status == OutboxStatus.FAILED
    assert "48-hour" in (row.last_error or "") and "templates.reminder" in (row.last_error or "")
    assert rig.api.sent(TEMPLATE) == []


def _inbound(rig: Rig, user: str, at) -> None:  # type: ignore[no-untyped-def]
    with rig.db.session() as s:
        s.add(
            InboundMessage(
                account=f"mp:{rig.api.app_id}",
                dedupe_key=f"k-{user}-{at.timestamp()}",
                channel="official_account",
                user_id=user,
                msg_type="text",
                content="hi",
                extra={},
                status="done",
                received_at=at,
                claimed_at=at,
            )
        )


def test_window_known_closed_skips_the_customer_service_call(rig: Rig) -> None:
    _inbound(rig, "oUser1", T0 - timedelta(hours=49))
    oid = rig.enqueue(kind="late_reply")
    rig.drain()
    assert rig.row(oid).delivered_via == "template"
    assert rig.api.sent(CUSTOM) == []


def test_window_still_open_uses_customer_service(rig: Rig) -> None:
    _inbound(rig, "oUser1", T0 - timedelta(hours=47))
    oid = rig.enqueue(kind="late_reply")
    rig.drain()
    assert rig.row(oid).delivered_via == "custom"


def test_news_and_msgmenu_reach_the_wire_format(rig: Rig) -> None:
    rig.enqueue(
        payload={"msgtype": "news", "articles": [{"title": "停电通知", "description": "明天9点", "url": "https://x"}]}
    )
    rig.enqueue(
        payload={
            "msgtype": "msgmenu",
            "head_content": "您对本次服务满意吗？",
            "list": [{"id": "101", "content": "满意"}, {"id": "102", "content": "不满意"}],
            "tail_content": "谢谢",
        }
    )
    rig.drain()
    news, menu = rig.api.delivered(CUSTOM)
    assert news["news"]["articles"][0]["title"] == "停电通知"
    assert [o["content"] for o in menu["msgmenu"]["list"]] == ["满意", "不满意"]


def test_too_many_failures_make_the_row_dead_and_an_admin_can_retry(rig: Rig) -> None:
    from bot.delivery.outbox import retry_dead, undelivered

    rig.api.queue(CUSTOM, http_status=500, times=3)
    oid = rig.enqueue()
    for _ in range(3):
        rig.drain()
        rig.clock.advance(hours=1)
    row = rig.row(oid)
    assert row.status == OutboxStatus.DEAD and row.attempts == 3
    with rig.db.session() as s:
        assert [(u.id, u.status) for u in undelivered(s)] == [(oid, "dead")]
        assert "HTTP 500" in (undelivered(s)[0].last_error or "")
        assert retry_dead(s, oid, rig.clock.now())
        assert not retry_dead(s, oid, rig.clock.now())  # already pending
    rig.drain()
    assert rig.row(oid).status == OutboxStatus.SENT


def test_wecom_app_sends_text_markdown_and_textcard_with_one_token(rig: Rig) -> None:
    rig.enqueue(channel="wecom_app", recipient="zhangsan", text="新工单")
    rig.enqueue(channel="wecom_app", recipient="zhangsan", payload={"msgtype": "markdown", "text": "**紧急**"})
    rig.enqueue(
        channel="wecom_app",
        recipient="lisi",
        payload={"msgtype": "textcard", "title": "工单", "description": "3栋漏水", "url": "https://x/t/1"},
    )
    rig.drain()
    sent = rig.api.delivered(WECOM_SEND)
    assert [m["msgtype"] for m in sent if m["touser"] == "zhangsan"] == ["text", "markdown"]
    (card,) = [m for m in sent if m["touser"] == "lisi"]
    assert card["textcard"]["description"] == "3栋漏水"
    assert all(m["agentid"] == rig.api.agent_id for m in sent)
    assert rig.api.token_fetches == 1


def test_wecom_unknown_userid_fails_permanently(rig: Rig) -> None:
    rig.api.wecom_users = {"zhangsan"}
    oid = rig.enqueue(channel="wecom_app", recipient="nobody")
    rig.drain()
    row = rig.row(oid)
    assert row.status == OutboxStatus.FAILED and "81013" in (row.last_error or "")


def test_wecom_expired_token_is_refreshed(rig: Rig) -> None:
    rig.enqueue(channel="wecom_app", recipient="zhangsan", text="一")
    rig.drain()
    rig.api.expire_tokens()
    oid = rig.enqueue(channel="wecom_app", recipient="zhangsan", text="二")
    rig.drain()
    assert rig.row(oid).status == OutboxStatus.SENT
    assert rig.api.token_fetches == 2


def test_robot_honours_twenty_messages_a_minute(rig: Rig) -> None:
    ids = [rig.enqueue(channel="wecom_robot", recipient="lobby", text=f"公告{i}") for i in range(25)]
    rig.drain()
    statuses = [rig.row(i).status for i in ids]
    assert statuses.count(OutboxStatus.SENT) == 20
    assert statuses.count(OutboxStatus.PENDING) == 5
    assert all(r["errcode"] == 0 for r in rig.api.requests if r["path"] == ROBOT)
    assert all(r["query"]["key"] == ROBOT_KEY for r in rig.api.requests if r["path"] == ROBOT)
    assert all(rig.row(i).attempts == 0 for i in ids[20:])  # deferred, not failed


def test_robot_45009_backs_off(rig: Rig) -> None:
    rig.api.queue(ROBOT, errcode=45009)
    oid = rig.enqueue(channel="wecom_robot", recipient="lobby")
    rig.drain()
    row = rig.row(oid)
    assert row.status == OutboxStatus.PENDING and row.next_attempt_at >= T0 + timedelta(seconds=60)


def test_robot_unknown_name_fails_with_reason(rig: Rig) -> None:
    oid = rig.enqueue(channel="wecom_robot", recipient="no-such-group")
    rig.drain()
    row = rig.row(oid)
    assert row.status == OutboxStatus.FAILED and "no-such-group" in (row.last_error or "")
    assert rig.api.sent(ROBOT) == []
