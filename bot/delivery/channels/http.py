"""JSON over HTTP to WeChat and WeCom, with errcodes turned into the error classes.

wechatpy 1.8.18 has no stable_token and keeps its own token cache per client,
which would defeat the shared token store; a plain requests session is enough
for the few endpoints the outbox needs.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import requests

from bot.delivery.channels.errors import ChannelUnavailable, Outcome, error_for, outcome_of
from bot.delivery.tokens import Fetch, TokenStore
from bot.errors import TokenExpired

log = logging.getLogger(__name__)


def api_root(api_base: str) -> str:
    """``https://api.weixin.qq.com`` from either that or wechatpy's ``…/cgi-bin/`` style."""
    base = api_base.rstrip("/")
    if base.endswith("/cgi-bin"):
        base = base[: -len("/cgi-bin")]
    return base


class WeChatHTTP:
    def __init__(self, api_base: str, *, timeout: float, proxy: str | None = None) -> None:
        self.root = api_root(api_base)
        self.timeout = timeout
        self.session = requests.Session()
        if proxy:
            self.session.proxies = {"http": proxy, "https": proxy}

    def call(
        self, method: str, path: str, *, params: dict[str, Any] | None = None, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """One request; returns the JSON object when errcode is 0 (or absent).

        Raises:
            ChannelUnavailable: network error, timeout, HTTP status >= 400, no JSON.
            WeChatAPIError subclass: a non-zero errcode.
        """
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8"} if data is not None else {}
        try:
            response = self.session.request(
                method, self.root + path, params=params, data=data, headers=headers, timeout=self.timeout
            )
        except requests.RequestException as exc:
            # A timeout may mean WeChat got the message; retrying is still right
            # (a missing reminder is worse than a rare duplicate).
            raise ChannelUnavailable(f"{path}: {type(exc).__name__}") from None
        if response.status_code >= 400:
            raise ChannelUnavailable(f"{path}: HTTP {response.status_code}")
        try:
            payload = response.json()
        except ValueError:
            raise ChannelUnavailable(f"{path}: response is not JSON") from None
        if not isinstance(payload, dict):
            raise ChannelUnavailable(f"{path}: response is not a JSON object")
        errcode = int(payload.get("errcode", 0) or 0)
        if errcode != 0:
            raise error_for(errcode, str(payload.get("errmsg", "")))
        return payload

    def close(self) -> None:
        self.session.close()


class TokenCaller:
    """Calls an endpoint that needs ``access_token``; on 40001/40014/42001 refreshes once and retries."""

    def __init__(self, http: WeChatHTTP, tokens: TokenStore, key: str, fetch: Fetch) -> None:
        self.http = http
        self.tokens = tokens
        self.key = key
        self.fetch = fetch

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        token = self.tokens.get(self.key, self.fetch)
        try:
            return self.http.call("POST", path, params={"access_token": token}, body=body)
        except TokenExpired as exc:
            assert outcome_of(exc) is Outcome.REFRESH_TOKEN
            log.info("token rejected (errcode %s), refreshing key=%s", exc.errcode, self.key)
            token = self.tokens.get(self.key, self.fetch, invalid=token)
            # A second rejection propagates: the outbox retries later.
            return self.http.call("POST", path, params={"access_token": token}, body=body)
