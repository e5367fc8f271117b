"""Hard cuts between consecutive analysis frames, so tracking does not follow flow across them.

Optical flow between two shots is meaningless: a mask warped across a cut lands on
whatever is there. The rule, on a 64x36 thumbnail of each frame (~0.1 ms at 480x270):

- colour: the Bhattacharyya distance between the hue/saturation histograms of the two
  frames is at least `RISE` times its recent running level (the mean over the last
  `HISTORY` frames) and at least `COLOUR_FLOOR`. A pan, a fast subject or a change of
  light keep most colours of the shot; a new shot changes them at once.
- structure: the mean absolute difference of the two thumbnails, each normalised to zero
  mean and unit variance (so a change of brightness or contrast alone counts for nothing),
  is at least `STRUCTURE_FLOOR`. This vetoes a colour jump in a frame that still looks
  like the previous one (a coloured light switched on, a flash on a still shot).

A cut between two shots of the same colours (another angle of the same room) is missed;
tracking then goes on as within a shot, as it did before this detector existed.
"""

from __future__ import annotations

from collections import deque

import cv2
import numpy as np
import numpy.typing as npt

from vidswap.engines.track.masks import f32
from vidswap.media.frames import Frame

THUMB = (64, 36)
BINS, RANGES = [16, 8], [0, 180, 0, 256]
RISE = 4.0
COLOUR_FLOOR = 0.25  # Bhattacharyya: 0 same colours, 1 disjoint
STRUCTURE_FLOOR = 0.5  # normalised thumbnails: 0 identical, ~1.1 unrelated
HISTORY = 8
QUIET = 0.02  # running level assumed before any history (a still shot's noise)


class ShotDetector:
    """Fed consecutive frames (in either direction of time), says which start a new shot."""

    def __init__(self) -> None:
        self._last: tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]] | None = None
        self._recent: deque[float] = deque(maxlen=HISTORY)

    def __call__(self, rgb: Frame) -> bool:
        """True when `rgb` starts a new shot (never for the first frame)."""
        thumb = cv2.resize(rgb, THUMB, interpolation=cv2.INTER_AREA)
        hist = cv2.calcHist([cv2.cvtColor(thumb, cv2.COLOR_RGB2HSV)], [0, 1], None, BINS, RANGES)
        hist = f32(hist) / max(float(hist.sum()), 1e-9)
        gray = f32(cv2.cvtColor(thumb, cv2.COLOR_RGB2GRAY))
        gray = (gray - gray.mean()) / max(float(gray.std()), 1.0)
        last, self._last = self._last, (hist, gray)
        if last is None:
            return False
        colour = float(cv2.compareHist(last[0], hist, cv2.HISTCMP_BHATTACHARYYA))
        level = float(np.mean(self._recent)) if self._recent else QUIET
        cut = (
            colour >= max(COLOUR_FLOOR, RISE * level)
            and float(np.mean(np.abs(gray - last[1]))) >= STRUCTURE_FLOOR
        )
        if cut:
            self._recent.clear()  # the new shot's level is its own
        else:
            self._recent.append(colour)
        return cut
