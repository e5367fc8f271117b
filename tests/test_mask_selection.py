"""POST /video/mask/selection through the API, with a fake segmenter at the engine seam."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select

from tests.conftest import API, Account, make_account
from tests.support.fakes import FakeSegmenter
from tests.support.media import make_audio, make_video
from vidswap.api.app import build_services, create_app
from vidswap.config import Settings
from vidswap.domain import credits, jobs
from vidswap.engines.pool import EnginePool
from vidswap.media.frames import index_frames, nearby_gap, read_frame
from vidswap.storage.db import Database
from vidswap.storage.tables import Job, Keyframe, SelectedMask

SELECT = f"{API}/video/mask/selection"


@pytest.fixture
def fake() -> FakeSegmenter:
    return FakeSegmenter()


@pytest.fixture
def client(settings: Settings, db: Database, fake: FakeSegmenter) -> Iterator[TestClient]:
    services = build_services(settings, engines=EnginePool({"segment": fake}))
    with TestClient(create_app(settings, services)) as test_client:
        yield test_client


def upload(client: TestClient, account: Account, path: Path) -> int:
    files = {"file": (path.name, path.read_bytes())}
    body = client.post(
        f"{API}/media/upload", headers=account.headers(f"u-{path.name}"), files=files
    ).json()
    assert body["ErrCode"] == 0, body
    media_id: int = body["Resp"]["media_id"]
    return media_id


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    return make_video(tmp_path / "clip.mp4", seconds=1.0, fps=10, size=(160, 96))


@pytest.fixture
def media_id(client: TestClient, account: Account, clip: Path) -> int:
    return upload(client, account, clip)


def post(client: TestClient, account: Account, trace: str = "s-1", **body: Any) -> dict[str, Any]:
    r = client.post(SELECT, headers=account.headers(trace), json=body)
    assert r.status_code == 200
    out: dict[str, Any] = r.json()
    return out


def fetch_png(client: TestClient, url: str) -> np.ndarray:
    r = client.get(url.replace("http://testserver", ""))
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    return np.asarray(Image.open(io.BytesIO(r.content)))


def test_selection(client: TestClient, db: Database, account: Account, media_id: int) -> None:
    body = post(client, account, video_media_id=media_id)
    assert body["ErrCode"] == 0, body
    resp = body["Resp"]
    assert resp["keyframe_id"] == 1 and resp["credits"] == 2
    assert [m["mask_name"] for m in resp["mask_info"]] == ["person", "object", "background"]
    assert len({m["mask_id"] for m in resp["mask_info"]}) == 3
    assert all(isinstance(m["mask_id"], str) for m in resp["mask_info"])
    frame = fetch_png(client, resp["keyframe_url"])
    assert frame.shape == (96, 160, 3)
    person = fetch_png(client, resp["mask_info"][0]["mask_url"])
    assert person.shape == (96, 160) and set(np.unique(person)) == {0, 255}
    assert resp["mask_info"][0]["bbox"] == [0, 0, 53, 96]
    assert resp["mask_info"][0]["area"] == 53 * 96
    assert credits.balance(db, account.id).package == 998


def test_keyframe_is_the_nth_frame(
    client: TestClient, account: Account, media_id: int, clip: Path, fake: FakeSegmenter
) -> None:
    resp = post(client, account, video_media_id=str(media_id), keyframe_id="7")["Resp"]
    assert resp["keyframe_id"] == 7
    got = fetch_png(client, resp["keyframe_url"]).astype(int)
    assert np.abs(got - read_frame(clip, 6).astype(int)).max() == 0
    other = read_frame(clip, 5).astype(int)
    assert np.abs(got - other).max() > 0
    index = index_frames(clip)
    later = 6 + nearby_gap(index.fps)
    expected = read_frame(clip, later if later < index.count else 6 - nearby_gap(index.fps))
    assert fake.nearby is not None and np.array_equal(fake.nearby, expected), "motion cue frame"


def test_cached_but_charged_again(
    client: TestClient, db: Database, account: Account, media_id: int, fake: FakeSegmenter
) -> None:
    a = post(client, account, "t-a", video_media_id=media_id)["Resp"]
    b = post(client, account, "t-b", video_media_id=media_id)["Resp"]
    assert fake.calls == 1
    assert {m["mask_id"] for m in a["mask_info"]}.isdisjoint(m["mask_id"] for m in b["mask_info"])
    assert credits.balance(db, account.id).package == 996
    again = post(client, account, "t-a", video_media_id=media_id)["Resp"]
    assert again == a and credits.balance(db, account.id).package == 996
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Keyframe)) == 1
        assert s.scalar(select(func.count()).select_from(SelectedMask)) == 6


def _nothing_charged(db: Database, account: Account, balance: int = 1000) -> None:
    assert credits.balance(db, account.id).package == balance
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(SelectedMask)) == 0


@pytest.mark.parametrize(
    ("body", "code", "words"),
    [
        ({}, 400017, "one of"),
        ({"video_media_id": "MEDIA", "source_video_id": 5}, 400017, "not both"),
        ({"video_media_id": "MEDIA", "keyframe_id": 0}, 400017, "starts at 1"),
        ({"video_media_id": "MEDIA", "keyframe_id": 11}, 400017, "has 10 frames"),
        ({"video_media_id": "MEDIA", "keyframe_id": "abc"}, 400013, "integer"),
        ({"video_media_id": [1]}, 400013, "integer"),
        ({"video_media_id": 123456789}, 500008, "No media"),
        ({"source_video_id": 123456789}, 500008, "No video"),
    ],
)
def test_bad_requests(
    client: TestClient,
    db: Database,
    account: Account,
    media_id: int,
    body: dict[str, Any],
    code: int,
    words: str,
) -> None:
    body = {k: (media_id if v == "MEDIA" else v) for k, v in body.items()}
    out = post(client, account, **body)
    assert out["ErrCode"] == code and words in out["ErrMsg"], out
    _nothing_charged(db, account)


def test_other_accounts_video_is_not_found(client: TestClient, db: Database, media_id: int) -> None:
    other = make_account(db)
    out = post(client, other, video_media_id=media_id)
    assert out["ErrCode"] == 500008
    _nothing_charged(db, other)


def test_only_h264_h265(client: TestClient, db: Database, account: Account, tmp_path: Path) -> None:
    vp9 = upload(client, account, make_video(tmp_path / "v.webm", codec="libvpx-vp9", audio=False))
    out = post(client, account, video_media_id=vp9)
    assert out["ErrCode"] == 400017 and "H.264 or H.265" in out["ErrMsg"]
    _nothing_charged(db, account)


def test_audio_media(client: TestClient, db: Database, account: Account, tmp_path: Path) -> None:
    audio = upload(client, account, make_audio(tmp_path / "a.wav"))
    out = post(client, account, video_media_id=audio)
    assert out["ErrCode"] == 400017 and "not a video" in out["ErrMsg"]
    _nothing_charged(db, account)


def test_no_credits(client: TestClient, db: Database, clip: Path) -> None:
    poor = make_account(db, credits=1)
    out = post(client, poor, video_media_id=upload(client, poor, clip))
    assert out["ErrCode"] == 500043 and "Credits" in out["ErrMsg"]
    _nothing_charged(db, poor, balance=1)


def test_engine_failure_refunds(
    client: TestClient, db: Database, account: Account, media_id: int, fake: FakeSegmenter
) -> None:
    fake.fail = True
    out = post(client, account, video_media_id=media_id)
    assert out["ErrCode"] == 500100 and "exploded" not in out["ErrMsg"]
    assert "refunded" in out["ErrMsg"]
    _nothing_charged(db, account)
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Keyframe)) == 0


def _finished_video(db: Database, account: Account, clip_key: str, status: str) -> int:
    job = jobs.accept(db, account.id, "test.sleep", {}, price=0, max_attempts=1)
    with db.write() as s:
        row = s.get(Job, job.id)
        assert row is not None
        row.status, row.result = status, {"video_key": clip_key, "codec": "h264"}
    return job.id


@pytest.mark.parametrize(("status", "code"), [("succeeded", 0), ("running", 400017)])
def test_source_video_id(
    client: TestClient, db: Database, account: Account, media_id: int, status: str, code: int
) -> None:
    from vidswap.domain import uploads

    key = uploads.get_media(db, account.id, media_id).blob_key
    video_id = _finished_video(db, account, key, status)
    out = post(client, account, source_video_id=video_id, keyframe_id=3)
    assert out["ErrCode"] == code, out
    other = make_account(db)
    assert post(client, other, source_video_id=video_id)["ErrCode"] == 500008
