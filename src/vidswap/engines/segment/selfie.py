"""mediapipe's selfie segmentation, the one place it is touched (it has no type information).

Both models ship in the mediapipe wheel (nothing downloads): `LANDSCAPE` (model 1, 256x144
inside, ~3.5 ms a frame here) and `SQUARE` (model 0, 256x256), which does better on
portrait and square pictures and on crops.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

LANDSCAPE = 1
SQUARE = 0
NOBODY = 0.05  # probability below which the matte is sure no one is there

Prob = npt.NDArray[np.float32]  # HxW, 0..1 likelihood of foreground (mostly: person)


class Selfie:
    """One selfie-matte graph, loaded on first use; not re-entrant (callers hold a lock)."""

    def __init__(self, model: int) -> None:
        self.model = model
        self._graph: Any = None

    def open(self) -> None:
        if self._graph is None:
            from mediapipe.python.solutions import selfie_segmentation  # heavy import

            self._graph = selfie_segmentation.SelfieSegmentation(model_selection=self.model)

    def close(self) -> None:
        if self._graph is not None:
            self._graph.close()
            self._graph = None

    def __call__(self, rgb: npt.NDArray[np.uint8]) -> Prob:
        self.open()
        return np.asarray(self._graph.process(rgb).segmentation_mask, np.float32)
