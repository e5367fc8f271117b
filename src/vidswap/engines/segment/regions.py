"""Mask plumbing shared by the people and object finders: sizes, components, upsampling.

Analysis runs on a copy of the frame at most `ANALYSIS_SIDE` px on its long side; masks
come back to full resolution through a guided filter against the full-resolution frame,
so their edges snap to the real image edges instead of showing the upscaling blocks.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import numpy.typing as npt

from vidswap.media.frames import Frame, Mask

Soft = npt.NDArray[np.float32]  # HxW, 0..1
ANALYSIS_SIDE = 640
MIN_AREA = 0.005  # share of the frame below which a region is noise, not a candidate
# Least overlap of neighbouring tiles, as a share of their side: wider than a small face
# or person, so none is cut in two by every tile.
OVERLAP = 0.15
Box = tuple[int, int, int, int]  # x0, y0, x1, y1 (exclusive ends)


def shrink(frame: Frame, side: int = ANALYSIS_SIDE) -> Frame:
    """`frame` scaled down so its long side is at most `side` (a no-op when it fits)."""
    h, w = frame.shape[:2]
    if max(h, w) <= side:
        return frame
    scale = side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return np.asarray(cv2.resize(frame, size, interpolation=cv2.INTER_AREA), np.uint8)


def min_pixels(shape: tuple[int, ...]) -> int:
    """The smallest region worth offering, in pixels of an image of `shape`."""
    return max(1, int(MIN_AREA * shape[0] * shape[1]))


def parts(mask: Mask, min_area: int) -> list[Mask]:
    """Connected components of `mask` of at least `min_area` px, largest first."""
    _, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = [1 + i for i in np.argsort(-areas) if areas[i] >= min_area]
    return [np.where(labels == k, 255, 0).astype(np.uint8) for k in keep]


def without_specks(mask: Mask, min_area: int) -> Mask:
    """`mask` minus its components smaller than `min_area` px."""
    found = parts(mask, min_area)
    return np.maximum.reduce(found) if found else np.zeros_like(mask)


def fill_holes(mask: Mask) -> Mask:
    """`mask` with every enclosed hole filled: a region is selected whole."""
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    out = np.zeros_like(mask)
    cv2.drawContours(out, contours, -1, (255,), cv2.FILLED)
    return out


def binary(condition: npt.NDArray[np.bool_]) -> Mask:
    return np.where(condition, 255, 0).astype(np.uint8)


def box(mask: npt.NDArray[np.generic]) -> Box | None:
    """(x0, y0, x1, y1) of the non-zero pixels, exclusive ends; None when empty."""
    ys, xs = np.nonzero(mask)
    if not len(ys):
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def tiles(shape: tuple[int, ...], side: int) -> list[Box]:
    """Squares of `side` (at most the short side), neighbours overlapping by at least
    `OVERLAP`, covering an image of `shape`: where a model that sees the whole image too
    small to find something looks at it larger."""
    h, w = shape[:2]
    side = min(side, h, w)
    return [(x, y, x + side, y + side) for y in _starts(h, side) for x in _starts(w, side)]


def tile_side(shape: tuple[int, ...], share: float) -> int:
    """The side of square tiles that each cover `share` of an image of `shape`: the
    same number of tiles on a 4:3 and a 16:9 frame."""
    return round(math.sqrt(share * shape[0] * shape[1]))


def _starts(length: int, side: int) -> list[int]:
    """Evenly spread starts of tiles of `side` covering `length`."""
    count = math.ceil((length - side) / (side * (1 - OVERLAP))) + 1
    if count == 1:
        return [0]
    return [round(i * (length - side) / (count - 1)) for i in range(count)]


def guide_of(frame: Frame) -> Soft:
    """The full-resolution luminance (0..1) that upsampled masks snap to."""
    gray = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    return np.asarray(gray, np.float32) / 255.0


def upsample(soft: Soft, guide: Soft, eps: float = 1e-3) -> Mask:
    """A small soft mask brought to `guide`'s size, edge-aware, then thresholded at 0.5.

    Only the mask's bounding box (plus a margin) is filtered: outside it the answer is 0.
    """
    big_h, big_w = guide.shape
    scale = big_w / soft.shape[1]
    found = box(soft > 0.02)
    out = np.zeros((big_h, big_w), np.uint8)
    if found is None:
        return out
    radius = max(2, round(2 * scale))
    margin = 2 * radius + round(2 * scale)
    x0, y0, x1, y1 = (round(v * scale) for v in found)
    x0, y0 = max(0, x0 - margin), max(0, y0 - margin)
    x1, y1 = min(big_w, x1 + margin), min(big_h, y1 + margin)
    big = cv2.resize(soft, (big_w, big_h), interpolation=cv2.INTER_LINEAR)[y0:y1, x0:x1]
    if scale > 1:
        big = cv2.ximgproc.guidedFilter(guide[y0:y1, x0:x1], big, radius, eps)
    out[y0:y1, x0:x1] = binary(big >= 0.5)
    return out
