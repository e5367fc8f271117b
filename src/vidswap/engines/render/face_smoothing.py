"""Steadier landmarks: a One-Euro filter per landmark coordinate, in face sizes per frame.

Each frame's mesh is found afresh, so landmarks shake by a fraction of a percent of the
face, which the swapped face would show as shimmer. A One-Euro filter smooths hard while a
point is still and hardly at all while it moves, so a turning head or an opening mouth is
not left behind. Speeds are measured in face sizes per frame so the same settings suit a
face near or far, and the filter starts over when the face was lost or jumped.
"""

from __future__ import annotations

import math

import numpy as np

from vidswap.engines.render.landmarks import Landmarks, Points

STILL_CUTOFF = 0.05  # cycles per frame while still: ~1.5 Hz at 30 fps
SPEED_GAIN = 20.0  # cutoff added per face size per frame of speed
SPEED_CUTOFF = 0.15  # cycles per frame for the speed estimate itself
JUMP = 0.25  # mean move (face sizes) in one frame taken as a new face, not motion


def _weight(cutoff: Points | float) -> Points:
    """Share of the new sample in an exponential average one frame long at `cutoff`."""
    tau = 1.0 / (2 * math.pi * np.asarray(cutoff, np.float32))
    return np.asarray(1.0 / (1.0 + tau), np.float32)


class LandmarkFilter:
    """Smooths one face's landmarks over consecutive frame numbers."""

    def __init__(self) -> None:
        self._number = -2
        self._points: Points | None = None  # (468, 3): x, y, z
        self._speed: Points | None = None

    def __call__(self, number: int, found: Landmarks) -> Landmarks:
        raw = np.column_stack([found.xy, found.z]).astype(np.float32)
        size = found.size
        previous, speed, follows = self._points, self._speed, number == self._number + 1
        self._number = number
        if (
            previous is None
            or speed is None
            or not follows
            or float(np.linalg.norm(raw[:, :2] - previous[:, :2], axis=1).mean()) > JUMP * size
        ):
            self._points, self._speed = raw, np.zeros_like(raw)
            return found
        step = (raw - previous) / size
        speed = speed + _weight(SPEED_CUTOFF) * (step - speed)
        weight = _weight(STILL_CUTOFF + SPEED_GAIN * np.abs(speed))
        points = previous + weight * (raw - previous)
        self._points, self._speed = points, speed
        return Landmarks(points[:, :2].copy(), points[:, 2].copy())
