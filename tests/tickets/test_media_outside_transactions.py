"""The media sweep holds no database connection while it downloads (issue 12)."""

from __future__ import annotations

from pathlib import Path

from handlers.tickets import media
from models import MediaStatus, TicketMedia
from tests.tickets.conftest import RESIDENT, Town


def test_no_connection_is_held_during_a_download(town: Town, tmp_path: Path) -> None:
    town.say(RESIDENT, "幸福里3栋2单元楼道灯不亮")
    for n in range(3):
        town.image(RESIDENT, f"MEDIA_{n}")
    engine = town.services.db.engine
    held: list[int] = []

    def fetch(channel: str, account: str, media_id: str) -> tuple[bytes, str]:
        held.append(engine.pool.checkedout())
        if media_id == "MEDIA_1":
            raise media.MediaGone("gone")
        if media_id == "MEDIA_2":
            raise TimeoutError("slow network")
        return b"jpeg", "image/jpeg"

    with town.services.db.session() as s:
        assert media.download_pending(s, town.clock.now(), fetch, tmp_path) == 1
    assert held == [0, 0, 0]
    with town.services.db.session() as s:
        rows = {r.media_id: r for r in s.query(TicketMedia)}
    assert rows["MEDIA_0"].status == MediaStatus.STORED and Path(rows["MEDIA_0"].path).read_bytes() == b"jpeg"
    assert rows["MEDIA_1"].status == MediaStatus.FAILED and rows["MEDIA_1"].attempts == 1
    assert rows["MEDIA_2"].status == MediaStatus.PENDING and rows["MEDIA_2"].attempts == 1
    assert "slow network" in rows["MEDIA_2"].last_error
