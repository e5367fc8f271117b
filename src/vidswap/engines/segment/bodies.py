"""Whole bodies: the pose model's skeleton and body matte, found person by person.

The pose model answers for one person per image, so the frame is asked repeatedly, each
person's head being painted out before the next question (the detector finds people by
their heads). People the whole frame's passes miss (small, or half behind someone) are
looked for again on a crop around each seed (a face no skeleton has, a selfie-matte blob
no body covers), where they look large. A body is the pose matte's parts that hold the
skeleton; bodies may overlap (the pose matte spreads over anyone touching its person):
`instances.split` settles who owns what.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from vidswap.engines.segment.faces import Face
from vidswap.engines.segment.heads import claimed, face_of, headed
from vidswap.engines.segment.instances import REACH, Anchor, body_box, body_distance
from vidswap.engines.segment.regions import Box, Soft, binary, tile_side, tiles
from vidswap.engines.segment.skeleton import ARMS, BONES, HIPS, PoseModel, Skeleton
from vidswap.media.frames import Frame, Mask

LEVEL = 0.5  # body-matte probability from which a pixel is the body
WHOLE_PASSES = 4  # people found on the whole frame, one pass each
# When no one found is this tall (share of the frame's height), the frame may be a wide
# shot of small people, whom the model (which sees the frame at 256 px) misses: it is
# asked again on square tiles of the frame (at 0.4 they also ran beside a person half the
# frame tall, for nothing).
WIDE_SHOT = 0.25
# Share of the frame's area each of those tiles covers: six tiles on a 4:3 or a 16:9 frame
# (~25 ms a pass each), showing people 2.2-2.6 times larger than the whole frame does.
TILE_AREA = 0.27
TILE_PASSES = 2
CROP_PASSES = 8  # seeds looked at on a crop of their own
SAME = 0.1  # mean landmark distance (in body lengths) below which two skeletons are one
CROP_PAD = 0.25  # a seed's box grows by this share of its long side each way
MIN_CROP = 96  # px: crops are at least this large (the model sees 256 px)


@dataclass(frozen=True)
class Body:
    skeleton: Skeleton
    soft: Soft  # 0..1 over the whole analysed image, 0 away from this person

    @property
    def mask(self) -> Mask:
        return binary(self.soft >= LEVEL)


class BodyFinder:
    def __init__(self, pose: PoseModel) -> None:
        self.pose = pose

    def whole(self, rgb: Frame, min_area: int) -> list[Body]:
        """The people the pose model finds on the whole frame, one pass each."""
        bodies: list[Body] = []
        area = (0, 0, rgb.shape[1], rgb.shape[0])
        self._passes(rgb.copy(), bodies, area, min_area, WHOLE_PASSES)
        return bodies

    def more(
        self, rgb: Frame, bodies: list[Body], heads: list[Box], blobs: list[Box], min_area: int
    ) -> list[Body]:
        """`bodies` (from `whole`) and every other body in `rgb` with at least `min_area`
        px, not overlapping each other. `heads` are face boxes (each a person, unless a
        skeleton has its head there); `blobs` are regions that may hold a person (unless a
        body covers their centre)."""
        bodies = list(bodies)
        work = rgb.copy()  # with every body found painted out
        for body in bodies:
            _paint_out(work, _head(body))
        if wide_shot(bodies, rgb.shape):
            for tile in tiles(rgb.shape, tile_side(rgb.shape, TILE_AREA)):
                self._passes(work, bodies, tile, min_area, TILE_PASSES)
        for head in heads[:CROP_PASSES]:
            if head not in claimed(heads, [b.skeleton for b in bodies]):
                self._look(rgb, bodies, body_box(Face(*head), rgb.shape), min_area, head)
        for blob in blobs[:CROP_PASSES]:
            if not _covered(blob, bodies):
                self._look(work, bodies, blob, min_area)
        return bodies

    def _passes(
        self, work: Frame, bodies: list[Body], area: Box, min_area: int, passes: int
    ) -> None:
        """Up to `passes` new people in `area` of `work`, each one's head painted out of
        `work` before the next question."""
        for _ in range(passes):
            body = self._ask(work, area, min_area)
            if body is None or _repeats(body, bodies):
                return
            bodies.append(body)
            _paint_out(work, _head(body))

    def _look(
        self, rgb: Frame, bodies: list[Body], area: Box, min_area: int, head: Box | None = None
    ) -> None:
        """Adds the person on a crop around `area` of `rgb`, if there is one and they are
        new: with a `head`, the one whose head is there (the others' skeletons are hidden
        first, as a face on someone's body can be a person behind them); otherwise one
        centred in `area`."""
        if head is not None:
            rgb = rgb.copy()
            for body in bodies:
                _paint_out(rgb, _head(body))
        found = self._ask(rgb, _crop_box(area, rgb.shape), min_area)
        if found is None or _repeats(found, bodies):
            return
        if headed(head, [found.skeleton]) if head is not None else _holds(area, found):
            bodies.append(found)

    def _ask(self, rgb: Frame, area: Box, min_area: int) -> Body | None:
        """The pose model's person in `area` of `rgb`, as a body of the whole image."""
        x0, y0, x1, y1 = area
        found = self.pose(np.ascontiguousarray(rgb[y0:y1, x0:x1]))
        if found is None:
            return None
        skeleton, local = found
        soft = np.zeros(rgb.shape[:2], np.float32)
        soft[y0:y1, x0:x1] = local
        skeleton = skeleton.shifted(x0, y0)
        soft = holding(soft, skeleton)
        if np.count_nonzero(soft >= LEVEL) < min_area:
            return None
        return Body(skeleton, soft)


def wide_shot(bodies: list[Body], shape: tuple[int, ...]) -> bool:
    """No one found is `WIDE_SHOT` of the frame's height: there may be small people."""
    return all(b.skeleton.scale < WIDE_SHOT * shape[0] for b in bodies)


def holding(soft: Soft, skeleton: Skeleton, bones: tuple[tuple[int, int], ...] = BONES) -> Soft:
    """`soft` only over the matte's parts that the skeleton's `bones` touch (the pose matte
    also lights up other people in its crop)."""
    stick = skeleton.drawn(soft.shape, max(2, round(skeleton.scale / 40)), bones)
    _, labels = cv2.connectedComponents(binary(soft >= LEVEL), connectivity=8)
    hit = np.unique(labels[(stick > 0) & (labels > 0)])
    if not len(hit):
        return np.zeros_like(soft)
    keep = np.isin(labels, hit)
    near = cv2.dilate(binary(keep), np.ones((5, 5), np.uint8)) > 0  # the soft edge too
    return np.where(near & ((labels == 0) | keep), soft, 0.0).astype(np.float32)


def anchor(body: Body, face: Face | None = None) -> Anchor:
    """The body as an anchor for `instances.split`: distance from its stick figure in head
    sizes, or from where its face's body hangs (`instances.body_distance`) where that is
    less: a skeleton of a head and shoulders still owns the torso below them. `face` is
    its detected face, if any (else one is made from its face landmarks), so that its
    units match those of the faces it is split against. A skeleton with no hips in view
    is a head and shoulders, whose torso the model guesses: its face places it, and its
    arms where they are seen."""
    face = face or face_of(body.skeleton)
    whole = bool(body.skeleton.seen[list(HIPS)].any())
    head = float(face.size) if face is not None else body.skeleton.scale / 8
    bones = BONES if whole or face is None else ARMS
    distance = body.skeleton.distance(body.soft.shape, bones) / max(head, 1.0)
    if face is not None:
        distance = np.minimum(distance, body_distance(face, body.soft.shape))
    return Anchor(np.asarray(distance, np.float32), REACH)


def _head(body: Body) -> Mask:
    """A disc over the body's head (the pose detector finds people by their heads)."""
    out = np.zeros(body.soft.shape, np.uint8)
    head = body.skeleton.head
    if len(head):
        cx, cy = head.mean(axis=0)
        radius = max(4.0, 1.5 * float(np.ptp(head[:, 0])), 0.08 * body.skeleton.scale)
        cv2.circle(out, (round(float(cx)), round(float(cy))), round(radius), (255,), -1)
    return out


def _repeats(body: Body, bodies: list[Body]) -> bool:
    """The same person as one found already: their landmarks in view coincide, or its
    head lies on the other's stick figure (with the other's head painted out, the model
    can take their torso for a person of its own)."""
    face = face_of(body.skeleton)
    for other in bodies:
        both = body.skeleton.seen & other.skeleton.seen
        if both.sum() >= 3:
            gap = np.linalg.norm(body.skeleton.points[both] - other.skeleton.points[both], axis=1)
            if float(np.mean(gap)) < SAME * max(other.skeleton.scale, 1.0):
                return True
        theirs = face_of(other.skeleton)
        if face is not None and theirs is not None:
            x, y = face.centre
            h, w = other.soft.shape
            if 0 <= x < w and 0 <= y < h:
                on_stick = other.skeleton.distance(other.soft.shape)[y, x] < theirs.size
                if on_stick:
                    return True
    return False


def _covered(blob: Box, bodies: list[Body]) -> bool:
    """A body found already covers the blob's centre."""
    cx, cy = (blob[0] + blob[2]) // 2, (blob[1] + blob[3]) // 2
    return any(b.soft[cy, cx] >= LEVEL for b in bodies)


def _holds(seed: Box, body: Body) -> bool:
    """The body found on a seed's crop is that seed's person (not a bigger neighbour the
    crop happened to include): its joints in view are centred in the seed's box."""
    pts = body.skeleton.points[body.skeleton.seen]
    cx, cy = float(np.median(pts[:, 0])), float(np.median(pts[:, 1]))
    x0, y0, x1, y1 = seed
    return x0 <= cx <= x1 and y0 <= cy <= y1


def _crop_box(seed: Box, shape: tuple[int, ...]) -> Box:
    """A square around the seed, padded, at least `MIN_CROP`, clipped to the image."""
    x0, y0, x1, y1 = seed
    side = max(x1 - x0, y1 - y0)
    side = max(MIN_CROP, round(side * (1 + 2 * CROP_PAD)))
    cx, cy = (x0 + x1) // 2, (y0 + y1) // 2
    h, w = shape[:2]
    return (
        max(0, cx - side // 2),
        max(0, cy - side // 2),
        min(w, cx + side // 2),
        min(h, cy + side // 2),
    )


def _paint_out(rgb: Frame, mask: Mask) -> None:
    """Hides `mask` (a found person's head) from the next pass: a flat colour (its
    surroundings' mean) over it, grown a little."""
    grown = cv2.dilate(mask, np.ones((9, 9), np.uint8))
    ring = (cv2.dilate(grown, np.ones((9, 9), np.uint8)) > 0) & (grown == 0)
    if not ring.any():
        return
    rgb[grown > 0] = np.asarray(rgb[ring > 0].mean(axis=0), np.uint8)
