"""Masks of the backward pass, kept until the output pass reaches their frames.

Bit-packed at analysis resolution: 640x360 is 28.8 kB a frame, so the masks of a 30 s
clip at 30 fps take about 26 MB, where the frames themselves would take 620 MB.
"""

from __future__ import annotations

import numpy as np

from vidswap.media.frames import Mask


class MaskStore:
    def __init__(self) -> None:
        self._bits: dict[int, tuple[Mask, tuple[int, int]]] = {}

    def __len__(self) -> int:
        return len(self._bits)

    def __contains__(self, number: object) -> bool:
        return number in self._bits

    def put(self, number: int, mask: Mask) -> None:
        self._bits[number] = (np.packbits(mask > 0), (mask.shape[0], mask.shape[1]))

    def pop(self, number: int) -> Mask:
        bits, (rows, cols) = self._bits.pop(number)
        flat = np.unpackbits(bits, count=rows * cols)
        return flat.reshape(rows, cols) * np.uint8(255)
