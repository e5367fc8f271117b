"""Removing the tracked subject: what the scene looks like where it stood.

The study pass keeps a running mean of every pixel over the frames where the subject (grown
by a margin, for its soft edge and contact shadow) leaves it uncovered, at most
`PLATE_SIDE` px on the long side; what it never uncovers is inpainted once. Per frame the
plate fills the subject's region, shifted to the frame's exposure. Where the plate does not
match the frame around the region (a moving camera, a changed scene) that frame is
inpainted from itself instead, at a resolution that keeps inpainting's cost bounded.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import numpy.typing as npt

from vidswap.engines.render.pixels import blend, feather, reduced, span
from vidswap.engines.track.masks import Box, box, dilate, u8
from vidswap.media.frames import Frame, Mask

PLATE_SIDE = 640
MARGIN = 0.012  # the subject's region grown by this share of the diagonal (~9 px at 720p)
EXPOSURE_CAP = 24  # most levels the plate is shifted to match a frame's exposure
MISMATCH = 14  # mean level difference around the region beyond which the plate is wrong
INPAINT_RADIUS = 3
# Largest hole inpainted per frame, in pixels: TELEA's time grows with the hole's area
# (5 ms for 5000 px, 40 ms for 53000 px at 640x360); larger holes are filled at a lower
# resolution, which inpainting's blur hides.
HOLE_BUDGET = 6000

Sums = npt.NDArray[np.float32]


class CleanPlate:
    def __init__(self, shape: tuple[int, ...]) -> None:
        """For frames of `shape`; the plate's own size is `self.size` (width, height)."""
        self.shape = shape[:2]
        self.size = reduced(shape, PLATE_SIDE)
        self.margin = span((self.size[1], self.size[0]), MARGIN)
        self._sum: Sums | None = np.zeros((self.size[1], self.size[0], 3), np.float32)
        self._count: Sums | None = np.zeros((self.size[1], self.size[0]), np.float32)
        self._plate: Frame | None = None

    def shrink(self, mask: Mask) -> Mask:
        """`mask` at plate size; a pixel partly covered counts as covered."""
        small = cv2.resize(mask, self.size, interpolation=cv2.INTER_AREA)
        return u8(cv2.threshold(small, 0, 255, cv2.THRESH_BINARY)[1])

    def add(self, frame: Frame, small_mask: Mask) -> None:
        """Learns from the pixels of `frame` the subject (`small_mask`, plate size) leaves."""
        if self._sum is None or self._count is None:
            raise RuntimeError("The plate is already finished.")
        clear = cv2.bitwise_not(dilate(small_mask, self.margin))
        cv2.accumulate(self._small(frame), self._sum, clear)
        np.add(self._count, 1, out=self._count, where=clear > 0)

    def erase(self, frame: Frame, small_mask: Mask) -> Frame:
        """A copy of `frame` without the subject (`small_mask`, plate size)."""
        out = frame.copy()
        hole = dilate(small_mask, 2 * self.margin)
        found = box(hole, pad=2 * self.margin)
        if found is None:
            return out
        x0, y0, x1, y1 = found
        region = (slice(y0, y1), slice(x0, x1))
        seen = self._small(frame, found)
        patch = self._from_plate(seen, hole[region], found)
        if patch is None:
            patch = inpaint(seen, hole[region])
        sx, sy = self.shape[1] / self.size[0], self.shape[0] / self.size[1]
        fx0, fy0 = round(x0 * sx), round(y0 * sy)
        fx1, fy1 = min(round(x1 * sx), self.shape[1]), min(round(y1 * sy), self.shape[0])
        size = (fx1 - fx0, fy1 - fy0)
        alpha = cv2.resize(feather(hole[region], self.margin), size)
        big = cv2.resize(patch, size, interpolation=cv2.INTER_LINEAR)
        out[fy0:fy1, fx0:fx1] = blend(u8(big), frame[fy0:fy1, fx0:fx1], u8(alpha))
        return out

    def _from_plate(self, seen: Frame, hole: Mask, found: Box) -> Frame | None:
        """The plate's pixels over `found`, at the frame's exposure; None when the plate
        disagrees with what the frame shows around the hole."""
        plate = self.plate()
        if plate is None:
            return None
        x0, y0, x1, y1 = found
        patch = plate[y0:y1, x0:x1]
        ring = u8(cv2.bitwise_and(dilate(hole, self.margin), cv2.bitwise_not(hole)))
        if not cv2.countNonZero(ring):
            return patch
        where = ring > 0
        gap = seen[where].astype(np.float32) - patch[where]
        shift = np.clip(gap.mean(axis=0), -EXPOSURE_CAP, EXPOSURE_CAP)
        if float(np.abs(gap - shift).mean()) > MISMATCH:
            return None
        table = np.clip(np.arange(256)[:, None] + np.rint(shift), 0, 255)  # per channel
        return u8(cv2.LUT(patch, u8(table)[:, None, :]))

    def plate(self) -> Frame | None:
        """The finished plate (finishing it on first use); None when nothing was learnt."""
        if self._sum is not None and self._count is not None:
            seen = self._count > 0
            if seen.any():
                mean = self._sum / np.maximum(self._count, 1)[..., None]
                self._plate = inpaint(u8(np.rint(mean)), u8(np.where(seen, 0, 255)), budget=None)
            self._sum = self._count = None
        return self._plate

    def _small(self, frame: Frame, found: Box | None = None) -> Frame:
        """`frame` (or the part over `found`, a plate-size box) at plate resolution."""
        small = u8(cv2.resize(frame, self.size, interpolation=cv2.INTER_AREA))
        if found is None:
            return small
        x0, y0, x1, y1 = found
        return small[y0:y1, x0:x1]


def inpaint(image: Frame, hole: Mask, budget: int | None = HOLE_BUDGET) -> Frame:
    """`image` with `hole` filled from around it; holes over `budget` px are filled at a
    reduced resolution (the rest of the image keeps its own pixels)."""
    area = cv2.countNonZero(hole)
    if not area:
        return image.copy()
    scale = 1.0 if budget is None else min(1.0, math.sqrt(budget / area))
    if scale >= 1.0:
        return u8(cv2.inpaint(image, hole, INPAINT_RADIUS, cv2.INPAINT_TELEA))
    size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
    small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    small_hole = u8(cv2.resize(hole, size, interpolation=cv2.INTER_AREA))
    small_hole = u8(cv2.threshold(small_hole, 0, 255, cv2.THRESH_BINARY)[1])
    filled = cv2.resize(
        cv2.inpaint(small, small_hole, INPAINT_RADIUS, cv2.INPAINT_TELEA),
        (image.shape[1], image.shape[0]),
        interpolation=cv2.INTER_LINEAR,
    )
    out = image.copy()
    cv2.copyTo(u8(filled), hole, out)
    return out
