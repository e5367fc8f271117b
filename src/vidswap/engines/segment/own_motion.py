"""Things that move on their own between a keyframe and a nearby frame of the same video.

A thing a user wants to swap usually moves against the scene, or the camera moves past
it, and motion does not care whether its shaded half looks like the backdrop. Dense DIS
flow runs both ways on small copies; a forward-backward check keeps the vectors that
agree; a homography fitted by RANSAC to a grid of them (people left out) is the camera's
motion; where the flow departs from it is a moving region. Flow smears past a moving
thing's edges, so each region then gets a motion of its own (an affine fit to its core)
and every pixel near it is judged by colour: one the nearby frame matches under the
region's motion and not under the camera's is surely on the thing, one it matches under
the camera's and not the region's surely is not.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from vidswap.engines.segment.regions import Soft, binary, min_pixels, parts, shrink
from vidswap.media.frames import Frame, Mask

Field = npt.NDArray[np.float32]  # HxWx2, where each pixel went in the nearby frame
WORK_SIDE = 320  # px: DIS (both ways) costs ~7 ms here; motion is a region-scale cue
FINEST_SCALE = 1  # DIS's preset stops at 1/4 scale: motion smeared 10 px past edges
GRID_STEP = 6  # px between the flow vectors the camera motion is fitted to
FIT_TOLERANCE = 1.0  # px: RANSAC's inlier distance for the camera's and regions' motions
MIN_SHIFT = 0.8  # px at WORK_SIDE: less residual motion than this is never "moving"
NOISE_TIMES = 5.0  # ... nor less than this many times the scene's median residual
MIN_INLIERS = 0.4  # share of vectors the camera motion must explain to be trusted
CORE = 2.0  # residual (in moving thresholds) of the vectors a region's motion is fitted to
COLOUR_MARGIN = 6.0  # 8-bit levels by which one motion must match the colours better
PEOPLE_BAND = 8  # px at WORK_SIDE around a person where motion is the person's smear
MAX_SHARE = 0.5  # a "moving" region larger than this is a camera motion we failed to fit


@dataclass(frozen=True)
class Moving:
    """One region moving on its own, at the analysis frame's size, 0/255: `region` where
    the flow departs from the camera's (a little past the thing's edges), `sure` surely
    on the thing, `away` surely not (stays with the camera); `mass`, its summed residual."""

    region: Mask
    sure: Mask
    away: Mask
    mass: float


@dataclass(frozen=True)
class Flow:
    """The keyframe and the nearby frame at `WORK_SIDE`, the flow from one to the other,
    and where it is reliable: what motion needs before it knows where the people are."""

    small: Frame
    other: Frame
    ahead: Field
    reliable: npt.NDArray[np.bool_]


def flow_to(rgb: Frame, nearby: Frame) -> Flow:
    """Dense flow from `rgb` to `nearby` (any size: it is resized), both ways checked.
    It needs no people, so it can run beside the people finder."""
    small = shrink(rgb, WORK_SIDE)
    size = (small.shape[1], small.shape[0])
    other = np.asarray(cv2.resize(nearby, size, interpolation=cv2.INTER_AREA), np.uint8)
    dis: Any = cv2.DISOpticalFlow.create(cv2.DISOPTICAL_FLOW_PRESET_FAST)
    dis.setFinestScale(FINEST_SCALE)
    a, b = _grey(small), _grey(other)
    ahead = np.asarray(dis.calc(a, b, None), np.float32)
    reliable = _agree(ahead, np.asarray(dis.calc(b, a, None), np.float32))
    return Flow(small, other, ahead, reliable)


def moving_things(rgb: Frame, flow: Flow, taken: Mask) -> list[Moving]:
    """Regions of `rgb` moving on their own along `flow` (`flow_to` its nearby frame),
    people (`taken`) excluded, by motion mass; none when the camera's motion cannot be
    told or nothing moves."""
    small, other, ahead, reliable = flow.small, flow.other, flow.ahead, flow.reliable
    size = (small.shape[1], small.shape[0])
    people = _near_people(taken, size)
    usable = reliable & ~people
    camera = _fit(ahead, usable, homography=True)
    if camera is None:
        return []
    residual = np.linalg.norm(ahead - camera, axis=2)
    noise = float(np.median(residual[usable])) if usable.any() else 0.0
    strength = np.where(people, 0.0, residual / max(MIN_SHIFT, NOISE_TIMES * noise))
    by_camera = _mismatch(small, other, camera)
    full = (rgb.shape[1], rgb.shape[0])
    found = []
    for region, core in _regions(strength, usable):
        own = _fit(ahead, core, homography=False)
        if own is None:
            continue
        by_own = _mismatch(small, other, own)
        near = np.asarray(cv2.dilate(region, np.ones((9, 9), np.uint8))) > 0
        sure = near & (by_own + COLOUR_MARGIN < by_camera) & usable
        away = ((by_camera + COLOUR_MARGIN < by_own) | (usable & (strength < 0.5))) & ~sure
        mass = float(strength[region > 0].sum())
        found.append(
            Moving(_size(region, full), _size(binary(sure), full), _size(binary(away), full), mass)
        )
    return sorted(found, key=lambda m: -m.mass)


def _regions(
    strength: Soft, usable: npt.NDArray[np.bool_]
) -> Iterator[tuple[Mask, npt.NDArray[np.bool_]]]:
    """Moving regions (0/255) not too large, each with its reliable strongly moving core."""
    square = np.ones((3, 3), np.uint8)
    moving = np.asarray(cv2.morphologyEx(binary(strength >= 1.0), cv2.MORPH_OPEN, square), np.uint8)
    for region in parts(moving, min_pixels(moving.shape)):
        if np.count_nonzero(region) <= MAX_SHARE * region.size:
            yield region, (region > 0) & usable & (strength >= CORE)


def _fit(ahead: Field, usable: npt.NDArray[np.bool_], homography: bool) -> Field | None:
    """The flow of one rigid motion fitted by RANSAC to a grid of `usable` vectors (a
    homography for the camera, an affine map for a thing), at every pixel; None when too
    few of them agree on one."""
    h, w = ahead.shape[:2]
    step = GRID_STEP if homography else 2
    ys, xs = np.mgrid[step // 2 : h : step, step // 2 : w : step]
    keep = usable[ys, xs]
    if np.count_nonzero(keep) < 12:
        return None
    here = np.stack([xs[keep], ys[keep]], axis=1).astype(np.float32)
    there = here + ahead[ys[keep], xs[keep]]
    gy, gx = np.mgrid[0:h, 0:w].astype(np.float32)
    points = np.stack([gx, gy], axis=-1).reshape(-1, 1, 2)
    if homography:
        fit, inliers = cv2.findHomography(here, there, cv2.RANSAC, FIT_TOLERANCE)
        if fit is None or float(np.mean(inliers)) < MIN_INLIERS:
            return None
        moved = cv2.perspectiveTransform(points, fit)
    else:
        fit, inliers = cv2.estimateAffine2D(here, there, None, cv2.RANSAC, FIT_TOLERANCE)
        if fit is None:
            return None
        moved = cv2.transform(points, fit)
    return np.asarray((moved - points).reshape(h, w, 2), np.float32)


def _mismatch(rgb: Frame, nearby: Frame, flow: Field) -> Soft:
    """Per pixel, how unlike its colour is to the nearby frame's where `flow` takes it
    (mean absolute difference, lightly smoothed so one noisy pixel does not decide)."""
    there = _along(nearby, flow, cv2.BORDER_REPLICATE)
    diff = np.abs(np.asarray(there, np.float32) - np.asarray(rgb, np.float32)).mean(axis=2)
    return np.asarray(cv2.GaussianBlur(diff, (0, 0), 1.0), np.float32)


def _along(
    image: npt.NDArray[Any], flow: Field, border: int, value: tuple[float, ...] = (0.0,)
) -> npt.NDArray[Any]:
    """`image` sampled where `flow` takes each pixel (bilinear; `border` past the edge)."""
    h, w = flow.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    return np.asarray(
        cv2.remap(
            image,
            xs + flow[..., 0],
            ys + flow[..., 1],
            cv2.INTER_LINEAR,
            borderMode=border,
            borderValue=value,
        )
    )


def _agree(ahead: Field, back: Field) -> npt.NDArray[np.bool_]:
    """Where following the flow there and back returns close to the start (occluded and
    textureless pixels mostly do not)."""
    there = _along(back, ahead, cv2.BORDER_CONSTANT, (1e3, 1e3))
    error = np.linalg.norm(ahead + there, axis=2)
    return np.asarray(error < 0.5 + 0.1 * np.linalg.norm(ahead, axis=2))


def _near_people(taken: Mask, size: tuple[int, int]) -> npt.NDArray[np.bool_]:
    """People (`taken`) and a band around them: their motion smears into the flow of
    what is beside them, which would otherwise be offered as moving things."""
    people = np.asarray(cv2.resize(taken, size, interpolation=cv2.INTER_NEAREST), np.uint8)
    reach = 2 * PEOPLE_BAND + 1
    return np.asarray(cv2.dilate(people, np.ones((reach, reach), np.uint8))) > 0


def _grey(rgb: Frame) -> Mask:
    return np.asarray(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), np.uint8)


def _size(mask: Mask, size: tuple[int, int]) -> Mask:
    return np.asarray(cv2.resize(mask, size, interpolation=cv2.INTER_NEAREST), np.uint8)
