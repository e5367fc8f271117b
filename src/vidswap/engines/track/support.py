"""How recently the person matte saw each pixel of our person, carried along the flow.

The matte is decided afresh every frame and flickers: for a frame or two it may drop a
whole part of a person it saw just before (a dark suit on a cluttered background loses
its head and shoulders, then gets them back). Without a memory the follower drops the
part with it, and the next frame's warped mask no longer reaches it. The memory lets a
part the matte saw within the last few frames stay ours; after that, a part the matte
keeps missing (a ghost the flow left on the background) goes.
"""

from __future__ import annotations

import cv2
import numpy as np

from vidswap.engines.track import masks as m
from vidswap.engines.track.flow import FlowField, View, grid
from vidswap.media.frames import Mask

HOLD_FRAMES = 4  # frames a part unseen by the matte stays ours


class Support:
    """Frames left (0..HOLD_FRAMES) before each pixel of our person goes unsupported."""

    def __init__(self, mask: Mask) -> None:
        self.left = np.where(mask > 0, HOLD_FRAMES, 0).astype(np.uint8)
        self._last: tuple[View, Mask] | None = None

    def held(self, view: View) -> Mask:
        """Our pixels the matte saw within the last HOLD_FRAMES frames, moved onto `view`."""
        return m.of(self._moved(view) > 0)

    def update(self, view: View, people: Mask, out: Mask, seen: bool) -> None:
        """Our pixels the matte sees start over; the rest of ours count down while the
        matte sees our person (`seen`): a frame it misses them whole is no verdict on
        one part (the follower then keeps them while they look like themselves)."""
        moved = self._moved(view)
        left = np.where(people > 0, HOLD_FRAMES, np.maximum(moved, 1) - 1 if seen else moved)
        self.left = m.u8(left) & out

    def _moved(self, view: View) -> Mask:
        if self._last is None or self._last[0] is not view:
            left = np.zeros_like(self.left) if view.cut else _moved(self.left, view.flow)
            self._last = (view, left)
        return self._last[1]


def _moved(left: Mask, flow: FlowField | None) -> Mask:
    if flow is None:
        return left
    xs, ys = grid((left.shape[0], left.shape[1]))
    return m.u8(
        cv2.remap(left, xs + flow[..., 0], ys + flow[..., 1], cv2.INTER_NEAREST, borderValue=(0,))
    )
