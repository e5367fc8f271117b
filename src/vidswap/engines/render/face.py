"""Person mode's face replacement: the target's face warped onto the tracked person's face.

Per frame: the person's face mesh (landmarks.py), smoothed over time (face_smoothing.py);
the target's face warped triangle by triangle onto it (warp.py), so head pose, expression
and mouth follow the video; then colour matched and feathered in (face_blend.py). Frames
where the face is not found (turned away, covered, out of frame) pass through unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from vidswap.engines.render.base import Scene, Target
from vidswap.engines.render.face_blend import swap_into
from vidswap.engines.render.face_smoothing import LandmarkFilter
from vidswap.engines.render.face_triangles import MOUTH, triangles
from vidswap.engines.render.landmarks import FaceFinder, Landmarks, Points
from vidswap.engines.render.warp import warp
from vidswap.media.frames import Frame, Mask

TARGET_SIDE = 640  # the target face is kept at most this large: a bigger one adds no detail
MARGIN = 0.1  # room kept around the target face's landmarks, in face sizes


@dataclass(frozen=True)
class SourceFace:
    """The target image cropped around its face, and the face's landmarks in the crop."""

    rgb: Frame
    xy: Points


class FaceSwapper:
    """Builds face scenes; one set of mediapipe graphs per process, shared by its scenes."""

    def __init__(self) -> None:
        self._finder = FaceFinder()

    def setup(self) -> None:
        self._finder.setup()

    def close(self) -> None:
        self._finder.close()

    def start(self, target: Target, keyframe: Frame, mask: Mask) -> Scene | None:
        """None when no face is found in target.rgb, or none on the tracked person (mask,
        255 = person) at the keyframe."""
        face = self._finder.find(target.rgb, target.alpha)
        if face is None or self._finder.find(keyframe, mask) is None:
            return None
        return FaceScene(self._finder, _cropped(target.rgb, face))


class FaceScene:
    """One video's face swap; frames must come in display order."""

    method = "face"
    needs_study = False

    def __init__(self, finder: FaceFinder, source: SourceFace) -> None:
        self._finder = finder
        self._source = source
        self._smooth = LandmarkFilter()
        self._last: Landmarks | None = None

    def study(self, number: int, frame: Frame, mask: Mask) -> None:
        """Nothing to learn ahead: each frame is swapped on its own."""

    def render(self, number: int, frame: Frame, mask: Mask) -> Frame:
        """`frame` with the person's face replaced; `frame` itself when it is not found."""
        found = self._finder.find(frame, mask, self._last)
        self._last = found
        if found is None:
            return frame
        face = self._smooth(number, found)
        source = self._source
        patch = warp(source.rgb, source.xy, face.xy, face.z, triangles(), MOUTH, frame.shape)
        return frame if patch is None else swap_into(frame, patch)


def _cropped(rgb: Frame, face: Landmarks) -> SourceFace:
    """`rgb` cut down to `face` and a margin, no larger than `TARGET_SIDE` across."""
    h, w = rgb.shape[:2]
    pad = MARGIN * face.size
    x0, y0 = (max(0, int(v)) for v in face.xy.min(axis=0) - pad)
    x1, y1 = (int(v) for v in np.minimum(face.xy.max(axis=0) + pad + 1, (w, h)))
    crop = rgb[y0:y1, x0:x1]
    xy = face.xy - np.array([x0, y0], np.float32)
    scale = min(1.0, TARGET_SIDE / max(x1 - x0, y1 - y0))
    if scale < 1.0:
        size = (max(1, round((x1 - x0) * scale)), max(1, round((y1 - y0) * scale)))
        crop = np.asarray(cv2.resize(crop, size, interpolation=cv2.INTER_AREA), np.uint8)
        xy = (xy + 0.5) * scale - 0.5
    return SourceFace(np.ascontiguousarray(crop), xy.astype(np.float32))
