"""The segmentation engine's motion cue: a keyframe with a nearby frame of its video.

Scenes are a real photo panned like a camera, with a drawn, lightly textured object
moving on its own (drawn here, so its mask is exact truth). IoU floors sit a few points
under what the engine scores today (in brackets).
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from skimage import data as photos

from tests.engines.test_segment import best_iou, check_partition, masks
from tests.support import seg_photos as sp
from vidswap.engines.segment.base import Segmenter
from vidswap.media.frames import Frame, Mask

SIZE = (640, 360)


def _backdrop(pan: int) -> Frame:
    """The espresso photo (warm browns, a dark corner) seen by a camera panned `pan` px."""
    wide = sp.cover(photos.coffee(), SIZE[0] + 40, SIZE[1])
    return np.ascontiguousarray(wide[:, pan : pan + SIZE[0]])


def _draw(
    frame: Frame, shape: Mask, colours: list[tuple[Mask, tuple[int, int, int]]], shift: int
) -> Frame:
    """`frame` with each coloured part painted, speckled so flow has texture to follow;
    the speckle moves with the object (`shift` px to the right)."""
    out = frame.copy()
    speckle = np.random.default_rng(3).integers(-18, 19, (*frame.shape[:2], 1))
    speckle = np.roll(speckle, shift, axis=1)
    for part, colour in colours:
        inside = (part > 0) & (shape > 0)
        out[inside] = np.clip(np.array(colour) + speckle[inside], 0, 255).astype(np.uint8)
    return out


def _two_tone_ball(x: int, y: int, r: int) -> tuple[Mask, Mask, Mask]:
    """A disc, its lit half and its shaded half (the shade as dark as the photo's corner)."""
    disc = np.zeros(SIZE[::-1], np.uint8)
    cv2.circle(disc, (x, y), r, (255,), -1)
    lit = disc.copy()
    lit[:, x:] = 0
    return disc, lit, disc - lit


@pytest.mark.slow
def test_two_tone_object_moving_is_offered_whole(engine: Segmenter) -> None:
    """A ball half lit, half in shade as dark as the backdrop's corner, rolling while the
    camera pans: its motion keeps the shaded half [IoU 0.92; 0.50 without the nearby frame]."""
    frames, truths = [], []
    for pan, x in ((0, 200), (8, 220)):
        disc, lit, shade = _two_tone_ball(x, 150, 70)
        paint = [(lit, (235, 150, 40)), (shade, (40, 25, 15))]
        frames.append(_draw(_backdrop(pan), disc, paint, x))
        truths.append(disc)
    truth = truths[0]
    found = engine.candidates(frames[0], nearby=frames[1])
    check_partition(frames[0], found)
    assert best_iou(masks(found, "object"), truth) >= 0.88


@pytest.mark.slow
def test_moving_box_in_the_frame_corner_is_offered(engine: Segmenter) -> None:
    """A brown box cut off by the bottom-left corner, over the brown table, drifting as
    the camera pans: the border prior alone takes it for background [IoU 0.93; 0 without]."""
    frames, truths = [], []
    for pan, x in ((0, 90), (8, 98)):
        box = np.zeros(SIZE[::-1], np.uint8)
        box[230:, : x + 120] = 255
        top = np.zeros_like(box)
        top[230:260] = 255
        paint = [(box - top, (150, 110, 70)), (top, (190, 150, 100))]
        frames.append(_draw(_backdrop(pan), box, paint, x))
        truths.append(box)
    found = engine.candidates(frames[0], nearby=frames[1])
    check_partition(frames[0], found)
    assert best_iou(masks(found, "object"), truths[0]) >= 0.88


@pytest.mark.slow
def test_still_scene_adds_nothing(engine: Segmenter) -> None:
    """A nearby frame identical to the keyframe (nothing moves) changes no candidate."""
    frame = sp.compose(photos.chelsea(), cup=(300, 200, 150), size=SIZE).frame
    alone = engine.candidates(frame)
    paired = engine.candidates(frame, nearby=frame.copy())
    assert [c.name for c in paired] == [c.name for c in alone]
    assert all(np.array_equal(a.mask, b.mask) for a, b in zip(alone, paired, strict=True))
