"""People: mediapipe's selfie matte, cut into one region per person by their faces.

The selfie matte is a foreground matte, not a person detector: it also lights up cups and
cats. So a matte region counts as people only where a face is found in it, and a region
holding several faces is split between them (`instances`). The matte is made for people
close to the camera and misses small ones; a face it left out gets a matte of its own,
computed on a crop around it where that person looks large.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from vidswap.engines.segment.faces import Face, detect, detect_tiled
from vidswap.engines.segment.instances import REACH, body_box, body_distance, split
from vidswap.engines.segment.regions import Soft, binary, box, min_pixels, parts
from vidswap.engines.segment.selfie import LANDSCAPE, SQUARE, Selfie
from vidswap.media.frames import Frame, Mask

MATTE_LEVEL = 0.7  # selfie-matte probability above which a pixel is foreground
WIDE = 1.2  # width/height from which the landscape matte model does better
FACE_SCORE = 0.6
SECOND_LOOKS = 2  # faceless matte regions searched again for a face, on a crop
# A crop shows textures large too: latte art in a cup scored 0.63 as a face there.
SECOND_LOOK_SCORE = 0.75
_EDGE = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7))


class PeopleFinder:
    """Owns the mediapipe graphs; `find` is not re-entrant (callers hold a lock)."""

    def __init__(self) -> None:
        self._mattes: dict[str, Selfie] = {}
        self._faces: Any = None

    def setup(self) -> None:
        """Loads the models shipped in the mediapipe wheel (nothing downloads): both selfie
        mattes, because on our composites the landscape one (model 1) wins on landscape
        frames and the square one (model 0) on portrait and square frames and crops, and
        the full-range face detector (model 1), which finds faces a few metres away."""
        import mediapipe as mp  # heavy: only when an engine is built

        solutions: Any = mp.solutions
        self._mattes = {"landscape": Selfie(LANDSCAPE), "square": Selfie(SQUARE)}
        for matte in self._mattes.values():
            matte.open()
        self._faces = solutions.face_detection.FaceDetection(
            model_selection=1, min_detection_confidence=FACE_SCORE
        )

    def close(self) -> None:
        for matte in self._mattes.values():
            matte.close()
        if self._faces is not None:
            self._faces.close()
        self._mattes, self._faces = {}, None

    def find(self, rgb: Frame) -> list[Soft]:
        """One soft mask per person (0..1, the size of `rgb`), largest first."""
        prob = self.matte(rgb)
        faces = self.faces(rgb)
        people, placed = self._in_matte(rgb, prob, faces)
        for face in faces:
            if face not in placed:
                people.append(self._on_its_own(rgb, prob, face, people))
        people = [p for p in people if np.count_nonzero(p) >= min_pixels(rgb.shape)]
        people.sort(key=np.count_nonzero, reverse=True)
        return _soft_edges(prob, people)

    def matte(self, rgb: Frame) -> Soft:
        """Per-pixel probability (0..1) of being a person, or anything a selfie matte
        takes for the foreground (see the module docstring)."""
        if not self._mattes:
            raise RuntimeError("PeopleFinder.setup() must run before it is used.")
        landscape = rgb.shape[1] >= WIDE * rgb.shape[0]
        return self._matte(rgb, "landscape" if landscape else "square")

    def faces(self, rgb: Frame) -> list[Face]:
        return detect_tiled(self._faces, rgb)

    def _matte(self, rgb: Frame, model: str) -> Soft:
        prob = self._mattes[model](rgb)
        return np.asarray(cv2.medianBlur(prob, 5), np.float32) if min(prob.shape) >= 5 else prob

    def _in_matte(self, rgb: Frame, prob: Soft, faces: list[Face]) -> tuple[list[Mask], list[Face]]:
        """People in the matte's regions, and the faces they were found by."""
        people: list[Mask] = []
        placed: list[Face] = []
        looks = SECOND_LOOKS
        for region in parts(binary(prob > MATTE_LEVEL), min_pixels(rgb.shape)):
            inside = [f for f in faces if region[f.centre[1], f.centre[0]]]
            if not inside and looks > 0:
                looks -= 1
                inside = self._faces_in(rgb, region)
            placed += inside
            people.extend(split(rgb, region, inside))
        return people, placed

    def _faces_in(self, rgb: Frame, region: Mask) -> list[Face]:
        """A second look for faces on a crop around a faceless `region`, where they
        look larger than in the whole frame."""
        found = box(region)
        if found is None:
            return []
        x0, y0, x1, y1 = found
        pad = (x1 - x0) // 8
        x0, y0 = max(0, x0 - pad), max(0, y0 - pad)
        x1, y1 = min(rgb.shape[1], x1 + pad), min(rgb.shape[0], y1 + pad)
        crop = np.ascontiguousarray(rgb[y0:y1, x0:x1])
        faces = [
            f.shifted(x0, y0) for f in detect(self._faces, crop) if f.score >= SECOND_LOOK_SCORE
        ]
        return [f for f in faces if region[f.centre[1], f.centre[0]]]

    def _on_its_own(self, rgb: Frame, prob: Soft, face: Face, people: list[Mask]) -> Mask:
        """The person of a face the frame's matte missed: the matte of a crop around
        their body, where they look large. Raises `prob` there to the crop's matte."""
        x0, y0, x1, y1 = body_box(face, rgb.shape)
        local = np.zeros(prob.shape, np.float32)
        local[y0:y1, x0:x1] = self._matte(np.ascontiguousarray(rgb[y0:y1, x0:x1]), "square")
        free = binary((local > MATTE_LEVEL) & (body_distance(face, prob.shape) < REACH))
        for person in people:
            free[person > 0] = 0
        _, labels = cv2.connectedComponents(free)
        under = labels[face.y0 : face.y1, face.x0 : face.x1]
        if not under.any():
            return np.zeros(prob.shape, np.uint8)
        np.maximum(prob, local, out=prob)
        return binary(labels == np.bincount(under[under > 0]).argmax())


def _soft_edges(prob: Soft, people: list[Mask]) -> list[Soft]:
    """Each person's matte probability, over their mask grown by a few pixels (not into
    anyone else's): the mask is cut at a strict level to keep neighbours apart, but its
    edge belongs where the matte crosses one half."""
    everyone = np.maximum.reduce(people) if people else np.zeros(prob.shape, np.uint8)
    out = []
    for person in people:
        grown = cv2.dilate(person, _EDGE) > 0
        out.append(np.where(grown & ((everyone == 0) | (person > 0)), prob, 0.0))
    return [np.asarray(p, np.float32) for p in out]
