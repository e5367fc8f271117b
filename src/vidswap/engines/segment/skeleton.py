"""mediapipe's pose model, the one place it is touched: a person's skeleton and body matte.

The legacy pose solution (model complexity 1 ships in the mediapipe wheel) finds the most
prominent person in an image, gives 33 landmarks with a visibility each, and, with
segmentation on, a matte of the whole body: head, hair, arms, hands, legs and feet in
any pose, where the selfie matte is trained on heads and shoulders near the camera.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from vidswap.engines.segment.regions import Soft, binary
from vidswap.media.frames import Frame, Mask

Points = npt.NDArray[np.float32]  # N x 2, pixels
# The person detector's score to accept: at 0.5 a cup on a saucer, seen on a crop, came
# back as a person; 0.7-0.8 still finds a person 75 px tall on a crop; 0.9 finds no one.
DETECTION_SCORE = 0.75
SEEN = 0.5  # landmark visibility from which a joint counts as in view
FACE = 11  # landmarks 0..10 are the face's
MIN_LANDMARKS = 8  # fewer landmarks in view is not a person (a face alone shows 11)
BONE_SAMPLES = 16  # points along a bone tested against a box
BONES = (
    (11, 12), (11, 13), (13, 15), (12, 14), (14, 16), (11, 23), (12, 24), (23, 24),
    (23, 25), (25, 27), (24, 26), (26, 28), (0, 11), (0, 12), (15, 19), (16, 20),
    (27, 31), (28, 32), (0, 7), (0, 8),
)  # fmt: skip
ARMS = ((11, 13), (13, 15), (12, 14), (14, 16), (15, 19), (16, 20))
UPPER = (*ARMS, (11, 12), (0, 11), (0, 12), (0, 7), (0, 8))  # head, shoulders and arms
# The torso's sides, the hips and the legs: what the model guesses below a bust.
LOWER = ((11, 23), (12, 24), (23, 24), (23, 25), (25, 27), (24, 26), (26, 28), (27, 31), (28, 32))
HIPS = (23, 24)  # landmarks; from the first on, the hips, legs and feet


@dataclass(frozen=True)
class Skeleton:
    """Landmarks in pixels of the analysed image, with which of them are in view."""

    points: Points
    seen: npt.NDArray[np.bool_]

    @property
    def scale(self) -> float:
        """A body length unit: the span of the joints in view (about a person's height)."""
        pts = self.points[self.seen]
        if len(pts) < 2:
            return 1.0
        return float(max(np.ptp(pts[:, 0]), np.ptp(pts[:, 1]), 1.0))

    @property
    def head(self) -> Points:
        """The face landmarks in view (nose, eyes, ears, mouth)."""
        return np.asarray(self.points[:FACE][self.seen[:FACE]], np.float32)

    def shifted(self, dx: int, dy: int) -> Skeleton:
        return Skeleton(self.points + np.array([dx, dy], np.float32), self.seen)

    def without_legs(self) -> Skeleton:
        """This skeleton as a head and shoulders: its hips, legs and feet out of view."""
        seen = self.seen.copy()
        seen[HIPS[0] :] = False
        return Skeleton(self.points, seen)

    def crosses(self, box: tuple[int, int, int, int], bones: tuple[tuple[int, int], ...]) -> bool:
        """One of the `bones` in view runs through `box` (x0, y0, x1, y1)."""
        x0, y0, x1, y1 = box
        for a, b in bones:
            if self.seen[a] and self.seen[b]:
                along = np.linspace(0.0, 1.0, BONE_SAMPLES)[:, None]
                pts = self.points[a] * (1 - along) + self.points[b] * along
                inside = (pts[:, 0] >= x0) & (pts[:, 0] < x1) & (pts[:, 1] >= y0) & (pts[:, 1] < y1)
                if inside.any():
                    return True
        return False

    def distance(self, shape: tuple[int, ...], bones: tuple[tuple[int, int], ...] = BONES) -> Soft:
        """Each pixel's distance (px) from the stick figure of `bones`."""
        stick = self.drawn(shape, 3, bones)
        return np.asarray(cv2.distanceTransform(binary(stick == 0), cv2.DIST_L2, 3), np.float32)

    def drawn(
        self, shape: tuple[int, ...], width: int, bones: tuple[tuple[int, int], ...] = BONES
    ) -> Mask:
        """The `bones` in view as lines `width` px wide (a stick figure of this person)."""
        out = np.zeros(shape[:2], np.uint8)
        for a, b in bones:
            if self.seen[a] and self.seen[b]:
                pa, pb = self.points[a], self.points[b]
                cv2.line(out, _px(pa), _px(pb), (255,), max(1, width))
                for p in (pa, pb):
                    cv2.circle(out, _px(p), max(1, width // 2), (255,), -1)
        return out


def _px(p: npt.NDArray[np.float32]) -> tuple[int, int]:
    return round(float(p[0])), round(float(p[1]))


class PoseModel:
    """One static-image pose graph; not re-entrant (callers hold a lock)."""

    def __init__(self) -> None:
        self._graph: Any = None

    def open(self) -> None:
        if self._graph is None:
            from mediapipe.python.solutions import pose  # heavy import

            self._graph = pose.Pose(
                static_image_mode=True,
                model_complexity=1,
                enable_segmentation=True,
                min_detection_confidence=DETECTION_SCORE,
            )

    def close(self) -> None:
        if self._graph is not None:
            self._graph.close()
            self._graph = None

    def __call__(self, rgb: Frame) -> tuple[Skeleton, Soft] | None:
        """The most prominent person's skeleton and body matte (0..1, `rgb`'s size), or
        None when no person with enough joints in view is found."""
        self.open()
        found = self._graph.process(np.ascontiguousarray(rgb))
        if found.pose_landmarks is None or found.segmentation_mask is None:
            return None
        h, w = rgb.shape[:2]
        marks = found.pose_landmarks.landmark
        points = np.array([[p.x * w, p.y * h] for p in marks], np.float32)
        inside = (points[:, 0] >= 0) & (points[:, 0] < w) & (points[:, 1] >= 0)
        inside &= points[:, 1] < h
        seen = np.array([p.visibility >= SEEN for p in marks]) & inside
        skeleton = Skeleton(points, seen)
        if int(seen.sum()) < MIN_LANDMARKS:
            return None
        return skeleton, np.asarray(found.segmentation_mask, np.float32)
