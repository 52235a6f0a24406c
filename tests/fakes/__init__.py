"""Fakes of external services that tests reach over real HTTP on 127.0.0.1.

`FakeWeChatAPI` (wechat_api.py) stands in for WeChat and WeCom; the pytest
fixture `fake_wechat` lives in plugin.py.
"""

from tests.fakes.wechat_api import (
    DEFAULT_AGENT_ID,
    DEFAULT_APP_ID,
    DEFAULT_APP_SECRET,
    DEFAULT_CORP_ID,
    DEFAULT_CORP_SECRET,
    FakeWeChatAPI,
)

__all__ = [
    "DEFAULT_AGENT_ID",
    "DEFAULT_APP_ID",
    "DEFAULT_APP_SECRET",
    "DEFAULT_CORP_ID",
    "DEFAULT_CORP_SECRET",
    "FakeWeChatAPI",
]
