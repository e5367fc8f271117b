"""Following a background: the complement of its foreground, which is followed instead.

A background mask is mostly "everything but the subjects", so what moves is the
subjects. Each separate part of the foreground is followed on its own (so one can leave
and come back while another stays): as a person where it and the person matte mostly
coincide, as an object otherwise.

Where the subjects are out of view within the shot (they walked out), the whole frame is
background. After a hard cut, a shot in which none of them has been found yet is taken to
be another place (a cutaway, another scene): its frames get no background at all, and
pass through the swap unchanged, rather than becoming the still image from edge to edge.
"""

from __future__ import annotations

import cv2
import numpy as np

from vidswap.engines.track import masks as m
from vidswap.engines.track.flow import View
from vidswap.engines.track.follow import Follower
from vidswap.engines.track.matte import Matte
from vidswap.engines.track.obj import ObjectFollower
from vidswap.engines.track.person import PersonFollower
from vidswap.media.frames import Mask

MAX_PARTS = 6  # larger foreground parts followed; specks beyond these are dropped
PERSON_IOU = 0.9  # a part this close to the person matte is followed as a person


class ComplementFollower:
    def __init__(self, matte: Matte, view: View, mask: Mask) -> None:
        self.parts: list[Follower] = []
        people = matte.people(view)
        for part in parts(~mask, MAX_PARTS, max(24, mask.size // 2000)):
            follower: Follower = (
                PersonFollower(matte, view, part)
                if is_person(part, people)
                else ObjectFollower(view, part)
            )
            self.parts.append(follower)

    def step(self, view: View) -> Mask:
        union = np.zeros(view.shape, np.uint8)
        for follower in self.parts:
            union |= follower.step(view)
        if self.parts and all(follower.after_cut for follower in self.parts):
            return union  # (empty) another shot, without our subjects
        return ~union


def parts(mask: Mask, limit: int, min_area: int) -> list[Mask]:
    """The largest `limit` connected parts of `mask` of at least `min_area` pixels."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    order = sorted(range(1, count), key=lambda i: -int(stats[i, cv2.CC_STAT_AREA]))
    keep = [i for i in order[:limit] if stats[i, cv2.CC_STAT_AREA] >= min_area]
    return [np.where(labels == i, 255, 0).astype(np.uint8) for i in keep]


def is_person(part: Mask, people: Mask) -> bool:
    """The person matte reproduces the part (IoU with the matte blobs it lies on): a cup
    on a blob the matte also spreads over a cat is better followed as an object."""
    blobs = m.keep_overlapping(people, part, 0.0)
    union = m.area(part | blobs)
    return bool(union) and m.area(part & blobs) >= PERSON_IOU * union
