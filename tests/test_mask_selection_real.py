"""Mask selection end to end with the real CPU engines (mediapipe from its wheel)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from skimage import data

from tests.conftest import Account
from tests.test_mask_selection import fetch_png, post, upload
from vidswap.api.app import build_services, create_app
from vidswap.config import Settings
from vidswap.engines.pool import EnginePool
from vidswap.storage.db import Database

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def engines() -> Iterator[EnginePool]:
    pool = EnginePool()
    pool.warm("segment")
    yield pool
    pool.close()


@pytest.fixture
def client(settings: Settings, db: Database, engines: EnginePool) -> Iterator[TestClient]:
    services = build_services(settings, engines=engines)
    with TestClient(create_app(settings, services)) as test_client:
        yield test_client


def _clip(path: Path, person: bool, frames: int = 6) -> Path:
    w, h = 640, 360
    back = np.asarray(Image.fromarray(data.rocket()).resize((w, h)))
    if not person:
        back = np.full((h, w, 3), 128, np.uint8)
    astronaut = np.asarray(Image.fromarray(data.astronaut()).resize((240, 240)))
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        for i in range(frames):
            img = back.copy()
            if person:
                img[100:340, 40 + 10 * i : 280 + 10 * i] = astronaut
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def test_person_found(client: TestClient, account: Account, tmp_path: Path) -> None:
    media_id = upload(client, account, _clip(tmp_path / "p.mp4", person=True))
    body = post(client, account, video_media_id=media_id, keyframe_id=3)
    assert body["ErrCode"] == 0, body
    info = body["Resp"]["mask_info"]
    names = [m["mask_name"] for m in info]
    assert names.count("person") == 1 and names[-1] == "background"
    person = fetch_png(client, info[0]["mask_url"])
    assert person.shape == (360, 640)
    x, y, w, _ = info[0]["bbox"]
    assert x >= 50 and x + w <= 310 and y >= 90  # on the pasted photo...
    on_photo = np.count_nonzero(person[90:350, 50:310]) / np.count_nonzero(person)
    assert on_photo >= 0.97  # ...but for a few rows of legs the pose matte sees below her waist
    background = fetch_png(client, info[-1]["mask_url"])
    assert not np.any((person > 0) & (background > 0))


def test_uniform_video_yields_background_only(
    client: TestClient, account: Account, tmp_path: Path
) -> None:
    media_id = upload(client, account, _clip(tmp_path / "u.mp4", person=False))
    body = post(client, account, video_media_id=media_id)
    assert body["ErrCode"] == 0, body
    info = body["Resp"]["mask_info"]
    assert [m["mask_name"] for m in info] == ["background"]
    assert fetch_png(client, info[0]["mask_url"]).min() == 255
