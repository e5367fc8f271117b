"""What a segmentation engine returns and promises."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from vidswap.media.frames import Frame, Mask

KINDS = ("person", "object", "background")


@dataclass(frozen=True)
class Candidate:
    """One selectable region: `name` in KINDS, `mask` HxW uint8 (255 = in) frame-sized."""

    name: str
    mask: Mask


class Segmenter(Protocol):
    name: str
    kind: str  # "segment"

    def setup(self) -> None: ...

    def close(self) -> None: ...

    def candidates(self, frame: Frame, nearby: Frame | None = None) -> list[Candidate]:
        """People first (one per person, largest first), then up to three objects, then
        exactly one background. A blank frame yields just the background. `nearby`, a
        frame of the same video a fraction of a second away (any size), lets an engine
        use motion: a thing moving against the scene is an object, whole."""
        ...
