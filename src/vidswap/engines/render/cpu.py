"""The CPU render engine: one scene per swap job, chosen by what the mask covers.

- background: the background is replaced by the target image (background.py);
- object: the object is removed and the target's subject put in its place (objects.py);
- person: the target's face onto the person's (face.py); when either image has no face,
  the target's subject replaces the whole person as an object would ("subject").
"""

from __future__ import annotations

from typing import Protocol

from vidswap.engines import registry
from vidswap.engines.render.background import BackgroundScene
from vidswap.engines.render.base import MODES, Scene, Target
from vidswap.engines.render.objects import ObjectScene
from vidswap.errors import InvalidParameter
from vidswap.media.frames import Frame, Mask


class FaceSwapping(Protocol):
    def setup(self) -> None: ...

    def close(self) -> None: ...

    def start(self, target: Target, keyframe: Frame, mask: Mask) -> Scene | None: ...


@registry.register("render", "cpu")
class CpuRenderer:
    name, kind = "cpu", "render"

    def __init__(self, faces: FaceSwapping | None = None) -> None:
        """`faces` replaces face.py's FaceSwapper (tests)."""
        self._faces = faces

    def setup(self) -> None:
        if self._faces is None:
            # Imported here, not at the top: face.py brings in mediapipe.
            from vidswap.engines.render.face import FaceSwapper

            self._faces = FaceSwapper()
        self._faces.setup()

    def close(self) -> None:
        if self._faces is not None:
            self._faces.close()

    def start(self, mode: str, target: Target, keyframe: Frame, mask: Mask, count: int) -> Scene:
        if mode not in MODES:
            raise InvalidParameter(f"Unknown mode {mode!r}: use one of {MODES}.")
        if keyframe.ndim != 3 or mask.shape != keyframe.shape[:2]:
            raise InvalidParameter("The keyframe and its mask must be the same size.")
        if mode == "background":
            return BackgroundScene(target, keyframe, mask)
        if mode == "person":
            if self._faces is None:
                raise RuntimeError("The render engine is not set up.")
            face = self._faces.start(target, keyframe, mask)
            if face is not None:
                return face
        return ObjectScene(
            "object" if mode == "object" else "subject", target, keyframe, mask, count
        )
