"""A small, bounded HTTP load generator: prepared requests at a fixed concurrency over keep-alive.

    result = run_load(host, port, requests, concurrency=8, time_limit=60)
    result.rps, result.percentile_ms(0.5), result.percentile_ms(0.99)

Each of `concurrency` threads owns one keep-alive `http.client` connection (opened, with
TCP_NODELAY, before the clock starts) and sends the next unsent request until all are sent or
`time_limit` has passed: bounded in count and in time. The latency of one request is from just
before it is written to just after its response body is read. Requests are prepared up front
(bodies signed, headers built), so the timed loop does the same small work whatever the server.
"""

from __future__ import annotations

import http.client
import io
import itertools
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class LoadResult:
    """What one run measured; latencies are in seconds, of successful (2xx) requests only."""

    latencies: list[float]
    elapsed: float  # from the start signal until the last thread stopped
    errors: int = 0
    first_error: str | None = None
    sent: int = 0
    timed_out: bool = False  # stopped by time_limit before every request was sent

    @property
    def ok(self) -> int:
        return len(self.latencies)

    @property
    def rps(self) -> float:
        return self.ok / self.elapsed if self.elapsed > 0 else 0.0

    def percentile_ms(self, fraction: float) -> float:
        return percentile(self.latencies, fraction) * 1000

    def merge(self, other: LoadResult) -> LoadResult:
        """Two runs as one: samples pooled, elapsed times added (so rps stays completed/busy time)."""
        return LoadResult(
            latencies=self.latencies + other.latencies,
            elapsed=self.elapsed + other.elapsed,
            errors=self.errors + other.errors,
            first_error=self.first_error or other.first_error,
            sent=self.sent + other.sent,
            timed_out=self.timed_out or other.timed_out,
        )


def percentile(samples: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile; NaN for no samples."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def _connect(host: str, port: int, timeout: float) -> http.client.HTTPConnection:
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    conn.connect()
    if conn.sock is not None:
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return conn


def run_load(
    host: str,
    port: int,
    requests: Sequence[Request],
    concurrency: int,
    *,
    time_limit: float = 60.0,
    timeout: float = 10.0,
    check: Callable[[int, bytes], str | None] | None = None,
) -> LoadResult:
    """Send each of `requests` once, `concurrency` at a time, stopping early after `time_limit` s.

    A response is an error when its status is not 2xx, when the connection fails (the thread then
    reconnects), or when `check(status, body)` returns a message; `check` runs inside the timed
    region, so pass it only where both sides of a comparison get the same one (e.g. warm-up).
    """
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    concurrency = min(concurrency, max(1, len(requests)))
    next_index = itertools.count().__next__  # atomic under the GIL: each index is taken once
    total = len(requests)
    start = threading.Barrier(concurrency + 1)
    lock = threading.Lock()
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    errors: list[str] = []
    sent = [0] * concurrency
    stopped_by_time = threading.Event()
    deadline = [0.0]
    connections = [_connect(host, port, timeout) for _ in range(concurrency)]

    def worker(slot: int) -> None:
        conn = connections[slot]
        mine = latencies[slot]
        clock = time.perf_counter
        start.wait()
        while True:
            index = next_index()
            if index >= total:
                return
            if clock() >= deadline[0]:
                stopped_by_time.set()
                return
            request = requests[index]
            sent[slot] += 1
            began = clock()
            try:
                conn.request(request.method, request.path, request.body, request.headers)
                response = conn.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException) as error:
                with lock:
                    errors.append(f"{type(error).__name__}: {error}")
                conn.close()
                conn = connections[slot] = _connect(host, port, timeout)
                continue
            took = clock() - began
            problem = None if 200 <= response.status < 300 else f"HTTP {response.status}: {body[:200]!r}"
            if problem is None and check is not None:
                problem = check(response.status, body)
            if problem is None:
                mine.append(took)
            else:
                with lock:
                    errors.append(problem)

    threads = [threading.Thread(target=worker, args=(slot,), daemon=True) for slot in range(concurrency)]
    try:
        for thread in threads:
            thread.start()
        began = time.perf_counter()
        deadline[0] = began + time_limit
        start.wait()
        for thread in threads:
            thread.join(time_limit + timeout + 5)
        elapsed = time.perf_counter() - began
    finally:
        for conn in connections:
            conn.close()
    return LoadResult(
        latencies=list(itertools.chain.from_iterable(latencies)),
        elapsed=elapsed,
        errors=len(errors),
        first_error=errors[0] if errors else None,
        sent=sum(sent),
        timed_out=stopped_by_time.is_set(),
    )


def wsgi_environ(request: Request, host: str = "127.0.0.1", port: int = 80) -> dict[str, Any]:
    """The WSGI environ a server would build for `request` (to call an app in-process)."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": request.method,
        "PATH_INFO": request.path,
        "QUERY_STRING": "",
        "SERVER_NAME": host,
        "SERVER_PORT": str(port),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(request.body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "CONTENT_LENGTH": str(len(request.body)),
    }
    for name, value in request.headers.items():
        key = name.upper().replace("-", "_")
        environ[key if key == "CONTENT_TYPE" else f"HTTP_{key}"] = value
    return environ


def call_wsgi(app: Callable[..., Iterable[bytes]], request: Request) -> tuple[int, bytes]:
    """Call a WSGI app in-process, without a server: (status code, body)."""
    status: list[str] = []

    def start_response(line: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        status.append(line)

    chunks = app(wsgi_environ(request), start_response)
    try:
        body = b"".join(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    return int(status[0].split(" ", 1)[0]), body
