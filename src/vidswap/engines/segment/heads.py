"""Heads: which detected face is which skeleton's, and a skeleton's own face box.

A face with no skeleton is a person of its own (`people`), and a face a skeleton has is
not looked for again (`bodies`), so faces and skeletons are matched by where the
skeleton's face landmarks sit. People close together have overlapping face boxes: the
box centred nearest the landmarks wins.
"""

from __future__ import annotations

import numpy as np

from vidswap.engines.segment.faces import Face
from vidswap.engines.segment.regions import Box
from vidswap.engines.segment.skeleton import Skeleton


def headed(face: Box, skeletons: list[Skeleton]) -> bool:
    """One of the skeletons has its head at this face."""
    return face in claimed([face], skeletons)


def claimed(faces: list[Box], skeletons: list[Skeleton]) -> list[Box]:
    """The faces that are the heads of skeletons."""
    heads = (head_of(skeleton, faces) for skeleton in skeletons)
    return [head for head in heads if head is not None]


def head_of(skeleton: Skeleton, faces: list[Box]) -> Box | None:
    """The face that is this skeleton's head: of the face boxes around the middle of its
    face landmarks in view, the nearest."""
    head = skeleton.head
    if not len(head):
        return None
    cx, cy = (float(v) for v in head.mean(axis=0))
    holding = [f for f in faces if f[0] <= cx < f[2] and f[1] <= cy < f[3]]
    if not holding:
        return None
    return min(holding, key=lambda f: (f[0] + f[2] - 2 * cx) ** 2 + (f[1] + f[3] - 2 * cy) ** 2)


def face_of(skeleton: Skeleton) -> Face | None:
    """The face box of a skeleton's head landmarks in view (None with fewer than three)."""
    head = skeleton.head
    if len(head) < 3:
        return None
    cx, cy = (float(v) for v in head.mean(axis=0))
    half = max(4.0, 0.55 * float(max(np.ptp(head[:, 0]), np.ptp(head[:, 1]))))  # ear to ear
    return Face(round(cx - half), round(cy - half), round(cx + half), round(cy + half))
