"""uint8 image plumbing shared by the scenes: sizes relative to the frame, soft edges, blending.

Everything here is OpenCV on uint8 frames: at 1280x720 numpy float (or uint16) maths costs
tens of milliseconds a composite, the OpenCV calls around one.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from vidswap.engines.track.masks import u8
from vidswap.media.frames import Frame, Mask


def span(shape: tuple[int, ...], share: float) -> int:
    """`share` of the frame's diagonal in pixels (at least 1): radii that look the same at
    any resolution."""
    return max(1, round(share * math.hypot(shape[0], shape[1])))


def reduced(shape: tuple[int, ...], side: int) -> tuple[int, int]:
    """(width, height) of a frame of `shape` scaled so its long side is at most `side`."""
    rows, cols = shape[:2]
    scale = min(1.0, side / max(rows, cols))
    return max(1, round(cols * scale)), max(1, round(rows * scale))


def feather(mask: Mask, radius: int) -> Mask:
    """`mask` softened over `radius` px *inside* its edge: choked by the blur's own square
    reach, then blurred, so nothing of what lies outside the hard mask leaks in (no halo)."""
    size = 2 * radius + 1
    square = cv2.getStructuringElement(cv2.MORPH_RECT, (size, size))
    return u8(cv2.GaussianBlur(cv2.erode(mask, square), (size, size), 0))


WEIGHTS = np.arange(256, dtype=np.float32) * np.float32(1 / 255)  # alpha level -> weight
REMAINDERS = 1 - WEIGHTS


def blend(top: Frame, bottom: Frame, alpha: Mask) -> Frame:
    """`top` where `alpha` is 255, `bottom` where 0, mixed in between (a new array). The
    weights come from tables (cv2.LUT: ~5x faster than float arithmetic on the alpha)."""
    weight, remainder = cv2.LUT(alpha, WEIGHTS), cv2.LUT(alpha, REMAINDERS)
    return u8(cv2.blendLinear(top, bottom, weight, remainder))
