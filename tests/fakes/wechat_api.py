"""A fake WeChat Official Account + WeCom HTTP API on 127.0.0.1, over real HTTP.

Channels, the token store and the outbox talk to it exactly as to
api.weixin.qq.com / qyapi.weixin.qq.com: point `api_base` at `api.api_base`.

    with FakeWeChatAPI() as api:
        token = requests.get(f"{api.base_url}/cgi-bin/token", params={
            "grant_type": "client_credential", "appid": api.app_id,
            "secret": api.app_secret}).json()["access_token"]
        api.queue("/cgi-bin/message/custom/send", errcode=45015)   # next call only
        ...
        assert api.sent("/cgi-bin/message/custom/send")[0]["text"]["content"] == "..."

Behaviour worth knowing:
- /cgi-bin/token issues a new token and INVALIDATES the previous one of that
  app (40001 afterwards); /cgi-bin/stable_token keeps returning the same token
  until it expires or `force_refresh` is true. The two are separate slots,
  as on the real platform. Expired tokens answer 42001.
- WeCom /cgi-bin/gettoken returns the same token per (corpid, secret) while valid.
- /cgi-bin/webhook/send allows `robot_limit` messages per `robot_window`
  seconds per key (20 per 60 s), then 45009.
- `queue(path, ...)` scripts the next responses of a path (FIFO, one per
  request): errcode, http_status, reset (connection closed with RST, no
  response), delay (seconds before answering). Then normal behaviour resumes.
- `clock` (default time.time) drives expiry and the robot window; tests may
  assign `api.clock = fake_clock`. `reset()` restores every default.
- `latency` (seconds, default 0; an attribute, kept by `reset()`) delays every
  answer, as the real API's round trip does (bench/outbox.py uses 30 ms);
  `keep_alive=True` serves HTTP/1.1 persistent connections as WeChat does
  (the default closes each connection after its answer).
"""

from __future__ import annotations

import itertools
import json
import secrets
import socket
import struct
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

DEFAULT_APP_ID = "wx_fake_app_0001"
DEFAULT_APP_SECRET = "fake_app_secret_0001"
DEFAULT_CORP_ID = "ww_fake_corp_0001"
DEFAULT_CORP_SECRET = "fake_corp_secret_0001"
DEFAULT_AGENT_ID = 1000002

TOKEN_PATHS = frozenset({"/cgi-bin/token", "/cgi-bin/stable_token", "/cgi-bin/gettoken"})

ERRMSG: dict[int, str] = {
    -1: "system error",
    0: "ok",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40003: "invalid openid",
    40007: "invalid media_id",
    40008: "invalid message type",
    40013: "invalid appid",
    40014: "invalid access_token",
    40037: "invalid template_id",
    40056: "invalid agentid",
    40058: "content exceed max length",
    40125: "invalid appsecret",
    41001: "access_token missing",
    42001: "access_token expired",
    43001: "require GET method",
    43002: "require POST method",
    44004: "empty content",
    45009: "api freq out of limit",
    45015: "response out of time limit or subscription is canceled",
    47001: "data format error",
    48001: "api unauthorized",
    81013: "user & party & tag all invalid",
    93000: "invalid webhook url",
}

OA_CUSTOM_TYPES = frozenset(
    {
        "text",
        "image",
        "voice",
        "video",
        "music",
        "news",
        "mpnews",
        "mpnewsarticle",
        "msgmenu",
        "wxcard",
        "miniprogrampage",
    }
)
WECOM_APP_TYPES = frozenset(
    {
        "text",
        "image",
        "voice",
        "video",
        "file",
        "textcard",
        "news",
        "mpnews",
        "markdown",
        "miniprogram_notice",
        "template_card",
    }
)
ROBOT_TYPES = frozenset({"text", "markdown", "image", "news", "file", "template_card"})
ROBOT_TEXT_MAX_BYTES = 2048
ROBOT_MARKDOWN_MAX_BYTES = 4096


def errmsg(code: int) -> str:
    """WeChat's message for an error code (a generic one for codes not listed)."""
    return ERRMSG.get(code, f"fake error {code}")


@dataclass
class Scripted:
    """One scripted behaviour, consumed by one request to its path."""

    errcode: int | None = None
    errmsg: str | None = None
    http_status: int | None = None
    reset: bool = False
    delay: float | None = None
    json: dict[str, Any] | None = None


@dataclass
class _Token:
    owner: tuple[str, ...]  # ("oa", appid, slot) or ("wecom", corpid, secret)
    expires_at: float
    revoked: bool = False
    agent_id: int | None = None


@dataclass
class _Reply:
    status: int = 200
    payload: dict[str, Any] | None = None
    raw: bytes | None = None
    content_type: str = "application/json; encoding=utf-8"
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def errcode(self) -> int | None:
        return None if self.payload is None else self.payload.get("errcode", 0)


def _error(code: int, message: str | None = None, **extra: Any) -> _Reply:
    return _Reply(payload={"errcode": code, "errmsg": message or errmsg(code), **extra})


def _ok(**data: Any) -> _Reply:
    return _Reply(payload={"errcode": 0, "errmsg": "ok", **data})


_REASONS = {status.value: status.phrase for status in HTTPStatus}


class _Headers(dict[str, str]):
    """Request headers by lower-cased name; ``get`` ignores case like email.message.Message's."""

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(name.lower(), default)

    def __getitem__(self, name: str) -> str:
        return super().get(name.lower())  # type: ignore[return-value]


def _parse_request(h: BaseHTTPRequestHandler) -> bool:
    """BaseHTTPRequestHandler.parse_request without the email package for the headers.

    The standard one parses every request's headers into an email.message.Message: half of this
    fake's CPU per request, on the cores bench/outbox.py's workers need. Same outcomes for the
    requests our clients send: the request line checked, HTTP/1.1 keeps the connection unless
    ``Connection: close``, a malformed request answered 400, too many or too long headers 431.
    """
    h.command = None  # type: ignore[assignment]
    h.request_version = version = h.default_request_version
    h.close_connection = True
    requestline = str(h.raw_requestline, "iso-8859-1").rstrip("\r\n")
    h.requestline = requestline
    words = requestline.split()
    if not words:
        return False
    if len(words) >= 3:
        version = words[-1]
        try:
            if not version.startswith("HTTP/"):
                raise ValueError
            major, minor = version.split("/", 1)[1].split(".")
            version_number = int(major), int(minor)
        except (ValueError, IndexError):
            h.send_error(HTTPStatus.BAD_REQUEST, f"Bad request version ({version!r})")
            return False
        if version_number >= (1, 1) and h.protocol_version >= "HTTP/1.1":
            h.close_connection = False
        if version_number >= (2, 0):
            h.send_error(HTTPStatus.HTTP_VERSION_NOT_SUPPORTED, f"Invalid HTTP version ({version})")
            return False
        h.request_version = version
    if not 2 <= len(words) <= 3:
        h.send_error(HTTPStatus.BAD_REQUEST, f"Bad request syntax ({requestline!r})")
        return False
    command, path = words[:2]
    if len(words) == 2:
        h.close_connection = True
        if command != "GET":
            h.send_error(HTTPStatus.BAD_REQUEST, f"Bad HTTP/0.9 request type ({command!r})")
            return False
    h.command, h.path = command, path
    if h.path.startswith("//"):
        h.path = "/" + h.path.lstrip("/")
    headers = _Headers()
    while True:
        line = h.rfile.readline(65537)
        if len(line) > 65536:
            h.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Line too long")
            return False
        if line in (b"\r\n", b"\n", b""):
            break
        if len(headers) >= 100:
            h.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Too many headers")
            return False
        name, _, value = line.decode("iso-8859-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    h.headers = headers  # type: ignore[assignment]
    connection = headers.get("connection", "").lower()
    if connection == "close":
        h.close_connection = True
    elif connection == "keep-alive" and h.protocol_version >= "HTTP/1.1":
        h.close_connection = False
    if (headers.get("expect", "").lower() == "100-continue" and h.protocol_version >= "HTTP/1.1"
            and h.request_version >= "HTTP/1.1"):
        return h.handle_expect_100()
    return True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # The default listen backlog of 5 resets connections when many senders
    # connect at once on a loaded machine; WeChat's servers never do that.
    request_queue_size = 256

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that time out or were reset on purpose leave broken pipes
        # behind; they are expected here and must not spam test output.
        pass


class FakeWeChatAPI:
    """Fake WeChat + WeCom API server; thread-safe; see the module docstring.

    Args:
        app_id, app_secret: the Official Account accepted by the token endpoints.
        corp_id, corp_secret, agent_id: the WeCom app accepted by gettoken.
        expires_in: lifetime of issued tokens, seconds.
        robot_limit, robot_window: group-robot rate limit per key.
        clock: `() -> float` Unix seconds.
    """

    def __init__(
        self,
        *,
        app_id: str = DEFAULT_APP_ID,
        app_secret: str = DEFAULT_APP_SECRET,
        corp_id: str = DEFAULT_CORP_ID,
        corp_secret: str = DEFAULT_CORP_SECRET,
        agent_id: int = DEFAULT_AGENT_ID,
        expires_in: int = 7200,
        robot_limit: int = 20,
        robot_window: float = 60.0,
        clock: Callable[[], float] = time.time,
        latency: float = 0.0,
        keep_alive: bool = False,
    ) -> None:
        self._defaults = dict(
            app_id=app_id,
            app_secret=app_secret,
            corp_id=corp_id,
            corp_secret=corp_secret,
            agent_id=agent_id,
            expires_in=expires_in,
            robot_limit=robot_limit,
            robot_window=robot_window,
            clock=clock,
        )
        self.latency = latency
        self.keep_alive = keep_alive
        self._lock = threading.RLock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._generation = 0
        self._wake = threading.Event()
        self._configure()

    # --- lifecycle ---------------------------------------------------------
    def _configure(self) -> None:
        d = self._defaults
        self.app_id: str = d["app_id"]
        self.app_secret: str = d["app_secret"]
        self.corp_id: str = d["corp_id"]
        self.corp_secret: str = d["corp_secret"]
        self.agent_id: int = d["agent_id"]
        self.expires_in: int = d["expires_in"]
        self.robot_limit: int = d["robot_limit"]
        self.robot_window: float = d["robot_window"]
        self.clock: Callable[[], float] = d["clock"]
        self.apps: dict[str, str] = {self.app_id: self.app_secret}
        self.corp_apps: dict[tuple[str, str], int] = {(self.corp_id, self.corp_secret): self.agent_id}
        # None means "anyone": set these to make other recipients invalid.
        self.wecom_users: set[str] | None = None
        self.robot_keys: set[str] | None = None
        self.template_ids: set[str] | None = None
        self.out_of_window: set[str] = set()
        self._tokens: dict[str, _Token] = {}
        self._current: dict[tuple[str, ...], str] = {}
        self._scripts: dict[str, deque[Scripted]] = defaultdict(deque)
        self._requests: list[dict[str, Any]] = []
        self._media: dict[str, tuple[bytes, str]] = {}
        self._robot_sent: dict[str, deque[float]] = defaultdict(deque)
        self._msg_ids = itertools.count(1_000_001)

    def start(self) -> FakeWeChatAPI:
        """Listen on an ephemeral port of 127.0.0.1 and serve in a daemon thread."""
        if self._server is not None:
            return self
        self._wake = threading.Event()  # stop() left the previous one set
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-wechat-api", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; sleeping delayed responses are woken and dropped."""
        if self._server is None:
            return
        with self._lock:
            self._generation += 1
            self._wake.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeWeChatAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget tokens, requests, scripts, media and limits; restore defaults.

        Delayed responses still in flight are dropped, so they cannot leak
        into the next test.
        """
        with self._lock:
            self._generation += 1
            self._wake.set()
            self._wake = threading.Event()
            self._configure()

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT` (no trailing slash)."""
        if self._server is None:
            raise RuntimeError("FakeWeChatAPI is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def api_base(self) -> str:
        """Base in wechatpy's style, `http://127.0.0.1:PORT/cgi-bin/`."""
        return self.base_url + "/cgi-bin/"

    # --- control API -------------------------------------------------------
    def queue(
        self,
        path: str,
        *,
        errcode: int | None = None,
        errmsg: str | None = None,
        http_status: int | None = None,
        reset: bool = False,
        delay: float | None = None,
        json: dict[str, Any] | None = None,
        times: int = 1,
    ) -> None:
        """Script the next `times` responses of `path` (e.g. "/cgi-bin/token").

        errcode: answer HTTP 200 `{"errcode": errcode, "errmsg": ...}`.
        http_status: answer that status with a short text body.
        reset: close the connection with a TCP RST and no response.
        delay: wait this many seconds first, then behave as scripted/normally.
        json: answer this JSON object verbatim.
        A scripted request is recorded but has no other effect (no token is
        issued, no message counts as delivered).
        """
        if not path.startswith("/"):
            path = "/" + path
        with self._lock:
            for _ in range(times):
                self._scripts[path].append(Scripted(errcode, errmsg, http_status, reset, delay, json))

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Every request so far: method, path, query, json, body, time, status, errcode."""
        with self._lock:
            return [dict(r) for r in self._requests]

    def sent(self, path: str) -> list[Any]:
        """JSON bodies POSTed to `path`, in order, whatever the answer was."""
        return [r["json"] for r in self.requests if r["path"] == path and r["method"] == "POST"]

    def delivered(self, path: str) -> list[Any]:
        """JSON bodies POSTed to `path` that were answered errcode 0."""
        return [r["json"] for r in self.requests if r["path"] == path and r["method"] == "POST" and r["errcode"] == 0]

    @property
    def token_fetches(self) -> int:
        """Requests to any token endpoint (token, stable_token, gettoken)."""
        return sum(1 for r in self.requests if r["path"] in TOKEN_PATHS)

    def add_media(self, media_id: str, data: bytes, content_type: str = "image/jpeg") -> None:
        """Make `media_id` downloadable through /cgi-bin/media/get."""
        with self._lock:
            self._media[media_id] = (data, content_type)

    def add_app(self, app_id: str, secret: str) -> None:
        """Accept another Official Account."""
        with self._lock:
            self.apps[app_id] = secret

    def add_corp_app(self, corp_id: str, secret: str, agent_id: int) -> None:
        """Accept another WeCom app."""
        with self._lock:
            self.corp_apps[(corp_id, secret)] = agent_id

    def grant_token(self, app_id: str | None = None) -> str:
        """Issue an Official Account token without HTTP (invalidates the previous one)."""
        with self._lock:
            return self._issue(("oa", app_id or self.app_id, "token"))

    def expire_tokens(self) -> None:
        """Make every issued token expired (42001 from now on)."""
        with self._lock:
            now = self.clock()
            for tok in self._tokens.values():
                tok.expires_at = min(tok.expires_at, now)

    def settings(self) -> dict[str, dict[str, Any]]:
        """Config sections pointing the server at this fake (wechat and wecom)."""
        return {
            "wechat": {"app_id": self.app_id, "app_secret": self.app_secret, "api_base": self.api_base},
            "wecom": {
                "corp_id": self.corp_id,
                "agent_id": self.agent_id,
                "secret": self.corp_secret,
                "api_base": self.api_base,
            },
        }

    # --- tokens ------------------------------------------------------------
    def _issue(self, owner: tuple[str, ...], agent_id: int | None = None) -> str:
        old = self._current.get(owner)
        if old is not None:
            self._tokens[old].revoked = True
        token = f"FAKE_{owner[0].upper()}_{secrets.token_urlsafe(24)}"
        self._tokens[token] = _Token(owner, self.clock() + self.expires_in, agent_id=agent_id)
        self._current[owner] = token
        return token

    def _live(self, owner: tuple[str, ...]) -> str | None:
        token = self._current.get(owner)
        if token is None or self._tokens[token].expires_at <= self.clock():
            return None
        return token

    def _check_token(self, query: dict[str, str], platform: str) -> _Token | _Reply:
        token = query.get("access_token")
        if not token:
            return _error(41001)
        tok = self._tokens.get(token)
        if tok is None or tok.revoked or (platform != "any" and tok.owner[0] != platform):
            return _error(40001)
        if tok.expires_at <= self.clock():
            return _error(42001)
        return tok

    # --- request handling --------------------------------------------------
    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if api.keep_alive else "HTTP/1.0"
            # Headers and body go out in two writes: without this, Nagle's algorithm holds the body
            # until the client's delayed ACK (40 ms) on a kept-alive connection.
            disable_nagle_algorithm = True

            server_version = "FakeWeChat/1.0"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def parse_request(self) -> bool:
                return _parse_request(self)

            def do_GET(self) -> None:  # noqa: N802
                api._serve(self, "GET")

            def do_POST(self) -> None:  # noqa: N802
                api._serve(self, "POST")

        return Handler

    def _serve(self, h: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(h.path)
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        try:
            parsed: Any = json.loads(body.decode("utf-8")) if body else None
        except (UnicodeDecodeError, ValueError):
            parsed = None
        with self._lock:
            record: dict[str, Any] = {
                "method": method,
                "path": parts.path,
                "query": query,
                "json": parsed,
                "body": body,
                "time": self.clock(),
                "status": None,
                "errcode": None,
            }
            self._requests.append(record)
            script = self._scripts[parts.path].popleft() if self._scripts.get(parts.path) else None
            generation, wake = self._generation, self._wake
        delay = (script.delay if script is not None and script.delay else 0.0) + self.latency
        if delay:
            wake.wait(delay)
            if generation != self._generation:
                self._drop(h)  # reset() or stop() happened meanwhile: answer nothing
                return
        if script is not None and script.reset:
            self._drop(h)
            return
        with self._lock:
            if script is not None and (script.errcode is not None or script.http_status or script.json):
                reply = self._scripted(script)
            else:
                reply = self._route(method, parts.path, query, body, parsed)
            record["status"], record["errcode"] = reply.status, reply.errcode
        self._write(h, reply)

    @staticmethod
    def _scripted(script: Scripted) -> _Reply:
        if script.http_status:
            return _Reply(status=script.http_status, raw=b"fake server error", content_type="text/plain; charset=utf-8")
        if script.json is not None:
            return _Reply(payload=dict(script.json))
        return _error(script.errcode or 0, script.errmsg)

    @staticmethod
    def _drop(h: BaseHTTPRequestHandler) -> None:
        """Abort the connection with RST so the client sees a reset, not a reply."""
        h.close_connection = True
        try:
            h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            h.connection.close()
        except OSError:
            pass

    @staticmethod
    def _write(h: BaseHTTPRequestHandler, reply: _Reply) -> None:
        if reply.raw is not None:
            data = reply.raw
        else:
            data = json.dumps(reply.payload, ensure_ascii=False).encode("utf-8")
        head = [
            f"{h.protocol_version} {reply.status} {_REASONS.get(reply.status, '')}",
            f"Server: {h.version_string()}",
            f"Date: {h.date_time_string()}",
            f"Content-Type: {reply.content_type}",
            f"Content-Length: {len(data)}",
            *(f"{k}: {v}" for k, v in reply.headers.items()),
        ]
        if h.close_connection and h.protocol_version == "HTTP/1.1":
            head.append("Connection: close")
        try:  # one write: status line, headers and body
            h.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + data)
        except OSError:
            pass  # the client gave up (timeout); nothing to tell it

    def _route(self, method: str, path: str, query: dict[str, str], body: bytes, data: Any) -> _Reply:
        routes: dict[str, tuple[str, Callable[..., _Reply]]] = {
            "/cgi-bin/token": ("GET", self._token),
            "/cgi-bin/stable_token": ("POST", self._stable_token),
            "/cgi-bin/gettoken": ("GET", self._gettoken),
            "/cgi-bin/message/custom/send": ("POST", self._custom_send),
            "/cgi-bin/message/template/send": ("POST", self._template_send),
            "/cgi-bin/media/get": ("GET", self._media_get),
            "/cgi-bin/message/send": ("POST", self._wecom_send),
            "/cgi-bin/webhook/send": ("POST", self._robot_send),
        }
        if path not in routes:
            return _Reply(status=404, payload={"errcode": 404, "errmsg": f"fake: no route {path}"})
        want, fn = routes[path]
        if method != want:
            return _error(43001 if want == "GET" else 43002)
        if want == "POST":
            if not body:
                return _error(44002, "empty post data")
            if not isinstance(data, dict):
                return _error(47001)
            return fn(query, data)
        return fn(query)

    # Official Account -------------------------------------------------------
    def _token(self, q: dict[str, str]) -> _Reply:
        if q.get("grant_type") != "client_credential":
            return _error(40002)
        appid = q.get("appid", "")
        if appid not in self.apps:
            return _error(40013)
        if q.get("secret") != self.apps[appid]:
            return _error(40001)
        return _Reply(payload={"access_token": self._issue(("oa", appid, "token")), "expires_in": self.expires_in})

    def _stable_token(self, q: dict[str, str], d: dict[str, Any]) -> _Reply:
        if d.get("grant_type") != "client_credential":
            return _error(40002)
        appid = str(d.get("appid", ""))
        if appid not in self.apps:
            return _error(40013)
        if d.get("secret") != self.apps[appid]:
            return _error(40125)
        owner = ("oa", appid, "stable")
        token = None if d.get("force_refresh") else self._live(owner)
        if token is None:
            token = self._issue(owner)
        remaining = max(0, round(self._tokens[token].expires_at - self.clock()))
        return _Reply(payload={"access_token": token, "expires_in": remaining})

    def _custom_send(self, q: dict[str, str], d: dict[str, Any]) -> _Reply:
        tok = self._check_token(q, "oa")
        if isinstance(tok, _Reply):
            return tok
        touser = d.get("touser")
        if not touser:
            return _error(40003)
        msgtype = d.get("msgtype")
        if msgtype not in OA_CUSTOM_TYPES or not isinstance(d.get(msgtype), dict):
            return _error(40008)
        if msgtype == "text" and not d["text"].get("content"):
            return _error(44004)
        if touser in self.out_of_window:
            return _error(45015)
        return _ok()

    def _template_send(self, q: dict[str, str], d: dict[str, Any]) -> _Reply:
        tok = self._check_token(q, "oa")
        if isinstance(tok, _Reply):
            return tok
        if not d.get("touser"):
            return _error(40003)
        template_id = d.get("template_id")
        if not template_id or (self.template_ids is not None and template_id not in self.template_ids):
            return _error(40037)
        return _ok(msgid=next(self._msg_ids))

    def _media_get(self, q: dict[str, str]) -> _Reply:
        tok = self._check_token(q, "any")
        if isinstance(tok, _Reply):
            return tok
        media_id = q.get("media_id", "")
        if media_id not in self._media:
            return _error(40007)
        data, ctype = self._media[media_id]
        ext = ctype.split("/")[-1].split(";")[0]
        return _Reply(
            raw=data, content_type=ctype, headers={"Content-disposition": f'attachment; filename="{media_id}.{ext}"'}
        )

    # WeCom ------------------------------------------------------------------
    def _gettoken(self, q: dict[str, str]) -> _Reply:
        corpid, secret = q.get("corpid", ""), q.get("corpsecret", "")
        if corpid not in {c for c, _ in self.corp_apps}:
            return _error(40013, "invalid corpid")
        if (corpid, secret) not in self.corp_apps:
            return _error(40001, "invalid credential")
        owner = ("wecom", corpid, secret)
        token = self._live(owner) or self._issue(owner, agent_id=self.corp_apps[(corpid, secret)])
        remaining = max(0, round(self._tokens[token].expires_at - self.clock()))
        return _ok(access_token=token, expires_in=remaining)

    def _wecom_send(self, q: dict[str, str], d: dict[str, Any]) -> _Reply:
        tok = self._check_token(q, "wecom")
        if isinstance(tok, _Reply):
            return tok
        try:
            agentid = int(d.get("agentid", -1))
        except (TypeError, ValueError):
            agentid = -1
        if agentid != tok.agent_id:
            return _error(40056)
        msgtype = d.get("msgtype")
        if msgtype not in WECOM_APP_TYPES or not isinstance(d.get(msgtype), dict):
            return _error(40008)
        if msgtype in ("text", "markdown") and not d[msgtype].get("content"):
            return _error(44004)
        users = [u for u in str(d.get("touser") or "").split("|") if u]
        invalid = (
            [] if self.wecom_users is None or users == ["@all"] else [u for u in users if u not in self.wecom_users]
        )
        extra = {
            "invaliduser": "|".join(invalid),
            "invalidparty": "",
            "invalidtag": "",
            "unlicenseduser": "",
            "msgid": f"fake_msgid_{next(self._msg_ids)}",
        }
        if not d.get("toparty") and not d.get("totag") and (not users or len(invalid) == len(users)):
            return _error(81013, **extra)
        return _ok(**extra)

    def _robot_send(self, q: dict[str, str], d: dict[str, Any]) -> _Reply:
        key = q.get("key", "")
        if not key or (self.robot_keys is not None and key not in self.robot_keys):
            return _error(93000)
        msgtype = d.get("msgtype")
        if msgtype not in ROBOT_TYPES or not isinstance(d.get(msgtype), dict):
            return _error(40008)
        if msgtype in ("text", "markdown"):
            content = str(d[msgtype].get("content") or "")
            if not content:
                return _error(44004)
            limit = ROBOT_TEXT_MAX_BYTES if msgtype == "text" else ROBOT_MARKDOWN_MAX_BYTES
            if len(content.encode("utf-8")) > limit:
                return _error(40058)
        now = self.clock()
        window = self._robot_sent[key]
        while window and window[0] <= now - self.robot_window:
            window.popleft()
        if len(window) >= self.robot_limit:
            return _error(45009)
        window.append(now)
        return _ok()
