"""Content moderation: explicit images are refused at upload (500052) and leave nothing behind;
a swap's output samples are moderated beside its rendering (`jobs.moderation`).

Apps in tests moderate with FakeModerator (an all-magenta image is "explicit"); the real
NudeNet engine is checked on a real photo, and the cv2 build it shares with mediapipe.
"""

from __future__ import annotations

import io
import subprocess
import sys
import threading
from pathlib import Path

import cv2
import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from skimage import data

from tests.conftest import Account
from tests.support.fakes import MAGENTA, FakeModerator
from tests.support.fileserver import file_server, net_guard
from tests.support.media import make_video
from tests.support.uploads import app_client, assert_nothing_stored, ok_resp, post, post_file
from vidswap.config import Settings
from vidswap.engines import registry
from vidswap.engines.moderate.images import image_rgb
from vidswap.engines.moderate.nudenet import NudeNetModerator
from vidswap.engines.pool import EnginePool
from vidswap.jobs.kinds import JobModerated
from vidswap.jobs.moderation import Moderation
from vidswap.media.frames import Frame
from vidswap.storage.db import Database

EXPLICIT = 500052


def png(pixels: Frame) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="PNG")
    return buf.getvalue()


def magenta(width: int = 96, height: int = 64) -> bytes:
    return png(np.full((height, width, 3), MAGENTA, np.uint8))


def clean() -> bytes:
    pixels = np.zeros((64, 96, 3), np.uint8)
    pixels[..., 0] = np.linspace(0, 255, 96, dtype=np.uint8)
    return png(pixels)


def moderator_of(client: TestClient) -> FakeModerator:
    with client.app.state.services.engines.use("moderate") as engine:  # type: ignore[attr-defined]
        assert isinstance(engine, FakeModerator)
        return engine


def refused_explicit(response: httpx.Response) -> None:
    body = response.json()
    assert body["ErrCode"] == EXPLICIT and body["Resp"] is None, body
    assert "moderation" in body["ErrMsg"]


# --- at upload, with the fake engine ------------------------------------------------------


def test_explicit_file_is_refused(
    client: TestClient, account: Account, db: Database, settings: Settings
) -> None:
    refused_explicit(post_file(client, account, "image", magenta(), "photo.png"))
    assert_nothing_stored(client, account, db, settings)
    assert moderator_of(client).calls == 1


def test_explicit_url_is_refused(
    settings: Settings, db: Database, account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    with net_guard(monkeypatch), file_server() as server:
        url = server.serve("/photo.png", magenta())
        with app_client(settings, url_fetch_allow_hosts=["127.0.0.1"]) as client:
            refused_explicit(post(client, account, "image", data={"image_url": url}))
            assert_nothing_stored(client, account, db, settings)
        assert server.hits == ["/photo.png"]


def test_clean_image_is_moderated_and_kept(client: TestClient, account: Account) -> None:
    ok_resp(post_file(client, account, "image", clean(), "photo.png"), "image")
    assert moderator_of(client).calls == 1


def test_invalid_image_is_refused_before_moderation(
    client: TestClient, account: Account, db: Database, settings: Settings
) -> None:
    """A too-large image is never decoded for moderation: its own error wins."""
    response = post_file(client, account, "image", magenta(4001, 10), "wide.png")
    assert response.json()["ErrCode"] == 500033
    assert moderator_of(client).calls == 0
    assert_nothing_stored(client, account, db, settings)


def test_moderation_does_not_apply_to_media(
    client: TestClient, account: Account, tmp_path: Path
) -> None:
    """Input videos are checked by the swap job on sampled frames, not at upload."""
    clip = make_video(tmp_path / "clip.mp4", audio=False).read_bytes()
    ok_resp(post_file(client, account, "media", clip, "clip.mp4"), "media")
    assert moderator_of(client).calls == 0


# --- what the detector sees ---------------------------------------------------------------


def test_image_rgb_is_small_upright_rgb(tmp_path: Path) -> None:
    path = tmp_path / "big.png"
    Image.new("LA", (3000, 1500), (200, 255)).save(path)
    rgb = image_rgb(path)
    assert rgb.shape == (512, 1024, 3) and rgb.dtype == np.uint8
    assert (rgb == 200).all()


# --- a swap's output, beside its rendering ------------------------------------------------


class Gated(FakeModerator):
    """Signals each verdict, so a test knows when the moderation thread has one."""

    def __init__(self) -> None:
        super().__init__()
        self.judged = threading.Semaphore(0)

    def flagged(self, rgb: Frame) -> list[str]:
        try:
            return super().flagged(rgb)
        finally:
            self.judged.release()


class Broken(FakeModerator):
    def flagged(self, rgb: Frame) -> list[str]:
        raise RuntimeError("model failed")


def sample(colour: tuple[int, int, int]) -> Frame:
    return np.full((36, 64, 3), colour, np.uint8)


def moderation_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "moderation"]


def test_clean_samples_pass() -> None:
    moderator = Gated()
    moderation = Moderation(EnginePool({"moderate": moderator}))
    for _ in range(3):
        moderation.submit(sample((10, 200, 30)))
    moderation.finish()
    moderation.close()
    assert moderator.calls == 3 and not moderation_threads()


def test_a_flagged_sample_stops_the_next_frame() -> None:
    """The render loop hears of a flagged sample at its next submit, and later samples are
    not checked at all."""
    moderator = Gated()
    moderation = Moderation(EnginePool({"moderate": moderator}))
    moderation.submit(sample(MAGENTA))
    assert moderator.judged.acquire(timeout=10)
    with pytest.raises(JobModerated, match="failed content moderation"):
        moderation.submit(sample((10, 200, 30)))
    with pytest.raises(JobModerated):
        moderation.finish()
    moderation.close()
    assert moderator.calls == 1 and not moderation_threads()


def test_the_last_sample_is_judged_before_finish_returns() -> None:
    moderation = Moderation(EnginePool({"moderate": FakeModerator()}))
    moderation.submit(sample((10, 200, 30)))
    moderation.submit(sample(MAGENTA))
    with pytest.raises(JobModerated):
        moderation.finish()
    moderation.close()


def test_a_failing_moderator_fails_the_job_with_its_error() -> None:
    moderation = Moderation(EnginePool({"moderate": Broken()}))
    moderation.submit(sample((10, 200, 30)))
    with pytest.raises(RuntimeError, match="model failed"):
        moderation.finish()
    moderation.close()
    assert not moderation_threads()


# --- the real engine ----------------------------------------------------------------------


def test_cv2_keeps_contrib_modules_and_numpy_1() -> None:
    """nudenet pulls opencv-python-headless, which would replace cv2 without these."""
    assert hasattr(cv2, "saliency") and hasattr(cv2, "ximgproc")
    assert int(np.__version__.split(".")[0]) < 2  # mediapipe 0.10.21 needs numpy 1.x


def test_engine_module_imports_no_model() -> None:
    code = (
        "import sys, vidswap.engines.moderate.nudenet\n"
        "assert not {'nudenet', 'onnxruntime'} & set(sys.modules), 'model libraries loaded'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.slow
def test_real_engine_passes_a_clean_photo() -> None:
    engine = registry.build("moderate", "cpu")
    assert isinstance(engine, NudeNetModerator)
    photo = data.astronaut()
    assert engine.flagged(photo) == []
    assert engine.scores(photo).get("FACE_FEMALE", 0) > 0.5  # it sees a person, as RGB
    assert engine.flagged(np.zeros((720, 1280, 3), np.uint8)) == []
    options = engine._detector.onnx_session.get_session_options()
    assert options.intra_op_num_threads == 1  # beside a swap's busy threads: no spinning pool
    engine.close()


@pytest.mark.slow
def test_real_engine_is_the_default_at_upload(
    client: TestClient, account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pool builds the registry's default ("cpu") on the first image upload."""
    monkeypatch.setitem(registry.DEFAULTS, "moderate", "cpu")
    ok_resp(post_file(client, account, "image", png(data.astronaut()), "astronaut.png"), "image")
    engines: EnginePool = client.app.state.services.engines  # type: ignore[attr-defined]
    assert engines.loaded() == {"moderate": "cpu"}
