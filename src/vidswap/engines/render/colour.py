"""Colour matching as per-channel lookup tables, decided once per video.

The statistics move in Lab (lightness and colour separately, as the eye judges them); the
move is then fitted as one straight line per RGB channel, applied per frame with cv2.LUT
(~1 ms at 720p). Fixed for the whole video, the correction cannot flicker.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from vidswap.media.frames import Frame, Mask

Table = npt.NDArray[np.uint8]  # 256x1x3, for cv2.LUT on an RGB frame
Pixels = npt.NDArray[np.uint8]  # Nx3 RGB
SAMPLES = 20_000  # enough pixels for a mean and a spread; more only costs time
LEVELS = np.arange(256, dtype=np.float64)


def pixels(image: Frame, where: Mask | None = None) -> Pixels:
    """Up to `SAMPLES` pixels of `image` (where `where` is set), evenly strided."""
    found = image.reshape(-1, 3) if where is None else image[where > 0]
    return found[:: max(1, len(found) // SAMPLES)]


def identity() -> Table:
    return np.repeat(np.arange(256, dtype=np.uint8)[:, None, None], 3, axis=2)


def toward(source: Pixels, reference: Pixels, amount: float, cap: int) -> Table:
    """Tables moving the Lab mean and spread of `source` `amount` (0..1) of the way to
    those of `reference`, no level moving more than `cap`."""
    if len(source) < 2 or len(reference) < 2:
        return identity()
    src, ref = _lab(source), _lab(reference)
    mean, spread = src.mean(axis=0), src.std(axis=0) + 1e-3
    gain = 1 + amount * (ref.std(axis=0) / spread - 1)
    moved = _rgb((src - mean) * gain + mean + amount * (ref.mean(axis=0) - mean))
    tables = [_line(source[:, c].astype(np.float64), moved[:, c], cap) for c in range(3)]
    return np.stack(tables, axis=1)[:, None, :]


def _line(before: npt.NDArray[np.float64], after: npt.NDArray[np.float64], cap: int) -> Table:
    """The least-squares line from `before` to `after` levels as a table, within `cap`."""
    spread = float(before.var())
    together = float(np.mean((before - before.mean()) * (after - after.mean())))
    slope = together / spread if spread else 1.0
    line = np.clip(after.mean() + slope * (LEVELS - before.mean()), LEVELS - cap, LEVELS + cap)
    return np.asarray(np.clip(np.rint(line), 0, 255), np.uint8)


def _lab(rgb: Pixels) -> npt.NDArray[np.float64]:
    unit = rgb.reshape(-1, 1, 3).astype(np.float32) / 255
    return np.asarray(cv2.cvtColor(unit, cv2.COLOR_RGB2Lab), np.float64).reshape(-1, 3)


def _rgb(lab: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    unit = cv2.cvtColor(lab.reshape(-1, 1, 3).astype(np.float32), cv2.COLOR_Lab2RGB)
    return np.asarray(unit, np.float64).reshape(-1, 3) * 255
