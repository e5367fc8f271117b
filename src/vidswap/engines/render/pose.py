"""Where the tracked region is in each frame, as a similarity transform from the keyframe.

A mask's centroid gives its position, the square root of its area its size, and its
principal axis (second moments) its turn. The study pass measures every frame; the path
is then smoothed over time centred on each frame (offline, so it does not lag), and the
placed subject follows the region without the tracker's jitter. Size is not trusted where
the region touches the frame's edge (part of it is out of view), nor turn where the region
is nearly round (its axis is noise); such frames take them from their neighbours.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from vidswap.engines.track.masks import box, touches
from vidswap.media.frames import Mask

Affine = npt.NDArray[np.float64]  # 2x3, keyframe pixels -> frame pixels
Series = npt.NDArray[np.float64]
MIN_PIXELS = 4  # fewer mask pixels than this is no region
ROUND = 1.5  # principal-axis variance ratio below which a region has no clear axis
SIGMA = {"position": 2.0, "size": 3.0, "turn": 3.0}  # smoothing, in frames


@dataclass(frozen=True)
class Pose:
    """Centroid (frame pixels), size (sqrt of the area) and principal-axis angle (radians);
    size and angle are NaN where they are not to be trusted."""

    x: float
    y: float
    size: float
    angle: float


def measure(mask: Mask, scale: float = 1.0) -> Pose | None:
    """The pose of `mask`, in pixels of a frame `scale` times its size; None when empty."""
    m = cv2.moments(mask, binaryImage=True)
    found = box(mask)
    if m["m00"] < MIN_PIXELS or found is None:
        return None
    mu20, mu02, mu11 = m["mu20"] / m["m00"], m["mu02"] / m["m00"], m["mu11"] / m["m00"]
    spread = math.hypot(mu20 - mu02, 2 * mu11)
    major, minor = (mu20 + mu02 + spread) / 2, (mu20 + mu02 - spread) / 2
    axis = 0.5 * math.atan2(2 * mu11, mu20 - mu02) if major > ROUND * max(minor, 1e-9) else math.nan
    size = math.nan if touches(found, mask.shape, margin=0) else math.sqrt(m["m00"]) * scale
    return Pose(
        (m["m10"] / m["m00"] + 0.5) * scale - 0.5,
        (m["m01"] / m["m00"] + 0.5) * scale - 0.5,
        size,
        axis,
    )


class Path:
    """Every frame's pose, then the smoothed motion of each frame from the `reference`."""

    def __init__(self, count: int, reference: Pose) -> None:
        self._reference = reference
        self._raw = np.full((count, 4), np.nan)
        self._smooth: npt.NDArray[np.float64] | None = None

    def add(self, number: int, pose: Pose | None) -> None:
        if pose is not None and 0 <= number < len(self._raw):
            self._raw[number] = (pose.x, pose.y, pose.size, pose.angle)
            self._smooth = None

    def motion(self, number: int) -> Affine | None:
        """The keyframe-to-frame transform of the region; None where it is not in view."""
        if self._smooth is None:
            self._smooth = self._smoothed()
        if not 0 <= number < len(self._smooth) or math.isnan(self._smooth[number, 0]):
            return None
        x, y, size, turn = self._smooth[number]
        ref = self._reference
        k = 1.0 if math.isnan(ref.size) else size / ref.size  # (clipped at the keyframe)
        c, s = k * math.cos(turn), k * math.sin(turn)
        return np.array([[c, -s, x - c * ref.x + s * ref.y], [s, c, y - s * ref.x - c * ref.y]])

    def _smoothed(self) -> npt.NDArray[np.float64]:
        """Columns x, y, size, turn (radians from the reference's axis); NaN rows absent."""
        raw, ref = self._raw, self._reference
        present = ~np.isnan(raw[:, 0])
        out = np.full_like(raw, np.nan)
        if not present.any():
            return out
        for col in (0, 1):
            out[:, col] = _smooth(raw[:, col], present, SIGMA["position"])
        out[:, 2] = _filled(_smooth(raw[:, 2], present, SIGMA["size"]), present, ref.size)
        turn = _turns(raw[:, 3], ref.angle)
        out[:, 3] = _filled(_smooth(turn, present, SIGMA["turn"]), present, 0.0)
        out[~present] = np.nan
        return out


def _turns(angles: Series, reference: float) -> Series:
    """Axis angles as turns from the reference axis, unwrapped over time (an axis has no
    head: 179 degrees after 1 degree is a turn of -2); all 0 when the reference has no axis."""
    if math.isnan(reference):
        return np.zeros_like(angles)
    known = ~np.isnan(angles)
    out = np.full_like(angles, np.nan)
    if known.any():
        relative = (angles[known] - reference + math.pi / 2) % math.pi - math.pi / 2
        out[known] = np.unwrap(relative, period=math.pi)
    return out


def _smooth(values: Series, present: npt.NDArray[np.bool_], sigma: float) -> Series:
    """Each frame's value from a quadratic fitted to the neighbouring frames that have one
    (Gaussian weights over time): jitter averages out, while a steady speed or acceleration
    is followed without the lag or overshoot a plain average has. NaN where no neighbour
    has a value; frames beyond a gap in view do not mix with those before it."""
    known = present & ~np.isnan(values)
    radius = math.ceil(3 * sigma)
    steps = np.arange(-radius, radius + 1, dtype=np.float64)
    weights = np.exp(-0.5 * (steps / sigma) ** 2)

    def around(series: Series, power: int) -> Series:
        """Per frame, the sum over its window of weight * step**power * series."""
        kernel = (weights * steps**power)[::-1]
        return np.convolve(series, kernel)[radius : radius + len(series)]

    has, y = known.astype(np.float64), np.where(known, values, 0.0)
    s = [around(has, k) for k in range(5)]
    t = [around(y, k) for k in range(3)]
    out = np.where(s[0] > 1e-3, t[0] / np.maximum(s[0], 1e-3), np.nan)  # too few: the mean
    fits = np.convolve(has, np.ones(2 * radius + 1))[radius : radius + len(has)] >= 3
    if fits.any():
        gram = np.stack([np.stack(s[i : i + 3], axis=-1) for i in range(3)], axis=-2)
        solved = np.linalg.solve(gram[fits], np.stack(t, axis=-1)[fits][..., None])
        out[fits] = solved[:, 0, 0]
    return out


def _filled(values: Series, present: npt.NDArray[np.bool_], fallback: float) -> Series:
    """NaNs of frames in view taken from the nearest known frame (or `fallback`)."""
    known = ~np.isnan(values)
    if not known.any():
        return np.where(present, fallback, np.nan)
    frames = np.arange(len(values))
    return np.where(known, values, np.interp(frames, frames[known], values[known]))
