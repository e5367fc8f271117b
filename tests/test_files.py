"""Signed blob downloads at /files/...: full, ranged and HEAD; every bad link is refused."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Account
from tests.support.media import image_bytes
from tests.support.uploads import download, ok_resp, post_file, refused
from vidswap.config import Settings
from vidswap.storage.blobs import LocalBlobStore, load_secret
from vidswap.storage.db import Database
from vidswap.storage.tables import Image

DATA = bytes(range(256)) * 40  # 10240 bytes, every offset distinguishable
SECRET_TEXT = "top secret, outside the blob store"


@pytest.fixture
def blobs(client: TestClient) -> LocalBlobStore:
    store: LocalBlobStore = client.app.state.services.blobs  # type: ignore[attr-defined]
    return store


def put(blobs: LocalBlobStore, tmp_path: Path, ext: str = "mp4", data: bytes = DATA) -> str:
    """Stores `data` under a new key; returns its signed URL."""
    src = tmp_path / f"src.{ext}"
    src.write_bytes(data)
    key = blobs.new_key("video", ext)
    blobs.put_file(key, src)
    return blobs.url(key)


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()} | changes
    return parts._replace(query=urlencode(query)).geturl()


def assert_link_refused(client: TestClient, url: str) -> None:
    response = download(client, url)
    refused(response, 400017, "invalid or has expired", http=403)
    assert SECRET_TEXT not in response.text


@pytest.mark.parametrize(
    ("ext", "ctype"),
    [("mp4", "video/mp4"), ("png", "image/png"), ("wav", "audio/wav"), ("webm", "video/webm")],
)
def test_full_download(
    client: TestClient, blobs: LocalBlobStore, tmp_path: Path, ext: str, ctype: str
) -> None:
    response = download(client, put(blobs, tmp_path, ext))
    assert response.status_code == 200
    assert response.content == DATA
    assert response.headers["content-type"] == ctype
    assert response.headers["content-length"] == str(len(DATA))
    assert response.headers["accept-ranges"] == "bytes"


def test_url_is_absolute_under_public_url(
    blobs: LocalBlobStore, settings: Settings, tmp_path: Path
) -> None:
    url = put(blobs, tmp_path)
    assert url.startswith(f"{settings.public_url}/files/video/")
    assert set(parse_qs(urlsplit(url).query)) == {"expires", "sig"}


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [("bytes=0-0", 0, 0), ("bytes=100-355", 100, 355), ("bytes=10000-", 10000, 10239),
     ("bytes=-40", 10200, 10239), ("bytes=10200-99999", 10200, 10239)],
)  # fmt: skip
def test_range_download(
    client: TestClient, blobs: LocalBlobStore, tmp_path: Path, header: str, start: int, end: int
) -> None:
    response = download(client, put(blobs, tmp_path), headers={"Range": header})
    assert response.status_code == 206
    assert response.headers["content-range"] == f"bytes {start}-{end}/{len(DATA)}"
    assert response.content == DATA[start : end + 1]


def test_unsatisfiable_range_is_416(
    client: TestClient, blobs: LocalBlobStore, tmp_path: Path
) -> None:
    response = download(client, put(blobs, tmp_path), headers={"Range": "bytes=20000-"})
    assert response.status_code == 416
    assert response.headers["content-range"] == f"bytes */{len(DATA)}"


def test_head(client: TestClient, blobs: LocalBlobStore, tmp_path: Path) -> None:
    parts = urlsplit(put(blobs, tmp_path))
    response = client.head(f"{parts.path}?{parts.query}")
    assert response.status_code == 200
    assert response.headers["content-length"] == str(len(DATA))
    assert response.headers["content-type"] == "video/mp4"
    assert response.content == b""


def test_no_api_key_needed(client: TestClient, blobs: LocalBlobStore, tmp_path: Path) -> None:
    response = download(client, put(blobs, tmp_path), headers={"API-KEY": "sk-nonsense"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "changes",
    [
        {"sig": "0" * 64},
        {"sig": ""},
        {"sig": "é" * 64},  # non-ASCII must be a refusal, not a crash
        {"expires": "abc"},
        {"expires": ""},
        {"expires": "1" + "0" * 30},
        {"expires": "-1"},
    ],
    ids=["wrong-sig", "empty-sig", "non-ascii-sig", "expires-text", "expires-empty",
         "expires-huge", "expires-negative"],
)  # fmt: skip
def test_bad_signature_is_403(
    client: TestClient, blobs: LocalBlobStore, tmp_path: Path, changes: dict[str, str]
) -> None:
    assert_link_refused(client, with_query(put(blobs, tmp_path), **changes))


def test_changed_expiry_breaks_the_signature(
    client: TestClient, blobs: LocalBlobStore, tmp_path: Path
) -> None:
    url = put(blobs, tmp_path)
    expires = int(parse_qs(urlsplit(url).query)["expires"][0])
    assert_link_refused(client, with_query(url, expires=str(expires + 3600)))


def test_missing_query_is_403(client: TestClient, blobs: LocalBlobStore, tmp_path: Path) -> None:
    assert_link_refused(client, put(blobs, tmp_path).split("?")[0] + "?")


def test_expired_link_is_403(
    client: TestClient, settings: Settings, blobs: LocalBlobStore, tmp_path: Path
) -> None:
    key = urlsplit(put(blobs, tmp_path)).path.removeprefix("/files/")
    past = LocalBlobStore(settings.blob_dir, settings.base_url, load_secret(settings), -60)
    assert_link_refused(client, past.url(key))


def test_signature_is_bound_to_the_key(
    client: TestClient, blobs: LocalBlobStore, tmp_path: Path
) -> None:
    first, second = urlsplit(put(blobs, tmp_path)), urlsplit(put(blobs, tmp_path))
    assert_link_refused(client, f"{second.path}?{first.query}")


def test_other_secret_is_refused(
    client: TestClient, settings: Settings, blobs: LocalBlobStore, tmp_path: Path
) -> None:
    key = urlsplit(put(blobs, tmp_path)).path.removeprefix("/files/")
    forger = LocalBlobStore(settings.blob_dir, settings.base_url, b"guessed-secret", 3600)
    assert_link_refused(client, forger.url(key))


@pytest.fixture
def outside_file(settings: Settings) -> Path:
    """A file next to the blob dir, where a path traversal would land."""
    path = settings.blob_dir.parent / "outside.txt"
    path.write_text(SECRET_TEXT)
    return path


@pytest.mark.parametrize(
    "key", ["../outside.txt", "video/../../outside.txt", "/etc/passwd", "%2e%2e/outside.txt"]
)
def test_signed_traversal_is_403(
    client: TestClient, blobs: LocalBlobStore, outside_file: Path, key: str
) -> None:
    """Even a correctly signed key may not leave the blob dir (dots sent encoded)."""
    parts = urlsplit(blobs.url(key))
    path = parts.path.replace("..", "%2e%2e")
    assert_link_refused(client, f"{path}?{parts.query}")


def test_unsigned_traversal_is_refused(
    client: TestClient, blobs: LocalBlobStore, tmp_path: Path, outside_file: Path
) -> None:
    query = urlsplit(put(blobs, tmp_path)).query
    for path in ["/files/%2e%2e/outside.txt", "/files/video/%2e%2e/%2e%2e/outside.txt"]:
        assert_link_refused(client, f"{path}?{query}")
    plain = client.get(f"/files/../outside.txt?{query}")  # the client resolves the dots
    assert plain.status_code == 404 and SECRET_TEXT not in plain.text


def test_deleted_file_is_404(client: TestClient, blobs: LocalBlobStore, tmp_path: Path) -> None:
    url = put(blobs, tmp_path)
    blobs.delete(urlsplit(url).path.removeprefix("/files/"))
    response = download(client, url)
    refused(response, 500008, "no longer exists", http=404)


def test_directory_key_is_404(client: TestClient, blobs: LocalBlobStore) -> None:
    refused(download(client, blobs.url(".staging")), 500008, http=404)


def test_keys_never_contain_the_client_file_name(
    client: TestClient, account: Account, db: Database, settings: Settings
) -> None:
    name = "holiday-secret-name.png"
    img_id, url = ok_resp(post_file(client, account, "image", image_bytes(), name), "image")
    with db.read() as session:
        row = session.get(Image, img_id)
    assert row is not None and "holiday" not in row.blob_key and "holiday" not in url
    stored = [p.name for p in settings.blob_dir.rglob("*")]
    assert not any("holiday" in n for n in stored)
    assert urlsplit(url).path == f"/files/{row.blob_key}"


def test_generated_secret_is_one_private_file(tmp_path: Path) -> None:
    """Processes starting together on a fresh data dir must all sign with one secret."""
    fresh = Settings(data_dir=tmp_path / "fresh", secret_key="")
    with ThreadPoolExecutor(8) as pool:
        found = set(pool.map(lambda _: load_secret(fresh), range(32)))
    assert len(found) == 1 and len(found.pop()) == 64
    assert [p.name for p in fresh.data_dir.iterdir()] == ["secret.key"]
    assert (fresh.data_dir / "secret.key").stat().st_mode & 0o777 == 0o600
