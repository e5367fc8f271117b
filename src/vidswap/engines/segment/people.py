"""People: whole bodies from the pose model, found one by one (`bodies`).

The selfie matte is a foreground matte, not a person detector: it also lights up cups and
cats, and it is trained on heads and shoulders, so it loses arms and legs in a dynamic
pose. A person is therefore what the pose model finds, on the whole frame or on a crop
around a seed (a face, a selfie-matte blob); the selfie matte only sharpens their edge.
A face on no body (a close-up the pose model does not take for a body) still makes a
person: its selfie-matte region, split between faces (`instances`).
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from vidswap.engines.segment.bodies import Body, BodyFinder, Box, claimed, face_of
from vidswap.engines.segment.faces import Face, detect_tiled
from vidswap.engines.segment.instances import split
from vidswap.engines.segment.regions import Soft, binary, box, min_pixels, parts
from vidswap.engines.segment.selfie import LANDSCAPE, SQUARE, Selfie
from vidswap.engines.segment.skeleton import PoseModel
from vidswap.media.frames import Frame, Mask

MATTE_LEVEL = 0.7  # selfie-matte probability above which a pixel is foreground
WIDE = 1.2  # width/height from which the landscape matte model does better
FACE_SCORE = 0.6
_EDGE = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7))


class PeopleFinder:
    """Owns the mediapipe graphs; `find` is not re-entrant (callers hold a lock)."""

    def __init__(self) -> None:
        self._mattes: dict[str, Selfie] = {}
        self._faces: Any = None
        self._pose = PoseModel()
        self._bodies = BodyFinder(self._pose)

    def setup(self) -> None:
        """Loads the models shipped in the mediapipe wheel (nothing downloads): both selfie
        mattes, because on our composites the landscape one (model 1) wins on landscape
        frames and the square one (model 0) on portrait and square frames and crops, and
        the full-range face detector (model 1), which finds faces a few metres away, and
        the pose model (complexity 1) with its body matte."""
        import mediapipe as mp  # heavy: only when an engine is built

        solutions: Any = mp.solutions
        self._mattes = {"landscape": Selfie(LANDSCAPE), "square": Selfie(SQUARE)}
        for matte in self._mattes.values():
            matte.open()
        self._pose.open()
        self._faces = solutions.face_detection.FaceDetection(
            model_selection=1, min_detection_confidence=FACE_SCORE
        )

    def close(self) -> None:
        for matte in self._mattes.values():
            matte.close()
        if self._faces is not None:
            self._faces.close()
        self._pose.close()
        self._mattes, self._faces = {}, None

    def find(self, rgb: Frame) -> list[Soft]:
        """One soft mask per person (0..1, the size of `rgb`), largest first."""
        prob = self.matte(rgb)
        faces = self.faces(rgb)
        floor = min_pixels(rgb.shape)
        heads = [(f.x0, f.y0, f.x1, f.y1) for f in faces]
        bodies = self._bodies.find(rgb, heads, self._blobs(rgb, prob), floor)
        owned = claimed(heads, bodies)
        unplaced = [f for f, head in zip(faces, heads, strict=True) if head not in owned]
        bodies, unplaced = _share(rgb, bodies, unplaced)
        people = [_with_hair(body, prob, bodies) for body in bodies]
        taken = np.maximum.reduce([b.mask for b in bodies]) if bodies else _none(rgb)
        people += self._by_faces(rgb, np.where(taken > 0, 0.0, prob), unplaced)
        people = [p for p in people if np.count_nonzero(p >= 0.5) >= floor]
        people.sort(key=lambda p: np.count_nonzero(p >= 0.5), reverse=True)
        return people

    def _blobs(self, rgb: Frame, prob: Soft) -> list[Box]:
        """Selfie-matte blobs: where a person the whole frame's pose pass missed may be."""
        found = (box(r) for r in parts(binary(prob > MATTE_LEVEL), min_pixels(rgb.shape)))
        return [b for b in found if b is not None]

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

    def _by_faces(self, rgb: Frame, prob: Soft, faces: list[Face]) -> list[Soft]:
        """People the pose model did not find (a close-up of a head and shoulders): the
        selfie-matte regions holding their faces, split between them."""
        people: list[Mask] = []
        for region in parts(binary(prob > MATTE_LEVEL), min_pixels(rgb.shape)):
            inside = [f for f in faces if region[f.centre[1], f.centre[0]]]
            people.extend(split(rgb, region, inside))
        return _soft_edges(prob, people)


def _share(rgb: Frame, bodies: list[Body], faces: list[Face]) -> tuple[list[Body], list[Face]]:
    """Faces on a body whose skeleton is someone else (a person half hidden behind them,
    whom the pose model does not find) take their share of it (`instances.split`); the
    faces on no body are returned."""
    rest: list[Face] = []
    for face in faces:
        on = [k for k, b in enumerate(bodies) if b.mask[face.centre[1], face.centre[0]]]
        own = face_of(bodies[on[0]].skeleton) if on else None
        if own is None:
            rest.append(face)
            continue
        body = bodies[on[0]]
        _, theirs = split(rgb, body.mask, [own, face])
        cut = theirs > 0
        bodies[on[0]] = Body(body.skeleton, np.where(cut, 0.0, body.soft).astype(np.float32))
        bodies.append(Body(body.skeleton, np.where(cut, body.soft, 0.0).astype(np.float32)))
    return bodies, rest


def _with_hair(body: Body, prob: Soft, bodies: list[Body]) -> Soft:
    """A body with its edge taken from the selfie matte where that matte is sure near it
    (hair and a face's outline, which the pose matte draws coarsely), never into another
    body."""
    mask = body.mask
    reach = max(3, round(body.skeleton.scale / 30))
    near = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * reach + 1,) * 2))
    for other in bodies:
        if other is not body:
            near[other.mask > 0] = 0
    return np.where(near > 0, np.maximum(body.soft, prob), body.soft).astype(np.float32)


def _none(rgb: Frame) -> Mask:
    return np.zeros(rgb.shape[:2], np.uint8)


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
