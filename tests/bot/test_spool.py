"""The spool file: durable appends from several processes, batches in order, torn lines, one replayer."""

from __future__ import annotations

import multiprocessing
import os
from datetime import UTC, datetime
from pathlib import Path

from bot.dialog.message import IncomingMessage, Location
from bot.wechat.spool import CURRENT, Spool, SpoolRecord

T0 = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)


def message(n: int, user: str = "oSpoolUser") -> IncomingMessage:
    return IncomingMessage(channel="official_account", account="mp:wxspool", user_id=user, kind="text",
                           dedupe_key=f"msg:{n}", text=f"第{n}条", created=1_790_000_000 + n, extra={"n": n})


def keys(spool: Spool, batches: list[Path]) -> list[str]:
    return [record.msg.dedupe_key for batch in batches for record in spool.records(batch)]


def test_a_record_round_trips_with_every_field(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    msg = IncomingMessage(channel="wecom_app", account="wecom:c:1", user_id="zhangsan", kind="location",
                          dedupe_key="msg:7", text="幸福里3栋", location=Location(30.27, 120.15, "幸福里3栋"),
                          media_id=None, bot_id="gh_x", created=1_790_000_000, extra={"Scale": "15"})
    spool.append(SpoolRecord(msg, T0, row_id=42))
    with spool.replaying() as batches:
        assert batches is not None
        (record,) = [r for b in batches for r in spool.records(b)]
    assert record == SpoolRecord(msg, T0, 42)
    assert (tmp_path / "spool").stat().st_mode & 0o777 == 0o700
    assert all(p.stat().st_mode & 0o077 == 0 for p in (tmp_path / "spool").iterdir())


def test_batches_replay_in_order_and_new_messages_start_a_fresh_file(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    for n in range(3):
        spool.append(SpoolRecord(message(n), T0))
    with spool.replaying() as first:
        assert first is not None
        spool.append(SpoolRecord(message(3), T0))  # arrives during the replay: the next batch
        assert keys(spool, first) == ["msg:0", "msg:1", "msg:2"]
        # Not finished (the database went away again): the batch stays.
    assert spool.count() == 4
    with spool.replaying() as second:
        assert second is not None
        assert keys(spool, second) == ["msg:0", "msg:1", "msg:2", "msg:3"]
        for batch in second:
            spool.finish(batch)
    assert (spool.count(), spool.has_pending(), spool.files()) == (0, False, [])


def test_a_torn_line_is_skipped_without_swallowing_the_next_record(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    spool.append(SpoolRecord(message(1), T0))
    with (tmp_path / "spool" / CURRENT).open("ab") as f:
        f.write(b'\n{"v":1,"account":"mp:wxspool","user_id":"oTorn","tex')  # a crash mid-append
    spool.append(SpoolRecord(message(2), T0))
    with spool.replaying() as batches:
        assert batches is not None
        assert keys(spool, batches) == ["msg:1", "msg:2"]


def test_only_one_replayer_at_a_time(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    spool.append(SpoolRecord(message(1), T0))
    other = Spool(tmp_path / "spool")
    with spool.replaying() as mine:
        with other.replaying() as theirs:
            assert mine is not None and theirs is None


def test_holds_user_sees_waiting_messages(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    assert not spool.holds_user("mp:wxspool", "oA")
    spool.append(SpoolRecord(message(1, user="oA"), T0))
    assert spool.holds_user("mp:wxspool", "oA") and not spool.holds_user("mp:wxspool", "oB")
    with spool.replaying() as batches:
        assert batches is not None
        for batch in batches:
            spool.finish(batch)
    assert not spool.holds_user("mp:wxspool", "oA")


def test_the_index_follows_appends_seals_and_fresh_files(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    spool.append(SpoolRecord(message(1, user="oA"), T0))
    assert (spool.count(), spool.holds_user("mp:wxspool", "oA")) == (1, True)
    with spool.replaying() as batches:  # sealed into a batch, not finished
        assert batches is not None
    spool.append(SpoolRecord(message(2, user="oB"), T0))  # a fresh inbox.jsonl
    spool.append(SpoolRecord(message(3, user="oB"), T0))
    assert spool.count() == 3
    assert spool.holds_user("mp:wxspool", "oA") and spool.holds_user("mp:wxspool", "oB")
    with spool.replaying() as batches:
        assert batches is not None
        spool.finish(batches[0])
    assert (spool.count(), spool.holds_user("mp:wxspool", "oA"), spool.holds_user("mp:wxspool", "oB")) == (2, False, True)


def _append_many(directory: str, start: int, count: int) -> None:
    spool = Spool(Path(directory))
    for n in range(start, start + count):
        spool.append(SpoolRecord(message(n, user=f"o{os.getpid()}"), T0))


def test_processes_appending_while_a_replayer_seals_lose_nothing(tmp_path: Path) -> None:
    directory = tmp_path / "spool"
    context = multiprocessing.get_context("fork")
    writers = [context.Process(target=_append_many, args=(str(directory), i * 1000, 150)) for i in range(3)]
    for w in writers:
        w.start()
    spool = Spool(directory)
    seen: list[str] = []
    while any(w.is_alive() for w in writers) or spool.has_pending():
        with spool.replaying() as batches:
            assert batches is not None
            for batch in batches:
                seen += [r.msg.dedupe_key for r in spool.records(batch)]
                spool.finish(batch)
    for w in writers:
        w.join(timeout=30)
        assert w.exitcode == 0
    expected = [f"msg:{i * 1000 + n}" for i in range(3) for n in range(150)]
    assert sorted(seen) == sorted(expected)
    # Each writer's records come back in the order it wrote them.
    for i in range(3):
        mine = [k for k in seen if int(k.split(":")[1]) // 1000 == i]
        assert mine == sorted(mine, key=lambda k: int(k.split(":")[1]))
