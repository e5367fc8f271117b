"""Fakes at the engine seam, registered like real engines."""

from __future__ import annotations

import numpy as np

from vidswap.engines import registry
from vidswap.engines.segment.base import Candidate
from vidswap.media.frames import Frame


@registry.register("segment", "fake")
class FakeSegmenter:
    """Person = left third, object = a square at the right, background = the rest."""

    name, kind = "fake", "segment"

    def __init__(self) -> None:
        self.calls = 0
        self.fail = False
        self.nearby: Frame | None = None

    def setup(self) -> None:
        pass

    def close(self) -> None:
        pass

    def candidates(self, frame: Frame, nearby: Frame | None = None) -> list[Candidate]:
        self.calls += 1
        self.nearby = nearby
        if self.fail:
            raise RuntimeError("segmenter exploded")
        h, w = frame.shape[:2]
        person = np.zeros((h, w), np.uint8)
        person[:, : w // 3] = 255
        obj = np.zeros((h, w), np.uint8)
        obj[h // 4 : h // 2, 2 * w // 3 : 2 * w // 3 + h // 4] = 255
        background = 255 - np.maximum(person, obj)
        return [
            Candidate("person", person),
            Candidate("object", obj),
            Candidate("background", background),
        ]


MAGENTA = (255, 0, 255)


@registry.register("moderate", "fake")
class FakeModerator:
    """Flags an image whose pixels are all pure magenta, the tests' stand-in for nudity."""

    name, kind = "fake", "moderate"

    def __init__(self) -> None:
        self.calls = 0

    def setup(self) -> None:
        pass

    def close(self) -> None:
        pass

    def flagged(self, rgb: Frame) -> list[str]:
        self.calls += 1
        return ["MAGENTA"] if bool(np.all(rgb == MAGENTA)) else []
