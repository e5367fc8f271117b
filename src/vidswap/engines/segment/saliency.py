"""Where the salient things are: a per-pixel score (0..1) in absolute units.

Three cues, multiplied: how unlike the frame's borders a colour is (a background prior:
the borders are mostly background, judged per side so that a subject touching one side
still stands out against the other three); whether a flood from the borders reaches the
pixel through gentle colour changes (so a sky's gradient stays background); and
opencv-contrib's fine-grained saliency (local centre-surround contrast). The first is in
absolute Lab units, so a blank or uniform frame scores zero everywhere instead of having
its noise stretched into "objects".
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from vidswap.engines.segment.regions import Soft
from vidswap.media.frames import Frame

BORDER = 0.04  # share of the long side sampled as each border strip
COLOURS = 4  # k-means colours per border strip
UNLIKE = 25.0  # Lab distance from every border colour at which a pixel scores 1
FLOOD_STEP = 0.03  # spacing of the flood's seeds along the borders, share of the long side
FLOOD_TOLERANCE = 3  # largest step between neighbours (8-bit RGB) the flood crosses
REACHED = 0.3  # weight of pixels the border flood reaches
_SALIENCY: Any = cv2.saliency  # opencv-contrib; not in opencv's type stubs


def saliency(rgb: Frame) -> Soft:
    """0..1 per pixel of `rgb` (which should be small: ~200 px on its long side)."""
    raw = cv2.cvtColor(np.asarray(rgb, np.float32) / 255.0, cv2.COLOR_RGB2LAB)
    lab = np.asarray(cv2.GaussianBlur(raw, (0, 0), 1.0), np.float32)
    unlike = np.clip(border_distance(lab) / UNLIKE, 0.0, 1.0)
    unlike[border_reach(rgb)] *= REACHED
    return np.asarray(unlike * (0.5 + 0.5 * contrast(rgb)), np.float32)


def border_reach(rgb: Frame) -> npt.NDArray[np.bool_]:
    """Pixels a flood fill from seeds all along the borders reaches in small steps."""
    smooth = np.asarray(cv2.GaussianBlur(rgb, (0, 0), 1.2), np.uint8)
    h, w = smooth.shape[:2]
    reached = np.zeros((h + 2, w + 2), np.uint8)
    step = max(1, round(FLOOD_STEP * max(h, w)))
    seeds = [(x, y) for x in range(0, w, step) for y in (0, h - 1)]
    seeds += [(x, y) for y in range(0, h, step) for x in (0, w - 1)]
    flags = 4 | cv2.FLOODFILL_MASK_ONLY | (255 << 8)
    tolerance = (FLOOD_TOLERANCE,) * 3
    for x, y in seeds:
        if not reached[y + 1, x + 1]:
            cv2.floodFill(smooth, reached, (x, y), (0,), tolerance, tolerance, flags)
    return reached[1:-1, 1:-1] > 0


def border_distance(lab: Soft) -> Soft:
    """Per pixel, Lab distance to the nearest colour of the borders, taking the second
    smallest of the four sides' answers (robust to a subject cut off by one side)."""
    h, w = lab.shape[:2]
    strip = max(2, round(BORDER * max(h, w)))
    sides = (lab[:strip], lab[-strip:], lab[:, :strip], lab[:, -strip:])
    pixels = lab.reshape(-1, 3)
    nearest = np.stack([_nearest(pixels, _palette(side)) for side in sides])
    return np.asarray(np.sort(nearest, axis=0)[1].reshape(h, w), np.float32)


def _palette(pixels: Soft) -> Soft:
    """A few representative colours of `pixels` (k-means in Lab)."""
    samples = np.ascontiguousarray(pixels.reshape(-1, 3), np.float32)
    count = min(COLOURS, len(samples))
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 8, 0.5)
    cv2.setRNGSeed(7)  # k-means++ seeding is random; keep answers repeatable
    labels = np.zeros((len(samples), 1), np.int32)
    _, _, centres = cv2.kmeans(samples, count, labels, criteria, 1, cv2.KMEANS_PP_CENTERS)
    return np.asarray(centres, np.float32)


def _nearest(pixels: Soft, palette: Soft) -> Soft:
    """Distance from each pixel (N x 3) to its nearest palette colour, by one matrix
    product: |p - c|^2 = |p|^2 - 2 p.c + |c|^2."""
    squared = (pixels**2).sum(axis=1, keepdims=True) - 2 * pixels @ palette.T
    squared += (palette**2).sum(axis=1)
    return np.asarray(np.sqrt(np.maximum(squared.min(axis=1), 0.0)), np.float32)


def contrast(rgb: Frame) -> Soft:
    """Fine-grained saliency, smoothed to region scale and scaled to 0..1."""
    bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    ok, found = _SALIENCY.StaticSaliencyFineGrained_create().computeSaliency(bgr)
    if not ok:
        return np.zeros(rgb.shape[:2], np.float32)
    smooth = cv2.GaussianBlur(np.asarray(found, np.float32), (0, 0), max(rgb.shape) / 60)
    top = float(smooth.max())
    return np.asarray(smooth / top if top > 0 else smooth, np.float32)
