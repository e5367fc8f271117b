"""The SDK against a real `vidswap serve` over real HTTP: real engines, a worker process."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import av
import pytest

from tests.conftest import make_account
from tests.support.media import image_bytes, make_video
from tests.support.server import LiveServer, serving
from vidswap.client import AsyncClient, AuthError, Client, VideoResult
from vidswap.config import Settings
from vidswap.storage.db import Database

pytestmark = pytest.mark.slow


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'vidswap.db'}"


@pytest.fixture
def server(settings: Settings, db: Database) -> Iterator[LiveServer]:
    with serving(settings) as live:
        yield live


def test_swap_through_the_sdk(server: LiveServer, db: Database, tmp_path: Path) -> None:
    account = make_account(db)
    clip = make_video(tmp_path / "clip.mp4", seconds=1.0, fps=10, size=(160, 96))
    face = tmp_path / "face.png"
    face.write_bytes(image_bytes())
    with Client("sk-nobody", server.url) as stranger, pytest.raises(AuthError):
        stranger.balance()
    with Client(account.key, server.url, timeout=60) as sdk:
        assert sdk.balance().credit_package == 1000
        media, image = sdk.upload_media(clip), sdk.upload_image(face)
        selection = sdk.select_masks(video_media_id=media.media_id)
        background = next(m for m in selection.mask_info if m.mask_name == "background")
        assert sdk.fetch(background.mask_url).startswith(b"\x89PNG")
        job = sdk.swap(
            img_id=image.img_id,
            video_media_id=media.media_id,
            mask_id=background.mask_id,
            quality="360p",
        )

    async def finish() -> tuple[VideoResult, Path]:
        async with AsyncClient(account.key, server.url, timeout=60) as sdk:
            result = await sdk.wait(job.video_id, timeout=120, poll_interval=0.3)
            return result, await sdk.download(job.video_id, tmp_path / "out.mp4")

    result, out = asyncio.run(finish())
    assert result.succeeded and result.method == "background" and result.has_audio, result
    with av.open(str(out)) as container:
        assert sum(1 for _ in container.decode(video=0)) == 10
    with Client(account.key, server.url) as sdk:
        assert sdk.balance().credit_package == 1000 - 2 - 9
