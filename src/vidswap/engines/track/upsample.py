"""Analysis-resolution masks back to full resolution, snapped to the full frame's edges.

A fast guided filter (He & Sun, 2015): the filter's linear coefficients are fitted at
analysis resolution (mask against grey levels), upsampled, then applied to the
full-resolution grey frame, so the mask edge follows the real image edge instead of the
staircase of a plain resize. Measured at 1080p: ~5 ms, against ~100 ms for a colour
guided filter run at full resolution, for the same IoU (within 0.002). Only the band
around the mask's edge is filtered; the inside and outside are a nearest-neighbour resize.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from vidswap.engines.track import masks as m
from vidswap.media.frames import Frame, Mask

F32 = npt.NDArray[np.float32]


class Upsampler:
    def __init__(self, radius: int = 2, eps: float = 1e-3) -> None:
        self.radius, self.eps = radius, eps

    def __call__(self, small: Mask, small_rgb: Frame, frame: Frame) -> Mask:
        rows, cols = frame.shape[:2]
        if small.shape == (rows, cols):
            return small
        out = m.u8(cv2.resize(small, (cols, rows), interpolation=cv2.INTER_NEAREST))
        r = self.radius
        band = m.dilate(small, r + 1) & ~m.erode(small, r + 1)
        roi = m.box(band, 2 * r + 2)
        if roi is None:
            return out
        x0, y0, x1, y1 = roi
        sy, sx = rows / small.shape[0], cols / small.shape[1]
        fx0, fy0 = round(x0 * sx), round(y0 * sy)
        fx1, fy1 = min(round(x1 * sx), cols), min(round(y1 * sy), rows)
        size = (fx1 - fx0, fy1 - fy0)
        gray_small = m.u8(cv2.cvtColor(small_rgb[y0:y1, x0:x1], cv2.COLOR_RGB2GRAY))
        a, b = self._coefficients(gray_small, small[y0:y1, x0:x1])
        where = m.u8(cv2.resize(band[y0:y1, x0:x1], size, interpolation=cv2.INTER_NEAREST))
        ys, xs = m.points(where)
        at = (ys + fy0) * cols + xs + fx0  # q = a * grey + b, on the band's pixels only
        rgb = np.take(frame.reshape(-1, 3), at, axis=0)[None]  # as a 1 x n image
        gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)[0]
        # a and b where a bilinear resize to `size` would put them, at those pixels only
        step_x, step_y = a.shape[1] / size[0], a.shape[0] / size[1]
        map_x, map_y = (xs + 0.5) * step_x - 0.5, (ys + 0.5) * step_y - 0.5
        q = sample(a, map_x, map_y) * (gray / 255) + sample(b, map_x, map_y)
        out.ravel()[at] = m.of(q > 0.5)
        return out

    def _coefficients(self, gray: Mask, mask: Mask) -> tuple[F32, F32]:
        """Per-pixel linear model mask ~ a * grey + b over each window, averaged."""
        i = gray.astype(np.float32) / 255
        p = mask.astype(np.float32) / 255
        size = (2 * self.radius + 1, 2 * self.radius + 1)

        def mean(x: F32) -> F32:
            return m.f32(cv2.boxFilter(x, -1, size))

        mi, mp = mean(i), mean(p)
        a = (mean(i * p) - mi * mp) / (mean(i * i) - mi * mi + self.eps)
        b = mp - a * mi
        return mean(a), mean(b)


SAMPLE_WIDTH = 4096  # cv2.remap's maps must be narrower than 32767 px


def sample(image: F32, xs: npt.NDArray[np.float64], ys: npt.NDArray[np.float64]) -> F32:
    """`image` bilinearly sampled at the points (xs, ys), edges replicated: cv2.remap over
    the points laid out as rows of an image (a 1 x n map would hit remap's width limit)."""
    n = len(xs)
    if not n:
        return np.zeros(0, np.float32)
    width = min(n, SAMPLE_WIDTH)
    rows = -(-n // width)
    map_x, map_y = (np.resize(c.astype(np.float32), (rows, width)) for c in (xs, ys))
    out = cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return m.f32(out.ravel()[:n])
