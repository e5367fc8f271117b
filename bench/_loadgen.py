"""A small closed-loop HTTP/1.1 keep-alive load generator (the fallback when `wrk` is absent).

`python -m bench._loadgen URL --connections 32 --duration 10 [--header 'K: V']` runs in its
own process and prints one JSON line: requests, rps, latency percentiles (ms), errors.
Each connection has one request in flight and sends the next as soon as a response ends;
it stops after `--duration` seconds or `--max-requests` responses, whichever comes first.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import cast
from urllib.parse import urlsplit


class Stats:
    def __init__(self, max_requests: int) -> None:
        self.latencies: list[int] = []
        self.status_errors = 0
        self.other_errors = 0
        self.max_requests = max_requests


class Conn(asyncio.Protocol):
    def __init__(self, request: bytes, stats: Stats, stop_at: float, done: asyncio.Future[None]):
        self.request, self.stats, self.stop_at, self.done = request, stats, stop_at, done
        self.buf = b""
        self.sent_ns = 0
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.send()

    def send(self) -> None:
        assert self.transport is not None
        stats = self.stats
        if time.monotonic() >= self.stop_at or len(stats.latencies) >= stats.max_requests:
            self.transport.close()
            return
        self.sent_ns = time.perf_counter_ns()
        self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            return
        head = self.buf[:end].split(b"\r\n")
        length = 0
        for line in head[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if len(self.buf) < end + 4 + length:
            return
        self.stats.latencies.append(time.perf_counter_ns() - self.sent_ns)
        if head[0].split(b" ", 2)[1] != b"200":
            self.stats.status_errors += 1
        self.buf = self.buf[end + 4 + length :]
        self.send()

    def connection_lost(self, exc: Exception | None) -> None:
        if exc is not None:
            self.stats.other_errors += 1
        if not self.done.done():
            self.done.set_result(None)


async def run(
    url: str, headers: list[str], connections: int, duration: float, max_requests: int
) -> dict[str, float | int]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", *headers, "", ""]
    request = "\r\n".join(lines).encode()
    loop = asyncio.get_running_loop()
    stats = Stats(max_requests)
    start = time.monotonic()
    stop_at = start + duration
    dones: list[asyncio.Future[None]] = []
    for _ in range(connections):
        done: asyncio.Future[None] = loop.create_future()
        await loop.create_connection(lambda d=done: Conn(request, stats, stop_at, d), host, port)
        dones.append(done)
    await asyncio.wait_for(asyncio.gather(*dones), timeout=duration + 30)
    elapsed = time.monotonic() - start
    lat = sorted(stats.latencies)

    def pct(p: float) -> float:
        return lat[min(len(lat) - 1, int(p / 100 * len(lat)))] / 1e6 if lat else 0.0

    return {
        "requests": len(lat),
        "duration_s": elapsed,
        "rps": len(lat) / elapsed,
        "p50_ms": pct(50),
        "p90_ms": pct(90),
        "p99_ms": pct(99),
        "max_ms": lat[-1] / 1e6 if lat else 0.0,
        "errors_status": stats.status_errors,
        "errors_other": stats.other_errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--max-requests", type=int, default=5_000_000)
    parser.add_argument("--header", action="append", default=[])
    args = parser.parse_args()
    coro = run(args.url, args.header, args.connections, args.duration, args.max_requests)
    try:
        import uvloop
    except ImportError:
        result = asyncio.run(coro)
    else:
        result = uvloop.run(coro)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
