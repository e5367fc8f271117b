"""Following an object: the flow-warped previous mask, refined by GrabCut in a band around
its edge (sure foreground inside the eroded mask, sure background outside the dilated one).

Flow alone drifts; GrabCut alone wanders to anything of similar colour. Together the
warp supplies the shape and the band bounds where colour may move the edge. The colour
models carry over from frame to frame (one GrabCut iteration a frame, on the box around
the band only). While only part of the object is in view (coming in, going out), the
models of its last full view decide, frozen, in a wider box: the part in view would
teach them the object is all saucer. A mask that no longer looks like the object (a
ghost left on the background) is dropped; a lost object is looked for, with the frozen
models, in the strip where it left.
"""

from __future__ import annotations

import cv2
import numpy as np

from vidswap.engines.track import masks as m
from vidswap.engines.track.cut import Cutter, Model, band_labels
from vidswap.engines.track.flow import View, magnitude
from vidswap.engines.track.follow import LOOKALIKE, Follower
from vidswap.engines.track.motion import Motion, expected_at, expected_flow, motion_of
from vidswap.media.frames import Mask

REENTRY_SHARE = 0.03  # a reappearing part must be this share of the object's full size
PARTIAL_SHARE = 0.95  # smaller than this share of its full size, at the edge: partly out
FULL_SHARE = 0.9  # at this share of its full size its colour models are kept as reference
CRUMB = 24  # pixels: parts smaller than this are not judged by their motion
# Most pixels GrabCut works on a frame; a larger box is cut at a reduced scale. GrabCut is
# most of the follower's time, and the follower is the object swap's critical path. On
# quality_masks' object runs: 16000 px costs 6.0 ms a cut instead of 10.4 (no budget),
# mean J 0.972 instead of 0.975; 12000 px 5.2 ms, 0.966.
CUT_BUDGET = 16000


class ObjectFollower(Follower):
    def __init__(self, view: View, mask: Mask) -> None:
        self.cut = Cutter(CUT_BUDGET)
        self.reference: tuple[Model, Model] | None = None
        super().__init__(view, mask)

    def follow(self, view: View, warped: Mask) -> Mask:
        r = m.band_radius(warped)
        roi = m.box(warped, 3 * r + 4)
        if roi is None:
            return warped
        motion = motion_of(warped, view.flow, m.area(warped))
        labels = band_labels(warped, r)
        labels[(warped > 0) & (self._moving_along(view, motion, roi) == 0)] = cv2.GC_PR_BGD
        partial = self._partial(view, warped)
        if partial:
            roi = m.grow_box(roi, int(0.5 * np.sqrt(self.seen_area)), view.shape)
            labels[(m.box_mask(view.shape, roi) > 0) & (labels == cv2.GC_BGD)] = cv2.GC_PR_BGD
        cut = self.cut(view.bgr, labels, roi, frozen=self.reference if partial else None)
        refined = m.keep_overlapping(cut, warped, 0.1 if partial else 0.5)
        refined = keep_moving_along(refined, view, motion)
        if self.appearance is not None and self._distance(view, refined) > LOOKALIKE:
            return self._empty(view)  # a ghost on the background: the object has gone
        return refined

    def _moving_along(self, view: View, motion: Motion, roi: m.Box) -> Mask:
        """255 where the flow agrees with the object's motion. Elsewhere the warp's word
        is doubtful: pixels just uncovered behind the object (the warp hands them to it)
        or background it passed over; colour decides there."""
        agree = np.zeros(view.shape, np.uint8)
        if view.flow is None:
            return ~agree
        x0, y0, x1, y1 = roi
        ours = expected_flow(motion, view.shape, roi)
        error = magnitude(view.flow[y0:y1, x0:x1] - ours)
        ok = (error < 2.0 + 0.3 * magnitude(ours)) & (view.reliable[y0:y1, x0:x1] > 0)
        agree[y0:y1, x0:x1] = m.of(ok)
        return agree

    def _partial(self, view: View, warped: Mask) -> bool:
        """Part of the object is outside the frame: it is at (or near: its mask may lag)
        the edge, smaller than its full size."""
        edge = m.box(warped)
        return (
            self.reference is not None
            and edge is not None
            and bool(m.touches(edge, view.shape, int(0.05 * max(view.shape))))
            and m.area(warped) < PARTIAL_SHARE * self.seen_area
        )

    def observe(self, view: View, out: Mask) -> None:
        if self.cut.models is not None and m.area(out) >= FULL_SHARE * self.seen_area:
            self.reference = (self.cut.models[0].copy(), self.cut.models[1].copy())

    def reacquire(self, view: View) -> Mask:
        """A part the frozen colour models find in the search strip, that looks like the
        object and is not a speck, is taken as the object coming back."""
        roi = m.box(self.search_region(view.shape))
        models = self.reference or self.cut.models
        if roi is None or models is None:
            return self._empty(view)
        found = self.cut.search(view.bgr, roi, models)
        found = m.u8(cv2.morphologyEx(found, cv2.MORPH_OPEN, m.disk(2)))
        picked = self.pick(view, found)
        if m.area(picked) < REENTRY_SHARE * self.seen_area:
            return self._empty(view)
        return picked


def keep_moving_along(mask: Mask, view: View, motion: Motion) -> Mask:
    """The parts of `mask` that move with the object: a patch of background the cut took
    in while the object passed over it stays behind when the object moves on, and is
    dropped then (the part moving most like the object always stays)."""
    core = m.erode(mask, 2)  # parts joined by a thread count as apart
    count, labels, stats, _ = cv2.connectedComponentsWithStats(core, connectivity=8)
    if count <= 2 or view.flow is None:
        return mask
    errors = []
    for label in range(1, count):
        if stats[label, cv2.CC_STAT_AREA] < CRUMB:
            errors.append(0.0)  # too small to judge: kept
            continue
        ys, xs = m.points(m.of(labels == label))
        fx, fy = np.median(view.flow[ys, xs], axis=0)
        ox, oy = expected_at(motion, float(xs.mean()), float(ys.mean()))
        errors.append(float(np.hypot(fx - ox, fy - oy)) / (2.0 + 0.3 * float(np.hypot(ox, oy))))
    keep = np.zeros(count, bool)
    keep[1:] = np.array(errors) <= 1.0
    keep[1 + int(np.argmin(errors))] = True
    kept = m.of(keep[labels])
    return mask & m.dilate(kept, 3)
