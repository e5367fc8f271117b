"""People: the foreground of two mattes, cut into one mask per person by their anchors.

Two models see people, each where the other is weak. mediapipe's selfie matte is sharp
on heads, hair and shoulders near the camera but loses arms and legs in a dynamic pose;
the pose model's body matte covers whole bodies in any pose but misses some people
(a bent-over figure, someone half behind another). The foreground is their union. Neither
matte is a person detector (the selfie matte also lights up cups and cats), so a region
of it counts as people only where it holds an anchor: a skeleton the pose model found
(`bodies`), or a face no skeleton has. A region with several anchors is split between
them (`instances`).
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from vidswap.engines.segment.bodies import (
    LEVEL,
    Body,
    BodyFinder,
    anchor,
    wide_shot,
)
from vidswap.engines.segment.crowds import checked, untangled
from vidswap.engines.segment.faces import Face, confirmed, detect_close, detect_tiled
from vidswap.engines.segment.heads import face_of, head_of
from vidswap.engines.segment.instances import (
    Anchor,
    barred,
    body_box,
    face_anchor,
    split,
)
from vidswap.engines.segment.regions import Box, Soft, binary, box, min_pixels, parts
from vidswap.engines.segment.selfie import LANDSCAPE, NOBODY, SQUARE, Selfie
from vidswap.engines.segment.skeleton import PoseModel
from vidswap.media.frames import Frame, Mask

MATTE_LEVEL = 0.7  # selfie-matte probability above which a pixel is foreground
WIDE = 1.2  # width/height from which the landscape matte model does better
FACE_SCORE = 0.6
UNSEEN = 0.05  # share of a large faceless body the selfie matte must see for it to be a person
SURE_BODY = 0.9  # pose-matte probability above which its body stands whatever the selfie matte says
_EDGE = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7))


class PeopleFinder:
    """Owns the mediapipe graphs; `find` is not re-entrant (callers hold a lock)."""

    def __init__(self) -> None:
        self._mattes: dict[str, Selfie] = {}
        self._faces: Any = None
        self._mesh: Any = None
        self._pose = PoseModel()
        self._bodies = BodyFinder(self._pose)

    def setup(self) -> None:
        """Loads the models shipped in the mediapipe wheel (nothing downloads): both selfie
        mattes, because on our composites the landscape one (model 1) wins on landscape
        frames and the square one (model 0) on portrait and square frames and crops, and
        the full-range face detector (model 1), which finds faces a few metres away, the
        face mesh that confirms its doubtful faces, and the pose model (complexity 1)
        with its body matte."""
        import mediapipe as mp  # heavy: only when an engine is built

        solutions: Any = mp.solutions
        self._mattes = {"landscape": Selfie(LANDSCAPE), "square": Selfie(SQUARE)}
        for matte in self._mattes.values():
            matte.open()
        self._pose.open()
        self._faces = solutions.face_detection.FaceDetection(
            model_selection=1, min_detection_confidence=FACE_SCORE
        )
        self._mesh = solutions.face_mesh.FaceMesh(static_image_mode=True, max_num_faces=1)

    def close(self) -> None:
        for matte in self._mattes.values():
            matte.close()
        for graph in (self._faces, self._mesh):
            if graph is not None:
                graph.close()
        self._pose.close()
        self._mattes, self._faces, self._mesh = {}, None, None

    def find(self, rgb: Frame) -> list[Soft]:
        """One soft mask per person (0..1, the size of `rgb`), largest first."""
        prob = self.matte(rgb)
        floor = min_pixels(rgb.shape)
        bodies = self._bodies.whole(rgb, floor)
        faces = self.faces(rgb, wide_shot(bodies, rgb.shape))
        heads = [(f.x0, f.y0, f.x1, f.y1) for f in faces]
        bodies = self._bodies.more(rgb, bodies, heads, self._blobs(rgb, prob), floor)
        bodies = [b for b in bodies if _plausible(b, prob, heads, rgb.shape)]
        owned = [head_of(body.skeleton, heads) for body in bodies]
        loose = [f for f, head in zip(faces, heads, strict=True) if head not in owned]
        loose = [f for f in loose if confirmed(self._mesh, rgb, f)]
        for face in loose:
            if not _seen(prob, face):
                self._matte_around(rgb, prob, face)
        known = [faces[heads.index(h)] if h is not None else None for h in owned]
        own = [f or face_of(b.skeleton) for b, f in zip(bodies, known, strict=True)]
        hidden = untangled(bodies, own, loose)
        bodies = [self._checked(rgb, prob, b, f) for b, f in zip(bodies, own, strict=True)]
        bodies = [_unspilled(body, prob) for body in bodies]
        sure = _foreground(prob, [b.mask for b in bodies])
        for body in bodies:
            np.maximum(prob, body.soft, out=prob)
        anchors = [anchor(b, f) for b, f in zip(bodies, own, strict=True)]
        anchors = [barred(a, h) for a, h in zip(anchors, hidden, strict=True)]
        anchors += [face_anchor(f, rgb.shape) for f in loose]
        marks = [b.mask for b in bodies] + [_dot(f, rgb.shape) for f in loose]
        people = _split(rgb, sure, anchors, marks)
        people = [p for p in people if np.count_nonzero(p) >= floor]
        people.sort(key=np.count_nonzero, reverse=True)
        return _soft_edges(prob, people)

    def _matte_around(self, rgb: Frame, prob: Soft, face: Face) -> None:
        """The frame's matte misses this face's person (small, or cut by the frame's
        edge): raises `prob` around their body to the matte of a crop there, where they
        look large."""
        local, (x0, y0, x1, y1) = self._crop_matte(rgb, face)
        np.maximum(prob[y0:y1, x0:x1], local, out=prob[y0:y1, x0:x1])

    def _checked(self, rgb: Frame, prob: Soft, body: Body, face: Face | None) -> Body:
        """A body whose face the frame's matte misses (a small person): its pose matte
        checked as `crowds.checked` does, against the matte of a crop around it."""
        if face is None or _seen(prob, face):
            return body
        return checked(body, face, *self._crop_matte(rgb, face))

    def _crop_matte(self, rgb: Frame, face: Face) -> tuple[Soft, Box]:
        """The matte of a crop around where this face's body is, and that crop's box."""
        x0, y0, x1, y1 = body_box(face, rgb.shape)
        return self._matte(np.ascontiguousarray(rgb[y0:y1, x0:x1]), "square"), (x0, y0, x1, y1)

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

    def faces(self, rgb: Frame, wide: bool) -> list[Face]:
        """Faces in the whole image and on tiles: along its long side, or, in a `wide`
        shot of small people, smaller tiles over all of it."""
        return (detect_close if wide else detect_tiled)(self._faces, rgb)

    def _matte(self, rgb: Frame, model: str) -> Soft:
        prob = self._mattes[model](rgb)
        return np.asarray(cv2.medianBlur(prob, 5), np.float32) if min(prob.shape) >= 5 else prob


def _seen(prob: Soft, face: Face) -> bool:
    """The frame's matte sees this face (it is sure of its centre)."""
    return bool(prob[face.centre[1], face.centre[0]] > MATTE_LEVEL)


def _plausible(body: Body, prob: Soft, heads: list[Box], shape: tuple[int, ...]) -> bool:
    """Not a skeleton the pose model laid over a thing: one that is large in the frame
    (where the selfie matte sees people well), has no face at its head, and lies where
    the selfie matte is sure no one is (a "person" stretched along a motorbike, its head
    on the headlight). A small figure the selfie matte cannot see stands."""
    if wide_shot([body], shape) or head_of(body.skeleton, heads) is not None:
        return True
    seen = prob[body.mask > 0] >= NOBODY
    return bool(seen.any()) and float(seen.mean()) >= UNSEEN


def _unspilled(body: Body, prob: Soft) -> Body:
    """The body matte without its soft spill where the selfie matte is sure there is no
    one: the pose matte is blobby, and fills the gap between an arm held out and the
    torso (the selfie matte is sharp there); a limb it is sure of stays."""
    spill = (prob < NOBODY) & (body.soft < SURE_BODY)
    return Body(body.skeleton, np.where(spill, 0.0, body.soft).astype(np.float32))


def _foreground(prob: Soft, bodies: list[Mask]) -> Mask:
    """Where people are: the bodies, and the selfie matte where it is sure (above
    `MATTE_LEVEL`) or, where it joins a body, where it is more likely than not (a raised
    arm the pose matte left out, joined to the body through a dimmer shoulder)."""
    sure = prob > MATTE_LEVEL
    if not bodies:
        return binary(sure)
    anybody = np.maximum.reduce(bodies) > 0
    _, labels = cv2.connectedComponents(binary((prob > LEVEL) | anybody), connectivity=8)
    joined = np.isin(labels, np.unique(labels[anybody]))
    return binary(sure | joined)


def _split(rgb: Frame, sure: Mask, anchors: list[Anchor], marks: list[Mask]) -> list[Mask]:
    """The foreground's regions that hold an anchor's mark, cut into one mask per anchor
    (a body whose matte spans several regions gathers its parts of each)."""
    people = [np.zeros(rgb.shape[:2], np.uint8) for _ in anchors]
    for region in parts(sure, min_pixels(rgb.shape)):
        inside = [k for k, mark in enumerate(marks) if (region & mark).any()]
        cut = split(rgb, region, [anchors[k] for k in inside])
        for k, mask in zip(inside, cut, strict=True):
            people[k] |= mask
    return people


def _dot(face: Face, shape: tuple[int, ...]) -> Mask:
    """The centre of a face as a one-pixel mask."""
    out = np.zeros(shape[:2], np.uint8)
    out[face.centre[1], face.centre[0]] = 255
    return out


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
