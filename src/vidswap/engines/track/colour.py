"""Which of two people a pixel looks like, by hue and saturation.

Flow cannot say who is in front where two people touch and move alike (someone standing
half in front of our person, drifting across by a pixel a frame): each frame our mask
takes a sliver of them, and the sliver becomes ours for good. Their colours can. Nor
can the matte, where our person comes out from behind someone: both are one blob, and
the part coming out has no flow to carry our mask onto it. Our colours can.
"""

from __future__ import annotations

import cv2
import numpy as np

from vidswap.engines.track import masks as m
from vidswap.engines.track.flow import View
from vidswap.engines.track.follow import HIST_BINS, HIST_RANGES, Hist, histogram
from vidswap.media.frames import Mask

MARGIN = 2.0  # a pixel is theirs when its colour is this many times likelier on them
# A pixel may become ours when its colour is this many times likelier on us: claiming is
# riskier than letting go (at 4, tracking J on bench/quality_masks `pair` 0.88 -> 0.85:
# the other's shared colours come with them; crowd 0.50 at 8, 0.60 at 4).
CLAIM = 8.0


def looks_theirs(view: View, ours: Hist, others: Mask, zone: Mask) -> Mask:
    """Pixels of `zone` whose colour is far more common on `others` than in `ours`
    (our person's colours); alike people give nothing."""
    if not cv2.countNonZero(zone) or not cv2.countNonZero(others):
        return np.zeros(view.shape, np.uint8)
    return _likelier(view, histogram(view, others), ours, zone, MARGIN)


def looks_ours(view: View, ours: Hist, others: Mask, zone: Mask) -> Mask:
    """Pixels of `zone` whose colour is far more common in `ours` than on `others`
    (by CLAIM)."""
    if not cv2.countNonZero(zone) or not cv2.countNonZero(others):
        return np.zeros(view.shape, np.uint8)
    return _likelier(view, ours, histogram(view, others), zone, CLAIM)


def _likelier(view: View, one: Hist, other: Hist, zone: Mask, margin: float) -> Mask:
    ratio = m.f32(one / (other + 1e-3 * float(other.max())))
    hsv = view.cache["hsv"]
    bins = [int(b) for b in HIST_BINS]
    h = (hsv[..., 0].astype(np.int32) * bins[0]) // (HIST_RANGES[1] - HIST_RANGES[0])
    s = (hsv[..., 1].astype(np.int32) * bins[1]) // (HIST_RANGES[3] - HIST_RANGES[2])
    likely = ratio[np.clip(h, 0, bins[0] - 1), np.clip(s, 0, bins[1] - 1)] > margin
    return zone & m.of(likely)
