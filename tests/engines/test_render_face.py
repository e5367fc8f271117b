"""Person mode's face replacement on real faces (scikit-image's astronaut).

The video is the astronaut turning, growing and drifting over a plain backdrop; the
target is the same photo mirrored and hue-shifted, with a dark mole painted on one
cheek. The mole is what tells the swapped face from the original: it must turn up on the
output at the matching landmark, while a face mesh run afresh on the output must still
agree with the video's (the swapped face follows the head), and nothing away from the
face may change.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import cv2
import numpy as np
import pytest
from skimage import data as photos

from vidswap.engines.render.base import Target
from vidswap.engines.render.face import FaceSwapper
from vidswap.engines.render.face_smoothing import LandmarkFilter
from vidswap.engines.render.face_triangles import MOUTH, triangles
from vidswap.engines.render.landmarks import Landmarks
from vidswap.engines.render.warp import warp
from vidswap.media.frames import Frame, Mask

SIZE = (640, 480)
FRAMES = 8
CHEEK = 280  # face-mesh landmark the mole is painted on
MOLE = 0.05  # mole radius, in face sizes
MAX_ERROR = 0.03  # mean landmark error allowed, in face sizes (measured: ~0.012)
NEAR_FACE = 0.05  # margin round the face's hull inside which pixels may change


@pytest.fixture(scope="module")
def swapper() -> Iterator[FaceSwapper]:
    engine = FaceSwapper()
    engine.setup()
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def mesh() -> Iterator[Any]:
    """An independent face mesh (mediapipe's, whole image) to judge the output with."""
    from mediapipe.python.solutions import face_mesh

    graph = face_mesh.FaceMesh(static_image_mode=True, max_num_faces=1)
    yield graph
    graph.close()


def landmarks(mesh: Any, rgb: Frame) -> np.ndarray:
    found = mesh.process(rgb).multi_face_landmarks
    assert found, "no face found"
    h, w = rgb.shape[:2]
    return np.array([(p.x * w, p.y * h) for p in found[0].landmark], np.float32)


def size_of(points: np.ndarray) -> float:
    return float((points.max(axis=0) - points.min(axis=0)).max())


def shot(i: int) -> tuple[Frame, Mask]:
    """Frame `i` of the clip and the person's mask (the photo's footprint)."""
    angle, scale = 6 * np.sin(i / 2), 1.3 * (1 + 0.03 * i)
    move = cv2.getRotationMatrix2D((256.0, 150.0), angle, scale)
    move[:, 2] += (80 + 6 * i, 10 + 3 * i)
    frame = np.full((SIZE[1], SIZE[0], 3), (70, 110, 140), np.uint8)
    cv2.warpAffine(photos.astronaut(), move, SIZE, frame, borderMode=cv2.BORDER_TRANSPARENT)
    mask = cv2.warpAffine(np.full((512, 512), 255, np.uint8), move, SIZE, flags=cv2.INTER_NEAREST)
    return frame, mask


@pytest.fixture(scope="module")
def target(mesh: Any) -> Target:
    """The astronaut mirrored, hue-shifted and given a mole on one cheek."""
    rgb = np.ascontiguousarray(photos.astronaut()[:320, ::-1])
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    hsv[..., 0] = (hsv[..., 0].astype(np.int32) + 20) % 180
    rgb = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)
    points = landmarks(mesh, rgb)
    centre = tuple(int(v) for v in points[CHEEK])
    cv2.circle(rgb, centre, round(MOLE * size_of(points)), (40, 20, 20), -1, cv2.LINE_AA)
    return Target(rgb, np.full(rgb.shape[:2], 255, np.uint8))


def test_start_needs_a_face_in_the_target(swapper: FaceSwapper) -> None:
    frame, mask = shot(0)
    coffee = photos.coffee()
    cup = Target(coffee, np.full(coffee.shape[:2], 255, np.uint8))
    assert swapper.start(cup, frame, mask) is None


def test_start_needs_a_face_on_the_person(swapper: FaceSwapper, target: Target) -> None:
    frame, mask = shot(0)
    body = mask.copy()
    body[: SIZE[1] // 2] = 0  # the mask keeps the suit, not the head
    assert swapper.start(target, frame, body) is None
    assert swapper.start(target, frame, np.zeros_like(mask)) is None


def test_swapped_face_follows_the_video_and_wears_the_target(
    swapper: FaceSwapper, target: Target, mesh: Any
) -> None:
    scene = swapper.start(target, *shot(0))
    assert scene is not None
    assert (scene.method, scene.needs_study) == ("face", False)
    for i in range(FRAMES):
        frame, mask = shot(i)
        kept = frame.copy()
        out = scene.render(i, frame, mask)
        assert np.array_equal(frame, kept), "the input frame was modified"
        assert out.shape == frame.shape and out.dtype == np.uint8

        source = landmarks(mesh, frame)
        size = size_of(source)
        error = np.linalg.norm(landmarks(mesh, out) - source, axis=1).mean() / size
        assert error < MAX_ERROR, f"frame {i}: landmarks off by {error:.3f} face sizes"

        near = np.zeros(SIZE[::-1], np.uint8)
        cv2.fillConvexPoly(near, cv2.convexHull(source.astype(np.int32)), 255)
        reach = 2 * round(NEAR_FACE * size) + 1
        near = cv2.dilate(near, np.ones((reach, reach), np.uint8))
        assert np.array_equal(out[near == 0], frame[near == 0]), f"frame {i}: off-face change"

        spot = np.zeros(SIZE[::-1], np.uint8)
        cv2.circle(spot, tuple(int(v) for v in source[CHEEK]), round(MOLE * size / 2), 255, -1)
        before, after = frame[spot > 0].mean(), out[spot > 0].mean()
        assert after < before - 40, f"frame {i}: no mole ({before:.0f} -> {after:.0f})"
        change = np.abs(out.astype(np.int16) - frame)[near > 0].mean()
        assert change > 3, f"frame {i}: face unchanged"


def test_frames_without_the_face_pass_through(swapper: FaceSwapper, target: Target) -> None:
    scene = swapper.start(target, *shot(0))
    assert scene is not None
    frame, mask = shot(1)
    assert not np.array_equal(scene.render(1, frame, mask), frame)
    hidden = frame.copy()
    hidden[: SIZE[1] // 2] = (70, 110, 140)  # the head left the picture
    assert np.array_equal(scene.render(2, hidden, mask), hidden)
    away = mask.copy()
    away[: SIZE[1] // 2] = 0  # the face is there, but not on the tracked person
    assert np.array_equal(scene.render(3, frame, away), frame)
    assert not np.array_equal(scene.render(4, frame, mask), frame), "the swap did not resume"


def test_a_face_warped_onto_its_own_mesh_is_itself(mesh: Any) -> None:
    rgb = photos.astronaut()
    points = landmarks(mesh, rgb)
    depth = np.zeros(len(points), np.float32)
    patch = warp(rgb, points, points, depth, triangles(), MOUTH, rgb.shape)
    assert patch is not None
    h, w = patch.rgb.shape[:2]
    cover = cv2.resize(patch.cover, (w, h), interpolation=cv2.INTER_NEAREST) > 0
    under = rgb[patch.y0 : patch.y0 + h, patch.x0 : patch.x0 + w]
    assert np.abs(patch.rgb.astype(np.int16) - under)[cover].mean() < 1


def test_smoothing_steadies_a_still_face_and_restarts_after_a_jump() -> None:
    rng = np.random.default_rng(0)
    base = rng.uniform(100, 300, (468, 2)).astype(np.float32)
    depth = np.zeros(468, np.float32)
    smooth = LandmarkFilter()
    shaken = [base + rng.normal(0, 0.3, base.shape).astype(np.float32) for _ in range(30)]
    steady = [smooth(i, Landmarks(p, depth)).xy for i, p in enumerate(shaken)]
    assert np.std(np.array(steady[10:]) - base) < 0.6 * np.std(np.array(shaken[10:]) - base)
    moved = base + 150
    assert np.array_equal(smooth(30, Landmarks(moved, depth)).xy, moved)
