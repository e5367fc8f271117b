"""Download a client-given URL without letting it reach private networks (SSRF).

Each hop resolves the host once, refuses private, loopback, link-local and other
non-public addresses, then connects to that very address (TLS still checks the name),
so DNS cannot change the answer between check and connect. Redirects are followed by
hand and checked the same way. Size and total time are capped while streaming.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import SplitResult, urljoin, urlsplit

import httpx

from vidswap.errors import InvalidParameter, VidswapError

MAX_REDIRECTS = 5


def _refuse(reason: str) -> InvalidParameter:
    return InvalidParameter(f"The URL cannot be fetched: {reason}.")


def _resolve(host: str, port: int, allow_hosts: frozenset[str]) -> str:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):  # UnicodeError: a name IDNA cannot encode
        raise _refuse(f"the host {host!r} does not resolve") from None
    addresses = [str(info[4][0]) for info in infos]
    if host.lower() not in allow_hosts:
        for addr in addresses:
            if not ipaddress.ip_address(addr.split("%")[0]).is_global:
                raise _refuse(f"{host!r} resolves to the non-public address {addr}")
    return addresses[0]


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise _refuse("the download took too long")
    return left


def _parse(url: str) -> tuple[SplitResult, int]:
    """The URL's parts and port; only absolute http(s) URLs with a host pass."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a bad port or a broken [IPv6] literal
        raise _refuse("the URL is malformed") from None
    if parts.scheme not in ("http", "https"):
        raise _refuse("only http and https URLs are allowed")
    if not parts.hostname:
        raise _refuse("the URL has no host")
    return parts, port or (443 if parts.scheme == "https" else 80)


def _pinned_request(
    client: httpx.Client, url: str, allow: frozenset[str], deadline: float
) -> httpx.Request:
    parts, port = _parse(url)
    addr = _resolve(str(parts.hostname), port, allow)
    ip_host = f"[{addr}]" if ":" in addr else addr
    pinned = parts._replace(netloc=f"{ip_host}:{port}").geturl()
    try:
        return client.build_request(
            "GET",
            pinned,
            headers={"Host": parts.netloc.rsplit("@", 1)[-1]},
            extensions={"sni_hostname": parts.hostname},
            timeout=_remaining(deadline),
        )
    except httpx.InvalidURL:
        raise _refuse("the URL is malformed") from None


def _redirect_target(url: str, location: str) -> str:
    try:
        return urljoin(url, location)
    except ValueError:
        raise _refuse("the server sent a malformed redirect") from None


def fetch(
    url: str,
    dest: Path,
    *,
    max_bytes: int,
    timeout_s: float,
    allow_hosts: list[str],
    too_large: Callable[[str], VidswapError],
) -> int:
    """Streams `url` into `dest`; returns the byte count. Raises a VidswapError on refusal."""
    allow = frozenset(h.lower() for h in allow_hosts)
    deadline = time.monotonic() + timeout_s
    with httpx.Client(timeout=timeout_s, follow_redirects=False) as client:
        for _hop in range(MAX_REDIRECTS + 1):
            request = _pinned_request(client, url, allow, deadline)
            try:
                resp = client.send(request, stream=True)
            except httpx.HTTPError as exc:
                raise _refuse(f"the download failed ({type(exc).__name__})") from None
            try:
                if resp.is_redirect and "location" in resp.headers:
                    url = _redirect_target(url, resp.headers["location"])
                    continue
                return _save(resp, dest, max_bytes, deadline, too_large)
            except httpx.HTTPError as exc:
                raise _refuse(f"the download failed ({type(exc).__name__})") from None
            finally:
                resp.close()
    raise _refuse(f"more than {MAX_REDIRECTS} redirects")


def _save(
    resp: httpx.Response,
    dest: Path,
    max_bytes: int,
    deadline: float,
    too_large: Callable[[str], VidswapError],
) -> int:
    if resp.status_code != 200:
        raise _refuse(f"the server answered HTTP {resp.status_code}")
    limit_msg = f"the file at the URL is larger than {max_bytes // (1024 * 1024)} MB"
    declared = resp.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise too_large(f"The {limit_msg}.")
    total = 0
    with dest.open("wb") as out:
        # Chunks as they arrive (a fixed chunk size would buffer a slow drip past the deadline).
        for chunk in resp.iter_bytes():
            total += len(chunk)
            if total > max_bytes:
                raise too_large(f"The {limit_msg}.")
            _remaining(deadline)
            out.write(chunk)
    return total
