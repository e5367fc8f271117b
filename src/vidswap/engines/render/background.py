"""Background mode: everything behind the tracked foreground becomes the target image.

The target is cover-fitted to the frame once. Per frame the tracker's hard mask becomes a
soft matte (feathered inside the edge, so no old background survives as a halo; held
steady against single-pixel jitter, but never behind real motion), the foreground is
nudged towards the new background's colours (a fixed table, so it cannot flicker), and the
blurred new background bleeds a little into the foreground's edge (light wrap) so the
subject sits in its new light instead of looking cut out.
"""

from __future__ import annotations

import cv2
import numpy as np

from vidswap.engines.render import colour
from vidswap.engines.render.base import Target
from vidswap.engines.render.pixels import blend, feather, span
from vidswap.engines.track.masks import Box, box, u8
from vidswap.media.frames import Frame, Mask

FEATHER = 0.0014  # soft edge, share of the frame diagonal (~2 px at 720p)
WRAP = 0.008  # how far the light wrap reaches into the subject (~12 px at 720p)
WRAP_STRENGTH = 0.4  # share of the blurred background at the very edge, times the matte
HARMONY = 0.15  # how far the foreground's Lab statistics move towards the background's
HARMONY_CAP = 6  # most levels harmonisation may move any colour: the subject stays itself
RAMP = np.array([1, 254], np.uint8)  # matte levels of the soft edge (neither clear nor solid)


def cover(image: Frame, shape: tuple[int, ...]) -> Frame:
    """`image` scaled to cover a frame of `shape`, centred and cropped to it."""
    rows, cols = shape[:2]
    scale = max(cols / image.shape[1], rows / image.shape[0])
    size = (max(cols, round(image.shape[1] * scale)), max(rows, round(image.shape[0] * scale)))
    shrinking = scale < 1
    big = cv2.resize(image, size, interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)
    x0, y0 = (size[0] - cols) // 2, (size[1] - rows) // 2
    return u8(big[y0 : y0 + rows, x0 : x0 + cols]).copy()


class SteadyMatte:
    """The tracker's hard masks as a soft matte, steady over time.

    A tracked edge wobbles by a pixel from frame to frame. Within the soft edge, where the
    matte changed no more than such a wobble does, it is averaged with the last frame's (an
    exponential average: a wobbling edge settles on its mean). A larger change is the
    subject moving and is taken at once; outside the soft edge (clear background, solid
    subject) the matte is always the current one, so a moving edge leaves no trail."""

    def __init__(self, radius: int) -> None:
        self._radius = radius
        self._last: tuple[int, Mask, Box] | None = None
        self._wobble = (_edge_change(radius, 1) + _edge_change(radius, 2)) // 2

    def __call__(self, number: int, hard: Mask) -> Mask:
        """Works in the box around the mask only (the matte is 0 beyond it): the subject is
        often a fraction of the frame."""
        soft = np.zeros_like(hard)
        found = box(hard, pad=2 * self._radius + 1)  # beyond the feather's reach: exact
        if found is None:
            self._last = None
            return soft
        x0, y0, x1, y1 = found
        soft[y0:y1, x0:x1] = feather(hard[y0:y1, x0:x1], self._radius)
        if self._last is not None and self._last[0] == number - 1:
            _, last, seen = self._last
            x0, y0, x1, y1 = (*map(min, found[:2], seen[:2]), *map(max, found[2:], seen[2:]))
            self._steady(soft[y0:y1, x0:x1], last[y0:y1, x0:x1])
        self._last = (number, soft, found)
        return soft

    def _steady(self, soft: Mask, last: Mask) -> None:
        """`soft` (in place) averaged with `last` where it moved no more than a wobble."""
        moved = cv2.absdiff(soft, last)
        calm = u8(cv2.threshold(moved, self._wobble, 255, cv2.THRESH_BINARY_INV)[1])
        calm = u8(cv2.bitwise_and(calm, cv2.inRange(soft, RAMP[:1], RAMP[1:])))
        cv2.copyTo(cv2.addWeighted(soft, 0.5, last, 0.5, 0), calm, soft)


def _edge_change(radius: int, step: int) -> int:
    """The most the matte of a straight edge changes when the edge moves `step` px."""
    side = 4 * radius + 2 * step + 4
    edge, moved = np.zeros((2, side, side), np.uint8)
    edge[:, : side // 2] = 255
    moved[:, : side // 2 + step] = 255
    return int(cv2.absdiff(feather(edge, radius), feather(moved, radius)).max())


class BackgroundScene:
    method = "background"
    needs_study = False

    def __init__(self, target: Target, keyframe: Frame, mask: Mask) -> None:
        """`mask` is the background (255 = to replace) on `keyframe`."""
        self._backdrop = cover(target.rgb, keyframe.shape)
        self._window = 2 * span(keyframe.shape, WRAP) + 1
        glow = u8(cv2.GaussianBlur(self._backdrop, (self._window, self._window), 0))
        self._layers = (self._backdrop, glow)
        self._wrap = WRAP_STRENGTH / 255
        subject = colour.pixels(keyframe, u8(cv2.bitwise_not(mask)))
        self._harmony = colour.toward(subject, colour.pixels(self._backdrop), HARMONY, HARMONY_CAP)
        self._matte = SteadyMatte(span(keyframe.shape, FEATHER))

    def study(self, number: int, frame: Frame, mask: Mask) -> None:
        """Nothing to learn ahead: each frame is composited on its own."""

    def render(self, number: int, frame: Frame, mask: Mask) -> Frame:
        """`frame` with its background (`mask` 255) replaced by the fitted target.

        Opaque subject and pure background are copied; only the edge band (the soft edge
        and the light wrap, a few percent of the frame) is mixed, pixel by pixel."""
        alpha = self._matte(number, u8(cv2.bitwise_not(mask)))
        out = self._backdrop.copy()
        found = box(alpha, pad=self._window)
        if found is None:
            return out
        x0, y0, x1, y1 = found
        a = alpha[y0:y1, x0:x1]
        subject = u8(cv2.LUT(frame[y0:y1, x0:x1], self._harmony))
        cv2.copyTo(subject, a, out[y0:y1, x0:x1])
        window = (self._window, self._window)
        gap = u8(cv2.blur(cv2.bitwise_not(a), window, borderType=cv2.BORDER_REPLICATE))
        near = np.flatnonzero(cv2.min(a, gap).ravel() > 0)  # the edge band, in the box
        if not len(near):
            return out
        rows, cols = np.divmod(near, x1 - x0)
        at = (rows + y0) * out.shape[1] + cols + x0  # the same pixels in the whole frame
        # The band's pixels side by side as a 1 x n image, so OpenCV blends only them (a
        # row: as a column, n rows of one pixel, blending takes twice as long).
        fg = np.take(subject.reshape(-1, 3), near, axis=0)[None]
        bg, glow = (np.take(im.reshape(-1, 3), at, axis=0)[None] for im in self._layers)
        opacity = np.take(alpha.ravel(), at)[None]
        wrap = u8(cv2.multiply(opacity, np.take(gap.ravel(), near)[None], scale=self._wrap))
        out.reshape(-1, 3)[at] = blend(blend(glow, fg, wrap), bg, opacity)[0]
        return out
