"""One mask per person out of a foreground region that holds several people.

A matte cannot tell where one person ends and the next begins. Anchors can: a skeleton
from the pose model, or a face (each body hangs below its face). Each pixel goes to the
person whose body it is near (`Anchor.distance`, in head sizes) and whose colours it
matches (a histogram learnt near that person's body). A shoulder in front of someone
else's torso goes to the right person when the two dress differently, and to the nearer
one when they do not. Pixels beyond an anchor's reach are not its person: the matte also
swallows things next to people.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from vidswap.engines.segment.faces import Face
from vidswap.engines.segment.regions import Soft, binary
from vidswap.media.frames import Frame, Mask

CORE = 0.7  # body distance within which a pixel teaches its person's colours
BODY_WEIGHT = 1.0  # log-likelihood a unit of body distance is worth
REACH = 3.0  # body distance beyond which matte pixels are not a face's person
Bins = npt.NDArray[np.int32]


@dataclass(frozen=True)
class Anchor:
    """Where one person is: each pixel's distance from their body, in head sizes, and
    the distance beyond which a pixel cannot be theirs."""

    distance: Soft
    reach: float


def face_anchor(face: Face, shape: tuple[int, ...]) -> Anchor:
    return Anchor(body_distance(face, shape), REACH)


def barred(anchor: Anchor, where: npt.NDArray[np.bool_] | None) -> Anchor:
    """`anchor` that cannot reach `where` (None: anywhere it could)."""
    if where is None:
        return anchor
    return Anchor(
        np.where(where, np.maximum(anchor.distance, anchor.reach), anchor.distance), anchor.reach
    )


def split(rgb: Frame, region: Mask, anchors: list[Anchor]) -> list[Mask]:
    """`region` cut into one mask per anchor (none without anchors)."""
    if not anchors:
        return []
    inside = region > 0
    distance = np.stack([a.distance for a in anchors])
    label = np.zeros(region.shape, np.intp)
    if len(anchors) > 1:
        nearest = np.argmin(distance, axis=0)
        colours = _colour_index(rgb)
        scores = [
            _colour_fit(colours, inside & (nearest == k) & (distance[k] < CORE))
            - BODY_WEIGHT * distance[k]
            for k in range(len(anchors))
        ]
        label = np.argmax(np.stack(scores), axis=0)
    return [binary(inside & (label == k) & (distance[k] < a.reach)) for k, a in enumerate(anchors)]


def body_distance(face: Face, shape: tuple[int, ...]) -> Soft:
    """How far each pixel is from where this person's body would be, in face sizes: 0 on
    the line from the face down its body; the allowance grows from a head's width at face
    level to shoulders about two face sizes either side; beyond the hair it rises fast."""
    cx, cy = face.centre
    ys, xs = np.ogrid[: shape[0], : shape[1]]
    right = (xs - cx).astype(np.float32) / face.size
    down = (ys - cy).astype(np.float32) / face.size
    along = right * face.down[0] + down * face.down[1]  # + towards the body
    across = np.abs(right * face.down[1] - down * face.down[0])
    allowance = np.clip(0.7 + (along - 0.5), 0.7, 2.2)
    return np.asarray(across / allowance + np.maximum(0.0, -along - 0.6) / 0.6, np.float32)


def body_box(face: Face, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) that holds this face's body if it is in view: three face sizes
    either side, two beyond the hair, seven down the body; clipped to the image."""
    s, (cx, cy) = face.size, face.centre
    dx, dy = face.down
    xs = [cx - 3 * s, cx + 3 * s] if dx == 0 else [cx - 2 * s * dx, cx + 7 * s * dx]
    ys = [cy - 3 * s, cy + 3 * s] if dy == 0 else [cy - 2 * s * dy, cy + 7 * s * dy]
    h, w = shape[:2]
    return max(0, min(xs)), max(0, min(ys)), min(w, max(xs)), min(h, max(ys))


def _colour_index(rgb: Frame) -> Bins:
    """Each pixel's bin in an 8x8x8 RGB histogram."""
    q = (rgb // 32).astype(np.int32)
    return np.asarray((q[..., 0] * 8 + q[..., 1]) * 8 + q[..., 2], np.int32)


def _colour_fit(colours: Bins, sample: Any) -> Soft:
    """Log-likelihood of each pixel's colour under the histogram of `sample`'s pixels,
    smoothed a little so that lone pixels follow their neighbours."""
    hist = np.bincount(colours[sample], minlength=512).astype(np.float32) + 1.0
    fit = np.log(hist / hist.sum())[colours].astype(np.float32)
    return np.asarray(cv2.GaussianBlur(fit, (0, 0), 2.0), np.float32)
