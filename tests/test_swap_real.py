"""The whole Swap flow through the HTTP API on real engines, one test per mode.

A generated clip with audio (the astronaut and the coffee cup over a real photo, from
bench/_clips.py, so the ground truth of every frame is known) is uploaded, masks are
selected, the swap runs in a worker thread of this process on the real tracking, render
and moderation engines, and the downloaded output is decoded and checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient
from skimage import data as photos

from bench import _clips
from tests.conftest import Account
from tests.support import shots
from tests.support.executors import ThreadExecutor
from tests.support.media import with_tone
from tests.test_mask_selection import fetch_png
from tests.test_swap import download, png_upload, select_masks, swap, upload_media, wait
from vidswap.api.app import build_services, create_app
from vidswap.config import Settings
from vidswap.engines import registry
from vidswap.engines.pool import EnginePool
from vidswap.engines.segment.faces import detect
from vidswap.storage.db import Database

SIZE, FRAMES, FPS = (640, 360), 24, 12


@pytest.fixture(scope="module")
def engines() -> Iterator[EnginePool]:
    import vidswap.engines.moderate.nudenet  # noqa: F401  (registers the real moderator)

    pool = EnginePool({"moderate": registry.build("moderate", "cpu")})  # not the tests' fake
    yield pool
    pool.close()


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    """The clip (with a tone) and each frame's ground-truth masks by layer."""
    walk = ((0.0, 0.3, 1.0, 0.9), (1.0, 0.38, 1.0, 0.9))
    person = _clips.Layer("astronaut", "astronaut", walk, "bottom")
    cup = _clips.Layer("cup", "cup", ((0.0, 0.78, 0.6, 0.3), (1.0, 0.72, 0.62, 0.32)))
    kinds = {"person": ("astronaut",), "object": ("cup",), "background": ("astronaut", "cup")}
    clip = _clips.Clip("pair", SIZE, FRAMES, "rocket", (person, cup), kinds, fps=FPS)
    tmp = tmp_path_factory.mktemp("real")
    truth = _clips.write(clip, tmp / "silent.mp4")
    return with_tone(tmp / "silent.mp4", tmp / "pair.mp4"), truth


@pytest.fixture
def client(settings: Settings, db: Database, engines: EnginePool) -> Iterator[TestClient]:
    executor = ThreadExecutor()
    services = build_services(settings, executor=executor, engines=engines)
    executor.bind(services)
    with TestClient(create_app(settings, services)) as test_client:
        yield test_client
    executor.join()


def decode(path: Path) -> tuple[list[np.ndarray], float, list[str]]:
    with av.open(str(path)) as container:
        audio = [s.codec_context.name for s in container.streams.audio]
        duration = float(container.duration or 0) / 1e6
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    return frames, duration, audio


def source_frames(path: Path, size: tuple[int, int]) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [
            cv2.resize(f.to_ndarray(format="rgb24"), size, interpolation=cv2.INTER_AREA)
            for f in container.decode(video=0)
        ]


def foreground(masks: dict[str, np.ndarray], names: tuple[str, ...]) -> np.ndarray:
    union = np.zeros(next(iter(masks.values())).shape, np.uint8)
    for name in names:
        union |= masks[name]
    return union


def best_mask(
    client: TestClient, masks: list[dict[str, Any]], mode: str, truth: np.ndarray
) -> dict[str, Any]:
    """The candidate of `mode` that overlaps the ground truth most (objects may include
    salient things of the background photo too)."""

    def iou(entry: dict[str, Any]) -> float:
        got = fetch_png(client, entry["mask_url"]) > 127
        return float((got & truth).sum() / max((got | truth).sum(), 1))

    scored = [(iou(m), m) for m in masks if m["mask_name"] == mode]
    score, entry = max(scored, key=lambda pair: pair[0])
    assert score > 0.7, f"no {mode} mask matches the clip's ({score:.2f})"
    return entry


def face_box(rgb: np.ndarray) -> tuple[int, int, int, int]:
    import mediapipe as mp

    with mp.solutions.face_detection.FaceDetection(model_selection=1) as graph:
        faces = detect(graph, np.ascontiguousarray(rgb))
    assert faces, "no face where the test expects one"
    face = max(faces, key=lambda f: f.size)
    return face.x0, face.y0, face.x1, face.y1


def sunglasses() -> np.ndarray:
    """The second person (the astronaut mirrored, suit recoloured) in black sunglasses:
    unmistakable in the output even after colour matching."""
    rgb = np.array(_clips.passer().rgb)  # a copy: the sprite is cached, shared by clips
    x0, y0, x1, y1 = face_box(rgb)
    h = y1 - y0
    rgb[y0 + round(0.3 * h) : y0 + round(0.5 * h), x0 + (x1 - x0) // 8 : x1 - (x1 - x0) // 8] = 10
    return rgb


TARGETS = {
    "background": lambda: photos.hubble_deep_field()[:400, :600],
    "object": lambda: photos.chelsea(),
    "person": sunglasses,
}
# The background is the scene minus the people: a background swap replaces the cup too.
FOREGROUND = {"background": ("astronaut",), "object": ("cup",), "person": ("astronaut",)}
BAND = np.ones((15, 15), np.uint8)  # around the subject's edge either outcome is fine


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("mode", ["background", "object", "person"])
def test_swap_mode_end_to_end(
    client: TestClient,
    account: Account,
    scene: tuple[Path, list[dict[str, Any]]],
    mode: str,
    tmp_path: Path,
) -> None:
    clip, truth = scene
    media = upload_media(client, account, clip)
    masks = select_masks(client, account, 1, video_media_id=media)
    fg0 = foreground(truth[0], FOREGROUND[mode]) > 0
    chosen = best_mask(client, masks, mode, ~fg0 if mode == "background" else fg0)
    img = png_upload(client, account, TARGETS[mode]())
    resp = swap(
        client, account, video_media_id=media, img_id=img, mask_id=chosen["mask_id"], quality="360p"
    )
    assert resp["ErrCode"] == 0, resp
    result = wait(client, account, resp["Resp"]["video_id"], timeout=240)
    assert result["status"] == 1, result
    size = (640, 360)
    assert (result["outputWidth"], result["outputHeight"]) == size and result["has_audio"]
    assert result["method"] == {"person": "face"}.get(mode, mode)
    frames, duration, audio = decode(download(client, result["url"], tmp_path / "out.mp4"))
    assert len(frames) == FRAMES and audio == ["aac"]
    assert abs(duration - FRAMES / FPS) < 0.2
    before = source_frames(clip, size)
    for n in (0, FRAMES // 2, FRAMES - 1):
        got, src = frames[n].astype(int), before[n].astype(int)
        moved = np.abs(got - src).max(axis=2) > 40
        fg = foreground(truth[n], FOREGROUND[mode])
        band = (cv2.dilate(fg, BAND) > 0) & ~(cv2.erode(fg, BAND) > 0)
        inside = (fg == 0) if mode == "background" else (fg > 0)
        keep, swapped = ~inside & ~band, inside & ~band
        assert moved[keep].mean() < 0.02, f"frame {n}: pixels outside the mask changed"
        if mode == "person":  # the face is swapped, not the whole person
            x0, y0, x1, y1 = face_box(before[n])
            swapped = np.zeros_like(swapped)
            swapped[y0:y1, x0:x1] = True
        assert moved[swapped].mean() > 0.1, f"frame {n}: the swapped region did not change"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("returns", [True, False])
def test_person_swap_across_cuts_counts_its_frames(
    client: TestClient, account: Account, tmp_path: Path, returns: bool
) -> None:
    """Three shots of 8 frames: the astronaut; a cut to the cat and another person; a cut
    back to the rocket, with the astronaut elsewhere or without her. Her face is swapped
    wherever she is, the other frames are the source's, and the result counts them (a
    note under half)."""
    back = (shots.astronaut(((0.0, 0.7, 1.0, 0.95), (1.0, 0.65, 1.0, 0.9))),) if returns else ()
    film = [
        *shots.shot(
            "rocket", (shots.astronaut(((0.0, 0.3, 1.0, 0.9), (1.0, 0.35, 1.0, 0.9))),), 8, SIZE
        ),
        *shots.shot(
            "chelsea", (shots.passer(((0.0, 0.5, 1.0, 0.8), (1.0, 0.55, 1.0, 0.8))),), 8, SIZE
        ),
        *shots.shot("rocket", back, 8, SIZE),
    ]
    clip = shots.write([rgb for rgb, _ in film], tmp_path / "film.mp4", fps=FPS)
    truth = shots.truth(film, "astronaut")
    media = upload_media(client, account, clip)
    masks = select_masks(client, account, 1, video_media_id=media)
    chosen = best_mask(client, masks, "person", truth[0] > 0)
    img = png_upload(client, account, sunglasses())
    resp = swap(
        client, account, video_media_id=media, img_id=img, mask_id=chosen["mask_id"], quality="360p"
    )
    result = wait(client, account, resp["Resp"]["video_id"], timeout=240)
    assert result["status"] == 1, result
    found = 16 if returns else 8
    assert (result["swapped_frames"], result["total_frames"]) == (found, 24)
    if returns:
        assert result["coverage_note"] == ""
    else:
        assert "only 8 of 24 frames (33%)" in result["coverage_note"]
    frames, _, _ = decode(download(client, result["url"], tmp_path / "out.mp4"))
    before = source_frames(clip, SIZE)
    for n in range(24):
        moved = np.abs(frames[n].astype(int) - before[n].astype(int)).max(axis=2) > 40
        if truth[n].any():
            x0, y0, x1, y1 = face_box(before[n])
            assert moved[y0:y1, x0:x1].mean() > 0.1, f"frame {n}: her face was not swapped"
        else:
            assert moved.mean() < 0.01, f"frame {n}: a frame without her changed"
