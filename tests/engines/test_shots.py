"""The hard-cut detector on analysis-size frames: cuts at their exact frames, none in a fast
pan, a fast subject or a change of light; cheap enough to run on every frame."""

from __future__ import annotations

import time

import cv2
import numpy as np
import pytest

from tests.support import shots
from vidswap.engines.track.shots import ShotDetector

SIZE = (480, 270)


def cuts(frames: list[np.ndarray]) -> list[int]:
    detect = ShotDetector()
    return [i for i, rgb in enumerate(frames) if detect(rgb)]


def test_hard_cuts_found_at_their_frames() -> None:
    film = [rgb for rgb, _ in shots.film(SIZE, length=12)]
    assert cuts(film) == [12, 24]


def test_cuts_found_backwards_too() -> None:
    """The tracker runs the frames before its keyframe in reverse."""
    film = [rgb for rgb, _ in shots.film(SIZE, length=12)]
    assert cuts(film[::-1]) == [12, 24]


@pytest.mark.parametrize("background", ["rocket", "chelsea", "coffee", "hubble"])
def test_no_cut_in_a_fast_pan(background: str) -> None:
    """The camera sweeps twice the frame's width in a second: ~30 px a frame."""
    frames = [rgb for rgb, _ in shots.shot(background, (), 30, SIZE, pan=(2.0, 0.5))]
    assert cuts(frames) == []


def test_no_cut_for_a_person_crossing_fast() -> None:
    """The astronaut, nearly the frame's height, crosses it in 12 frames."""
    keys = ((0.0, 0.0, 1.0, 0.9), (1.0, 1.0, 1.0, 0.9))
    frames = [rgb for rgb, _ in shots.shot("rocket", (shots.astronaut(keys),), 12, SIZE)]
    assert cuts(frames) == []


def test_no_cut_when_the_light_changes() -> None:
    """The light halves at once, then jumps to 1.4x, then back: brighter and darker
    frames of the same shot."""
    keys = ((0.0, 0.3, 1.0, 0.8), (1.0, 0.5, 1.0, 0.8))
    walk = [rgb for rgb, _ in shots.shot("rocket", (shots.astronaut(keys),), 20, SIZE)]
    gains = [1.0] * 5 + [0.5] * 4 + [1.4] * 3 + [1.0] * 8
    lit = [np.clip(rgb * g, 0, 255).astype(np.uint8) for rgb, g in zip(walk, gains, strict=True)]
    assert cuts(lit) == []


def test_a_colour_jump_in_a_still_frame_is_no_cut() -> None:
    """A coloured light switched on: colours change, the picture does not."""
    rgb = next(iter(shots.shot("rocket", (), 1, SIZE)))[0]
    tinted = rgb.copy()
    tinted[..., 0] = np.clip(tinted[..., 0] * 1.8, 0, 255).astype(np.uint8)
    tinted[..., 2] //= 3
    assert cuts([rgb, rgb, rgb, tinted, tinted]) == []


def test_under_a_millisecond_a_frame() -> None:
    film = [rgb for rgb, _ in shots.film(SIZE, length=4)]
    detect = ShotDetector()
    start = time.perf_counter()
    for _ in range(25):
        for rgb in film:
            detect(rgb)
    per_frame = (time.perf_counter() - start) / (25 * len(film))
    assert per_frame < 1e-3


def test_frames_are_thumbnailed_whatever_their_size() -> None:
    film = [rgb for rgb, _ in shots.film((320, 180), length=6)]
    small = [cv2.resize(rgb, (96, 54), interpolation=cv2.INTER_AREA) for rgb in film]
    assert cuts(film) == cuts(small) == [6, 12]
