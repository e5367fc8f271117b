"""What a render engine promises: one `Scene` per swap job, numpy frames in and out.

The job streams the video through the scene in display order at output resolution:
`frame` HxWx3 uint8 RGB, `mask` HxW uint8 (255 = the tracked subject, 0 elsewhere; the
tracker's hard mask, the scene softens it). A scene that needs to see the whole video
first (a clean plate for removing an object) sets `needs_study`; the job then calls
`study` on every frame before the first `render`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from vidswap.media.frames import Frame, Mask

MODES = ("person", "object", "background")
METHODS = ("background", "object", "face", "subject")


@dataclass(frozen=True)
class Target:
    """The image to swap in, at its own size. `alpha` is its subject (255 = subject): the
    image's own alpha channel, else segmented from it; all 255 for background mode."""

    rgb: Frame
    alpha: Mask


class Scene(Protocol):
    method: str  # one of METHODS: what the job records as how the swap was done
    needs_study: bool

    def study(self, number: int, frame: Frame, mask: Mask) -> None: ...

    def render(self, number: int, frame: Frame, mask: Mask) -> Frame: ...


class Renderer(Protocol):
    name: str
    kind: str  # "render"

    def setup(self) -> None: ...

    def close(self) -> None: ...

    def start(self, mode: str, target: Target, keyframe: Frame, mask: Mask, count: int) -> Scene:
        """A scene for one video of `count` frames: `mode` in MODES is what the mask covers,
        `keyframe` and `mask` are the selected frame and mask at output resolution."""
        ...
