"""WeChatHTTP's own HTTP/1.1 reader against answers the fake API never gives (a raw server on 127.0.0.1)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator

import pytest

from bot.delivery.channels.errors import ChannelUnavailable
from bot.delivery.channels.http import WeChatHTTP

OK = b'{"errcode": 0, "errmsg": "ok"}'

# conn, request bytes -> keep serving this connection?
Answer = Callable[[socket.socket, bytes], bool]


class RawServer:
    """Answers each request with the next scripted function; records requests and connections."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.answers: list[Answer] = []
        self.requests: list[bytes] = []
        self.connections = 0
        self.closed = threading.Event()  # set when the server closes a connection
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}"

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            self._answer(conn)
        finally:
            conn.close()
            self.closed.set()

    def _answer(self, conn: socket.socket) -> None:
        buf = b""
        while True:
            while b"\r\n\r\n" not in buf:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                buf += chunk
            head, _, rest = buf.partition(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            while len(rest) < length:
                rest += conn.recv(65536)
            self.requests.append(head + b"\r\n\r\n" + rest[:length])
            buf = rest[length:]
            if not self.answers.pop(0)(conn, self.requests[-1]):
                return

    def close(self) -> None:
        self.listener.close()


def reply(raw: bytes, *, keep: bool = True) -> Answer:
    def answer(conn: socket.socket, _: bytes) -> bool:
        conn.sendall(raw)
        return keep

    return answer


def with_length(body: bytes, extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n%s\r\n%s" % (
        len(body), extra, body)


@pytest.fixture
def server() -> Iterator[RawServer]:
    s = RawServer()
    yield s
    s.close()


@pytest.fixture
def http(server: RawServer) -> Iterator[WeChatHTTP]:
    client = WeChatHTTP(server.base + "/cgi-bin/", timeout=2, proxy=None)
    yield client
    client.close()


def test_a_request_is_one_json_post_with_host_and_length(server: RawServer, http: WeChatHTTP) -> None:
    server.answers = [reply(with_length(OK))]
    assert http.call("POST", "/cgi-bin/message/custom/send", params={"access_token": "T k"},
                     body={"text": "水管漏水"}) == {"errcode": 0, "errmsg": "ok"}
    head, _, body = server.requests[0].partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"POST /cgi-bin/message/custom/send?access_token=T+k HTTP/1.1"
    assert b"Host: " + server.base.removeprefix("http://").encode() in lines
    assert b"Content-Length: %d" % len(body) in lines
    assert body.decode("utf-8") == '{"text": "水管漏水"}'


def test_kept_alive_connections_are_reused(server: RawServer, http: WeChatHTTP) -> None:
    server.answers = [reply(with_length(OK)) for _ in range(3)]
    for _ in range(3):
        http.call("GET", "/cgi-bin/token")
    assert server.connections == 1


def test_connection_close_and_http_1_0_answers_open_a_new_connection(server: RawServer, http: WeChatHTTP) -> None:
    server.answers = [
        reply(with_length(OK, b"Connection: close\r\n"), keep=False),
        reply(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(OK), OK), keep=False),
        reply(with_length(OK)),
    ]
    for _ in range(3):
        assert http.call("GET", "/cgi-bin/token")["errmsg"] == "ok"
    assert server.connections == 3


def test_a_chunked_answer_is_read_whole_and_the_connection_kept(server: RawServer, http: WeChatHTTP) -> None:
    chunked = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"5;ext=1\r\n{\"err\r\n" + b"%x\r\n" % (len(OK) - 5) + OK[5:] + b"\r\n0\r\nX-Trailer: 1\r\n\r\n")
    server.answers = [reply(chunked), reply(with_length(OK))]
    assert http.call("GET", "/cgi-bin/token") == {"errcode": 0, "errmsg": "ok"}
    assert http.call("GET", "/cgi-bin/token") == {"errcode": 0, "errmsg": "ok"}
    assert server.connections == 1


def test_an_answer_without_length_ends_with_the_connection(server: RawServer, http: WeChatHTTP) -> None:
    server.answers = [reply(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + OK, keep=False), reply(with_length(OK))]
    assert http.call("GET", "/cgi-bin/token")["errcode"] == 0
    assert http.call("GET", "/cgi-bin/token")["errcode"] == 0
    assert server.connections == 2


def test_an_answer_in_pieces_and_after_100_continue(server: RawServer, http: WeChatHTTP) -> None:
    def pieces(conn: socket.socket, _: bytes) -> bool:
        raw = b"HTTP/1.1 100 Continue\r\n\r\n" + with_length(OK)
        for i in range(0, len(raw), 7):
            conn.sendall(raw[i:i + 7])
        return True

    server.answers = [pieces]
    assert http.call("POST", "/cgi-bin/x", body={}) == {"errcode": 0, "errmsg": "ok"}


def test_an_idle_connection_the_server_closed_is_replaced_before_the_next_request(
    server: RawServer, http: WeChatHTTP
) -> None:
    # The server answers as if it kept the connection, then closes it while it is idle in the pool.
    server.answers = [reply(with_length(OK), keep=False), reply(with_length(OK))]
    http.call("GET", "/cgi-bin/token")
    assert server.closed.wait(5)
    assert http.call("GET", "/cgi-bin/token")["errcode"] == 0
    assert server.connections == 2


@pytest.mark.parametrize(
    "raw",
    [b"garbage\r\n\r\n", b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n{}",
     b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n{}", b"",
     # Reviewed: each of these escaped as a bare ValueError / OverflowError or asked for a huge buffer.
     "HTTP/1.1 200 OK\r\nContent-Length: \u00b2\r\n\r\n{}".encode("latin-1"),
     "HTTP/1.1 \u00b200 OK\r\nContent-Length: 2\r\n\r\n{}".encode("latin-1"),
     b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n{}",
     b"HTTP/1.1 200 OK\r\nContent-Length: 3000000000\r\n\r\n{}",
     b"HTTP/1.1 100 Continue\r\n\r\n" * 200 + with_length(OK),
     b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n{}\r\n0\r\n\r\n"],
    ids=["bad-status-line", "cut-short", "bad-length", "closed-without-answer", "superscript-length",
         "superscript-status", "length-overflows", "length-too-large", "endless-100-continue", "negative-chunk"],
)
def test_a_broken_answer_is_channel_unavailable(server: RawServer, http: WeChatHTTP, raw: bytes) -> None:
    server.answers = [reply(raw, keep=False)]
    with pytest.raises(ChannelUnavailable):
        http.call("GET", "/cgi-bin/token")


def test_a_silent_server_times_out(server: RawServer) -> None:
    hold = threading.Event()

    def silent(conn: socket.socket, _: bytes) -> bool:
        hold.wait(5)
        return False

    server.answers = [silent]
    client = WeChatHTTP(server.base, timeout=0.2)
    try:
        with pytest.raises(ChannelUnavailable, match="Timeout"):
            client.call("GET", "/cgi-bin/token")
    finally:
        hold.set()
        client.close()


def test_a_refused_connection_is_channel_unavailable() -> None:
    port = socket.create_server(("127.0.0.1", 0))
    address = port.getsockname()
    port.close()
    client = WeChatHTTP(f"http://{address[0]}:{address[1]}", timeout=1)
    with pytest.raises(ChannelUnavailable):
        client.call("GET", "/cgi-bin/token")


@pytest.mark.parametrize("variable", ["HTTPS_PROXY", "ALL_PROXY"])
def test_a_proxy_the_environment_names_is_used_unless_no_proxy_says_otherwise(
        monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    from bot.delivery.channels.http import _environment_proxy

    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(variable, "http://127.0.0.1:3128")
    assert _environment_proxy("https://api.weixin.qq.com") == "http://127.0.0.1:3128"
    monkeypatch.setenv("NO_PROXY", "api.weixin.qq.com")
    assert _environment_proxy("https://api.weixin.qq.com") is None
