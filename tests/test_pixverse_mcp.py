"""The official PixVerse MCP client (`pixverse-mcp` 0.2.2 from PyPI) against a live server.

Nobody here wrote that client, so it checks the wire contract from the other side: its
`PixverseClient`, configured the way the package configures itself (PIXVERSE_API_KEY,
PIXVERSE_BASE_URL), uploads, polls and meets a disabled endpoint. `make test` installs it
with --no-deps into .venv/pixverse-mcp (it declares Python >= 3.12; its client runs on
3.11). Two timing patches, neither changing a request: no 1 s pause between requests, and no
4 s pause before each of its retries. See docs/compatibility.md.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from tests.conftest import API, Account, make_account
from tests.support.fileserver import FileServer, file_server
from tests.support.media import image_bytes, make_video
from tests.support.server import ROOT, LiveServer, serving
from vidswap.config import Settings
from vidswap.storage.db import Database

MCP_DIR = ROOT / ".venv" / "pixverse-mcp"  # the Makefile's install target
TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
T = TypeVar("T")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
    # Its models use pydantic 1 idioms (class Config, .dict()): warnings about its code.
    pytest.mark.filterwarnings("ignore::pydantic.warnings.PydanticDeprecatedSince20:pixverse_mcp"),
]


@pytest.fixture
def mcp(monkeypatch: pytest.MonkeyPatch) -> None:
    """Puts the installed client on sys.path, without its pauses between requests."""
    if not (MCP_DIR / "pixverse_mcp").is_dir():
        reason = f"pixverse-mcp is not installed in {MCP_DIR}: `make test` installs it"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    monkeypatch.syspath_prepend(str(MCP_DIR))
    from pixverse_mcp.client.base import BaseClient
    from tenacity import wait_none

    async def no_pause(_self: Any) -> None:
        pass

    monkeypatch.setattr(BaseClient, "_handle_rate_limit", no_pause)
    monkeypatch.setattr(BaseClient._make_request.retry, "wait", wait_none())


@pytest.fixture
def files() -> Iterator[FileServer]:
    with file_server() as srv:
        yield srv


@pytest.fixture
def server(settings: Settings, db: Database) -> Iterator[LiveServer]:
    """A live server on the database `db` has migrated, fetching URLs from the FileServer."""
    with serving(settings, VIDSWAP_URL_FETCH_ALLOW_HOSTS='["127.0.0.1"]') as live:
        yield live


@pytest.fixture
def mcp_account(
    mcp: None, server: LiveServer, db: Database, monkeypatch: pytest.MonkeyPatch
) -> Account:
    """An account whose key and the server's URL are in the client's environment."""
    account = make_account(db)
    monkeypatch.setenv("PIXVERSE_API_KEY", account.key)
    monkeypatch.setenv("PIXVERSE_BASE_URL", server.url)
    return account


def drive(steps: Callable[[Any], Awaitable[T]]) -> T:
    """Runs `steps` with a client built as pixverse-mcp's server builds it, from its config."""
    from pixverse_mcp.client import PixverseClient
    from pixverse_mcp.config import ConfigManager

    async def main() -> T:
        config = ConfigManager().load_config()
        async with PixverseClient(api_key=config.api_key, base_url=config.base_url) as client:
            return await steps(client)

    return asyncio.run(main())


def download(url: str) -> bytes:
    r = httpx.get(url, timeout=30)  # no API key: `url` fields are signed
    assert r.status_code == 200, (url, r.status_code)
    return r.content


def test_uploads_by_file_and_by_url(
    mcp_account: Account, server: LiveServer, files: FileServer, tmp_path: Path
) -> None:
    """The four upload calls its `upload_image` and `upload_video` tools make."""
    picture = image_bytes()
    (tmp_path / "face.png").write_bytes(picture)
    clip = make_video(tmp_path / "clip.mp4").read_bytes()
    picture_url = files.serve("/face.png", picture)
    clip_url = files.serve("/clip.mp4", clip)

    async def steps(client: Any) -> list[Any]:
        return [
            await client.upload_image(file_path=str(tmp_path / "face.png")),
            await client.upload_image(image_url=picture_url),
            await client.upload_media(file_path=str(tmp_path / "clip.mp4"), media_type="video"),
            await client.upload_media(file_url=clip_url, media_type="video"),
        ]

    image_by_file, image_by_url, media_by_file, media_by_url = drive(steps)
    assert files.hits == ["/face.png", "/clip.mp4"]  # the server fetched each URL
    assert image_by_file.img_id != image_by_url.img_id
    for image in (image_by_file, image_by_url):
        assert image.img_id > 0 and image.img_url.startswith(server.url)
        assert download(image.img_url) == picture
    assert media_by_file.media_id != media_by_url.media_id
    for media in (media_by_file, media_by_url):
        assert media.media_id > 0 and media.media_type == "video"
        assert download(media.url) == clip


def post(server: LiveServer, account: Account, path: str, body: dict[str, Any]) -> Any:
    headers = account.headers(f"mcp-{uuid.uuid4()}")
    r = httpx.post(f"{server.url}{API}{path}", headers=headers, json=body, timeout=60)
    assert r.json()["ErrCode"] == 0, r.json()
    return r.json()["Resp"]


def test_result_poll_of_a_swap(mcp_account: Account, server: LiveServer, tmp_path: Path) -> None:
    """Uploads with the client, swaps with plain HTTP (the client has no swap call), then
    polls with the client until the job is done and checks what it parsed."""
    (tmp_path / "face.png").write_bytes(image_bytes())
    make_video(tmp_path / "clip.mp4", seconds=1.0, fps=10, size=(160, 96))

    async def uploads(client: Any) -> tuple[Any, Any]:
        image = await client.upload_image(file_path=str(tmp_path / "face.png"))
        media = await client.upload_media(file_path=str(tmp_path / "clip.mp4"))
        return image, media

    image, media = drive(uploads)
    masks = post(server, mcp_account, "/video/mask/selection", {"video_media_id": media.media_id})
    background = next(m for m in masks["mask_info"] if m["mask_name"] == "background")
    body = {
        "video_media_id": media.media_id,
        "img_id": image.img_id,
        "mask_id": background["mask_id"],
        "quality": "360p",
    }
    video_id = post(server, mcp_account, "/video/swap/generate", body)["video_id"]

    async def poll(client: Any) -> tuple[list[str], Any]:
        seen, deadline = [], time.monotonic() + 120
        while time.monotonic() < deadline:
            result = await client.get_video_result(video_id)
            seen.append(result.status.value)
            if result.status.value != "pending":
                break
            await asyncio.sleep(0.3)
        return seen, result

    seen, result = drive(poll)
    assert set(seen[:-1]) <= {"pending"} and seen[-1] == "completed", (seen, server.log()[-3000:])
    assert result.video_id == result.id == video_id
    assert (result.outputWidth, result.outputHeight) == (600, 360)  # 160x96 at 360p
    assert result.resolution_ratio == 360 and result.has_audio is True
    assert TIME.fullmatch(result.create_time) and TIME.fullmatch(result.modify_time)
    assert result.size == len(download(result.video_url)) > 0


def balance(server: LiveServer, account: Account) -> Any:
    r = httpx.get(f"{server.url}{API}/account/balance", headers=account.headers())
    return r.json()["Resp"]


def test_errors_surface_as_the_clients_errors(
    mcp_account: Account, server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Text-to-video is not enabled: the client raises its API error with our ErrMsg after
    its three tries, and nothing is charged. A wrong key (HTTP 401) is its auth error."""
    from pixverse_mcp.client.base import BaseClient
    from pixverse_mcp.exceptions import PixverseAPIError, PixverseAuthError
    from pixverse_mcp.models.requests import TextToVideoRequest

    before = balance(server, mcp_account)
    request = TextToVideoRequest(prompt="a cat on a skateboard")
    with pytest.raises(PixverseAPIError) as info:
        drive(lambda client: client.text_to_video(request))
    error = info.value
    assert error.error_code == 400017 and error.status_code == 200
    assert error.message == "The text-to-video feature is not enabled on this server."
    assert error.response_data == {"ErrCode": 400017, "ErrMsg": error.message, "Resp": None}
    assert BaseClient._make_request.statistics["attempt_number"] == 3
    assert balance(server, mcp_account) == before

    monkeypatch.setenv("PIXVERSE_API_KEY", "sk-not-a-key")
    with pytest.raises(PixverseAuthError):
        drive(lambda client: client.get_video_result(1))
