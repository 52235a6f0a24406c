"""pytest plugin: the `fake_wechat` fixture.

Register with `pytest_plugins = ["tests.fakes.plugin"]` in tests/conftest.py.
One server per test session (per xdist worker) keeps tests fast; every test
gets it freshly `reset()`, so tokens, scripts, recorded requests, media,
limits and a swapped `clock` never leak between tests.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.wechat_api import FakeWeChatAPI


@pytest.fixture(scope="session")
def fake_wechat_server() -> Iterator[FakeWeChatAPI]:
    """The session's running server; use `fake_wechat` in tests."""
    api = FakeWeChatAPI().start()
    try:
        yield api
    finally:
        api.stop()


@pytest.fixture
def fake_wechat(fake_wechat_server: FakeWeChatAPI) -> Iterator[FakeWeChatAPI]:
    """A running FakeWeChatAPI, reset before and after the test."""
    fake_wechat_server.reset()
    yield fake_wechat_server
    fake_wechat_server.reset()
