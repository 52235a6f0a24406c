"""Hostile input never gets a 5xx, a hang or a crash, and the next normal message is answered.

Every case comes from the kit (tests/wechatkit/hostile.py) and is correctly
signed, so it reaches the parser or the decryptor. A case passes when the
answer is a 4xx, or a 200 whose reply is harmless: "success" or a text reply
that leaks nothing (no file content, no expanded entity).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
import requests
from sqlalchemy import select
from waitress.server import create_server
from waitress.wasyncore import close_all

from bot import create_app, texts
from bot.db import Database
from handlers.help import texts as help_texts
from models import InboundMessage
from tests.conftest import TEST_AES_KEY, TEST_APP_ID, TEST_CORP_ID, TEST_TOKEN
from tests.wechatkit import HostileCase, OfficialAccountKit, WeComKit, hostile

AGENT_ID = 1000002
# A hang detector, not a speed test: a hostile request (billion laughs, deep nesting, a
# 100k-character message) that does not come back within 30 s is stuck. The bound is
# deliberately generous so a loaded CI machine never fails it; speed lives in bench/.
BOUND_SECONDS = 30.0
WECOM = {"corp_id": TEST_CORP_ID, "agent_id": AGENT_ID, "token": TEST_TOKEN, "aes_key": TEST_AES_KEY}


def _oa_kit() -> OfficialAccountKit:
    return OfficialAccountKit(TEST_TOKEN, TEST_APP_ID, TEST_AES_KEY)


def _wecom_kit() -> WeComKit:
    return WeComKit(TEST_TOKEN, TEST_CORP_ID, AGENT_ID, TEST_AES_KEY)


# (target, kit factory, kit mode, path, services overrides)
TARGETS: dict[str, tuple[Callable[[], Any], str, str, dict[str, Any]]] = {
    "wechat-plaintext": (_oa_kit, "plaintext", "/wechat", {}),
    "wechat-safe": (_oa_kit, "safe", "/wechat", {"wechat": {"aes_key": TEST_AES_KEY, "mode": "safe"}}),
    "wecom": (_wecom_kit, "safe", "/wecom", {"wecom": WECOM}),
}
# Names are fixed at collection; the signed requests are built per test run
# (their timestamps must be fresh).
CASE_NAMES = [
    (target, case.name) for target, (make_kit, mode, _, _) in TARGETS.items() for case in make_kit().hostile_cases(mode)
]
_built: dict[str, tuple[Any, dict[str, HostileCase]]] = {}


def _case(target: str, name: str) -> tuple[Any, HostileCase]:
    if target not in _built:
        make_kit, mode, _, _ = TARGETS[target]
        kit = make_kit()
        _built[target] = (kit, {case.name: case for case in kit.hostile_cases(mode)})
    kit, cases = _built[target]
    return kit, cases[name]


def stored(db: Database) -> list[InboundMessage]:
    with db.session() as session:
        return list(session.scalars(select(InboundMessage)))


def _normal_message_is_answered(client: Any, kit: Any, mode: str, path: str) -> None:
    query, body = kit.post(kit.text("帮助"), mode=mode)
    resp = client.post(path, query_string=query, data=body)
    assert resp.status_code == 200
    assert kit.read_reply(resp.data, query)["Content"] == help_texts.HELP


def _leaks(text: str) -> bool:
    return "root:" in text or "lollol" in text or "AAAAAAAAAA" in text


@pytest.mark.parametrize(("target", "name"), CASE_NAMES, ids=[f"{t}:{n}" for t, n in CASE_NAMES])
def test_hostile_request_is_refused_or_harmless(make_services, db, target, name):
    _, mode, path, overrides = TARGETS[target]
    kit, case = _case(target, name)
    client = create_app(services=make_services(**overrides)).test_client()

    started = time.monotonic()
    resp = client.post(path, query_string=case.query, data=case.body)
    elapsed = time.monotonic() - started

    assert elapsed < BOUND_SECONDS, f"{name} took {elapsed:.1f} s"
    assert resp.status_code < 500, resp.data[:200]
    kind = name.split("/", 1)[1]
    if resp.status_code >= 400:
        assert 400 <= resp.status_code < 500
        assert stored(db) == []  # refused requests change nothing
    else:
        assert resp.status_code == 200
        reply = kit.read_reply(resp.data, case.query)
        answer = reply if isinstance(reply, str) else reply["Content"]
        assert answer == "success" or reply["MsgType"] == "text"
        assert not _leaks(answer)
        assert all(not _leaks(row.content or "") for row in stored(db))
    if kind in ("oversize", "huge_content", "quadratic_blowup", "deep_nesting", "envelope_deep_nesting"):
        assert resp.status_code == 413  # over the 64 KiB default limit
    if kind.startswith(("xxe", "billion", "envelope_xxe", "envelope_billion")):
        assert resp.status_code == 400
    _normal_message_is_answered(client, kit, mode, path)


@pytest.mark.parametrize("target", list(TARGETS))
def test_control_characters_are_stripped_and_the_message_answered(make_services, db, target):
    make_kit, mode, path, overrides = TARGETS[target]
    kit = make_kit()
    client = create_app(services=make_services(**overrides)).test_client()
    query, body = kit.post(hostile.control_chars(), mode=mode)
    resp = client.post(path, query_string=query, data=body)
    assert resp.status_code == 200
    assert kit.read_reply(resp.data, query)["Content"] == texts.FALLBACK
    (row,) = stored(db)
    assert row.content.startswith("a") and row.content.endswith("b")
    assert all(ch in "\t\n\r" or ord(ch) >= 0x20 for ch in row.content)


@pytest.mark.parametrize("target", list(TARGETS))
def test_100k_character_content_under_a_raised_limit_is_answered(make_services, db, target):
    """With the body limit raised, a 100,000-character message is handled like any other."""
    make_kit, mode, path, overrides = TARGETS[target]
    kit = make_kit()
    client = create_app(services=make_services(**overrides, server={"max_body_bytes": 1024 * 1024})).test_client()
    query, body = kit.post(kit.text("漏" * hostile.HUGE_CONTENT_CHARS), mode=mode)
    started = time.monotonic()
    resp = client.post(path, query_string=query, data=body)
    assert time.monotonic() - started < BOUND_SECONDS
    assert resp.status_code == 200
    assert kit.read_reply(resp.data, query)["Content"] == texts.FALLBACK
    (row,) = stored(db)
    assert len(row.content) == hostile.HUGE_CONTENT_CHARS


@pytest.mark.parametrize("target", list(TARGETS))
def test_deep_nesting_that_fits_the_body_limit_is_refused(make_services, db, target):
    make_kit, mode, path, overrides = TARGETS[target]
    kit = make_kit()
    client = create_app(services=make_services(**overrides, server={"max_body_bytes": 1024 * 1024})).test_client()
    query, body = kit.post(hostile.deep_nesting(), mode=mode)
    started = time.monotonic()
    resp = client.post(path, query_string=query, data=body)
    assert time.monotonic() - started < BOUND_SECONDS
    assert resp.status_code == 400
    assert stored(db) == []
    _normal_message_is_answered(client, kit, mode, path)


@pytest.mark.parametrize(
    "timestamp",
    ["²³", "9" * 5000, "-1700000000", "1.7e9", ""],
    ids=["superscript", "5000_digits", "negative", "float", "empty"],
)
def test_a_malformed_query_timestamp_is_403_not_a_crash(make_services, db, timestamp):
    kit = _oa_kit()
    client = create_app(services=make_services()).test_client()
    query, body = kit.post(kit.text("帮助"), timestamp=timestamp)
    assert client.post("/wechat", query_string=query, data=body).status_code == 403
    assert client.get("/wechat", query_string=kit.get_verify("e", timestamp=timestamp)).status_code == 403
    assert stored(db) == []
    _normal_message_is_answered(client, kit, "plaintext", "/wechat")


@pytest.mark.parametrize("create_time", ["²", "9" * 5000, "yesterday"])
def test_a_malformed_create_time_in_a_signed_message_is_still_answered(make_services, db, create_time):
    kit = _oa_kit()
    client = create_app(services=make_services()).test_client()
    xml = kit.text("帮助")
    xml = re.sub(r"<CreateTime>\d+</CreateTime>", f"<CreateTime>{create_time}</CreateTime>", xml)
    assert f"<CreateTime>{create_time}</CreateTime>" in xml
    query, body = kit.post(xml)
    resp = client.post("/wechat", query_string=query, data=body)
    assert resp.status_code == 200
    assert kit.read_reply(resp.data, query)["Content"] == help_texts.HELP


def test_an_oversize_chunked_body_over_real_http_is_413(make_services, db):
    """Without Content-Length the limit must still hold (the server reads the stream)."""
    kit = _oa_kit()
    app = create_app(services=make_services())
    server = create_server(app, host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        query, body = kit.post(hostile.oversize())
        chunks = (body[i : i + 65536] for i in range(0, len(body), 65536))  # a generator: chunked encoding
        url = f"http://127.0.0.1:{server.effective_port}/wechat"
        resp = requests.post(url, params=query, data=chunks, timeout=BOUND_SECONDS)
        assert resp.status_code == 413
        assert stored(db) == []
        query, body = kit.post(kit.text("帮助"))
        resp = requests.post(url, params=query, data=body, timeout=BOUND_SECONDS)
        assert kit.read_reply(resp.content, query)["Content"] == help_texts.HELP
    finally:
        server.close()
        close_all(server._map)  # its connections too: the loop then ends now, not at the join's timeout
        thread.join(timeout=5)
