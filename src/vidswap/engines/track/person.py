"""Following a person: the per-frame person matte, split between our person and others.

The matte re-anchors the outline every frame (flow alone drifts); flow says *which*
person. `Scene` carries the others and our person's whole shape through occlusion. Matte
pixels that neither explains may join our mask within a band's width of it, or inside
our shape, if they move like our person; a larger unexplained region attached to it (a
person coming in through the border, a passer-by the matte only now sees) or another
person within reach is settled by colour: GrabCut with our core as foreground, and
others, non-people and pixels moving with something else as background. The matte
flickers: a part of our person it saw lately and misses now stays ours (`Support`).
Near others, pixels far likelier in their colours than in our person's (as on the
keyframe) are theirs: flow cannot tell who is in front of whom when both move alike.
Pixels far likelier in ours, near us and moving with us, are ours, even where others
were carried: a part of us coming out from behind someone. A small person is seen by
the matte of a crop around them (`matte.focus`).
"""

from __future__ import annotations

import cv2
import numpy as np

from vidswap.engines.track import masks as m
from vidswap.engines.track.colour import looks_ours, looks_theirs
from vidswap.engines.track.cut import Cutter
from vidswap.engines.track.flow import View, magnitude
from vidswap.engines.track.follow import LOOKALIKE, Follower, histogram
from vidswap.engines.track.matte import Matte, focus
from vidswap.engines.track.motion import Motion, expected_flow, local_flow
from vidswap.engines.track.scene import TRUST_SHARE, Moved, Scene
from vidswap.engines.track.support import Support
from vidswap.media.frames import Mask

MATTE_AGREES = 0.3  # below this share of the warped mask on the matte, trust the flow
PART_SHARE = 0.25  # a matte part is ours when this share of it lies on our prior
HELD_SHARE = 0.1  # a matte gap this share of our mask is a dropout, not an edge correction
SETTLE_SHARE = 0.01  # unexplained or contested pixels, as a share of our area, worth a cut
# Matte probability that keeps a pixel the flow says is ours (0.5 elsewhere): at 0.2 the
# background swap's person PSNR (bench/quality_swap, truth selection) went 27.2 -> 28.7 dB
# (pair 21.9 -> 25.2), old scene left 0.17% -> 0.22%; 0.3 stopped at 28.4 dB. Tracking J
# (bench/quality_masks): pair 0.85 -> 0.88, cameraman 0.90 -> 0.88 (his dark suit spills).
FAINT = 0.2
REACH = 0.5  # how far from us a part may come out, in our size (sqrt of our area)


class PersonFollower(Follower):
    def __init__(self, matte: Matte, view: View, mask: Mask) -> None:
        self.matte, self.focus = matte, focus(view.shape, m.box(mask))
        self.cut = Cutter()
        self.scene = Scene(matte.people(view, self.focus), mask)
        self.support = Support(mask)
        self.look = histogram(view, mask)  # our colours, from the keyframe's true mask
        super().__init__(view, mask)

    def follow(self, view: View, warped: Mask) -> Mask:
        moved = self.scene.move(view, warped)
        self.focus = focus(view.shape, m.box(warped | moved.shape))
        people = self.matte.people(view, self.focus)
        others = moved.others & ~warped  # where both claim a pixel, the visible one won
        if m.area(warped & people) < MATTE_AGREES * m.area(warped):
            return self._unseen(view, warped & ~others)
        joinable, strays = self._motion_check(view, warped, moved)
        others &= ~self._like_us(view, others, others, warped, moved.motion)  # see _like_us
        free = people & ~others
        r = m.band_radius(warped)
        reach = m.dilate(warped, r)
        out = (free & warped & ~strays) | (free & (reach | moved.shape) & joinable)
        beyond = m.keep_overlapping(free & ~reach & ~moved.shape, m.dilate(reach, 2), 0.0)
        disputed = m.keep_overlapping(beyond, m.dilate(others, 2), 0.0)
        out |= beyond & ~disputed & joinable  # attached to us alone: the matte's word
        out |= self._held(view, warped & ~others & ~strays, people, moved.motion, r)
        out |= self._faint(view, warped & ~others & ~strays, out, r)
        contact = others & m.dilate(warped, 2 * r)
        if m.area(disputed) + m.area(contact) > SETTLE_SHARE * m.area(warped):
            zone = (m.dilate(others, 2 * r) & m.dilate(out, 2 * r)) | disputed
            out = self._settle(view, free, warped, out, joinable & ~strays, r, zone)
        near = m.dilate(others, 6 * r)
        out &= ~looks_theirs(view, self.look, others, out & near)
        out = m.keep_overlapping(out, warped | (out & moved.shape), PART_SHARE)
        coming = self._like_us(view, free & near & ~out, others, out, moved.motion)
        return out | m.keep_overlapping(coming, m.dilate(others, 1), 0.0)

    def _like_us(self, view: View, zone: Mask, others: Mask, ours: Mask, motion: Motion) -> Mask:
        """Pixels of `zone` near `ours`, far likelier in our colours than in the others',
        moving with us or just uncovered: parts of our person coming out from behind
        someone. The matte joins them to whoever hides the rest of us, the flow carries
        nothing of ours onto them (they were hidden) or carries theirs, and our shape
        never held them if we were partly hidden from the start. A look-alike walking
        the other way is not us."""
        if not cv2.countNonZero(zone) or not cv2.countNonZero(others):
            return np.zeros(view.shape, np.uint8)  # alone: skip the wide dilation below
        zone = zone & m.dilate(ours, int(REACH * np.sqrt(m.area(ours))))
        roi = m.box(zone)
        if roi is None or view.flow is None:
            return np.zeros(view.shape, np.uint8)
        x0, y0, x1, y1 = roi
        ahead = expected_flow(motion, view.shape, roi)
        off = magnitude(view.flow[y0:y1, x0:x1] - ahead) > 2.0 + 0.2 * magnitude(ahead)
        zone[y0:y1, x0:x1] &= m.of(~off | (view.reliable[y0:y1, x0:x1] == 0))
        return looks_ours(view, self.look, others, zone)

    def _held(self, view: View, warped: Mask, people: Mask, motion: Motion, r: int) -> Mask:
        """Whole parts of our person the matte missed this frame but saw lately, and
        that still move with our person: the part of `warped` deeper than our band in
        the matte's gap, with its outline, once it is a fair share of us. A thin strip
        or a limb's edge the matte takes off us is its correction, not a miss; a blob
        moving with the background is a part the matte lit there before, not ours."""
        none = np.zeros(view.shape, np.uint8)
        missed = m.erode(warped, r) & ~people & self.support.held(view)
        roi = m.box(missed)
        if roi is None or view.flow is None:
            return none
        x0, y0, x1, y1 = roi
        ours = expected_flow(motion, view.shape, roi)
        off = magnitude(view.flow[y0:y1, x0:x1] - ours) > 2.0 + 0.2 * magnitude(ours)
        missed[y0:y1, x0:x1] &= m.of(~off)
        held = m.dilate(missed, r) & warped
        return held if m.area(held) >= HELD_SHARE * m.area(warped) else none

    def _faint(self, view: View, warped: Mask, out: Mask, r: int) -> Mask:
        """Where the flow carries our person, the matte's weaker word is enough: hair
        against a brown backdrop, a dark sleeve on a dark wall score well under an even
        chance, and dropping them each frame shrinks our person from the outside in.
        Only beside what we already hold, so a faint blob elsewhere is not ours."""
        faint = m.of(self.matte(view, self.focus) > FAINT)
        return warped & faint & m.dilate(out, r)

    def _unseen(self, view: View, warped: Mask) -> Mask:
        """The matte does not see our person here: keep the flow's answer while it still
        looks like them (an unusual pose, a person from behind), drop it once it does
        not (a ghost left on the background by a person who walked out)."""
        if self.appearance is None or m.area(warped) < self.min_area:
            return self._empty(view)
        return warped if self._distance(view, warped) < LOOKALIKE else self._empty(view)

    def _motion_check(self, view: View, warped: Mask, moved: Moved) -> tuple[Mask, Mask]:
        """Which pixels may join our person by their motion: those whose flow matches our
        person's own motion nearby, or whose flow means nothing (just uncovered, or no
        part of our person near). Strays: pixels of our warped mask that clearly move
        with something else (flow smoothing at a boundary hands us a few every frame).
        Our motion nearby is the flow on our pixels around, or, while our person is
        mostly hidden, their remembered motion."""
        if view.flow is None or not cv2.countNonZero(moved.others):
            # alone in the matte: nobody to tell apart (and no second flow to compute)
            return np.full(view.shape, 255, np.uint8), np.zeros(view.shape, np.uint8)
        if m.area(warped) >= TRUST_SHARE * m.area(moved.shape):
            local, weight = local_flow(view.flow, warped, int(0.06 * max(view.shape)))
        else:
            local, weight = expected_flow(moved.motion, view.shape), np.ones(view.shape, np.float32)
        diff = magnitude(view.flow - local)
        tol = 3.0 + 0.3 * magnitude(local)
        judged = (view.reliable > 0) & (weight > 0.05)
        joinable = m.of(~judged | (diff < tol))
        strays = m.of(judged & (diff > 2 * tol))
        return joinable, strays

    def _settle(
        self, view: View, free: Mask, warped: Mask, out: Mask, joinable: Mask, r: int, zone: Mask
    ) -> Mask:
        """Colour decides in `zone` (where we meet others, and unexplained parts attached
        to us and to them): GrabCut on the box around it, our core sure, others,
        non-people and pixels moving with something else sure background, our current
        answer probably ours, the rest probably not."""
        roi = m.box(zone, 4 * r + 8)
        if roi is None:
            return out
        labels = np.full(view.shape, cv2.GC_BGD, np.uint8)
        labels[(free & joinable) > 0] = cv2.GC_PR_BGD
        labels[(out & joinable) > 0] = cv2.GC_PR_FGD
        labels[(out & joinable & m.erode(warped, r)) > 0] = cv2.GC_FGD
        cut = self.cut(view.bgr, labels, roi) & free
        return (out & ~zone) | (cut & zone)

    def reacquire(self, view: View) -> Mask:
        """Back from behind someone: matte pixels in our shape; back through the border:
        the lookalike matte part where we left."""
        moved = self.scene.move(view, None)
        self.focus = focus(view.shape, m.box(moved.shape) or self.last_box)
        candidates = self.matte.people(view, self.focus) & ~moved.others
        inside = candidates & moved.shape
        if m.area(inside) >= self.min_area:
            return m.keep_overlapping(candidates, inside, 0.0)
        return self.pick(view, candidates)

    def observe(self, view: View, out: Mask) -> None:
        people = self.matte.people(view, self.focus)
        moved = self.scene.move(view, None)
        like_us = self._like_us(view, people, moved.others, out, moved.motion)
        self.scene.update(view, people, out, like_us)
        seen = m.area(people & out) >= MATTE_AGREES * m.area(out)
        self.support.update(view, people, out, seen)
