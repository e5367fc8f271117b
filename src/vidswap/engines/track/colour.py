"""Which of two people a pixel looks like, by hue and saturation.

Flow cannot say who is in front where two people touch and move alike (someone standing
half in front of our person, drifting across by a pixel a frame): each frame our mask
takes a sliver of them, and the sliver becomes ours for good. Their colours can.
"""

from __future__ import annotations

import cv2
import numpy as np

from vidswap.engines.track import masks as m
from vidswap.engines.track.flow import View
from vidswap.engines.track.follow import HIST_BINS, HIST_RANGES, Hist, histogram
from vidswap.media.frames import Mask

MARGIN = 2.0  # a pixel is theirs when its colour is this many times likelier on them


def looks_theirs(view: View, ours: Hist, others: Mask, zone: Mask) -> Mask:
    """Pixels of `zone` whose colour is far more common on `others` than in `ours`
    (our person's colours); alike people give nothing."""
    if not cv2.countNonZero(zone) or not cv2.countNonZero(others):
        return np.zeros(view.shape, np.uint8)
    theirs = histogram(view, others)
    ratio = m.f32(theirs / (ours + 1e-3 * float(ours.max())))
    hsv = view.cache["hsv"]
    bins = [int(b) for b in HIST_BINS]
    h = (hsv[..., 0].astype(np.int32) * bins[0]) // (HIST_RANGES[1] - HIST_RANGES[0])
    s = (hsv[..., 1].astype(np.int32) * bins[1]) // (HIST_RANGES[3] - HIST_RANGES[2])
    likely = ratio[np.clip(h, 0, bins[0] - 1), np.clip(s, 0, bins[1] - 1)] > MARGIN
    return zone & m.of(likely)
