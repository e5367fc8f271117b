"""Frames at analysis resolution and the dense optical flow that links each to the one
processed before it (forwards or backwards in time: the followers do not care), unless a
hard cut separates them: a view that starts a new shot has no flow (`cut`).

DIS optical flow (`dis`) costs ~3.5 ms of CPU a direction at 480x270 here. The backward
flow (this view -> the previous one) is always computed: it moves masks. The forward
flow is computed only when a follower asks (to push other people along, and to tell
which pixels were hidden in the previous view).
"""

from __future__ import annotations

import functools
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from vidswap.engines.track.masks import f32, of, points, u8
from vidswap.engines.track.shots import ShotDetector
from vidswap.media.frames import Frame, Mask

FlowField = npt.NDArray[np.float32]  # HxWx2: where each pixel was in the other view


class View:
    """One frame at analysis resolution with what the followers compute from it once and
    share: grey levels, BGR for GrabCut, the flows to and from the previous view, and
    anything else cached by name (the person matte). `cut`: the view starts a new shot."""

    def __init__(
        self, rgb: Frame, forward_dis: Any = None, prev_gray: Mask | None = None, cut: bool = False
    ) -> None:
        """`forward_dis` computes the forward flow on demand; the backward flow (`flow`)
        is set by the Chain."""
        self.rgb, self.cut = rgb, cut
        self.gray = u8(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY))
        self.cache: dict[str, Any] = {}
        self._dis, self._prev_gray = forward_dis, prev_gray
        self.flow: FlowField | None = None

    @property
    def shape(self) -> tuple[int, int]:
        return self.rgb.shape[0], self.rgb.shape[1]

    @property
    def bgr(self) -> Frame:
        if "bgr" not in self.cache:
            self.cache["bgr"] = u8(cv2.cvtColor(self.rgb, cv2.COLOR_RGB2BGR))
        bgr: Frame = self.cache["bgr"]
        return bgr

    @property
    def forward(self) -> FlowField | None:
        """Flow from the previous view to this one (where each previous pixel went)."""
        if self._dis is None or self._prev_gray is None:
            return None
        if "forward" not in self.cache:
            self.cache["forward"] = f32(self._dis.calc(self._prev_gray, self.gray, None))
        flow: FlowField = self.cache["forward"]
        return flow

    @property
    def reliable(self) -> Mask:
        """255 where the backward flow is trustworthy: the pixel was visible in the
        previous view too (forward-backward check). Pixels just uncovered fail it."""
        if "reliable" not in self.cache:
            self.cache["reliable"] = self._reliable()
        out: Mask = self.cache["reliable"]
        return out

    def _reliable(self) -> Mask:
        back, ahead = self.flow, self.forward
        if back is None or ahead is None:
            return np.full(self.shape, 255, np.uint8)
        xs, ys = grid(self.shape)
        there = f32(cv2.remap(ahead, xs + back[..., 0], ys + back[..., 1], cv2.INTER_LINEAR))
        error = magnitude(back + there)
        return u8(cv2.compare(error, 1.5 + 0.1 * magnitude(back), cv2.CMP_LT))


class Chain:
    """Turns a sequence of analysis frames into Views, each linked to its predecessor.

    `push` may run on another thread than the followers: the views' forward flows (asked
    for by the followers) have a DIS instance of their own. With `reliable`, push also
    computes each view's forward flow and reliability, for followers that always ask for
    them (so they are computed on push's thread, not on the followers'). A view after a
    hard cut is linked to nothing: flow across it would be meaningless."""

    def __init__(self, reliable: bool = False) -> None:
        self._dis, self._forward_dis = dis(), dis()
        self._reliable = reliable
        self._shots = ShotDetector()
        self._last: View | None = None

    def push(self, rgb: Frame) -> View:
        cut = self._shots(rgb)
        prev = self._last.gray if self._last is not None and not cut else None
        view = View(rgb, self._forward_dis, prev, cut)
        if prev is not None:
            view.flow = f32(self._dis.calc(view.gray, prev, None))
            if self._reliable:
                view.cache["reliable"] = view.reliable  # (computed and cached now)
        self._last = view
        return view


def dis() -> Any:
    """DIS's fast preset with one variational refinement pass instead of five: at 480x270
    that halves its CPU (6.9 -> 3.5 ms a flow, two threads), for mean J (bench/
    quality_masks) person 0.957 -> 0.963, object 0.977 -> 0.975, background 0.992 either
    way. With none, a person crossing in front is lost more often (crossing 0.904 -> 0.870)."""
    flow = cv2.DISOpticalFlow.create(cv2.DISOPTICAL_FLOW_PRESET_FAST)
    flow.setVariationalRefinementIterations(1)
    return flow


@functools.lru_cache(maxsize=4)
def grid(shape: tuple[int, int]) -> tuple[FlowField, FlowField]:
    """Pixel x and y coordinates (float32) of a frame of `shape`; shared, read-only."""
    ys, xs = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float32)
    xs.setflags(write=False)
    ys.setflags(write=False)
    return xs, ys


def magnitude(field: FlowField) -> npt.NDArray[np.float32]:
    """Length of each vector of a HxWx2 field."""
    return f32(cv2.magnitude(field[..., 0], field[..., 1]))


def warp_soft(mask: Mask, flow: FlowField | None) -> Mask:
    """`mask` moved from the previous view onto this one (backward mapping: each pixel
    samples where it was), bilinear at the edges (0..255)."""
    if flow is None:
        return mask
    xs, ys = grid((mask.shape[0], mask.shape[1]))
    return u8(
        cv2.remap(
            mask,
            xs + flow[..., 0],
            ys + flow[..., 1],
            cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=(0,),
        )
    )


def warp(mask: Mask, flow: FlowField | None) -> Mask:
    """`mask` moved onto this view along the backward flow, 0/255."""
    return of(warp_soft(mask, flow) > 127)


def splat(mask: Mask, forward: FlowField | None) -> Mask:
    """Pushes each pixel of `mask` to where the forward flow takes it. Unlike the backward
    warp, this never grows a moving subject at its trailing edge (newly uncovered pixels
    receive nothing), which is right for whatever passes in front of our subject."""
    if forward is None:
        return mask
    ys, xs = points(mask)
    tx = np.rint(xs + forward[ys, xs, 0]).astype(np.int32)
    ty = np.rint(ys + forward[ys, xs, 1]).astype(np.int32)
    rows, cols = mask.shape[:2]
    inside = (tx >= 0) & (tx < cols) & (ty >= 0) & (ty < rows)
    out = np.zeros_like(mask)
    out[ty[inside], tx[inside]] = 255
    return u8(cv2.morphologyEx(out, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8)))
