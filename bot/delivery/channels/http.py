"""JSON over HTTP to WeChat and WeCom, with errcodes turned into the error classes.

wechatpy 1.8.18 has no stable_token and keeps its own token cache per client,
which would defeat the shared token store. The outbox's JSON calls go through
``_Connections``: kept-alive HTTP/1.1 connections on plain sockets (TLS for
https), one request written in one ``sendall`` and the answer read with a
small parser. urllib3 (http.client underneath) spent about 0.25 ms of CPU per
call building header objects and parsing the answer's headers with the email
package: two thirds of a worker's CPU per message. Through a proxy the calls
still go through urllib3.
"""

from __future__ import annotations

import json
import logging
import select
import socket
import ssl
import threading
import urllib.request
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
import urllib3

from bot.delivery.channels.errors import ChannelUnavailable, Outcome, error_for, outcome_of
from bot.delivery.tokens import Fetch, TokenStore
from bot.errors import TokenExpired

log = logging.getLogger(__name__)

MAX_HEADER_BYTES = 65536
MAX_BODY_BYTES = 16 * 1024 * 1024  # WeChat's JSON answers are a few hundred bytes; anything near this is broken
MAX_INTERIM_ANSWERS = 8  # 1xx answers before the final one
_USER_AGENT = "linli"


def api_root(api_base: str) -> str:
    """``https://api.weixin.qq.com`` from either that or wechatpy's ``…/cgi-bin/`` style."""
    base = api_base.rstrip("/")
    if base.endswith("/cgi-bin"):
        base = base[: -len("/cgi-bin")]
    return base


class MalformedResponse(ValueError):
    """The server's answer is not HTTP/1.x as we read it."""


class _Connections:
    """Kept-alive HTTP/1.1 connections to one host (no proxy), at most ``size`` of them idle.

    Like urllib3 with ``retries=False``: an idle connection the server has
    closed (it is readable before we write) is dropped and a new one opened;
    any failure after the request is written is the caller's, and the
    connection is closed. Each connection has ``timeout`` for connect and for
    each read.
    """

    def __init__(self, root: str, *, timeout: float, size: int) -> None:
        parts = urlsplit(root)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {root!r}")
        self.https = parts.scheme == "https"
        self.host = parts.hostname
        self.port = parts.port or (443 if self.https else 80)
        self.host_header = self.host if parts.port is None else f"{self.host}:{parts.port}"
        if ":" in self.host:  # IPv6 literal
            self.host_header = f"[{self.host}]" + ("" if parts.port is None else f":{parts.port}")
        self.prefix = parts.path.rstrip("/")
        self.timeout = timeout
        self.size = size
        self._context = ssl.create_default_context() if self.https else None
        self._idle: list[socket.socket] = []
        self._lock = threading.Lock()

    def request(self, method: str, target: str, body: bytes | None, content_type: str | None) -> tuple[int, bytes]:
        """One request on an idle or new connection; returns (status, body).

        Raises:
            OSError: connect, write or read failed or timed out (the connection is closed).
            MalformedResponse: the answer could not be read (the connection is closed).
        """
        head = f"{method} {self.prefix}{target} HTTP/1.1\r\nHost: {self.host_header}\r\nUser-Agent: {_USER_AGENT}\r\n" \
               "Accept-Encoding: identity\r\n"
        if body is not None:
            head += f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
        data = (head + "\r\n").encode("latin-1") + (body or b"")
        sock = self._checkout()
        keep = False
        try:
            sock.sendall(data)
            status, payload, keep = _read_response(sock, method)
        finally:
            if keep:
                self._checkin(sock)
            else:
                sock.close()
        return status, payload

    def _checkout(self) -> socket.socket:
        while True:
            with self._lock:
                sock = self._idle.pop() if self._idle else None
            if sock is None:
                return self._connect()
            if not _readable(sock):  # an idle connection has nothing to read unless the server closed it
                return sock
            sock.close()

    def _checkin(self, sock: socket.socket) -> None:
        with self._lock:
            if len(self._idle) < self.size:
                self._idle.append(sock)
                return
        sock.close()

    def _connect(self) -> socket.socket:
        sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self._context is not None:
                sock = self._context.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise
        return sock

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for sock in idle:
            sock.close()


def _readable(sock: socket.socket) -> bool:
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


def _read_until(sock: socket.socket, buf: bytes, marker: bytes, what: str) -> tuple[bytes, bytes]:
    """(what comes before ``marker``, what comes after it), reading more from ``sock`` until it arrives."""
    end = buf.find(marker)
    while end < 0:
        if len(buf) > MAX_HEADER_BYTES:
            raise MalformedResponse(f"{what}: too long")
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"connection closed inside {what}")
        buf += chunk
        end = buf.find(marker, max(0, len(buf) - len(chunk) - len(marker) + 1))
    return buf[:end], buf[end + len(marker):]


def _read_response(sock: socket.socket, method: str) -> tuple[int, bytes, bool]:
    """(status, body, connection reusable) of the next final response on ``sock``."""
    buf = b""
    for _ in range(MAX_INTERIM_ANSWERS + 1):  # 1xx answers come before the final one
        head, buf = _read_until(sock, buf, b"\r\n\r\n", "the response headers")
        lines = head.decode("latin-1").split("\r\n")
        version, _, rest = lines[0].partition(" ")
        if not version.startswith("HTTP/1.") or not _is_number(rest[:3]):
            raise MalformedResponse(f"bad status line {lines[0][:80]!r}")
        status = int(rest[:3])
        if 100 <= status < 200:
            continue
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        break
    else:
        raise MalformedResponse(f"more than {MAX_INTERIM_ANSWERS} interim (1xx) answers")
    connection = headers.get("connection", "").lower()
    keep = "close" not in connection if version == "HTTP/1.1" else "keep-alive" in connection
    if method == "HEAD" or status in (204, 304):
        return status, b"", keep
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body, buf = _read_chunked(sock, buf)
        return status, body, keep and not buf
    length = headers.get("content-length")
    if length is None:  # the body ends with the connection
        parts, size = [buf], len(buf)
        while chunk := sock.recv(65536):
            parts.append(chunk)
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise MalformedResponse("response body too large")
        return status, b"".join(parts), False
    if not _is_number(length) or len(length) > 12:
        raise MalformedResponse(f"bad Content-Length {length[:40]!r}")
    size = int(length)
    if size > MAX_BODY_BYTES:
        raise MalformedResponse(f"response body too large ({size} bytes)")
    while len(buf) < size:
        chunk = sock.recv(min(65536, size - len(buf)))
        if not chunk:
            raise ConnectionError("connection closed inside the response body")
        buf += chunk
    return status, buf[:size], keep and len(buf) == size


def _is_number(text: str) -> bool:
    """ASCII digits only: ``str.isdigit`` also takes ² and other digits ``int`` refuses."""
    return bool(text) and text.isascii() and text.isdigit()


def _read_chunked(sock: socket.socket, buf: bytes) -> tuple[bytes, bytes]:
    """The body of a chunked response, and whatever was read after it."""
    parts: list[bytes] = []

    def line() -> bytes:
        nonlocal buf
        found, buf = _read_until(sock, buf, b"\r\n", "a chunk line")
        return found

    while True:
        size_text = line().split(b";", 1)[0].strip()
        if not size_text or len(size_text) > 8 or size_text.strip(b"0123456789abcdefABCDEF"):
            raise MalformedResponse(f"bad chunk size {size_text[:20]!r}")
        size = int(size_text, 16)
        if sum(map(len, parts)) + size > MAX_BODY_BYTES:
            raise MalformedResponse("response body too large")
        if size == 0:
            while line():  # trailers, up to the empty line
                pass
            return b"".join(parts), buf
        while len(buf) < size + 2:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed inside a chunked body")
            buf += chunk
        parts.append(buf[:size])
        buf = buf[size + 2:]


class WeChatHTTP:
    """JSON calls (``call``) on up to ``connections`` kept-alive connections to the host (one per
    send the outbox has in flight), through ``_Connections``, or urllib3 when a proxy is set.
    ``session`` (requests) stays for downloads such as media.
    """

    def __init__(self, api_base: str, *, timeout: float, proxy: str | None = None, connections: int = 10) -> None:
        self.root = api_root(api_base)
        self.timeout = timeout
        proxy = proxy or _environment_proxy(self.root)
        size = max(connections, 10)
        self._direct = None if proxy else _Connections(self.root, timeout=timeout, size=size)
        self.pool: urllib3.PoolManager | None = None
        if proxy:
            self._timeout = urllib3.Timeout(connect=timeout, read=timeout)
            self.pool = urllib3.ProxyManager(proxy, num_pools=4, maxsize=size)
        self._queries: dict[tuple[Any, ...], str] = {}
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
        target = path + ("?" + self._query(params) if params else "")
        # A timeout may mean WeChat got the message; retrying is still right
        # (a missing reminder is worse than a rare duplicate).
        if self._direct is not None:
            try:
                status, raw = self._direct.request(method, target, data, _JSON if data is not None else None)
            except (OSError, MalformedResponse) as exc:
                raise ChannelUnavailable(f"{path}: {type(exc).__name__}") from None
        else:
            assert self.pool is not None
            headers = {"Content-Type": _JSON} if data is not None else {}
            try:
                response = self.pool.request(method, self.root + target, body=data, headers=headers,
                                             timeout=self._timeout, retries=False)
            except urllib3.exceptions.HTTPError as exc:
                raise ChannelUnavailable(f"{path}: {type(exc).__name__}") from None
            status, raw = response.status, response.data
        if status >= 400:
            raise ChannelUnavailable(f"{path}: HTTP {status}")
        try:
            payload = json.loads(raw)
        except ValueError:
            raise ChannelUnavailable(f"{path}: response is not JSON") from None
        if not isinstance(payload, dict):
            raise ChannelUnavailable(f"{path}: response is not a JSON object")
        errcode = int(payload.get("errcode", 0) or 0)
        if errcode != 0:
            raise error_for(errcode, str(payload.get("errmsg", "")))
        return payload

    def _query(self, params: dict[str, Any]) -> str:
        """``urlencode(params)``, remembered: the outbox sends the same access token thousands of times."""
        key = tuple(params.items())
        try:
            query = self._queries.get(key)
        except TypeError:  # a value that cannot be a key
            return urlencode(params)
        if query is None:
            if len(self._queries) >= 64:  # old tokens
                self._queries.clear()
            query = self._queries[key] = urlencode(params)
        return query

    def close(self) -> None:
        if self._direct is not None:
            self._direct.close()
        if self.pool is not None:
            self.pool.clear()
        self.session.close()


_JSON = "application/json; charset=utf-8"


def _environment_proxy(root: str) -> str | None:
    """The HTTP(S)_PROXY (else ALL_PROXY) the environment names for ``root``, as requests reads them, or None."""
    if urllib.request.proxy_bypass(urlsplit(root).hostname or ""):
        return None
    proxies = urllib.request.getproxies()
    return proxies.get(urlsplit(root).scheme) or proxies.get("all")


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
