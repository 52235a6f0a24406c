"""Load generator for bench/webhook.py: signed plaintext WeChat text messages over loopback.

One asyncio process, N persistent HTTP/1.1 connections (reconnecting whenever
the server closes, as gunicorn's sync worker does after every response), each
sending one request at a time. Every request carries a valid signature for the
configured token, a fresh timestamp and, unless replaying, a unique MsgId; the
sender rotates over the configured number of users. Each response is checked
(status 200 and the scenario's marker in the body) and timed from the first
byte written (including a reconnect) to the last byte read.

The run is bounded: warm-up, then the measured window, then every connection
finishes its request in flight (at most --timeout seconds) and the process
prints one JSON object and exits.

    python bench/webhook_load.py --target 127.0.0.1:8080 --connections 8 --duration 5 \
        --token T --text 低保怎么申请 --marker 如需帮助

Used by bench/webhook.py (pinned to its own core with taskset); runnable alone.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import time
from dataclasses import dataclass, field
from itertools import cycle


def sign(token: str, timestamp: str, nonce: str) -> str:
    return hashlib.sha1("".join(sorted((token, timestamp, nonce))).encode()).hexdigest()


def text_xml(to_user: str, from_user: str, created: int, text: str, msg_id: int) -> bytes:
    return (
        f"<xml><ToUserName><![CDATA[{to_user}]]></ToUserName>"
        f"<FromUserName><![CDATA[{from_user}]]></FromUserName>"
        f"<CreateTime>{created}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{text}]]></Content><MsgId>{msg_id}</MsgId></xml>"
    ).encode()


@dataclass
class Message:
    user: str
    text: str
    msg_id: int


@dataclass
class Plan:
    """What to send: unique messages (texts x users) or a fixed pool replayed (WeChat's retries)."""

    token: str
    to_user: str
    texts: list[str]
    users: int
    msg_id_base: int
    replay: int = 0  # >0: prime this many messages once, then send only those again
    _counter: int = 0
    _pool: list[Message] = field(default_factory=list)
    _replay_iter: object = None

    def fresh(self) -> Message:
        n = self._counter
        self._counter += 1
        return Message(f"oBench{n % self.users:04d}", self.texts[n % len(self.texts)], self.msg_id_base + n)

    def prime_pool(self) -> list[Message]:
        self._pool = [self.fresh() for _ in range(self.replay)]
        self._replay_iter = cycle(self._pool)
        return self._pool

    def next(self) -> Message:
        if self.replay:
            return next(self._replay_iter)  # type: ignore[call-overload]
        return self.fresh()


class Signer:
    """Signature for the current second, recomputed once per second per connection."""

    def __init__(self, token: str, nonce: str) -> None:
        self.token = token
        self.nonce = nonce
        self.ts = 0
        self.sig = ""

    def query(self, openid: str) -> str:
        now = int(time.time())
        if now != self.ts:
            self.ts = now
            self.sig = sign(self.token, str(now), self.nonce)
        return f"signature={self.sig}&timestamp={self.ts}&nonce={self.nonce}&openid={openid}"


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    ok: int = 0
    bad: int = 0
    answered: int = 0  # every answer, warm-up and tail included (the server's CPU per answer divides by it)
    errors: int = 0
    reconnects: int = 0
    sample_bad: str = ""


class Connection:
    def __init__(self, host: str, port: int, path: str) -> None:
        self.host = host
        self.port = port
        self.path = path
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except (ConnectionError, OSError):
                pass
        self.reader = self.writer = None

    async def request(self, query: str, body: bytes, stats: Stats) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            stats.reconnects += 1
        assert self.reader is not None
        head = (
            f"POST {self.path}?{query} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Type: text/xml\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        self.writer.write(head + body)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length = 0
        close = lines[0].startswith("HTTP/1.0")
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "connection":
                close = value.strip().lower() == "close"
        payload = await self.reader.readexactly(length) if length else b""
        if close:
            await self.close()
        return status, payload


async def _send(
    conn: Connection, signer: Signer, plan: Plan, msg: Message, stats: Stats, timeout: float
) -> tuple[int, bytes] | None:
    body = text_xml(plan.to_user, msg.user, int(time.time()), msg.text, msg.msg_id)
    try:
        return await asyncio.wait_for(conn.request(signer.query(msg.user), body, stats), timeout)
    except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
        stats.errors += 1
        if not stats.sample_bad:
            stats.sample_bad = f"{type(exc).__name__}: {exc}"
        await conn.close()
        return None


async def _worker(
    idx: int,
    target: tuple[str, int],
    path: str,
    plan: Plan,
    marker: bytes,
    measure_from: float,
    stop_at: float,
    stats: Stats,
    timeout: float,
) -> None:
    conn = Connection(target[0], target[1], path)
    signer = Signer(plan.token, f"n{idx}x{int(time.time())}")
    clock = time.perf_counter
    while True:
        started = clock()
        if started >= stop_at:
            break
        msg = plan.next()
        result = await _send(conn, signer, plan, msg, stats, timeout)
        ended = clock()
        if result is not None:
            stats.answered += 1
        # Count what completes inside the window (as wrk does); what is in flight at the end is dropped.
        if result is None or ended < measure_from or ended > stop_at:
            continue
        status, payload = result
        if status == 200 and marker in payload:
            stats.ok += 1
            stats.latencies.append(ended - started)
        else:
            stats.bad += 1
            if not stats.sample_bad:
                stats.sample_bad = f"{status} {payload[:300].decode('utf-8', 'replace')}"
    await conn.close()


async def _prime(
    targets: list[tuple[str, int]], path: str, plan: Plan, marker: bytes, connections: int, timeout: float
) -> int:
    """Send the replay pool once (not measured); returns how many got the expected answer."""
    pool = plan.prime_pool()
    queue: asyncio.Queue[Message] = asyncio.Queue()
    for msg in pool:
        queue.put_nowait(msg)
    good = 0

    async def run(idx: int) -> None:
        nonlocal good
        conn = Connection(*targets[idx % len(targets)], path)
        signer = Signer(plan.token, f"p{idx}")
        stats = Stats()
        while not queue.empty():
            msg = queue.get_nowait()
            result = await _send(conn, signer, plan, msg, stats, timeout)
            if result and result[0] == 200 and marker in result[1]:
                good += 1
        await conn.close()

    await asyncio.gather(*(run(i) for i in range(connections)))
    return good


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[k]


async def run(
    targets: list[tuple[str, int]],
    path: str,
    plan: Plan,
    marker: bytes,
    connections: int,
    warmup: float,
    duration: float,
    timeout: float,
) -> dict[str, object]:
    primed = None
    if plan.replay:
        primed = await _prime(targets, path, plan, marker, connections, timeout)
    start = time.perf_counter()
    measure_from = start + warmup
    stop_at = measure_from + duration
    stats = Stats()
    await asyncio.gather(
        *(
            _worker(i, targets[i % len(targets)], path, plan, marker, measure_from, stop_at, stats, timeout)
            for i in range(connections)
        )
    )
    lat = sorted(stats.latencies)
    return {
        "connections": connections,
        "duration": duration,
        "ok": stats.ok,
        "bad": stats.bad,
        "errors": stats.errors,
        "reconnects": stats.reconnects,
        "answered": stats.answered,
        "rps": stats.ok / duration,
        "p50_ms": percentile(lat, 0.50) * 1000,
        "p99_ms": percentile(lat, 0.99) * 1000,
        "mean_ms": (sum(lat) / len(lat) * 1000) if lat else float("nan"),
        "max_ms": (lat[-1] * 1000) if lat else float("nan"),
        "primed": primed,
        "sample_bad": stats.sample_bad,
    }


TRIVIAL_BODY = "<xml><Content><![CDATA[如需帮助 trivial]]></Content></xml>".encode()


async def serve_trivial(port: int, close: bool) -> None:
    """A server doing nothing but HTTP: measures the generator's own ceiling."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connection = b"close" if close else b"keep-alive"
        head = (
            b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nConnection: "
            + connection
            + b"\r\nContent-Length: "
            + str(len(TRIVIAL_BODY)).encode()
            + b"\r\n\r\n"
        )
        try:
            while True:
                raw = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in raw.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                if length:
                    await reader.readexactly(length)
                writer.write(head + TRIVIAL_BODY)
                await writer.drain()
                if close:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=1024)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--serve-trivial", type=int, metavar="PORT", help="run the trivial server instead")
    parser.add_argument("--close", action="store_true", help="trivial server: close after each response")
    parser.add_argument("--target", action="append", help="host:port; repeat to spread connections")
    parser.add_argument("--path", default="/wechat")
    parser.add_argument("--connections", type=int, default=1)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--timeout", type=float, default=10.0, help="per request")
    parser.add_argument("--token", default="")
    parser.add_argument("--to-user", default="gh_benchaccount")
    parser.add_argument("--text", action="append", help="message text; repeat to rotate")
    parser.add_argument("--marker", default="<Content>", help="the body must contain this")
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--msg-id-base", type=int, default=7_000_000_000_000_000)
    parser.add_argument("--replay", type=int, default=0, help="prime N messages, then resend only those")
    args = parser.parse_args()
    if args.serve_trivial:
        asyncio.run(serve_trivial(args.serve_trivial, args.close))
        return
    if not args.target or not args.text:
        parser.error("--target and --text are required")
    targets = []
    for item in args.target:
        host, _, port = item.rpartition(":")
        targets.append((host, int(port)))
    plan = Plan(args.token, args.to_user, args.text, args.users, args.msg_id_base, replay=args.replay)
    result = asyncio.run(
        run(targets, args.path, plan, args.marker.encode(), args.connections, args.warmup, args.duration, args.timeout)
    )
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
