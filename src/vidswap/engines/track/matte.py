"""A per-frame person matte from mediapipe's selfie segmentation (model bundled in the wheel).

Kept separate so mediapipe, which has no type information, is touched in one place only.
The landscape model (model_selection=1) runs at 256x144 inside: ~3.5 ms a frame here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from vidswap.engines.track.flow import View

Prob = npt.NDArray[np.float32]  # HxW, 0..1 person likelihood


class Matte:
    """Loads the model once; `__call__` returns the matte of a view, computed once per view."""

    def __init__(self) -> None:
        self._model: Any = None

    def open(self) -> None:
        if self._model is None:
            from mediapipe.python.solutions import selfie_segmentation  # heavy import

            self._model = selfie_segmentation.SelfieSegmentation(model_selection=1)

    def close(self) -> None:
        if self._model is not None:
            self._model.close()
            self._model = None

    def __call__(self, view: View) -> Prob:
        if "matte" not in view.cache:
            self.open()
            result: Any = self._model.process(view.rgb)
            view.cache["matte"] = np.asarray(result.segmentation_mask, np.float32)
        prob: Prob = view.cache["matte"]
        return prob

    def people(self, view: View) -> npt.NDArray[np.uint8]:
        """Pixels more likely person than not, 0/255."""
        if "people" not in view.cache:
            view.cache["people"] = np.where(self(view) > 0.5, 255, 0).astype(np.uint8)
        people: npt.NDArray[np.uint8] = view.cache["people"]
        return people
