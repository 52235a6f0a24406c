"""Media attach to a fresh report and are downloaded by the worker sweep; urging; adding details."""

from __future__ import annotations

from pathlib import Path

from bot.delivery.tokens import DatabaseTokenStore
from handlers.tickets import media, texts
from models import MediaStatus, TicketMedia
from tests.conftest import make_config
from tests.tickets.conftest import MEMBER, RESIDENT, Town


def _media(town: Town) -> list[TicketMedia]:
    from sqlalchemy import select

    with town.services.db.session() as s:
        return list(s.scalars(select(TicketMedia).order_by(TicketMedia.id)))


def test_an_image_after_a_report_attaches_and_the_worker_downloads_it(town: Town, fake_wechat, tmp_path: Path) -> None:  # noqa: F811
    town.say(RESIDENT, "幸福里3栋2单元楼道灯不亮")
    number = town.ticket().number
    town.clock.advance(minutes=2)
    assert town.image(RESIDENT, "MEDIA_1") == texts.TICKET_MEDIA_ATTACHED.format(what="图片", number=number)
    assert "发来图片" in town.pushed(MEMBER)[-1]
    (row,) = _media(town)
    assert (row.kind, row.media_id, row.status) == ("image", "MEDIA_1", MediaStatus.PENDING)

    fake_wechat.add_media("MEDIA_1", b"\xff\xd8jpeg-bytes", "image/jpeg")
    config = make_config(town.services.db, wechat=fake_wechat.settings()["wechat"], media={"dir": str(tmp_path)})
    sweep = media.media_sweep(config, DatabaseTokenStore(town.services.db))
    with town.services.db.session() as s:
        assert sweep(s, None, town.clock.now()) == 1  # type: ignore[arg-type]
    (row,) = _media(town)
    assert row.status == MediaStatus.STORED and Path(row.path).read_bytes() == b"\xff\xd8jpeg-bytes"
    assert Path(row.path).parent == tmp_path / number


def test_an_expired_media_id_fails_without_retrying_forever(town: Town, fake_wechat, tmp_path: Path) -> None:  # noqa: F811
    town.say(RESIDENT, "幸福里3栋2单元楼道灯不亮")
    town.image(RESIDENT, "GONE")
    config = make_config(town.services.db, wechat=fake_wechat.settings()["wechat"], media={"dir": str(tmp_path)})
    with town.services.db.session() as s:
        assert media.media_sweep(config, DatabaseTokenStore(town.services.db))(s, None, town.clock.now()) == 0  # type: ignore[arg-type]
    assert _media(town)[0].status == MediaStatus.FAILED


def test_media_after_the_window_is_not_attached(town: Town) -> None:
    town.say(RESIDENT, "幸福里3栋2单元楼道灯不亮")
    town.clock.advance(minutes=11)
    assert "如需报修" in town.image(RESIDENT, "MEDIA_LATE")
    assert _media(town) == []


def test_a_members_photo_after_completion_attaches(town: Town) -> None:
    town.say(RESIDENT, "幸福里3栋2单元楼道灯不亮")
    number = town.ticket().number
    town.say(MEMBER, f"完成 {number} 换了灯泡")
    assert town.image(MEMBER, "MEDIA_DONE") == texts.TICKET_MEDIA_ATTACHED.format(what="图片", number=number)


def test_urging_is_recorded_pushed_and_limited(town: Town) -> None:
    town.say(RESIDENT, "幸福里3栋电梯坏了")
    number = town.ticket().number
    town.clock.advance(hours=1)
    assert town.say(RESIDENT, "催一下") == texts.TICKET_URGED.format(number=number)
    assert "【催办】" in town.pushed(MEMBER)[-1]
    town.clock.advance(hours=1)
    assert "刚催办过" in town.say(RESIDENT, "怎么还没人来修")
    assert sum("【催办】" in t for t in town.pushed(MEMBER)) == 1
    town.clock.advance(hours=4)
    assert town.say(RESIDENT, f"{number} 催一下") == texts.TICKET_URGED.format(number=number)


def test_details_added_later_reach_the_member(town: Town) -> None:
    town.say(RESIDENT, "幸福里3栋电梯坏了")
    number = town.ticket().number
    town.clock.advance(minutes=20)
    assert town.say(RESIDENT, "补充一下，是右边那部电梯") == texts.TICKET_DETAIL_ADDED.format(number=number)
    assert "右边那部电梯" in town.ticket(number).description
    assert "右边那部电梯" in town.pushed(MEMBER)[-1]


def test_my_tickets_and_a_strangers_number_lookup(town: Town) -> None:
    assert town.say(RESIDENT, "我的工单") == texts.TICKET_LIST_EMPTY
    town.say(RESIDENT, "幸福里3栋电梯坏了")
    number = town.ticket().number
    assert number in town.say(RESIDENT, "我的工单")
    assert town.say("oSomeoneElse", f"{number} 进展") == texts.TICKET_NOT_FOUND.format(number=number)
