"""A swap through a real `vidswap serve` whose worker process runs the job (the kind is
built in, the engines load in the worker), over real HTTP."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import httpx
import pytest

from tests.conftest import API, Account, make_account
from tests.support.media import image_bytes, make_video
from tests.support.server import LiveServer, serving
from vidswap.config import Settings
from vidswap.storage.db import Database

pytestmark = pytest.mark.slow


@pytest.fixture
def server(settings: Settings, db: Database) -> Iterator[LiveServer]:
    with serving(settings) as live:
        yield live


def post(server: LiveServer, account: Account, path: str, **kw: Any) -> Any:
    headers = account.headers(f"live-{uuid.uuid4()}")
    r = httpx.post(f"{server.url}{API}{path}", headers=headers, timeout=60, **kw)
    body = r.json()
    assert body["ErrCode"] == 0, body
    return body["Resp"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_swap_in_a_worker_process(server: LiveServer, db: Database, tmp_path: Path) -> None:
    account = make_account(db)
    clip = make_video(tmp_path / "clip.mp4", seconds=1.0, fps=10, size=(160, 96))
    media = post(server, account, "/media/upload", files={"file": ("c.mp4", clip.read_bytes())})
    image = post(server, account, "/image/upload", files={"image": ("i.png", image_bytes())})
    masks = post(
        server, account, "/video/mask/selection", json={"video_media_id": media["media_id"]}
    )
    background = next(m for m in masks["mask_info"] if m["mask_name"] == "background")
    job = post(
        server,
        account,
        "/video/swap/generate",
        json={
            "video_media_id": media["media_id"],
            "img_id": image["img_id"],
            "mask_id": background["mask_id"],
            "quality": "360p",
        },
    )
    deadline, result = time.monotonic() + 120, {}
    while time.monotonic() < deadline:
        r = httpx.get(
            f"{server.url}{API}/video/result/{job['video_id']}", headers=account.headers()
        )
        result = r.json()["Resp"]
        if result["status"] != 5:
            break
        time.sleep(0.3)
    assert result["status"] == 1, (result, server.log()[-3000:])
    out = tmp_path / "out.mp4"
    out.write_bytes(httpx.get(result["url"], timeout=30).content)
    with av.open(str(out)) as container:
        assert sum(1 for _ in container.decode(video=0)) == 10
    assert result["method"] == "background" and result["has_audio"]
