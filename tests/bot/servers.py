"""Real `serve` processes for concurrency and outage tests, and a TCP proxy that can cut the database off.

    with serve_processes(db.url, tmp_path, count=2) as ports:
        requests.post(f"http://127.0.0.1:{ports[0]}/wechat", ...)

Every process gets its own var directory under ``tmp_path`` (its spool lives
there) and the shared jieba cache; stderr goes to a log file the test prints
when a process dies.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from tests.conftest import TEST_APP_ID, TEST_TOKEN

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(database: str, var_dir: Path, extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env.update(
        PYTHONPATH=str(REPO),
        BOT_DATABASE=database,
        BOT_VAR_DIR=str(var_dir),
        BOT_WECHAT__TOKEN=TEST_TOKEN,
        BOT_WECHAT__APP_ID=TEST_APP_ID,
        # The shared NLP cache (var/cache, git-ignored) spares each process rebuilding jieba's dictionary.
        BOT_NLP__CACHE_DIR=str(REPO / "var" / "cache"),
        BOT_LOG_LEVEL="WARNING",
        **extra,
    )
    return env


def wait_healthy(port: int, proc: subprocess.Popen[bytes], log: Path, timeout: float = 40.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited ({proc.returncode}): {log.read_text(errors='replace')[-3000:]}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.05)
    raise AssertionError(f"server did not become healthy: {log.read_text(errors='replace')[-3000:]}")


def stop(proc: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


@contextmanager
def serve_processes(
    database: str, workdir: Path, count: int = 2, *, env: dict[str, str] | None = None, shared_var: bool = False
) -> Iterator[list[int]]:
    """Start ``count`` serve processes on ``database``; yields their ports; stops them on exit.

    ``shared_var`` gives them one var directory (one machine's spool), else one each.
    """
    ports = [free_port() for _ in range(count)]
    procs: list[subprocess.Popen[bytes]] = []
    logs: list[Path] = []
    try:
        for i, port in enumerate(ports):
            var_dir = workdir / ("var" if shared_var else f"var{i}")
            var_dir.mkdir(parents=True, exist_ok=True)
            log = workdir / f"serve{i}.log"
            logs.append(log)
            with log.open("ab") as out:
                procs.append(subprocess.Popen(
                    [sys.executable, "-m", "bot", "serve", "--port", str(port), "--threads", "16"],
                    cwd=REPO, env=_env(database, var_dir, env or {}), stdout=out, stderr=subprocess.STDOUT,
                ))
        for port, proc, log in zip(ports, procs, logs, strict=True):
            wait_healthy(port, proc, log)
        yield ports
    finally:
        for proc in procs:
            stop(proc)


class TcpProxy:
    """127.0.0.1:<port> → an upstream TCP server; ``cut()`` drops every connection and refuses new ones.

    The outage tests point a server's database URL at the proxy, cut it
    mid-load (as a database restart or a network failure does) and ``restore()``
    it on the same port.
    """

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        self._accepting: threading.Thread | None = None

    def __enter__(self) -> TcpProxy:
        self.restore()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cut()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        self._listener = listener
        self._accepting = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        self._accepting.start()

    def cut(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            try:
                listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            listener.close()
        if self._accepting is not None:
            self._accepting.join(timeout=5)
        with self._lock:
            conns, self._conns = self._conns, []
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream, timeout=5)
                server.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                if self._listener is not listener:  # cut while connecting
                    client.close()
                    server.close()
                    return
                self._conns += [client, server]
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
