"""Face-mesh landmarks of the face on a given person, found fast on a crop around it.

The mesh runs on a small square crop centred on where the face was in the previous frame
(about 4 ms), so the whole frame is never analysed while the face is followed. When there
is no previous face, or the face left its crop, the full-range face detector looks over
the person (it sees faces a few metres away, which the mesh's own detector misses in a
wide frame) and the mesh runs on a crop around each face it finds. The mesh runs in
static-image mode, so one graph serves every video without carrying state between them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from vidswap.engines.segment.faces import Face, detect_tiled
from vidswap.media.frames import Frame, Mask

Points = npt.NDArray[np.float32]

CROP = 256  # side of the square the mesh sees
FOLLOW = 1.7  # crop side around the previous landmarks, in face sizes
AROUND = 2.2  # crop side around a detector box, in box sizes
ON_PERSON = 0.5  # share of landmarks inside the person's mask for the face to be theirs
DETECT_SCORE = 0.5


@dataclass(frozen=True)
class Landmarks:
    """One face's mesh in pixels of the image it was found in."""

    xy: Points  # (468, 2) x, y
    z: Points  # (468,) depth on the scale of x; smaller is nearer the camera

    @property
    def size(self) -> float:
        """The longer side of the landmarks' bounding box: what distances are relative to."""
        span = self.xy.max(axis=0) - self.xy.min(axis=0)
        return float(max(1.0, span.max()))

    @property
    def centre(self) -> tuple[float, float]:
        mid = (self.xy.max(axis=0) + self.xy.min(axis=0)) / 2
        return float(mid[0]), float(mid[1])

    def inside(self, mask: Mask) -> float:
        """Share of the landmarks on the image that fall on `mask`; a face partly out of
        the frame is judged by its visible part."""
        h, w = mask.shape
        x, y = np.round(self.xy).astype(np.int64).T
        seen = (x >= 0) & (x < w) & (y >= 0) & (y < h)
        return float(np.count_nonzero(mask[y[seen], x[seen]])) / max(1, np.count_nonzero(seen))


class FaceFinder:
    """Owns the mediapipe graphs (they have no type information); safe across threads."""

    def __init__(self) -> None:
        self._mesh: Any = None
        self._detector: Any = None
        self._lock = threading.Lock()

    def setup(self) -> None:
        """Loads the face mesh and the full-range face detector from the mediapipe wheel
        (nothing downloads). No iris refinement: the swap warps the eyes whole."""
        import mediapipe as mp  # heavy: only when an engine is built

        solutions: Any = mp.solutions
        with self._lock:
            if self._mesh is None:
                self._mesh = solutions.face_mesh.FaceMesh(
                    static_image_mode=True, max_num_faces=2, refine_landmarks=False
                )
                self._detector = solutions.face_detection.FaceDetection(
                    model_selection=1, min_detection_confidence=DETECT_SCORE
                )

    def close(self) -> None:
        with self._lock:
            for graph in (self._mesh, self._detector):
                if graph is not None:
                    graph.close()
            self._mesh = self._detector = None

    def find(self, rgb: Frame, mask: Mask, near: Landmarks | None = None) -> Landmarks | None:
        """The face whose landmarks lie mostly on `mask` (255 = the person), looked for
        first where `near` (the face a frame ago) was; None when there is none."""
        if self._mesh is None:
            raise RuntimeError("FaceFinder.setup() must run before it is used.")
        with self._lock:
            if near is not None:
                found = self._mesh_around(rgb, mask, near.centre, FOLLOW * near.size)
                if found is not None:
                    return found
            for face in self._faces_on(rgb, mask):
                found = self._mesh_around(rgb, mask, face.centre, AROUND * face.size)
                if found is not None:
                    return found
        return None

    def _faces_on(self, rgb: Frame, mask: Mask) -> list[Face]:
        """Detector boxes over the person's bounding box, the most covered by it first."""
        points = cv2.findNonZero(mask)
        if points is None:
            return []
        x, y, w, h = cv2.boundingRect(points)
        person = np.ascontiguousarray(rgb[y : y + h, x : x + w])
        found = [f.shifted(x, y) for f in detect_tiled(self._detector, person)]
        return sorted(found, key=lambda f: -np.count_nonzero(mask[f.y0 : f.y1, f.x0 : f.x1]))

    def _mesh_around(
        self, rgb: Frame, mask: Mask, centre: tuple[float, float], side: float
    ) -> Landmarks | None:
        """The person's face in a `side`-pixel square at `centre`, seen at `CROP` px."""
        scale = CROP / max(side, 1.0)
        to_crop = np.array(
            [[scale, 0, CROP / 2 - scale * centre[0]], [0, scale, CROP / 2 - scale * centre[1]]]
        )
        crop = cv2.warpAffine(rgb, to_crop, (CROP, CROP), flags=cv2.INTER_LINEAR)
        faces = self._mesh.process(crop).multi_face_landmarks or []
        best: tuple[float, Landmarks] | None = None
        for face in faces:
            raw = np.array([(p.x, p.y, p.z) for p in face.landmark], np.float32) * CROP
            xy = (raw[:, :2] - to_crop[:, 2]) / scale
            found = Landmarks(xy.astype(np.float32), (raw[:, 2] / scale).astype(np.float32))
            share = found.inside(mask)
            if share >= ON_PERSON and (best is None or share > best[0]):
                best = (share, found)
        return None if best is None else best[1]
