"""A tiny HTTP server on 127.0.0.1 for URL-upload tests, and a guard against real network use.

`FileServer` serves in-memory files, redirects and slow drips from a thread. `NetGuard`
records every outgoing socket connect and refuses any that is not to 127.0.0.1, so a test
that would reach the real network fails instead.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    location: str = ""  # a redirect target when set
    declare_length: bool = True  # False: no Content-Length, the body ends when the socket closes
    drip_s: float = 0.0  # pause before each byte: a server that never finishes in time


@dataclass
class FileServer:
    routes: dict[str, Route] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)
    port: int = 0

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def serve(self, path: str, body: bytes, **kw: Any) -> str:
        self.routes[path] = Route(body, **kw)
        return self.url(path)

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        self.routes[path] = Route(status=status, location=location)
        return self.url(path)


def _handler(server: FileServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            server.hits.append(self.path)
            route = server.routes.get(self.path, Route(b"not found", status=404))
            self.send_response(route.status)
            if route.location:
                self.send_header("Location", route.location)
            if route.declare_length:
                self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            with contextlib.suppress(OSError):  # the client hung up, as refusing clients do
                self._body(route)

        def _body(self, route: Route) -> None:
            if not route.drip_s:
                self.wfile.write(route.body)
                return
            for i in range(len(route.body)):
                time.sleep(route.drip_s)
                self.wfile.write(route.body[i : i + 1])
                self.wfile.flush()

        def log_message(self, *_args: Any) -> None:
            pass

    return Handler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


@contextmanager
def file_server() -> Iterator[FileServer]:
    state = FileServer()
    httpd = _QuietServer(("127.0.0.1", 0), _handler(state))
    state.port = int(httpd.server_address[1])
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


@dataclass
class NetGuard:
    connects: list[Any] = field(default_factory=list)
    blocked: list[Any] = field(default_factory=list)


@contextmanager
def net_guard(monkeypatch: pytest.MonkeyPatch) -> Iterator[NetGuard]:
    """Records outgoing connects; any not to 127.0.0.1 is refused and fails the test."""
    guard = NetGuard()
    real_connect = socket.socket.connect

    def connect(sock: socket.socket, address: Any) -> None:
        guard.connects.append(address)
        if not (isinstance(address, tuple) and address[0] == "127.0.0.1"):
            guard.blocked.append(address)
            raise ConnectionRefusedError(f"test guard: no connections to {address!r}")
        real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    yield guard
    assert not guard.blocked, f"tried to reach the network: {guard.blocked}"
