"""A render engine fake at the seam: paints the tracked region with the target's mean colour."""

from __future__ import annotations

import numpy as np

from vidswap.engines import registry
from vidswap.engines.render.base import Target
from vidswap.media.frames import Frame, Mask

METHODS = {"person": "subject", "object": "object", "background": "background"}


class PaintScene:
    def __init__(self, mode: str, colour: np.ndarray, study: bool, fail_at: int | None) -> None:
        self.method, self.needs_study = METHODS[mode], study
        self.colour, self.fail_at = colour, fail_at
        self.studied: list[int] = []

    def study(self, number: int, frame: Frame, mask: Mask) -> None:
        self.studied.append(number)

    def render(self, number: int, frame: Frame, mask: Mask) -> Frame:
        if number == self.fail_at:
            raise RuntimeError("renderer exploded")
        if self.needs_study and len(self.studied) == 0:
            raise AssertionError("render before study")
        out = frame.copy()
        out[mask > 127] = self.colour
        return out


@registry.register("render", "fake")
class FakeRenderer:
    name, kind = "fake", "render"

    def __init__(self, study: bool = False, fail_at: int | None = None) -> None:
        self.study, self.fail_at = study, fail_at
        self.scenes: list[PaintScene] = []
        self.targets: list[Target] = []

    def setup(self) -> None:
        pass

    def close(self) -> None:
        pass

    def start(
        self, mode: str, target: Target, keyframe: Frame, mask: Mask, count: int
    ) -> PaintScene:
        assert keyframe.shape[:2] == mask.shape and target.alpha.shape == target.rgb.shape[:2]
        self.targets.append(target)
        colour = target.rgb.reshape(-1, 3).mean(axis=0).astype(np.uint8)
        self.scenes.append(PaintScene(mode, colour, self.study, self.fail_at))
        return self.scenes[-1]
