"""POST /video/swap/generate through the API: validation, pricing, the job and its output.

The render and moderation engines are fakes at the seam (the real ones have their own
tests and an end-to-end test); tracking, decoding and encoding are real.
"""

from __future__ import annotations

import io
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select

from tests.conftest import API, Account, make_account
from tests.support.executors import ThreadExecutor
from tests.support.fake_render import FakeRenderer
from tests.support.fakes import FakeModerator, FakeSegmenter
from tests.support.media import image_bytes, make_video
from vidswap.api.app import build_services, create_app
from vidswap.api.routes.video import result_of
from vidswap.api.schemas import VideoResultResp
from vidswap.client.models import VideoResult
from vidswap.config import Settings
from vidswap.domain import credits, jobs
from vidswap.domain.swap import output_size, price
from vidswap.engines.pool import EnginePool
from vidswap.jobs.swap import coverage_note
from vidswap.media.frames import index_frames, iter_frames
from vidswap.storage.db import Database
from vidswap.storage.tables import Job

SWAP = f"{API}/video/swap/generate"


class FlagOutput(FakeModerator):
    """Passes the uploaded test images, flags every 360p output frame."""

    def flagged(self, rgb: Any) -> list[str]:
        self.calls += 1
        return ["TEST_EXPLICIT"] if rgb.shape[0] == 360 else []


class NoPeople(FakeSegmenter):
    def candidates(self, frame: Any, nearby: Any = None) -> list[Any]:
        return [c for c in super().candidates(frame, nearby) if c.name != "person"]


class Harness:
    """An app whose jobs run on threads of this process, with fake render/moderation."""

    def __init__(
        self, settings: Settings, segmenter: FakeSegmenter, renderer: FakeRenderer, moderator: Any
    ) -> None:
        self.executor = ThreadExecutor()
        engines = EnginePool({"segment": segmenter, "render": renderer, "moderate": moderator})
        services = build_services(settings, executor=self.executor, engines=engines)
        self.executor.bind(services)
        self.services = services
        self.app = create_app(settings, services)


@pytest.fixture
def segmenter() -> FakeSegmenter:
    return FakeSegmenter()


@pytest.fixture
def renderer() -> FakeRenderer:
    return FakeRenderer()


@pytest.fixture
def moderator() -> FakeModerator:
    return FakeModerator()


@pytest.fixture
def harness(
    settings: Settings,
    db: Database,
    segmenter: FakeSegmenter,
    renderer: FakeRenderer,
    moderator: FakeModerator,
) -> Harness:
    return Harness(settings, segmenter, renderer, moderator)


@pytest.fixture
def client(harness: Harness) -> Iterator[TestClient]:
    with TestClient(harness.app) as test_client:
        yield test_client
    harness.executor.join()


def upload_media(client: TestClient, account: Account, path: Path) -> int:
    files = {"file": (path.name, path.read_bytes())}
    r = client.post(
        f"{API}/media/upload", headers=account.headers(f"m-{uuid.uuid4()}"), files=files
    )
    assert r.json()["ErrCode"] == 0, r.json()
    return int(r.json()["Resp"]["media_id"])


def upload_image(client: TestClient, account: Account, data: bytes | None = None) -> int:
    files = {"image": ("t.png", data or image_bytes((64, 48)))}
    r = client.post(
        f"{API}/image/upload", headers=account.headers(f"i-{uuid.uuid4()}"), files=files
    )
    assert r.json()["ErrCode"] == 0, r.json()
    return int(r.json()["Resp"]["img_id"])


def png_upload(client: TestClient, account: Account, pixels: np.ndarray) -> int:
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="PNG")
    return upload_image(client, account, buf.getvalue())


def select_masks(client: TestClient, account: Account, keyframe: int = 1, **ids: Any) -> list[Any]:
    body = {"keyframe_id": keyframe, **ids}
    r = client.post(
        f"{API}/video/mask/selection", headers=account.headers(f"s-{uuid.uuid4()}"), json=body
    )
    assert r.json()["ErrCode"] == 0, r.json()
    masks: list[Any] = r.json()["Resp"]["mask_info"]
    return masks


def swap(client: TestClient, account: Account, trace: str | None = None, **body: Any) -> Any:
    r = client.post(SWAP, headers=account.headers(trace or f"w-{uuid.uuid4()}"), json=body)
    return r.json()


def wait(client: TestClient, account: Account, video_id: int, timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        resp = client.get(f"{API}/video/result/{video_id}", headers=account.headers()).json()
        if resp["Resp"]["status"] != 5:
            return resp["Resp"]
        time.sleep(0.1)
    raise AssertionError(f"job {video_id} still running after {timeout} s")


def download(client: TestClient, url: str, path: Path) -> Path:
    r = client.get(url.replace("http://testserver", ""))
    assert r.status_code == 200
    path.write_bytes(r.content)
    return path


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    return make_video(tmp_path / "clip.mp4", seconds=1.0, fps=10, size=(160, 96))


@pytest.fixture
def media_id(client: TestClient, account: Account, clip: Path) -> int:
    return upload_media(client, account, clip)


@pytest.fixture
def img_id(client: TestClient, account: Account) -> int:
    return upload_image(client, account)


def balance(db: Database, account: Account) -> int:
    b = credits.balance(db, account.id)
    return b.monthly + b.package


def jobs_of(db: Database, account: Account) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).where(Job.account_id == account.id)) or 0)


# --- pricing and sizes -----------------------------------------------------------------


def test_output_size_keeps_aspect_with_even_sides() -> None:
    assert output_size(1920, 1080, "720p") == (1280, 720)
    assert output_size(1080, 1920, "540p") == (540, 960)
    assert output_size(160, 96, "360p") == (600, 360)
    assert output_size(1000, 1000, "360p") == (360, 360)
    w, h = output_size(1438, 1080, "540p")
    assert (w % 2, h % 2) == (0, 0) and abs(w / h - 1438 / 1080) < 0.01


def test_price_per_started_second(settings: Settings) -> None:
    assert price(settings, "720p", 1.0) == 12
    assert price(settings, "720p", 1.0004) == 12  # container rounding is not a new second
    assert price(settings, "360p", 2.5) == 27
    assert price(settings, "540p", 0.2) == 10


# --- validation: every bad request is refused before any charge --------------------------


@pytest.mark.parametrize(
    ("body", "code", "words"),
    [
        ({"img_id": "IMG"}, 400017, "one of"),
        ({"video_media_id": "VID", "source_video_id": "VID", "img_id": "IMG"}, 400017, "either"),
        ({"video_media_id": "VID"}, 400011, "img_id"),
        ({"video_media_id": "VID", "img_id": "IMG", "quality": "1080p"}, 400017, "720p"),
        ({"video_media_id": "VID", "img_id": "IMG", "quality": "4k"}, 400017, "quality"),
        ({"video_media_id": "VID", "img_id": "IMG", "quality": 720}, 400013, "quality"),
        ({"video_media_id": "VID", "img_id": "IMG", "keyframe_id": 11}, 400017, "10 frames"),
        ({"video_media_id": "VID", "img_id": "IMG", "keyframe_id": 0}, 400017, "starts at 1"),
        ({"video_media_id": "VID", "img_id": "IMG", "keyframe_id": "x"}, 400013, "integer"),
        ({"video_media_id": "VID", "img_id": "IMG", "mask_id": "nope"}, 400017, "mask"),
        ({"video_media_id": "VID", "img_id": "IMG", "mask_id": True}, 400013, "mask_id"),
        ({"video_media_id": "VID", "img_id": 12345678901}, 400032, "image"),
        ({"video_media_id": 12345678901, "img_id": "IMG"}, 500008, "12345678901"),
    ],
)
def test_bad_requests_cost_nothing(
    client: TestClient,
    db: Database,
    account: Account,
    media_id: int,
    img_id: int,
    body: dict[str, Any],
    code: int,
    words: str,
) -> None:
    ids = {"VID": media_id, "IMG": img_id}
    body = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    before = balance(db, account)
    resp = swap(client, account, **body)
    assert resp["ErrCode"] == code, resp
    assert words in resp["ErrMsg"]
    assert balance(db, account) == before and jobs_of(db, account) == 0


def test_other_accounts_video_and_image_are_unknown(
    client: TestClient, db: Database, account: Account, media_id: int, img_id: int
) -> None:
    other = make_account(db)
    mine = upload_image(client, other)
    assert swap(client, other, video_media_id=media_id, img_id=mine)["ErrCode"] == 500008
    assert swap(client, account, video_media_id=media_id, img_id=mine)["ErrCode"] == 400032


def test_mask_must_come_from_the_same_video_and_keyframe(
    client: TestClient, db: Database, account: Account, media_id: int, img_id: int, tmp_path: Path
) -> None:
    other_video = upload_media(client, account, make_video(tmp_path / "b.mp4", size=(160, 96)))
    on_frame_3 = select_masks(client, account, 3, video_media_id=media_id)[0]["mask_id"]
    on_other = select_masks(client, account, 1, video_media_id=other_video)[0]["mask_id"]
    before = balance(db, account)
    wrong_frame = swap(client, account, video_media_id=media_id, img_id=img_id, mask_id=on_frame_3)
    assert wrong_frame["ErrCode"] == 400017 and "keyframe_id=3" in wrong_frame["ErrMsg"]
    wrong_video = swap(client, account, video_media_id=media_id, img_id=img_id, mask_id=on_other)
    assert wrong_video["ErrCode"] == 400017 and "another video" in wrong_video["ErrMsg"]
    stranger = make_account(db)
    theirs = swap(client, stranger, video_media_id=media_id, img_id=img_id, mask_id=on_frame_3)
    assert theirs["ErrCode"] == 500008
    assert balance(db, account) == before and jobs_of(db, account) == 0


def test_no_credits_and_concurrency_limit(
    client: TestClient, db: Database, media_id: int, clip: Path
) -> None:
    poor = make_account(db, credits=11)
    media = upload_media(client, poor, clip)
    img = upload_image(client, poor)
    resp = swap(client, poor, video_media_id=media, img_id=img)
    assert resp["ErrCode"] == 500043 and jobs_of(db, poor) == 0
    assert balance(db, poor) == 11
    limited = make_account(db, credits=1000, concurrency=1)
    media = upload_media(client, limited, clip)
    img = upload_image(client, limited)
    jobs.accept(db, limited.id, "test.idle", {}, price=0, max_attempts=1)  # never submitted
    resp = swap(client, limited, video_media_id=media, img_id=img)
    assert resp["ErrCode"] == 500044 and balance(db, limited) == 1000
    assert jobs_of(db, limited) == 1


# --- the job --------------------------------------------------------------------------


def decode(path: Path) -> tuple[list[np.ndarray], Any]:
    with av.open(str(path)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    with av.open(str(path)) as container:
        info = {
            "audio": [s.codec_context.name for s in container.streams.audio],
            "duration": float(container.duration or 0) / 1e6,
            "codec": container.streams.video[0].codec_context.name,
        }
    return frames, info


def test_swap_end_to_end(
    client: TestClient,
    db: Database,
    account: Account,
    media_id: int,
    img_id: int,
    clip: Path,
    tmp_path: Path,
    moderator: FakeModerator,
) -> None:
    masks = select_masks(client, account, 4, video_media_id=media_id)
    person = masks[0]["mask_id"]
    before = balance(db, account)
    resp = swap(
        client,
        account,
        video_media_id=media_id,
        img_id=img_id,
        quality="360p",
        keyframe_id=4,
        mask_id=person,
    )
    assert resp["ErrCode"] == 0, resp
    assert resp["Resp"]["credits"] == 9 and balance(db, account) == before - 9
    result = wait(client, account, resp["Resp"]["video_id"])
    assert result["status"] == 1, result
    assert (result["outputWidth"], result["outputHeight"]) == (600, 360)
    assert result["has_audio"] is True and result["method"] == "subject"
    assert result["progress"] == 100 and result["credits"] == 9 and result["err_msg"] == ""
    assert result["total_frames"] == 10 and 1 <= result["swapped_frames"] <= 10
    assert (result["coverage_note"] == "") == (result["swapped_frames"] >= 5)
    out = download(client, result["url"], tmp_path / "out.mp4")
    assert result["size"] == out.stat().st_size
    frames, info = decode(out)
    source = [f for _, f in iter_frames(clip)]
    assert len(frames) == len(source) == 10
    assert info["codec"] == "h264" and info["audio"] == ["aac"]
    assert abs(info["duration"] - 1.0) < 0.15
    assert moderator.calls >= 1
    # The fake paints the tracked "person" (the fake segmenter's left third: no real
    # person, so only the keyframe surely keeps it) with the image's mean colour.
    for number in (0, 3, 9):
        got = frames[number].astype(int)
        scaled = np.asarray(Image.fromarray(source[number]).resize((600, 360))).astype(int)
        assert np.abs(got[:, 250:] - scaled[:, 250:]).mean() < 6  # the rest is the source
    keyframe = frames[3].astype(int)
    scaled = np.asarray(Image.fromarray(source[3]).resize((600, 360))).astype(int)
    assert np.abs(keyframe[40:320, 20:180] - scaled[40:320, 20:180]).mean() > 20  # swapped
    with open(out, "rb") as f:
        head = f.read(64)
    assert head.find(b"moov") < head.find(b"mdat") or b"mdat" not in head  # +faststart


def test_default_mask_is_the_first_person_and_swaps_chain(
    client: TestClient, account: Account, media_id: int, img_id: int
) -> None:
    first = swap(client, account, video_media_id=media_id, img_id=img_id, quality="360p")
    done = wait(client, account, first["Resp"]["video_id"])
    assert done["status"] == 1, done
    again = swap(
        client, account, source_video_id=first["Resp"]["video_id"], img_id=img_id, quality="360p"
    )
    assert again["ErrCode"] == 0, again
    result = wait(client, account, again["Resp"]["video_id"])
    assert result["status"] == 1 and (result["outputWidth"], result["outputHeight"]) == (600, 360)


def test_trace_id_replay_starts_one_job(
    client: TestClient, db: Database, account: Account, media_id: int, img_id: int
) -> None:
    a = swap(client, account, "same", video_media_id=media_id, img_id=img_id, quality="360p")
    b = swap(client, account, "same", video_media_id=media_id, img_id=img_id, quality="360p")
    assert a == b and jobs_of(db, account) == 1
    wait(client, account, a["Resp"]["video_id"])


@pytest.mark.parametrize("renderer", [FakeRenderer(study=True)], ids=["study"])
def test_study_pass_sees_every_frame_first(
    client: TestClient, account: Account, media_id: int, img_id: int, renderer: FakeRenderer
) -> None:
    resp = swap(client, account, video_media_id=media_id, img_id=img_id, quality="360p")
    assert wait(client, account, resp["Resp"]["video_id"])["status"] == 1
    assert renderer.scenes[-1].studied == list(range(10))


@pytest.mark.parametrize("renderer", [FakeRenderer(fail_at=5)], ids=["fails"])
def test_failed_render_refunds_and_leaves_no_file(
    client: TestClient,
    db: Database,
    account: Account,
    media_id: int,
    img_id: int,
    settings: Settings,
    renderer: FakeRenderer,
    harness: Harness,
) -> None:
    before = balance(db, account)
    resp = swap(client, account, video_media_id=media_id, img_id=img_id, quality="360p")
    result = wait(client, account, resp["Resp"]["video_id"])
    assert result["status"] == 8 and result["url"] == ""
    assert "internal error" in result["err_msg"] and "9 credits were refunded" in result["err_msg"]
    assert balance(db, account) == before
    assert not any((settings.data_dir / "blobs").rglob("swap-*")), "partial file left behind"
    assert not any((settings.data_dir / "blobs").rglob("vid*.mp4"))
    harness.executor.join()
    assert not [t for t in threading.enumerate() if t.name in ("prefetch", "encoder")]


@pytest.mark.parametrize("moderator", [FlagOutput()], ids=["flagged"])
def test_flagged_output_ends_at_7_with_refund(
    client: TestClient, db: Database, account: Account, media_id: int, img_id: int
) -> None:
    before = balance(db, account)
    resp = swap(client, account, video_media_id=media_id, img_id=img_id, quality="360p")
    result = wait(client, account, resp["Resp"]["video_id"])
    assert result["status"] == 7 and result["url"] == ""
    assert "moderation" in result["err_msg"] and "refunded" in result["err_msg"]
    assert balance(db, account) == before


@pytest.mark.parametrize("segmenter", [NoPeople()], ids=["nobody"])
def test_no_person_without_a_mask(
    client: TestClient, db: Database, account: Account, media_id: int, img_id: int
) -> None:
    """Unknown keyframe: the job looks, finds nobody, fails with a refund and says what to
    do. Once mask selection has seen the keyframe, the request itself is refused."""
    before = balance(db, account)
    resp = swap(client, account, video_media_id=media_id, img_id=img_id)
    result = wait(client, account, resp["Resp"]["video_id"])
    assert result["status"] == 8 and "no person on keyframe 1" in result["err_msg"]
    assert "mask_id" in result["err_msg"] and balance(db, account) == before
    assert result["err_msg"].endswith("credits were refunded.")
    select_masks(client, account, 2, video_media_id=media_id)
    resp = swap(client, account, video_media_id=media_id, img_id=img_id, keyframe_id=2)
    assert resp["ErrCode"] == 400017 and "no person on keyframe 2" in resp["ErrMsg"]


# --- output timing, rotation and audio ------------------------------------------------


def test_rotated_vfr_source_with_pcm_audio(
    client: TestClient, account: Account, img_id: int, tmp_path: Path
) -> None:
    """A portrait phone clip: rotation metadata, uneven frame times, PCM audio in MOV."""
    source = make_phone_clip(tmp_path / "phone.mov")
    media = upload_media(client, account, source)
    resp = swap(client, account, video_media_id=media, img_id=img_id, quality="360p")
    assert resp["ErrCode"] == 0, resp
    result = wait(client, account, resp["Resp"]["video_id"])
    assert result["status"] == 1, result
    assert (result["outputWidth"], result["outputHeight"]) == (360, 600)
    out = download(client, result["url"], tmp_path / "out.mp4")
    frames, info = decode(out)
    assert frames[0].shape == (600, 360, 3) and info["audio"] == ["aac"]
    src, got = index_frames(source), index_frames(out)
    assert got.count == src.count
    src_times = [float((p - src.pts[0]) * src.time_base) for p in src.pts]
    got_times = [float((p - got.pts[0]) * got.time_base) for p in got.pts]
    assert np.allclose(src_times, got_times, atol=0.002)


def make_phone_clip(path: Path) -> Path:
    """96x160 stored sideways (rotation -90), variable frame times, PCM audio."""
    from fractions import Fraction

    gaps = [0, 40, 33, 100, 33, 66, 33, 33, 50, 33]
    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=30)
        video.width, video.height, video.pix_fmt = 160, 96, "yuv420p"
        video.codec_context.time_base = Fraction(1, 1000)
        video.set_display_rotation(-90)
        audio = out.add_stream("pcm_s16le", rate=16000)
        pts = 0
        for i, gap in enumerate(gaps):
            pts += gap
            img = np.zeros((96, 160, 3), np.uint8)
            img[:, (i * 9) % 140 : (i * 9) % 140 + 20] = 255
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts, frame.time_base = pts, Fraction(1, 1000)
            out.mux(video.encode(frame))
        out.mux(video.encode())
        samples = np.zeros((1, 16000 * (pts + 33) // 1000), np.int16)
        tone = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        tone.sample_rate, tone.pts = 16000, 0
        out.mux(audio.encode(tone))
        out.mux(audio.encode())
    return path


def test_image_with_alpha_brings_its_own_subject(
    client: TestClient, account: Account, media_id: int, renderer: FakeRenderer
) -> None:
    rgba = np.zeros((40, 40, 4), np.uint8)
    rgba[..., 0], rgba[10:30, 10:30, 3] = 200, 255
    buf = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buf, format="PNG")
    img = upload_image(client, account, buf.getvalue())
    resp = swap(client, account, video_media_id=media_id, img_id=img, quality="360p")
    assert wait(client, account, resp["Resp"]["video_id"])["status"] == 1
    alpha = renderer.targets[-1].alpha
    assert alpha.shape == (40, 40) and int(alpha.sum()) == 400 * 255


# --- coverage ---------------------------------------------------------------------------


def test_coverage_note_under_half_the_frames() -> None:
    assert coverage_note(45, 90) == coverage_note(90, 90) == coverage_note(0, 0) == ""
    assert coverage_note(44, 90) == (
        "The subject was found in only 44 of 90 frames (48%); the other frames are unchanged."
    )


COUNTS = ("swapped_frames", "total_frames", "coverage_note")


def old_row(result: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": 7, "status": "succeeded", "result": result, "params": {}, "progress": 100,
        "created_at": None, "updated_at": None, "credits": 9, "error": "",
    }  # fmt: skip


def test_results_without_counts_still_render() -> None:
    """Swaps made before the counts existed (and jobs still running) show nulls, no note."""
    before = result_of("u", old_row({"width": 600, "height": 360, "method": "face"}))
    assert VideoResultResp(**before).model_dump() == before
    assert [before[k] for k in COUNTS] == [None, None, ""]
    now = result_of("u", old_row({"swapped_frames": 3, "total_frames": 10, "coverage_note": "x"}))
    assert [now[k] for k in COUNTS] == [3, 10, "x"]
    assert VideoResult(**now).swapped_frames == 3
