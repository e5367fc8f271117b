"""Real photos with exact ground truth for the segmentation tests.

Two subjects are cut out once, each by GrabCut in a band around a hand-traced outline
(traced on a 20 px grid, checked by eye with `python -m tests.support.seg_photos DIR`): the
astronaut (Eileen Collins, scikit-image's `astronaut`) and the espresso cup on its saucer
(`coffee`). Pasting a cut-out onto another photo makes the paste mask exact ground truth.
"""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
from skimage import data as photos

U8 = npt.NDArray[np.uint8]

# Her silhouette in the 512x512 photo as (x, y), clockwise from the top of her hair. It
# leaves out the helmet she holds at the bottom right (its edge runs (345, 350) to
# (278, 512)); the photo's bottom edge cuts her off at the waist.
SILHOUETTE = [
    (220, 14), (262, 22), (290, 45), (300, 75), (300, 100), (290, 118), (274, 128),
    (268, 140), (263, 152), (262, 166), (276, 176), (291, 191), (300, 210), (306, 235),
    (330, 255), (348, 285), (358, 310), (363, 340), (345, 350), (320, 368), (302, 395),
    (288, 430), (280, 470), (278, 511), (25, 511), (20, 420), (24, 340), (40, 295),
    (60, 265), (95, 240), (112, 215), (115, 190), (135, 165), (160, 150), (178, 140),
    (170, 125), (155, 95), (153, 65), (162, 48), (180, 30), (200, 18),
]  # fmt: skip
# The helmet she holds, as (x, y) clockwise from its top; her person matte includes it.
HELMET = [
    (395, 343), (440, 350), (470, 368), (490, 395), (500, 430), (505, 470), (511, 478),
    (511, 511), (290, 511), (278, 470), (285, 430), (300, 395), (325, 365), (360, 347),
]  # fmt: skip
# The cup, its saucer and the spoon in the 600x400 photo: ((cx, cy), (half axes), angle).
CUP = [((278, 228), (202, 160), 5), ((290, 105), (118, 88), 0), ((414, 72), (8, 12), 0)]
BAND = 8  # px either side of the traced edge left for GrabCut to decide
WAIST = 340  # rows above this are her without the helmet: the sprite for composites


@dataclass(frozen=True)
class Sprite:
    """A cut-out: RGB pixels and a binary mask (255 = subject) of the same size."""

    rgb: U8
    mask: U8


@functools.cache
def astronaut_mask() -> U8:
    """Her reference mask in the full photo (helmet excluded)."""
    traced = np.zeros((512, 512), np.uint8)
    cv2.fillPoly(traced, [np.array(SILHOUETTE, np.int32)], 255)
    return _cut(photos.astronaut(), traced, BAND)


@functools.cache
def holding_helmet_mask() -> U8:
    """Her and the helmet she holds: a person matte's idea of "the person" in this photo."""
    traced = np.zeros((512, 512), np.uint8)
    cv2.fillPoly(traced, [np.array(HELMET, np.int32)], 255)
    return np.maximum(astronaut_mask(), _cut(photos.astronaut(), traced, BAND))


@functools.cache
def coffee_mask() -> U8:
    """The cup, saucer and spoon in the `coffee` photo."""
    traced = np.zeros((400, 600), np.uint8)
    for centre, axes, angle in CUP:
        cv2.ellipse(traced, centre, axes, angle, 0, 360, 255, -1)
    return _cut(photos.coffee(), traced, 14)


def _cut(rgb: U8, traced: U8, band: int) -> U8:
    """GrabCut left to decide only within `band` px of the traced outline."""
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * band + 1, 2 * band + 1))
    seeds = np.full(traced.shape, cv2.GC_BGD, np.uint8)
    seeds[cv2.dilate(traced, kernel) > 0] = cv2.GC_PR_BGD
    seeds[traced > 0] = cv2.GC_PR_FGD
    seeds[cv2.erode(traced, kernel) > 0] = cv2.GC_FGD
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    cv2.grabCut(bgr, seeds, None, bgd, fgd, 6, cv2.GC_INIT_WITH_MASK)
    fg = np.isin(seeds, (cv2.GC_FGD, cv2.GC_PR_FGD)).astype(np.uint8) * 255
    return _largest_filled(fg)


def _largest_filled(mask: U8) -> U8:
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    out = np.zeros_like(mask)
    cv2.drawContours(out, [max(contours, key=cv2.contourArea)], -1, 255, cv2.FILLED)
    return out


@functools.cache
def astronaut_sprite() -> Sprite:
    """Her from the waist up (above the helmet), cropped to her bounding box."""
    return _crop(photos.astronaut()[:WAIST], astronaut_mask()[:WAIST])


@functools.cache
def cup_sprite() -> Sprite:
    """The cup on its saucer, cropped to its bounding box."""
    return _crop(photos.coffee(), coffee_mask())


def _crop(rgb: U8, mask: U8) -> Sprite:
    ys, xs = np.nonzero(mask)
    box = np.s_[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    return Sprite(np.ascontiguousarray(rgb[box]), np.ascontiguousarray(mask[box]))


def mirrored(sprite: Sprite, suit_hue: int = 0) -> Sprite:
    """A second, different-looking person: flipped, her orange suit re-dyed to `suit_hue`
    (OpenCV hue, 0..179; skin and hair are less saturated and keep their colour)."""
    rgb = np.ascontiguousarray(sprite.rgb[:, ::-1])
    if suit_hue:
        hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
        suit = (hsv[..., 0] < 12) & (hsv[..., 1] > 150)
        hsv[..., 0][suit] = suit_hue
        rgb = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)
    return Sprite(rgb, np.ascontiguousarray(sprite.mask[:, ::-1]))


def cover(rgb: U8, width: int, height: int) -> U8:
    """`rgb` scaled to cover width x height, centre-cropped."""
    h, w = rgb.shape[:2]
    scale = max(width / w, height / h)
    big = cv2.resize(rgb, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_CUBIC)
    y0, x0 = (big.shape[0] - height) // 2, (big.shape[1] - width) // 2
    return np.ascontiguousarray(big[y0 : y0 + height, x0 : x0 + width])


def paste(frame: U8, sprite: Sprite, x: int, height: int, y: int | None = None) -> tuple[U8, U8]:
    """`sprite` scaled to `height` with its top-left corner at (x, y), by default standing
    on the bottom edge; parts beyond the frame are cut off.

    Returns the composite and the exact mask of the pasted pixels (255 = pasted)."""
    h, w = sprite.mask.shape
    width = round(w * height / h)
    rgb = cv2.resize(sprite.rgb, (width, height), interpolation=cv2.INTER_AREA)
    mask = cv2.resize(sprite.mask, (width, height), interpolation=cv2.INTER_NEAREST)
    y = frame.shape[0] - height if y is None else y
    x1, y1 = min(frame.shape[1], x + width), min(frame.shape[0], y + height)
    cut = mask[: y1 - y, : x1 - x] > 0
    out, truth = frame.copy(), np.zeros(frame.shape[:2], np.uint8)
    out[y:y1, x:x1][cut] = rgb[: y1 - y, : x1 - x][cut]
    truth[y:y1, x:x1][cut] = 255
    return out, truth


@dataclass(frozen=True)
class Scene:
    """A composite frame and the exact masks of what was pasted into it."""

    frame: U8
    people: list[U8]  # one per pasted person, in pasting order, minus what covers them
    cup: U8 | None  # the pasted cup, minus what covers it


def compose(
    background: U8,
    people: tuple[tuple[Sprite, int, int], ...] = (),
    cup: tuple[int, int, int] | None = None,
    size: tuple[int, int] = (1280, 720),
) -> Scene:
    """`background` cover-fitted to `size` (w, h), then the cup at (x, y, height), then
    each person as (sprite, x, height) standing on the bottom edge, later ones in front."""
    frame = cover(background, *size)
    cup_truth = None
    if cup is not None:
        frame, cup_truth = paste(frame, cup_sprite(), cup[0], cup[2], cup[1])
    truths: list[U8] = []
    for sprite, x, height in people:
        frame, truth = paste(frame, sprite, x, height)
        truths = [_minus(t, truth) for t in truths] + [truth]
        cup_truth = None if cup_truth is None else _minus(cup_truth, truth)
    return Scene(frame, truths, cup_truth)


def _minus(mask: U8, front: U8) -> U8:
    """`mask` without what `front` covers."""
    return np.where(front > 0, 0, mask).astype(np.uint8)


def iou(a: U8, b: U8) -> float:
    """Intersection over union of two masks (1.0 when both are empty)."""
    inter = np.count_nonzero((a > 0) & (b > 0))
    union = np.count_nonzero((a > 0) | (b > 0))
    return inter / union if union else 1.0


def _preview(folder: Path) -> None:
    """Writes each reference mask over its photo (the rest dimmed) to look at."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rgb, mask in (
        ("astronaut", photos.astronaut(), astronaut_mask()),
        ("holding", photos.astronaut(), holding_helmet_mask()),
        ("coffee", photos.coffee(), coffee_mask()),
    ):
        shown = rgb.copy()
        shown[mask == 0] = (shown[mask == 0] * 0.3).astype(np.uint8)
        cv2.imwrite(str(folder / f"{name}_ref.png"), cv2.cvtColor(shown, cv2.COLOR_RGB2BGR))


if __name__ == "__main__":
    _preview(Path(sys.argv[1]))
