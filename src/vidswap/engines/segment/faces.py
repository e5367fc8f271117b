"""Faces: where people are, and which way their bodies hang.

mediapipe's full-range face detector sees the whole image at 192 px, so in a wide frame a
face under ~25 px (of 640) is lost. We also run it on overlapping square tiles across the
long side, which show faces ~1.8 times larger, and merge the answers. In a wide shot of
small people (faces ~20 px of 640) it is asked again on smaller tiles over the whole
image, which show faces 2.7 times larger than the whole image does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from vidswap.engines.segment.regions import tile_side, tiles
from vidswap.media.frames import Frame

SAME_FACE = 0.3  # box IoU above which two detections are one face
TILE_FROM = 1.3  # long/short side ratio from which tiles are worth their time
# Share of the image's area each of a wide shot's face tiles covers: nine on a 4:3 image
# (~8 ms each), eight on a 16:9 one, showing faces 2.7 times larger than the whole image.
CLOSE_TILE = 0.1875
# A face detection under this score is checked by the face mesh (a headlight, a plant's
# leaves scored 0.63-0.65; faces seen whole score 0.76 and up), when it is large enough
# for the mesh to see (real faces under ~20 px fail it).
DOUBTFUL = 0.75
MESHABLE = 24  # px
MESH_SIDE = 192  # the face mesh's input size


@dataclass(frozen=True)
class Face:
    """A face box in pixels of the analysed image, and which way its body hangs."""

    x0: int
    y0: int
    x1: int
    y1: int
    down: tuple[int, int] = (0, 1)  # unit step from the face towards its body
    score: float = 1.0

    @property
    def centre(self) -> tuple[int, int]:
        return (self.x0 + self.x1) // 2, (self.y0 + self.y1) // 2

    @property
    def size(self) -> int:
        return max(1, self.x1 - self.x0, self.y1 - self.y0)

    def shifted(self, dx: int, dy: int) -> Face:
        return Face(self.x0 + dx, self.y0 + dy, self.x1 + dx, self.y1 + dy, self.down, self.score)

    def overlap(self, other: Face) -> float:
        """Intersection over union of the two boxes."""
        w = min(self.x1, other.x1) - max(self.x0, other.x0)
        h = min(self.y1, other.y1) - max(self.y0, other.y0)
        inter = max(0, w) * max(0, h)
        areas = (self.x1 - self.x0) * (self.y1 - self.y0) + (other.x1 - other.x0) * (
            other.y1 - other.y0
        )
        return inter / (areas - inter) if areas > inter else 0.0


def detect(graph: Any, rgb: Frame) -> list[Face]:
    """Faces one pass of the mediapipe face graph finds in `rgb`, clipped to it."""
    h, w = rgb.shape[:2]
    out = []
    for detection in graph.process(rgb).detections or []:
        rel = detection.location_data.relative_bounding_box
        x0, y0 = max(0, round(rel.xmin * w)), max(0, round(rel.ymin * h))
        x1 = min(w, round((rel.xmin + rel.width) * w))
        y1 = min(h, round((rel.ymin + rel.height) * h))
        if x1 > x0 and y1 > y0:
            down = _down(detection.location_data, w, h)
            out.append(Face(x0, y0, x1, y1, down, float(detection.score[0])))
    return out


def detect_tiled(graph: Any, rgb: Frame) -> list[Face]:
    """Faces in the whole image and in square tiles along its long side, merged."""
    h, w = rgb.shape[:2]
    found = detect(graph, rgb)
    if max(h, w) >= TILE_FROM * min(h, w):
        found += detect_on_tiles(graph, rgb, min(h, w))
    return distinct(found)


def detect_close(graph: Any, rgb: Frame) -> list[Face]:
    """Faces in the whole image and in square tiles each `CLOSE_TILE` of its area
    covering it, merged: for a wide shot, whose faces are too small for `detect_tiled`."""
    side = tile_side(rgb.shape, CLOSE_TILE)
    return distinct(detect(graph, rgb) + detect_on_tiles(graph, rgb, side))


def detect_on_tiles(graph: Any, rgb: Frame, side: int) -> list[Face]:
    """Faces in each of `regions.tiles(rgb.shape, side)`, in the image's pixels (a face
    in two tiles is there twice)."""
    found: list[Face] = []
    for x0, y0, x1, y1 in tiles(rgb.shape, side):
        tile = np.ascontiguousarray(rgb[y0:y1, x0:x1])
        found += [face.shifted(x0, y0) for face in detect(graph, tile)]
    return found


def confirmed(mesh: Any, rgb: Frame, face: Face) -> bool:
    """A doubtful face (`DOUBTFUL`, `MESHABLE`) is a face only if the face mesh (static
    images, max one face) finds one on a crop twice its size around it; the detector
    alone takes a round lamp or a tangle of leaves for one."""
    side = max(face.x1 - face.x0, face.y1 - face.y0)
    if face.score >= DOUBTFUL or side < MESHABLE:
        return True
    cx, cy = face.centre
    h, w = rgb.shape[:2]
    crop = rgb[max(0, cy - side) : min(h, cy + side), max(0, cx - side) : min(w, cx + side)]
    seen = cv2.resize(np.ascontiguousarray(crop), (MESH_SIDE, MESH_SIDE))
    return mesh.process(seen).multi_face_landmarks is not None


def distinct(faces: list[Face]) -> list[Face]:
    """`faces` without repeats (a later box overlapping a kept one is the same face)."""
    kept: list[Face] = []
    for face in faces:
        if all(face.overlap(k) <= SAME_FACE for k in kept):
            kept.append(face)
    return kept


def _down(location: Any, width: int, height: int) -> tuple[int, int]:
    """Eyes-to-mouth direction, snapped to the nearest axis: a tilted head still sits on
    an upright body, but a face turned by 90 degrees or more belongs to a lying body."""
    points = location.relative_keypoints  # right eye, left eye, nose, mouth, ears
    if len(points) < 4:
        return (0, 1)
    dx = (points[3].x - (points[0].x + points[1].x) / 2) * width
    dy = (points[3].y - (points[0].y + points[1].y) / 2) * height
    if abs(dx) > abs(dy):
        return (1 if dx > 0 else -1, 0)
    return (0, 1 if dy >= 0 else -1)
