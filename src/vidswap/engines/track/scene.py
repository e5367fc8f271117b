"""What a person follower remembers besides its mask, to see through occlusion.

- others: matte pixels that are not our person (another person, or whatever the matte
  takes for one), pushed along the forward flow (splatted) each frame. Someone passing
  in front keeps covering what they cover and leaves behind what they uncover.
- shape: our person's whole extent, hidden parts included, moved by their own motion (a
  similarity fitted to the flow on their visible pixels). While others hide part of our
  person, the shape keeps the hidden part, so it is ours again when it comes back.

Splatting lands a passer's edges a little short (flow is smoothed across a motion
boundary), so a strip of our person they uncover can stay marked as theirs. Others'
pixels that were hidden in the previous view (a passer in front is visible in both), or
that lie inside our shape and move like our person, are given back; small crumbs of
others stuck to our person are dropped. While our person is mostly hidden, their motion
is the velocity remembered from when they were in view: the flow on a sliver is mostly
the flow of whoever hides the rest. A hard cut forgets it all: the new shot's people are
judged afresh.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from vidswap.engines.track import masks as m
from vidswap.engines.track.flow import View, magnitude, splat
from vidswap.engines.track.motion import (
    STILL,
    Motion,
    expected_at,
    expected_flow,
    local_flow,
    motion_of,
    shift,
)
from vidswap.media.frames import Mask

CROWD_SHARE = 0.002  # others this near our shape (share of its size) may be hiding it
TRUST_SHARE = 0.5  # share of our shape in view for its own flow to give our motion
NEAR_SHARE = 0.08  # matte parts this close (share of the frame) may still be ours
JOIN_SHARE = 0.25  # a matte part joins the others when this share of it is theirs already


@dataclass(frozen=True)
class Moved:
    """The memory moved onto one view."""

    others: Mask
    shape: Mask
    motion: Motion


class Scene:
    def __init__(self, people: Mask, mask: Mask) -> None:
        self.others = people & ~m.dilate(mask, 2)
        self.shape = mask
        self.velocity = np.zeros(2)
        self._last: tuple[View, Moved] | None = None

    def move(self, view: View, warped: Mask | None) -> Moved:
        """Others and shape on `view` (once per view; `warped` = our previous mask on it,
        for our motion, or None when our person is not in view)."""
        if self._last is not None and self._last[0] is view:
            return self._last[1]
        if view.cut:  # a new shot: nobody carried over, our person's shape unknown
            self.others, self.shape = np.zeros(view.shape, np.uint8), np.zeros(view.shape, np.uint8)
            self.velocity = np.zeros(2)
        rows, cols = view.shape
        motion = self._motion(view, warped)
        shape = self.shape
        if cv2.countNonZero(shape):
            shape = m.u8(cv2.warpAffine(shape, motion, (cols, rows), flags=cv2.INTER_NEAREST))
        others = np.zeros(view.shape, np.uint8)
        if cv2.countNonZero(self.others):
            others = splat(self.others, view.forward)
            others &= ~give_back(view, others, shape, motion)
        moved = Moved(others, shape, motion)
        self._last = (view, moved)
        return moved

    def _motion(self, view: View, warped: Mask | None) -> Motion:
        """Our person's motion onto `view`: fitted to the flow on them while most of them
        is in view (and remembered as a velocity); while mostly hidden, the remembered
        velocity, since a sliver's flow is mostly the flow of whoever hides the rest."""
        if warped is None:
            return STILL
        seen = m.area(warped)
        if seen and seen >= TRUST_SHARE * m.area(self.shape):
            motion = motion_of(warped, view.flow, m.area(self.shape))
            ys, xs = m.points(warped)
            centre = np.array([xs.mean(), ys.mean(), 1.0])
            step = motion @ centre - centre[:2]  # (not motion[:, 2]: a turn or a scale
            self.velocity = 0.5 * self.velocity + 0.5 * step  # about the origin swings it)
            return motion
        return shift(float(self.velocity[0]), float(self.velocity[1]))

    def update(self, view: View, people: Mask, out: Mask, like_us: Mask) -> None:
        """Others for the next frame: what was carried, plus the matte parts beyond our
        band that are far from our person, or move otherwise, or are largely carried
        already (outside our shape: a part of our person coming out from behind someone
        is joined to them in the matte). Parts close to our person and moving with it
        stay undecided, so a person half back in view (their head a separate blob for a
        while) can still grow into them; so do parts in our colours (`like_us`), which may
        be ours coming out from behind them. Our shape is what we see when no one else is
        near; with others at its edge it keeps what it had, as they may be hiding it
        (the start of an occlusion is not seen clearly enough to wait for it)."""
        moved = self.move(view, None)
        rest = people & ~out
        r = m.band_radius(out) if cv2.countNonZero(out) else 2
        loose = rest & ~m.dilate(out, r)
        if not cv2.countNonZero(loose) and not cv2.countNonZero(moved.others):
            self.others, self.shape = loose, out  # alone (most frames): what the rest gives
            return
        near = m.dilate(out, max(1, int(NEAR_SHARE * max(view.shape))))
        theirs = (loose & ~m.keep_overlapping(loose, near, 0.0)) | m.keep_overlapping(
            loose, moved.others, JOIN_SHARE
        )
        theirs |= moving_apart(view, loose & ~theirs, moved.motion)
        theirs &= ~moved.shape & ~like_us
        self.others = drop_crumbs((rest & moved.others) | theirs, out)
        crowded = m.area(moved.shape & m.dilate(moved.others, 2 * r)) > CROWD_SHARE * m.area(out)
        self.shape = (moved.shape | out) if crowded else out


def moving_apart(view: View, parts: Mask, motion: Motion) -> Mask:
    """The connected parts whose median flow (where reliable) is not our person's
    motion there."""
    out = np.zeros(view.shape, np.uint8)
    if view.flow is None or not cv2.countNonZero(parts):
        return out
    count, labels = cv2.connectedComponents(parts, connectivity=8)
    reliable = view.reliable > 0
    for label in range(1, count):
        ys, xs = m.points(m.of(labels == label))
        sure = reliable[ys, xs]
        if sure.sum() < 0.5 * len(xs):
            continue  # mostly just come into view: its flow says nothing yet
        flow = np.median(view.flow[ys[sure], xs[sure]], axis=0)
        ox, oy = expected_at(motion, float(xs.mean()), float(ys.mean()))
        if float(np.hypot(flow[0] - ox, flow[1] - oy)) > 3.0 + 0.3 * float(np.hypot(ox, oy)):
            out[labels == label] = 255
    return out


def drop_crumbs(others: Mask, out: Mask, share: float = 0.05) -> Mask:
    """Others minus small parts stuck to our person: a sliver a short splat left on
    them, which would otherwise stay "someone else" for as long as they stand still."""
    size = m.area(out)
    if not size or not cv2.countNonZero(others):
        return others
    count, labels, stats, _ = cv2.connectedComponentsWithStats(others, connectivity=8)
    small = stats[:, cv2.CC_STAT_AREA] < share * size
    touching = np.zeros(count, bool)
    touching[np.unique(labels[m.dilate(out, 2) > 0])] = True
    drop = small & touching
    drop[0] = False
    return others & m.of(~drop[labels])


def give_back(view: View, others: Mask, shape: Mask, motion: Motion) -> Mask:
    """Pixels of `others` that were hidden in the previous view (whoever passes in front
    is visible in both, so only a short splat put them there), or inside our shape and
    moving like our person, not like them: where both move alike (someone drifting
    slowly across in front), flow cannot say who is in front, and they keep what they
    had rather than hand us a sliver of themselves every frame."""
    out = np.zeros(view.shape, np.uint8)
    if view.flow is None:
        return out
    uncovered = ~view.reliable
    roi = m.box(others & (shape | uncovered))
    if roi is None:
        return out
    x0, y0, x1, y1 = roi
    ours = expected_flow(motion, view.shape, roi)
    tol = 2.0 + 0.2 * magnitude(ours)
    theirs = local_flow(view.flow, others, int(0.06 * max(view.shape)))[0][y0:y1, x0:x1]
    like = magnitude(view.flow[y0:y1, x0:x1] - ours) < tol
    told = magnitude(theirs - ours) > tol  # alike motions cannot say who is in front
    claim = (like & told & (shape[y0:y1, x0:x1] > 0)) | (uncovered[y0:y1, x0:x1] > 0)
    out[y0:y1, x0:x1] = others[y0:y1, x0:x1] & m.of(claim)
    return out
