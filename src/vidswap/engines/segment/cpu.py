"""The CPU segmentation engine: people, then objects, then the background.

Everything is analysed on a copy at most 640 px on its long side; each mask is brought
back to the frame's size with a guided filter against the full-resolution frame. People
and objects never overlap. The background is the scene minus the people: exactly what no
person covers, objects included (a background swap replaces the whole scene and keeps
every person whole).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np

from vidswap.engines import registry
from vidswap.engines.segment.base import Candidate
from vidswap.engines.segment.objects import find_objects
from vidswap.engines.segment.own_motion import flow_to, moving_things
from vidswap.engines.segment.people import PeopleFinder
from vidswap.engines.segment.regions import (
    Soft,
    binary,
    guide_of,
    min_pixels,
    shrink,
    upsample,
    without_specks,
)
from vidswap.media.frames import Frame, Mask

MAX_OBJECTS = 3
MIN_SIDE = 16  # frames thinner than this (px) hold nothing worth selecting but background


@registry.register("segment", "cpu")
class CpuSegmenter:
    """mediapipe for people; DIS motion, opencv-contrib saliency and GrabCut for objects."""

    name, kind = "cpu", "segment"

    def __init__(self) -> None:
        self._people = PeopleFinder()

    def setup(self) -> None:
        self._people.setup()

    def close(self) -> None:
        self._people.close()

    def candidates(self, frame: Frame, nearby: Frame | None = None) -> list[Candidate]:
        """People (largest first), up to three objects, then exactly one background;
        `nearby` (a frame of the same shot a few frames away) adds motion to the cues."""
        frame = _as_rgb(frame)
        if min(frame.shape[:2]) < MIN_SIDE:
            return assemble(frame, [], [])
        small = shrink(frame)
        with ThreadPoolExecutor(max_workers=1) as pool:  # DIS releases the GIL
            flow = pool.submit(flow_to, small, _as_rgb(nearby)) if nearby is not None else None
            people = self._people.find(small)
            taken = binary(np.sum(people, axis=0) > 0.5) if people else _empty(small)
            moving = moving_things(small, flow.result(), taken) if flow is not None else []
        objects = find_objects(small, taken, MAX_OBJECTS, moving)
        return assemble(frame, people, objects)


def assemble(frame: Frame, people: list[Soft], objects: list[Soft]) -> list[Candidate]:
    """Full-size candidates from analysis-size soft masks: people and objects apart, the
    background everything no person covers."""
    guide = guide_of(frame)
    floor = min_pixels(frame.shape)
    union = _empty(frame)
    out: list[Candidate] = []
    named = [("person", soft) for soft in people] + [("object", soft) for soft in objects]
    with ThreadPoolExecutor(max_workers=2) as pool:  # the guided filter releases the GIL
        big = list(pool.map(lambda pair: upsample(pair[1], guide), named))
    for (name, _), mask in zip(named, big, strict=True):
        mask[union > 0] = 0
        mask = without_specks(mask, floor)
        if cv2.countNonZero(mask) >= floor:
            out.append(Candidate(name, mask))
            union |= mask
    everyone = _empty(frame)
    for candidate in out:
        if candidate.name == "person":
            everyone |= candidate.mask
    out.append(Candidate("background", binary(everyone == 0)))
    return out


def _as_rgb(frame: Frame) -> Frame:
    """HxWx3 contiguous uint8, also from a grey (HxW, HxWx1) or RGBA (HxWx4) array."""
    if frame.ndim == 2:
        frame = frame[..., None]
    if frame.shape[2] < 3:
        frame = np.repeat(frame[..., :1], 3, axis=2)
    return np.ascontiguousarray(frame[..., :3], np.uint8)


def _empty(frame: Frame) -> Mask:
    return np.zeros(frame.shape[:2], np.uint8)
