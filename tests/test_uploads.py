"""POST /image/upload and /media/upload: by file and by URL, the good and every kind of bad.

A refused upload must leave nothing behind: no row, no blob, no staged file, no credit spent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from tests.conftest import Account
from tests.support.fileserver import FileServer, Route, file_server, net_guard
from tests.support.samples import Samples, half, png_header_only
from tests.support.uploads import (
    FIELDS,
    app_client,
    assert_nothing_stored,
    download,
    ok_resp,
    post,
    post_file,
    refused,
)
from vidswap.api.body_limit import BodyLimit
from vidswap.config import Settings
from vidswap.errors import BodyTooLarge
from vidswap.storage.db import Database
from vidswap.storage.tables import Image, Media

MB = 1024 * 1024


@pytest.fixture(scope="session")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Samples:
    return Samples(tmp_path_factory.mktemp("samples"))


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FileServer]:
    with net_guard(monkeypatch), file_server() as srv:
        yield srv


@pytest.fixture
def url_client(settings: Settings, db: Database) -> Iterator[TestClient]:
    """An app that may fetch URLs from 127.0.0.1 (the test file server)."""
    with app_client(settings, url_fetch_allow_hosts=["127.0.0.1"]) as client:
        yield client


# --- happy paths -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ext", "fmt"), [("png", "png"), ("jpg", "jpg"), ("webp", "webp"), ("mpo", "jpg")]
)
def test_image_upload(
    client: TestClient, account: Account, db: Database, samples: Samples, ext: str, fmt: str
) -> None:
    data = samples.image(ext)
    img_id, url = ok_resp(post_file(client, account, "image", data, f"photo.{ext}"), "image")
    assert download(client, url).content == data
    with db.read() as session:
        row = session.get(Image, img_id)
    assert row is not None and row.account_id == account.id
    assert (row.format, row.width, row.height, row.size) == (fmt, 96, 64, len(data))


@pytest.mark.parametrize(
    ("name", "media_type", "container"),
    [
        ("clip.mp4", "video", "mp4"),
        ("clip.mov", "video", "mp4"),
        ("clip.webm", "video", "webm"),
        ("tone.wav", "audio", "wav"),
        ("tone.mp3", "audio", "mp3"),
        ("tone.m4a", "audio", "m4a"),
        ("tone.aac", "audio", "aac"),
    ],
)
def test_media_upload(
    client: TestClient,
    account: Account,
    db: Database,
    samples: Samples,
    name: str,
    media_type: str,
    container: str,
) -> None:
    data = samples[name]
    response = post_file(client, account, "media", data, name)
    media_id, url = ok_resp(response, "media")
    assert response.json()["Resp"]["media_type"] == media_type
    assert download(client, url).content == data
    with db.read() as session:
        row = session.get(Media, media_id)
    assert row is not None and row.account_id == account.id
    assert (row.media_type, row.container, row.size) == (media_type, container, len(data))
    assert 0.9 <= row.duration <= 2.1


def test_video_row_describes_the_video(
    client: TestClient, account: Account, db: Database, samples: Samples
) -> None:
    media_id, _url = ok_resp(post_file(client, account, "media", samples["clip.mp4"]), "media")
    with db.read() as session:
        row = session.get(Media, media_id)
    assert row is not None
    assert (row.codec, row.width, row.height, row.frames, row.has_audio) == (
        "h264",
        160,
        96,
        10,
        True,
    )
    assert row.fps == pytest.approx(10)


@pytest.mark.parametrize("kind", ["image", "media"])
def test_ids_are_random_not_sequential(
    client: TestClient, account: Account, samples: Samples, kind: str
) -> None:
    data = samples.image("png") if kind == "image" else samples["tone.wav"]
    first, _ = ok_resp(post_file(client, account, kind, data), kind)
    second, _ = ok_resp(post_file(client, account, kind, data), kind)
    assert abs(second - first) > 1000


def test_unknown_fields_are_ignored(client: TestClient, account: Account, samples: Samples) -> None:
    extra = {"media_type": "video", "water_mark": "false", "play_bgm": "1"}
    files = {"file": ("clip.mp4", samples["clip.mp4"])}
    response = post(client, account, "media", files=files, data=extra)
    ok_resp(response, "media")
    assert response.json()["Resp"]["media_type"] == "video"


# --- by URL --------------------------------------------------------------------------------

ENCODINGS: dict[str, Callable[[str, str], dict[str, object]]] = {
    "multipart": lambda field, url: {"files": {field: (None, url)}},
    "urlencoded": lambda field, url: {"data": {field: url}},
    "json": lambda field, url: {"json": {field: url, "media_type": "video"}},
}


@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
@pytest.mark.parametrize(("kind", "sample"), [("image", "jpg"), ("media", "clip.mp4")])
def test_upload_by_url(
    url_client: TestClient,
    account: Account,
    server: FileServer,
    samples: Samples,
    encoding: str,
    kind: str,
    sample: str,
) -> None:
    data = samples.image(sample) if kind == "image" else samples[sample]
    url = server.serve("/files/input.bin", data)
    body = ENCODINGS[encoding](FIELDS[kind][1], url)
    _id, stored_url = ok_resp(post(url_client, account, kind, **body), kind)
    assert download(url_client, stored_url).content == data
    assert server.hits == ["/files/input.bin"]


def test_url_upload_follows_redirect(
    url_client: TestClient, account: Account, server: FileServer, samples: Samples
) -> None:
    server.serve("/real.png", samples.image("png"))
    start = server.redirect("/start", "/real.png")
    ok_resp(post(url_client, account, "image", data={"image_url": start}), "image")
    assert server.hits == ["/start", "/real.png"]


URL_REFUSALS = [
    ("empty", Route(b""), 500032, ("empty",)),
    ("http-404", Route(b"gone", status=404), 400017, ("HTTP 404",)),
    ("text", Route(b"just some text, not a picture"), 500032, ("not a PNG",)),
]


@pytest.mark.parametrize(
    ("case", "route", "code", "words"), URL_REFUSALS, ids=[r[0] for r in URL_REFUSALS]
)
def test_url_upload_refused(
    url_client: TestClient,
    account: Account,
    db: Database,
    settings: Settings,
    server: FileServer,
    case: str,
    route: Route,
    code: int,
    words: tuple[str, ...],
) -> None:
    server.routes[f"/{case}.png"] = route
    body = {"image_url": server.url(f"/{case}.png")}
    refused(post(url_client, account, "image", data=body), code, *words)
    assert_nothing_stored(url_client, account, db, settings)


@pytest.mark.parametrize("declare_length", [True, False])
def test_url_over_size_limit(
    settings: Settings, db: Database, account: Account, server: FileServer, declare_length: bool
) -> None:
    url = server.serve("/big.png", b"\x89PNG" + b"\0" * 5000, declare_length=declare_length)
    update = {"image_max_bytes": 1000, "url_fetch_allow_hosts": ["127.0.0.1"]}
    with app_client(settings, **update) as client:
        refused(post(client, account, "image", data={"image_url": url}), 500030, "too large")
        assert_nothing_stored(client, account, db, settings)


def test_url_upload_without_allow_list_is_refused(
    client: TestClient, account: Account, db: Database, settings: Settings, server: FileServer
) -> None:
    url = server.serve("/a.png", b"x")
    message = refused(post(client, account, "image", json={"image_url": url}), 400017)
    assert "non-public address" in message
    assert server.hits == []
    assert_nothing_stored(client, account, db, settings)


# --- refused files -------------------------------------------------------------------------

BadFile = Callable[[Samples], bytes]

BAD_FILES: list[tuple[str, str, BadFile, int, tuple[str, ...]]] = [
    ("image", "empty.png", lambda s: b"", 500032, ("empty",)),
    ("image", "half.png", lambda s: half(s.image("png", (300, 200))), 500032, ("truncated",)),
    ("image", "half.jpg", lambda s: half(s.image("jpg", (300, 200))), 500032, ("truncated",)),
    ("image", "x.png", lambda s: b"hello, I am text\n" * 10, 500032, ("not a PNG",)),
    ("image", "anim.gif", lambda s: s.image("gif"), 500032, ("GIF", "not supported")),
    ("image", "pic.bmp", lambda s: s.image("bmp"), 500032, ("BMP", "not supported")),
    ("image", "wide.png", lambda s: s.image("png", (4001, 10)), 500033, ("4001x10", "4000")),
    ("image", "big.png", lambda s: png_header_only(5000, 5000), 500033, ("5000x5000", "4000")),
    ("image", "bomb.png", lambda s: png_header_only(30000, 30000), 500033, ("too many pixels",)),
    ("media", "empty.mp4", lambda s: b"", 400017, ("empty",)),
    ("media", "half.mp4", lambda s: half(s["clip.mp4"]), 400017, ("truncated",)),
    ("media", "cut.mp4", lambda s: half(s["faststart.mp4"]), 400017, ("truncated", "frames")),
    ("media", "cut.webm", lambda s: half(s["clip.webm"]), 400017, ("truncated",)),
    ("media", "clip.mp4", lambda s: s.image("png"), 400017, ("still image",)),
    ("media", "clip.mov", lambda s: b"plain text\n" * 50, 400017, ("not media",)),
    ("media", "wide.mp4", lambda s: s["wide.mp4"], 400017, ("1922x64", "1920")),
    ("media", "long.mp4", lambda s: s["long.mp4"], 400017, ("31.0 s", "30 s")),
    ("media", "clip.mkv", lambda s: s["clip.mkv"], 400017, ("Matroska", "not supported")),
    ("media", "vp9.mkv", lambda s: s["vp9.mkv"], 400017, ("Matroska", "not supported")),
]


@pytest.mark.parametrize(
    ("kind", "name", "make", "code", "words"), BAD_FILES, ids=[c[1] for c in BAD_FILES]
)
def test_bad_file_is_refused(
    client: TestClient,
    account: Account,
    db: Database,
    settings: Settings,
    samples: Samples,
    kind: str,
    name: str,
    make: BadFile,
    code: int,
    words: tuple[str, ...],
) -> None:
    refused(post_file(client, account, kind, make(samples), name), code, *words)
    assert_nothing_stored(client, account, db, settings)


@pytest.mark.parametrize(
    ("kind", "limit", "code"),
    [("image", "image_max_bytes", 500030), ("media", "media_max_bytes", 400017)],
)
def test_file_over_size_limit(
    settings: Settings,
    db: Database,
    account: Account,
    samples: Samples,
    kind: str,
    limit: str,
    code: int,
) -> None:
    data = samples.image("png", (300, 200)) if kind == "image" else samples["clip.mp4"]
    with app_client(settings, **{limit: 500}) as client:
        message = refused(post_file(client, account, kind, data), code, "too large")
        assert "500 bytes" in message
        assert_nothing_stored(client, account, db, settings)


def _multipart(field: str, size: int) -> tuple[bytes, bytes, bytes]:
    boundary = "vidswap-test-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
        f'filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n'
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    return head, b"\0" * size, tail


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize(
    ("kind", "size", "code"), [("image", 21 * MB + 1, 500030), ("media", 51 * MB + 1, 400017)]
)
def test_body_over_limit_is_413(
    client: TestClient,
    account: Account,
    db: Database,
    settings: Settings,
    kind: str,
    size: int,
    code: int,
    chunked: bool,
) -> None:
    head, body, tail = _multipart(FIELDS[kind][0], size)
    ctype = {"content-type": "multipart/form-data; boundary=vidswap-test-boundary"}
    content = iter([head, body, tail]) if chunked else head + body + tail
    response = post(client, account, kind, content=content, headers=ctype)
    refused(response, code, "larger than", http=413)
    assert_nothing_stored(client, account, db, settings)


def test_body_limit_raises_a_fresh_error_each_time() -> None:
    """A shared exception re-raised per request would pile up tracebacks without end."""
    caught: list[BaseException] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            while (await receive()).get("more_body"):
                pass
        except BodyTooLarge as exc:
            caught.append(exc)

    async def receive() -> Message:
        return {"type": "http.request", "body": b"x" * 11, "more_body": True}

    limited = BodyLimit(app, {}, (10, BodyTooLarge("The request is too large.")))
    scope: Scope = {"type": "http", "method": "POST", "path": "/", "headers": []}
    for _ in range(2):
        asyncio.run(limited(scope, receive, lambda _m: asyncio.sleep(0)))
    assert len(caught) == 2 and caught[0] is not caught[1]
    assert caught[1].message == "The request is too large."


# --- refused requests ----------------------------------------------------------------------

REQUESTS: list[tuple[str, str, dict[str, object], int, tuple[str, ...]]] = [
    ("both", "image", {"files": {"image": ("a.png", b"x")}, "data": {"image_url": "http://a/"}},
     400017, ("either",)),
    ("both", "media", {"files": {"file": ("a.mp4", b"x")}, "data": {"file_url": "http://a/"}},
     400017, ("either",)),
    ("neither", "image", {"data": {"other": "1"}}, 400011, ("image",)),
    ("neither", "media", {"json": {}}, 400011, ("file_url",)),
    ("blank-url", "media", {"json": {"file_url": "   "}}, 400011, ("file",)),
    ("text-field", "image", {"data": {"image": "not a file"}}, 400013, ("file upload",)),
    ("text-field", "media", {"files": {"file": (None, "abc")}}, 400013, ("file upload",)),
    ("url-number", "image", {"json": {"image_url": 123}}, 400013, ("string",)),
    ("bad-json", "image", {"content": b"{not json", "headers": {"content-type":
     "application/json"}}, 400013, ("JSON",)),
    ("json-list", "media", {"json": ["file_url"]}, 400013, ("object",)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "kind", "kw", "code", "words"), REQUESTS, ids=[f"{r[1]}-{r[0]}" for r in REQUESTS]
)
def test_bad_request_is_refused(
    client: TestClient,
    account: Account,
    db: Database,
    settings: Settings,
    case: str,
    kind: str,
    kw: dict[str, object],
    code: int,
    words: tuple[str, ...],
) -> None:
    refused(post(client, account, kind, **kw), code, *words)
    assert_nothing_stored(client, account, db, settings)


def test_refused_upload_can_be_retried_with_same_trace(
    client: TestClient, account: Account, samples: Samples
) -> None:
    headers = account.headers("retry-me")
    bad = client.post("/openapi/v2/image/upload", headers=headers, files={"image": ("a", b"")})
    refused(bad, 500032)
    files = {"image": ("a.png", samples.image("png"))}
    good = client.post("/openapi/v2/image/upload", headers=headers, files=files)
    ok_resp(good, "image")


def test_staging_is_empty_after_success(
    client: TestClient, account: Account, settings: Settings, samples: Samples
) -> None:
    ok_resp(post_file(client, account, "media", samples["tone.mp3"]), "media")
    staging = Path(settings.blob_dir) / ".staging"
    assert list(staging.iterdir()) == []
