"""The SDK (`vidswap.client`): against the in-process app (fake segment, render and
moderation engines at the seam; real tracking and encoding), and against scripted
transports for envelopes, error mapping, retries, polling and downloads.

Each scripted test runs on both `Client` and `AsyncClient` (httpx.MockTransport serves both).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import av
import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.conftest import Account, make_account
from tests.support.executors import ThreadExecutor
from tests.support.fake_render import FakeRenderer
from tests.support.fakes import FakeModerator, FakeSegmenter
from tests.support.fileserver import file_server
from tests.support.media import image_bytes, make_video
from tests.support.pg import free_port
from tests.support.uploads import count_rows
from vidswap.api.app import build_services, create_app
from vidswap.client import (
    ApiError,
    AsyncClient,
    AuthError,
    Balance,
    Client,
    ConcurrencyError,
    CreditsError,
    InvalidParameterError,
    ModerationError,
    NotFoundError,
    ServerError,
    TransportError,
    VideoResult,
)
from vidswap.client._calls import balance as balance_call
from vidswap.client._transport import Exchange, Options
from vidswap.config import Settings
from vidswap.domain import credits
from vidswap.engines.pool import EnginePool
from vidswap.storage.db import Database
from vidswap.storage.tables import Job, SelectedMask

BASE = "http://testserver"  # the in-process app's public_url
KINDS = ["sync", "async"]


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: the SDK does not care which database the server runs on."""
    return f"sqlite:///{tmp_path / 'vidswap.db'}"


# --- the in-process app -----------------------------------------------------------------


class AppTransport(httpx.BaseTransport):
    """Sends the sync client's requests through starlette's TestClient, which runs the ASGI
    app (and its lifespan) on its own event loop: httpx.ASGITransport is async only."""

    def __init__(self, app_client: TestClient) -> None:
        self.app_client = app_client

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        r = self.app_client.request(
            request.method,
            str(request.url),
            headers=list(request.headers.multi_items()),
            content=request.read(),
        )
        return httpx.Response(
            r.status_code, headers=list(r.headers.multi_items()), content=r.content
        )


class Drops:
    """Passes requests on, then loses the first `drop` responses as a network would: the
    server has done the work, the client sees `error`."""

    def __init__(self, drop: int = 1, error: type[httpx.TransportError] = httpx.ReadTimeout):
        self.drop, self.error = drop, error
        self.seen: list[httpx.Request] = []

    def deliver(self, request: httpx.Request, response: httpx.Response) -> httpx.Response:
        self.seen.append(request)
        if len(self.seen) <= self.drop:
            raise self.error("response lost by the test", request=request)
        return response

    def traces(self) -> set[str]:
        return {r.headers["Ai-trace-id"] for r in self.seen}


class Flaky(Drops, httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport, **kw: Any) -> None:
        super().__init__(**kw)
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.deliver(request, self.inner.handle_request(request))


class AsyncFlaky(Drops, httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport, **kw: Any) -> None:
        super().__init__(**kw)
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        await response.aread()
        return self.deliver(request, response)


@pytest.fixture
def app_client(settings: Settings, db: Database) -> Iterator[TestClient]:
    custom = settings.model_copy(update={"url_fetch_allow_hosts": ["127.0.0.1"]})
    executor = ThreadExecutor()
    engines = {"segment": FakeSegmenter(), "render": FakeRenderer(), "moderate": FakeModerator()}
    services = build_services(custom, executor=executor, engines=EnginePool(engines))
    executor.bind(services)
    with TestClient(create_app(custom, services)) as test_client:
        yield test_client
        executor.join()


def sdk_for(
    app_client: TestClient, key: str, transport: httpx.BaseTransport | None = None
) -> Client:
    return Client(key, BASE, transport=transport or AppTransport(app_client), backoff=0)


def async_sdk_for(
    app_client: TestClient, key: str, transport: httpx.AsyncBaseTransport | None = None
) -> AsyncClient:
    transport = transport or httpx.ASGITransport(app=app_client.app)
    return AsyncClient(key, BASE, transport=transport, backoff=0)


@pytest.fixture
def sdk(app_client: TestClient, account: Account) -> Iterator[Client]:
    with sdk_for(app_client, account.key) as client:
        yield client


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    return make_video(tmp_path / "clip.mp4", seconds=1.0, fps=10, size=(160, 96))


@pytest.fixture
def png(tmp_path: Path) -> Path:
    path = tmp_path / "face.png"
    path.write_bytes(image_bytes((64, 48)))
    return path


def frames(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def package(db: Database, account: Account) -> int:
    return credits.balance(db, account.id).package


def test_balance_and_uploads_in_every_form(
    sdk: Client, account: Account, png: Path, clip: Path
) -> None:
    assert sdk.balance() == Balance(account_id=account.id, credit_monthly=0, credit_package=1000)
    data = png.read_bytes()
    with png.open("rb") as file:
        images = [sdk.upload_image(png), sdk.upload_image(str(png)), sdk.upload_image(data)]
        images.append(sdk.upload_image(file))
    assert len({i.img_id for i in images}) == 4
    assert all(sdk.fetch(i.img_url) == data for i in images)
    media = sdk.upload_media(clip)
    assert media.media_type == "video" and sdk.fetch(media.url) == clip.read_bytes()
    with file_server() as files:
        by_url = sdk.upload_image(files.serve("/face.png", data))
        video_by_url = sdk.upload_media(files.serve("/clip.mp4", clip.read_bytes()))
    assert sdk.fetch(by_url.img_url) == data and video_by_url.media_type == "video"


def test_swap_wait_download(
    sdk: Client, db: Database, account: Account, png: Path, clip: Path, tmp_path: Path
) -> None:
    media_id, img_id = sdk.upload_media(clip).media_id, sdk.upload_image(png).img_id
    selection = sdk.select_masks(video_media_id=media_id)
    assert [m.mask_name for m in selection.mask_info] == ["person", "object", "background"]
    assert selection.credits == 2 and sdk.fetch(selection.keyframe_url).startswith(b"\x89PNG")
    background = selection.mask_info[2]
    assert background.model_extra and background.model_extra["area"] > 0  # extras are kept
    job = sdk.swap(
        img_id=img_id, video_media_id=media_id, quality="360p", mask_id=background.mask_id
    )
    assert job.credits == 9 and package(db, account) == 1000 - 2 - 9
    seen: list[VideoResult] = []
    result = sdk.wait(job.video_id, on_progress=seen.append, poll_interval=0.05)
    assert result.succeeded and result.done and result.method == "background"
    assert seen[-1] == result and all(r.status == 5 for r in seen[:-1])
    out = sdk.download(job.video_id, tmp_path / "out.mp4")
    assert out == tmp_path / "out.mp4" and frames(out) == 10
    folder = tmp_path / "videos"
    folder.mkdir()
    again = sdk.download(str(job.video_id), folder)
    assert again.parent == folder and again.read_bytes() == out.read_bytes()
    assert not list(tmp_path.rglob("*.part"))


def test_async_client_against_the_app(
    app_client: TestClient, account: Account, png: Path, clip: Path, tmp_path: Path
) -> None:
    async def flow() -> Path:
        async with async_sdk_for(app_client, account.key) as sdk:
            assert (await sdk.balance()).credit_package == 1000
            with clip.open("rb") as file:
                media = await sdk.upload_media(file)
            image = await sdk.upload_image(png.read_bytes())
            selection = await sdk.select_masks(video_media_id=media.media_id, keyframe_id=3)
            assert selection.keyframe_id == 3
            job = await sdk.swap(
                img_id=image.img_id, video_media_id=media.media_id, keyframe_id=3, quality="360p"
            )
            result = await sdk.wait(job.video_id, poll_interval=0.05)
            assert result.method == "subject"  # the default mask: the first person
            return await sdk.download(job.video_id, tmp_path / "out.mp4")

    assert frames(asyncio.run(flow())) == 10


def test_errors_carry_code_message_and_trace(
    app_client: TestClient, sdk: Client, db: Database, clip: Path
) -> None:
    with sdk_for(app_client, "sk-wrong") as stranger, pytest.raises(AuthError) as bad_key:
        stranger.upload_image(b"x")
    assert bad_key.value.err_code == 400012 and bad_key.value.status_code == 401
    assert uuid.UUID(bad_key.value.trace_id or "")
    media_id = sdk.upload_media(clip).media_id
    with pytest.raises(InvalidParameterError) as no_image:
        sdk.swap(img_id=12345, video_media_id=media_id)
    assert no_image.value.err_code == 400032 and "upload it" in no_image.value.err_msg
    assert no_image.value.trace_id and no_image.value.status_code == 200
    with pytest.raises(NotFoundError) as missing:
        sdk.result(12345)
    assert missing.value.err_code == 500008 and missing.value.trace_id is None
    poor = make_account(db, credits=0)
    with sdk_for(app_client, poor.key) as broke, pytest.raises(CreditsError) as no_credits:
        broke.select_masks(video_media_id=broke.upload_media(clip).media_id)
    assert no_credits.value.err_code == 500043 and "Credits" in no_credits.value.err_msg


def test_a_failed_call_can_be_repeated_with_its_trace_id(
    sdk: Client, db: Database, account: Account, png: Path, clip: Path
) -> None:
    media_id = sdk.upload_media(clip).media_id
    with pytest.raises(InvalidParameterError) as wrong:
        sdk.swap(img_id=12345, video_media_id=media_id, quality="360p")
    trace = wrong.value.trace_id
    img_id = sdk.upload_image(png).img_id
    first = sdk.swap(img_id=img_id, video_media_id=media_id, quality="360p", trace_id=trace)
    again = sdk.swap(img_id=img_id, video_media_id=media_id, quality="360p", trace_id=trace)
    assert again == first and package(db, account) == 1000 - 9
    sdk.wait(first.video_id, poll_interval=0.05)


def test_lost_response_is_retried_with_the_same_trace_id(
    app_client: TestClient, db: Database, account: Account, png: Path, clip: Path
) -> None:
    with sdk_for(app_client, account.key) as sdk:
        media_id = sdk.upload_media(clip).media_id
    flaky = Flaky(AppTransport(app_client))
    with sdk_for(app_client, account.key, flaky) as sdk:
        selection = sdk.select_masks(video_media_id=media_id)
    assert len(flaky.seen) == 2 and len(flaky.traces()) == 1
    assert len(selection.mask_info) == 3 and package(db, account) == 1000 - 2  # charged once
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(SelectedMask)) == 3
    flaky = Flaky(AppTransport(app_client), error=httpx.RemoteProtocolError)
    before = count_rows(db, account.id)
    with sdk_for(app_client, account.key, flaky) as sdk, png.open("rb") as file:
        sdk.upload_image(file)
    assert len(flaky.seen) == 2 and all(png.read_bytes() in r.content for r in flaky.seen)
    assert count_rows(db, account.id) == before + 1 and len(flaky.traces()) == 1


def test_async_lost_response_is_retried_with_the_same_trace_id(
    app_client: TestClient, db: Database, account: Account, png: Path, clip: Path
) -> None:
    with sdk_for(app_client, account.key) as sdk:
        media_id, img_id = sdk.upload_media(clip).media_id, sdk.upload_image(png).img_id
    flaky = AsyncFlaky(httpx.ASGITransport(app=app_client.app))

    async def swap() -> VideoResult:
        async with async_sdk_for(app_client, account.key, flaky) as sdk:
            job = await sdk.swap(img_id=img_id, video_media_id=media_id, quality="360p")
            return await sdk.wait(job.video_id, poll_interval=0.05)

    assert asyncio.run(swap()).succeeded
    swaps = [r for r in flaky.seen if r.method == "POST"]
    assert len(swaps) == 2 and len({r.headers["Ai-trace-id"] for r in swaps}) == 1
    assert package(db, account) == 1000 - 9
    with db.read() as session:
        assert session.scalar(select(func.count()).where(Job.account_id == account.id)) == 1


# --- scripted transports: both clients ------------------------------------------------

Handler = Callable[[httpx.Request], httpx.Response]


def invoke(kind: str, handler: Handler, method: str, *args: Any, **kw: Any) -> Any:
    """Calls `method` on a Client or an AsyncClient whose transport is `handler`."""
    opts: dict[str, Any] = {"transport": httpx.MockTransport(handler), "backoff": 0.0}
    opts["max_retries"] = kw.pop("max_retries", 3)
    if kind == "sync":
        with Client("sk-test", "http://api.test", **opts) as client:
            return getattr(client, method)(*args, **kw)

    async def run() -> Any:
        async with AsyncClient("sk-test", "http://api.test", **opts) as client:
            return await getattr(client, method)(*args, **kw)

    return asyncio.run(run())


def envelope(code: int = 0, resp: Any = None, msg: str = "", status: int = 200) -> httpx.Response:
    body = {"ErrCode": code, "ErrMsg": msg or ("success" if code == 0 else "nope"), "Resp": resp}
    return httpx.Response(status, json=body)


def script(*responses: httpx.Response | Exception) -> tuple[Handler, list[httpx.Request]]:
    """A handler answering with `responses` in turn (raising the exceptions), and its log."""
    log: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        log.append(request)
        answer = responses[min(len(log), len(responses)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return answer

    return handler, log


IMAGE = {"img_id": 7, "img_url": "https://cdn.test/i.png"}
FAMILIES = [
    (400011, InvalidParameterError),
    (400013, InvalidParameterError),
    (400017, InvalidParameterError),
    (400032, InvalidParameterError),
    (500030, InvalidParameterError),
    (500033, InvalidParameterError),
    (500008, NotFoundError),
    (500043, CreditsError),
    (500044, ConcurrencyError),
    (500052, ModerationError),
    (500054, ModerationError),
    (500100, ServerError),
    (123456, ServerError),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("code", "cls"), FAMILIES)
def test_error_codes_map_to_families(kind: str, code: int, cls: type[ApiError]) -> None:
    handler, log = script(envelope(code, msg="what went wrong"))
    with pytest.raises(cls) as caught:
        invoke(kind, handler, "upload_image", b"\x89PNG....")
    err = caught.value
    assert (err.err_code, err.err_msg, err.status_code) == (code, "what went wrong", 200)
    assert len(log) == 1 and err.trace_id == log[0].headers["Ai-trace-id"]
    assert log[0].headers["API-KEY"] == "sk-test" and b'filename="image.png"' in log[0].content


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("status", "body", "cls", "words"),
    [
        (401, "<html>Unauthorized</html>", AuthError, ["401"]),
        (200, "<html>captive portal</html>", ServerError, ["200", "portal"]),
        (500, "Internal Server Error", ServerError, ["500", "Internal"]),
        (200, {"ok": True}, ServerError, ["not an API envelope"]),
        (200, {"ErrCode": 0, "ErrMsg": "success", "Resp": None}, ServerError, ["without a Resp"]),
        (200, {"ErrCode": 0, "Resp": {"img_id": "seven"}}, ServerError, ["ImageUpload"]),
        (500, {"ErrCode": 0, "Resp": IMAGE}, ServerError, ["500"]),
    ],
)
def test_unexpected_bodies(
    kind: str, status: int, body: Any, cls: type[ApiError], words: list[str]
) -> None:
    response = httpx.Response(
        status, **({"text": body} if isinstance(body, str) else {"json": body})
    )
    handler, log = script(response)
    with pytest.raises(cls) as caught:
        invoke(kind, handler, "upload_image", b"data")
    assert all(w in caught.value.err_msg for w in words) and len(log) == 1
    assert caught.value.status_code == status


@pytest.mark.parametrize("kind", KINDS)
def test_transient_failures_are_retried_with_one_trace_id(kind: str) -> None:
    handler, log = script(
        httpx.ConnectError("refused"),
        envelope(500069, msg="overloaded"),
        httpx.Response(502, text="bad gateway"),
        envelope(0, IMAGE),
    )
    assert invoke(kind, handler, "upload_image", b"data").img_id == 7
    assert len(log) == 4 and len({r.headers["Ai-trace-id"] for r in log}) == 1
    assert all(b"data" in r.content for r in log)


@pytest.mark.parametrize("kind", KINDS)
def test_application_errors_are_not_retried(kind: str) -> None:
    handler, log = script(envelope(500044), envelope(0, IMAGE))
    with pytest.raises(ConcurrencyError):
        invoke(kind, handler, "upload_image", b"data")
    assert len(log) == 1


@pytest.mark.parametrize("kind", KINDS)
def test_transport_error_when_retries_run_out(kind: str) -> None:
    handler, log = script(httpx.ReadTimeout("slow"))
    with pytest.raises(TransportError) as caught:
        invoke(kind, handler, "upload_image", b"data", max_retries=2)
    assert len(log) == 3 and caught.value.trace_id == log[0].headers["Ai-trace-id"]
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)
    assert "3 tries" in caught.value.err_msg and caught.value.err_code == -1
    handler, log = script(httpx.UnsupportedProtocol("ftp?"))
    with pytest.raises(TransportError):
        invoke(kind, handler, "balance")
    assert len(log) == 1  # not a transient failure


def test_transport_error_from_a_closed_port() -> None:
    client = Client("sk", f"http://127.0.0.1:{free_port()}", max_retries=1, backoff=0)
    with client, pytest.raises(TransportError) as caught:
        client.balance()
    assert isinstance(caught.value.__cause__, httpx.ConnectError)


def test_backoff_doubles_up_to_a_cap() -> None:
    ex = Exchange(balance_call(), Options("sk", {}, max_retries=6, backoff=0.5))
    delays = [ex.failed(httpx.ConnectError("x")).delay for _ in range(6)]
    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    with pytest.raises(TransportError):
        ex.failed(httpx.ConnectError("x"))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("method", ["select_masks", "swap"])
@pytest.mark.parametrize("ids", [{}, {"video_media_id": 1, "source_video_id": 2}])
def test_exactly_one_video_before_any_request(kind: str, method: str, ids: dict[str, int]) -> None:
    handler, log = script(envelope(0, {}))
    extra = {"img_id": 3} if method == "swap" else {}
    with pytest.raises(ValueError, match="exactly one"):
        invoke(kind, handler, method, **ids, **extra)
    assert log == []


@pytest.mark.parametrize("kind", KINDS)
def test_request_bodies(kind: str) -> None:
    handler, log = script(envelope(0, {"video_id": 9}))
    job = invoke(kind, handler, "swap", img_id=3, source_video_id=4, mask_id="m1")
    assert job.video_id == 9 and job.credits is None  # PixVerse's cloud sends no credits
    assert json.loads(log[0].content) == {
        "source_video_id": 4,
        "img_id": 3,
        "quality": "720p",
        "keyframe_id": 1,
        "mask_id": "m1",
    }
    handler, log = script(envelope(0, {"media_id": 5, "media_type": "video", "url": "u"}))
    invoke(kind, handler, "upload_media", "https://example.com/clip.mp4")
    assert b'name="file_url"\r\n\r\nhttps://example.com/clip.mp4' in log[0].content


def result(status: int, **fields: Any) -> httpx.Response:
    return envelope(0, {"id": 42, "status": status, **fields})


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("final", "cls"), [(7, ModerationError), (8, ServerError), (6, NotFoundError), (3, ServerError)]
)
def test_wait_raises_for_bad_endings(kind: str, final: int, cls: type[ApiError]) -> None:
    handler, _ = script(result(5, progress=10), result(final, err_msg="why it failed"))
    seen: list[VideoResult] = []
    with pytest.raises(cls) as caught:
        invoke(kind, handler, "wait", 42, on_progress=seen.append, poll_interval=0.001)
    assert caught.value.err_msg == "why it failed" and caught.value.result is not None
    assert [r.status for r in seen] == [5, final]


@pytest.mark.parametrize("kind", KINDS)
def test_wait_polls_until_done_and_times_out(kind: str) -> None:
    done = result(1, url="https://cdn.test/v.mp4", progress=100, seed=None, extra="kept")
    handler, log = script(result(5, progress=0), result(5, progress=50, url=None), done)
    got = invoke(kind, handler, "wait", 42, poll_interval=0.001)
    assert got.succeeded and got.url.endswith("v.mp4") and got.model_extra == {"extra": "kept"}
    assert len(log) == 3 and "API-KEY" in log[0].headers
    handler, _ = script(result(5, progress=30))
    with pytest.raises(TimeoutError, match="30%"):
        invoke(kind, handler, "wait", 42, timeout=0.05, poll_interval=0.01)


class Broken(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body that breaks after its first bytes, as a dropped connection does."""

    def __iter__(self) -> Iterator[bytes]:
        yield b"half a vid"
        raise httpx.ReadError("connection reset")

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self:
            yield chunk


@pytest.mark.parametrize("kind", KINDS)
def test_download_streams_without_the_key(kind: str, tmp_path: Path) -> None:
    url = "https://cdn.test/v/out.mp4?sig=abc"
    api, _ = script(result(1, url=url))
    files, file_log = script(
        httpx.Response(200, stream=Broken()), httpx.Response(200, content=b"video!")
    )

    def handler(request: httpx.Request) -> httpx.Response:
        return (files if request.url.host == "cdn.test" else api)(request)

    out = invoke(kind, handler, "download", 42, tmp_path)
    assert out == tmp_path / "out.mp4" and out.read_bytes() == b"video!"
    assert len(file_log) == 2 and all("API-KEY" not in r.headers for r in file_log)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.mp4"]
    gone = {"ErrCode": 500008, "ErrMsg": "The file no longer exists.", "Resp": None}
    handler, _ = script(httpx.Response(404, json=gone))
    with pytest.raises(NotFoundError, match="no longer exists"):
        invoke(kind, handler, "download", url, tmp_path / "other.mp4")
    handler, _ = script(httpx.Response(403, text="<Error>AccessDenied</Error>"))
    with pytest.raises(ServerError, match="403"):
        invoke(kind, handler, "fetch", url)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.mp4"]


@pytest.mark.parametrize("kind", KINDS)
def test_download_of_an_unfinished_video(kind: str, tmp_path: Path) -> None:
    handler, log = script(result(5, progress=40))
    with pytest.raises(InvalidParameterError, match="40%"):
        invoke(kind, handler, "download", 42, tmp_path / "out.mp4")
    assert len(log) == 1 and not list(tmp_path.iterdir())


def test_importing_the_sdk_loads_no_heavy_library() -> None:
    heavy = ["cv2", "mediapipe", "torch", "av", "numpy", "fastapi", "sqlalchemy"]
    code = f"import sys, vidswap.client; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
