"""What every follower shares: warp the last mask along the flow, re-anchor it (the
subclass's job), and remember enough about a subject that leaves to pick it up again.

A subject is "lost" once its mask falls below 0.05% of the analysis frame.
While lost, each frame is searched where it went: a strip along the border(s) it left
through, or around where it vanished if it was hidden mid-frame. A candidate must look
like the subject (hue/saturation histogram), so another person entering from the same
side is not mistaken for it.

At a hard cut (`View.cut`) the subject is lost at once, whatever its mask: there is no
flow to warp it along, and in the new shot it may be anywhere or nowhere. It is then
searched in the whole frame, by appearance alone, until found.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import cv2
import numpy as np
import numpy.typing as npt

from vidswap.engines.track import masks as m
from vidswap.engines.track.flow import View, warp
from vidswap.media.frames import Mask

HIST_BINS = [18, 8]
HIST_RANGES = [0, 180, 0, 256]
Hist = npt.NDArray[np.float32]
LOOKALIKE = 0.6  # Bhattacharyya distance: 0 = same colours, 1 = disjoint


class Follower(ABC):
    """Follows one subject from `mask` on `view`; `step` gives its mask on the next view."""

    def __init__(self, view: View, mask: Mask) -> None:
        rows, cols = view.shape
        self.min_area = max(24, int(0.0005 * rows * cols))
        self.mask = mask
        self.appearance: Hist | None = None
        self.last_box: m.Box | None = None
        self.exit_sides: set[str] = set()
        self.lost = self.after_cut = False  # after_cut: lost at a cut, not found since
        self._steps, self.seen_area = 0, 0
        self._remember(view, mask)

    def step(self, view: View) -> Mask:
        if view.cut:
            self._lose_at_cut(view)
        if self.lost:
            out = self.reacquire(view) if self.appearance is not None else self._empty(view)
        else:
            warped = warp(self.mask, view.flow)
            ok = m.area(warped) >= self.min_area
            out = self.follow(view, warped) if ok else self._empty(view)
        if m.area(out) < self.min_area:
            out = self._empty(view)  # a speck is noise, not the subject
        self._remember(view, out)
        self.observe(view, out)
        return out

    def _lose_at_cut(self, view: View) -> None:
        """Nothing links this view to the last: the subject is not here until found."""
        self.mask, self.lost, self.exit_sides = self._empty(view), True, set()
        self.after_cut = True

    @abstractmethod
    def follow(self, view: View, warped: Mask) -> Mask:
        """The subject's mask on `view`, given the previous mask moved along the flow."""

    @abstractmethod
    def reacquire(self, view: View) -> Mask:
        """The subject's mask if it is back in `view`, else an empty mask."""

    @abstractmethod
    def observe(self, view: View, out: Mask) -> None:
        """Updates what the follower carries besides its mask, after each frame."""

    def _empty(self, view: View) -> Mask:
        return np.zeros(view.shape, np.uint8)

    def _remember(self, view: View, out: Mask) -> None:
        """Keeps the mask, and refreshes the appearance now and then from a full view (not
        from the sliver of a subject half out of the frame)."""
        self._steps += 1
        size = m.area(out)
        if size >= self.min_area:
            self.mask, self.lost, self.after_cut, self.last_box = out, False, False, m.box(out)
            if self.appearance is None or (self._steps % 10 == 0 and size >= 0.7 * self.seen_area):
                self.appearance, self.seen_area = histogram(view, out), size
            return
        if not self.lost and self.last_box is not None:
            self.exit_sides = m.touches(self.last_box, view.shape)
        self.mask, self.lost = self._empty(view), True

    def search_region(self, shape: tuple[int, int]) -> Mask:
        """Where a lost subject may reappear: anywhere after a cut; along the border it left
        through, or around the place it vanished (grown by half its size) when it left no
        border behind."""
        if self.after_cut:
            return np.full(shape, 255, np.uint8)
        region = np.zeros(shape, np.uint8)
        if self.last_box is None:
            return region
        x0, y0, x1, y1 = self.last_box
        if self.exit_sides:
            depth = max(x1 - x0, y1 - y0, min(shape) // 5)
            return m.border_strip(shape, self.exit_sides, min(depth, max(shape) // 2))
        dx, dy = (x1 - x0) // 2, (y1 - y0) // 2
        region[max(y0 - dy, 0) : y1 + dy, max(x0 - dx, 0) : x1 + dx] = 255
        return region

    def pick(self, view: View, candidates: Mask) -> Mask:
        """The candidate part in the search region (through the border it left by, if it
        left by one) that looks most like the subject."""
        count, labels, stats, _ = cv2.connectedComponentsWithStats(candidates, connectivity=8)
        region = self.search_region(view.shape)
        best, best_score = 0, LOOKALIKE
        for label in range(1, count):
            if stats[label, cv2.CC_STAT_AREA] < self.min_area:
                continue
            part = np.where(labels == label, 255, 0).astype(np.uint8)
            if not cv2.countNonZero(part & region) or not self._entering(part):
                continue
            score = self._distance(view, part)
            if score < best_score:
                best, best_score = label, score
        if not best:
            return self._empty(view)
        return np.where(labels == best, 255, 0).astype(np.uint8)

    def _entering(self, part: Mask) -> bool:
        """A subject that left through a border comes back through it: the part must
        touch it (a look-alike blob standing near the border is something else)."""
        edge = m.box(part)
        return not self.exit_sides or (
            edge is not None and bool(m.touches(edge, part.shape) & self.exit_sides)
        )

    def _distance(self, view: View, part: Mask) -> float:
        assert self.appearance is not None
        hist = histogram(view, part)
        return float(cv2.compareHist(self.appearance, hist, cv2.HISTCMP_BHATTACHARYYA))


def histogram(view: View, mask: Mask) -> Hist:
    """Normalised hue/saturation histogram of the masked pixels (lighting-tolerant)."""
    if "hsv" not in view.cache:
        view.cache["hsv"] = cv2.cvtColor(view.rgb, cv2.COLOR_RGB2HSV)
    hist = cv2.calcHist([view.cache["hsv"]], [0, 1], mask, HIST_BINS, HIST_RANGES)
    return m.f32(hist) / max(float(hist.sum()), 1e-9)
