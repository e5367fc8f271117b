"""A per-frame person matte for tracking: the landscape selfie model, once per view.

The model sees the frame at 256x144: a person under about a quarter of the frame's
height is a few dozen of its pixels, and it sees no one (eight people 60-120 px tall in
a 768x576 wide shot: none of them). Around a small person we follow, the matte of a crop
a few times their size, pasted over the frame's, sees them and whoever walks by them.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from vidswap.engines.segment.selfie import LANDSCAPE, Prob, Selfie
from vidswap.engines.track.flow import View
from vidswap.engines.track.masks import Box, of

# Crop side in heights of the person: at 2 the model saw >= 96% of each of two people
# crossing in the crowd clip (all of them at 3 too, but then 3-7x as much backdrop). A
# person over half the frame's height has the frame as their crop.
FOCUS = 2.0


class Matte:
    """Loads the model once; `__call__` returns the matte of a view, computed once per view
    (and focus)."""

    def __init__(self) -> None:
        self._selfie = Selfie(LANDSCAPE)

    def open(self) -> None:
        self._selfie.open()

    def close(self) -> None:
        self._selfie.close()

    def __call__(self, view: View, focus: Box | None = None) -> Prob:
        """The frame's matte; with a `focus` (from `focus`), the crop's matte inside it."""
        key = f"matte {focus}"
        if key not in view.cache:
            if focus is None:
                view.cache[key] = self._selfie(view.rgb)
            else:
                x0, y0, x1, y1 = focus
                prob = self(view).copy()
                prob[y0:y1, x0:x1] = self._selfie(np.ascontiguousarray(view.rgb[y0:y1, x0:x1]))
                view.cache[key] = prob
        out: Prob = view.cache[key]
        return out

    def people(self, view: View, focus: Box | None = None) -> npt.NDArray[np.uint8]:
        """Pixels more likely person than not, 0/255."""
        key = f"people {focus}"
        if key not in view.cache:
            view.cache[key] = of(self(view, focus) > 0.5)
        people: npt.NDArray[np.uint8] = view.cache[key]
        return people


def focus(shape: tuple[int, int], subject: Box | None) -> Box | None:
    """The crop the matte should look at for a person whose extent is `subject` in a
    frame of `shape`: a square FOCUS times their size around them, or None (the frame)
    when that is no smaller than the frame."""
    if subject is None:
        return None
    x0, y0, x1, y1 = subject
    rows, cols = shape
    half = max(y1 - y0, x1 - x0, 8) * FOCUS / 2
    if 2 * half >= rows:
        return None
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return (
        max(0, int(cx - half)),
        max(0, int(cy - half)),
        min(cols, int(cx + half)),
        min(rows, int(cy + half)),
    )
