"""A per-frame person matte for tracking: the landscape selfie model, once per view."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from vidswap.engines.segment.selfie import LANDSCAPE, Prob, Selfie
from vidswap.engines.track.flow import View
from vidswap.engines.track.masks import of


class Matte:
    """Loads the model once; `__call__` returns the matte of a view, computed once per view."""

    def __init__(self) -> None:
        self._selfie = Selfie(LANDSCAPE)

    def open(self) -> None:
        self._selfie.open()

    def close(self) -> None:
        self._selfie.close()

    def __call__(self, view: View) -> Prob:
        if "matte" not in view.cache:
            view.cache["matte"] = self._selfie(view.rgb)
        prob: Prob = view.cache["matte"]
        return prob

    def people(self, view: View) -> npt.NDArray[np.uint8]:
        """Pixels more likely person than not, 0/255."""
        if "people" not in view.cache:
            view.cache["people"] = of(self(view) > 0.5)
        people: npt.NDArray[np.uint8] = view.cache["people"]
        return people
