"""One contract, every channel: the same promises from official_account, wecom_app, wecom_robot and console."""

from __future__ import annotations

import pytest

from bot.delivery.channels import CHANNEL_NAMES, Channel, Outbound
from bot.delivery.channels.errors import CannotDeliver, ChannelUnavailable
from tests.delivery.conftest import Rig

# Where each channel's messages show up, and a recipient it accepts.
WIRE = {
    "official_account": ("/cgi-bin/message/custom/send", "oUser1", lambda m: m["text"]["content"]),
    "wecom_app": ("/cgi-bin/message/send", "zhangsan", lambda m: m["text"]["content"]),
    "wecom_robot": ("/cgi-bin/webhook/send", "lobby", lambda m: m["text"]["content"]),
}


@pytest.fixture(params=CHANNEL_NAMES)
def channel(request: pytest.FixtureRequest, lite_rig: Rig) -> tuple[str, Channel]:
    found = lite_rig.channels.get(request.param)
    assert found is not None
    return request.param, found


def _message(name: str, recipient: str, payload: dict) -> Outbound:
    return Outbound(id=1, channel=name, account="acct", recipient=recipient, kind="late_reply", payload=payload)


def _recipient(name: str) -> str:
    return WIRE[name][1] if name in WIRE else "oConsoleUser"


def _delivered_texts(rig: Rig, name: str) -> list[str]:
    if name == "console":
        return [r.text for r in rig.console.sent()]
    path, _, text_of = WIRE[name]
    return [text_of(m) for m in rig.api.delivered(path)]


def test_declares_its_name_and_that_it_can_push_text(channel: tuple[str, Channel]) -> None:
    name, adapter = channel
    assert adapter.name == name
    assert adapter.capabilities.push
    assert "text" in adapter.capabilities.msgtypes
    assert adapter.capabilities.max_text_bytes >= 2048


def test_delivers_chinese_text_verbatim(channel: tuple[str, Channel], lite_rig: Rig) -> None:
    name, adapter = channel
    delivery = adapter.push(_message(name, _recipient(name), {"msgtype": "text", "text": "3栋2单元502 水管漏水"}))
    assert delivery.via
    assert _delivered_texts(lite_rig, name) == ["3栋2单元502 水管漏水"]


def test_text_over_the_limit_is_cut_not_rejected(channel: tuple[str, Channel], lite_rig: Rig) -> None:
    name, adapter = channel
    limit = adapter.capabilities.max_text_bytes
    if limit > 100_000:
        pytest.skip("console has no practical limit")
    adapter.push(_message(name, _recipient(name), {"msgtype": "text", "text": "长" * limit}))
    (text,) = _delivered_texts(lite_rig, name)
    assert len(text.encode("utf-8")) <= limit and text.endswith("…")


def test_an_unsupported_message_type_is_a_permanent_failure(channel: tuple[str, Channel]) -> None:
    name, adapter = channel
    with pytest.raises(CannotDeliver):
        adapter.push(_message(name, _recipient(name), {"msgtype": "hologram", "text": "x"}))


def test_a_server_error_is_reported_as_retryable(channel: tuple[str, Channel], lite_rig: Rig) -> None:
    name, adapter = channel
    if name == "console":
        pytest.skip("the console has no server")
    lite_rig.api.queue(WIRE[name][0], http_status=502)
    with pytest.raises(ChannelUnavailable):
        adapter.push(_message(name, _recipient(name), {"msgtype": "text", "text": "hi"}))
