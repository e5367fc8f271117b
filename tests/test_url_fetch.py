"""net/fetch.py: URL downloads refuse non-public addresses (SSRF), also after redirects.

Only servers on 127.0.0.1 are used; a guard fails any test that connects anywhere else, and
refusals are checked to happen before any connection is made.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fileserver import FileServer, NetGuard, file_server, net_guard
from vidswap.errors import ImageTooLarge, InvalidParameter, VidswapError
from vidswap.net.fetch import MAX_REDIRECTS, fetch

LOCAL = ["127.0.0.1"]


@pytest.fixture
def guard(monkeypatch: pytest.MonkeyPatch) -> Iterator[NetGuard]:
    with net_guard(monkeypatch) as g:
        yield g


@pytest.fixture
def server(guard: NetGuard) -> Iterator[FileServer]:
    with file_server() as srv:
        yield srv


def too_large(message: str) -> VidswapError:
    return ImageTooLarge(message)


def get(
    url: str, dest: Path, allow: list[str], max_bytes: int = 10_000, timeout_s: float = 5.0
) -> int:
    return fetch(
        url, dest, max_bytes=max_bytes, timeout_s=timeout_s, allow_hosts=allow, too_large=too_large
    )


def refusal(url: str, dest: Path, allow: list[str] | None = None, timeout_s: float = 5.0) -> str:
    """Fetches `url` expecting a 400017 refusal; returns its message."""
    with pytest.raises(InvalidParameter) as info:
        get(url, dest, allow or [], timeout_s=timeout_s)
    assert info.value.code == 400017
    assert info.value.message.startswith("The URL cannot be fetched: ")
    return info.value.message


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://127.0.0.1:{port}/a.png", "non-public address 127.0.0.1"),
        ("http://localhost:{port}/a.png", "non-public address 127.0.0.1"),
        ("http://2130706433:{port}/a.png", "non-public address 127.0.0.1"),
        ("http://[::1]:{port}/a.png", "non-public address ::1"),
        ("http://10.0.0.1/a.png", "non-public address 10.0.0.1"),
        ("http://192.168.1.1/a.png", "non-public address 192.168.1.1"),
        ("http://169.254.169.254/latest/meta-data/", "non-public address 169.254.169.254"),
        ("http://0.0.0.0:{port}/a.png", "non-public address 0.0.0.0"),
        ("file:///etc/passwd", "only http and https"),
        ("ftp://127.0.0.1/a.png", "only http and https"),
        ("gopher://127.0.0.1/", "only http and https"),
        ("a.png", "only http and https"),
        ("http:///a.png", "no host"),
        ("http://:80/a.png", "no host"),
        ("http://[::1/a.png", "malformed"),
        ("http://127.0.0.1:99999/a.png", "malformed"),
        ("http://a..b/a.png", "does not resolve"),
    ],
)
def test_refused_before_connecting(
    server: FileServer, guard: NetGuard, tmp_path: Path, url: str, words: str
) -> None:
    server.serve("/a.png", b"secret")
    message = refusal(url.format(port=server.port), tmp_path / "out")
    assert words in message
    assert guard.connects == [] and server.hits == []
    assert not (tmp_path / "out").exists()


def test_allowed_host_is_fetched(server: FileServer, tmp_path: Path) -> None:
    url = server.serve("/a.png", b"picture bytes")
    assert get(url, tmp_path / "out", LOCAL) == len(b"picture bytes")
    assert (tmp_path / "out").read_bytes() == b"picture bytes"


def test_allow_list_is_by_host_name(server: FileServer, tmp_path: Path) -> None:
    """Allowing 127.0.0.1 does not allow `localhost`, though it is the same address."""
    server.serve("/a.png", b"x")
    message = refusal(server.url("/a.png", host="localhost"), tmp_path / "out", LOCAL)
    assert "'localhost' resolves to the non-public address 127.0.0.1" in message
    assert server.hits == []


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirect_to_allowed_host_is_followed(
    server: FileServer, tmp_path: Path, status: int
) -> None:
    server.serve("/real.png", b"the real file")
    start = server.redirect("/start", server.url("/real.png"), status)
    assert get(start, tmp_path / "out", LOCAL) == len(b"the real file")
    assert server.hits == ["/start", "/real.png"]


def test_relative_redirect_is_followed(server: FileServer, tmp_path: Path) -> None:
    server.serve("/dir/real.png", b"relative")
    start = server.redirect("/dir/start", "real.png")
    get(start, tmp_path / "out", LOCAL)
    assert (tmp_path / "out").read_bytes() == b"relative"


@pytest.mark.parametrize(
    ("target", "words"),
    [
        ("http://localhost:{port}/secret", "non-public address 127.0.0.1"),
        ("http://10.0.0.1/secret", "non-public address 10.0.0.1"),
        ("http://169.254.169.254/latest/meta-data/", "non-public address 169.254.169.254"),
        ("http://[::1]:{port}/secret", "non-public address ::1"),
        ("file:///etc/passwd", "only http and https"),
        ("http://[::1/secret", "download failed"),
    ],
)
def test_redirect_to_private_address_is_refused(
    server: FileServer, guard: NetGuard, tmp_path: Path, target: str, words: str
) -> None:
    server.serve("/secret", b"internal data")
    start = server.redirect("/start", target.format(port=server.port))
    message = refusal(start, tmp_path / "out", LOCAL)
    assert words in message
    assert server.hits == ["/start"]
    assert len(guard.connects) == 1  # only the allowed first hop


def test_redirect_loop_is_cut_off(server: FileServer, tmp_path: Path) -> None:
    start = server.redirect("/loop", "/loop")
    assert f"more than {MAX_REDIRECTS} redirects" in refusal(start, tmp_path / "out", LOCAL)
    assert len(server.hits) == MAX_REDIRECTS + 1


@pytest.mark.parametrize("status", [404, 500, 204])
def test_http_error_is_refused(server: FileServer, tmp_path: Path, status: int) -> None:
    url = server.serve("/gone.png", b"", status=status)
    assert f"HTTP {status}" in refusal(url, tmp_path / "out", LOCAL)


def test_unreachable_port_is_refused(tmp_path: Path, guard: NetGuard) -> None:
    with file_server() as srv:
        url = srv.url("/a.png")
    assert "the download failed" in refusal(url, tmp_path / "out", LOCAL)


@pytest.mark.parametrize("declare_length", [True, False])
def test_too_large_is_the_size_error(
    server: FileServer, tmp_path: Path, declare_length: bool
) -> None:
    url = server.serve("/big.png", b"x" * 5000, declare_length=declare_length)
    with pytest.raises(ImageTooLarge) as info:
        get(url, tmp_path / "out", LOCAL, max_bytes=4999)
    assert info.value.code == 500030 and "larger than" in info.value.message


def test_file_of_exactly_the_limit_is_fine(server: FileServer, tmp_path: Path) -> None:
    url = server.serve("/edge.png", b"x" * 5000, declare_length=False)
    assert get(url, tmp_path / "out", LOCAL, max_bytes=5000) == 5000


def test_slow_download_is_cut_at_the_deadline(server: FileServer, tmp_path: Path) -> None:
    url = server.serve("/slow.png", b"x" * 200, drip_s=0.05)
    started = time.monotonic()
    assert "took too long" in refusal(url, tmp_path / "out", LOCAL, timeout_s=0.5)
    assert time.monotonic() - started < 2.0


def test_url_with_control_characters_is_refused(server: FileServer, tmp_path: Path) -> None:
    assert "malformed" in refusal(server.url("/a\x7fb.png"), tmp_path / "out", LOCAL)
