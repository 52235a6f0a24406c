"""JSON over HTTP to WeChat and WeCom, with errcodes turned into the error classes.

wechatpy 1.8.18 has no stable_token and keeps its own token cache per client,
which would defeat the shared token store; a plain HTTP pool (urllib3) is
enough for the few endpoints the outbox needs.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
import urllib3

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
    """JSON calls (``call``) go through urllib3 directly, with up to ``connections`` kept-alive
    connections per host (one per send the outbox has in flight): requests' per-call work —
    preparing, merging settings, reading the environment and ~/.netrc — was most of a send's
    CPU time. ``session`` (requests) stays for downloads such as media.
    """

    def __init__(self, api_base: str, *, timeout: float, proxy: str | None = None, connections: int = 10) -> None:
        self.root = api_root(api_base)
        self.timeout = timeout
        self._timeout = urllib3.Timeout(connect=timeout, read=timeout)
        proxy = proxy or _environment_proxy(self.root)
        size = max(connections, 10)
        self.pool: urllib3.PoolManager = (
            urllib3.ProxyManager(proxy, num_pools=4, maxsize=size) if proxy else urllib3.PoolManager(num_pools=4, maxsize=size)
        )
        self._host = None if proxy else self.pool.connection_from_url(self.root)
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
        target = path + ("?" + urlencode(params) if params else "")
        try:
            if self._host is not None:  # straight to the host's connection pool (no URL parsing per call)
                response = self._host.urlopen(method, target, body=data, headers=headers, timeout=self._timeout,
                                              retries=False)
            else:
                response = self.pool.request(method, self.root + target, body=data, headers=headers,
                                             timeout=self._timeout, retries=False)
        except urllib3.exceptions.HTTPError as exc:
            # A timeout may mean WeChat got the message; retrying is still right
            # (a missing reminder is worse than a rare duplicate).
            raise ChannelUnavailable(f"{path}: {type(exc).__name__}") from None
        if response.status >= 400:
            raise ChannelUnavailable(f"{path}: HTTP {response.status}")
        try:
            payload = json.loads(response.data)
        except ValueError:
            raise ChannelUnavailable(f"{path}: response is not JSON") from None
        if not isinstance(payload, dict):
            raise ChannelUnavailable(f"{path}: response is not a JSON object")
        errcode = int(payload.get("errcode", 0) or 0)
        if errcode != 0:
            raise error_for(errcode, str(payload.get("errmsg", "")))
        return payload

    def close(self) -> None:
        self.pool.clear()
        self.session.close()


def _environment_proxy(root: str) -> str | None:
    """The HTTP(S)_PROXY the environment names for ``root`` (honoured as requests would), or None."""
    if urllib.request.proxy_bypass(urlsplit(root).hostname or ""):
        return None
    return urllib.request.getproxies().get(urlsplit(root).scheme)


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
