"""Piecewise-affine warp of one face mesh onto another, through one `cv2.remap`.

Every output pixel takes the affine map of the mesh triangle it lies in. The triangle of
each pixel is rasterised on a coarse grid (`GRID` px across the face) with one
`fillConvexPoly` per triangle, nearest last, so a turned head's far side is hidden behind
its near side. Piecewise-affine maps are continuous across triangle edges, so sampling the
map on the grid and resizing it linearly is exact inside triangles and off by a fraction
of a pixel near their edges, while costing a few milliseconds instead of tens. The warp
also says where it can be trusted: not on triangles it must stretch far (`_trust`).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from vidswap.engines.render.landmarks import Points
from vidswap.media.frames import Frame, Mask

GRID = 96  # long side of the coarse grid the maps and the coverage are computed on
SUBPIXEL = 4  # fractional bits of the rasterised vertices
STRETCH = (2.0, 4.0)  # triangle stretch (relative to the face's) over which trust fades
SLIVER = 1.0  # twice the area (grid px squared) under which a triangle is a sliver
_REACH = np.ones((3, 3), np.uint8)


@dataclass(frozen=True)
class Patch:
    """The source face warped over the box `x0, y0` + `rgb`'s size of the output frame."""

    x0: int
    y0: int
    rgb: Frame
    # On the coarse grid: how far to trust the warp, 255 on the face and in the mouth
    # opening, fading to 0 where the target's face was seen too edge-on (see `_trust`).
    cover: Mask
    mouth: Mask  # on the coarse grid: 255 in the mouth opening, where the video shows through


def warp(
    source: Frame,
    source_xy: Points,
    xy: Points,
    z: Points,
    triangles: npt.NDArray[np.int32],
    mouth: npt.NDArray[np.int32],
    shape: tuple[int, ...],
) -> Patch | None:
    """`source`, whose mesh is at `source_xy`, warped so that mesh lands on `xy` (depths
    `z`) in an image of `shape`; `mouth` rings the mesh's mouth opening. None when the face
    is off the image or too small."""
    h, w = shape[:2]
    x0, y0 = (max(0, int(v)) for v in np.floor(xy.min(axis=0)))
    x1, y1 = (int(v) for v in np.minimum(np.ceil(xy.max(axis=0)) + 1, (w, h)))
    if x1 - x0 < 8 or y1 - y0 < 8:
        return None
    scale = min(1.0, GRID / max(x1 - x0, y1 - y0))
    gw, gh = max(2, round((x1 - x0) * scale)), max(2, round((y1 - y0) * scale))
    # Grid pixel centres as cv2.resize will place them on the box.
    sx, sy = gw / (x1 - x0), gh / (y1 - y0)
    grid = np.column_stack([(xy[:, 0] - x0 + 0.5) * sx - 0.5, (xy[:, 1] - y0 + 0.5) * sy - 0.5])
    corners, source_corners = grid[triangles], source_xy[triangles]
    ids = _rasterise(corners, z[triangles].mean(axis=1), (gh, gw))
    opening = np.zeros((gh, gw), np.uint8)
    ring = np.round(grid[mouth] * (1 << SUBPIXEL)).astype(np.int32)
    cv2.fillPoly(opening, [ring], (255,), cv2.LINE_8, SUBPIXEL)
    cover = np.where(ids >= 0, _trust(corners, source_corners)[ids], opening)
    if not cover.any():
        return None
    coeffs, flat = _affines(corners, source_corners)
    ids[flat[ids] & (ids >= 0)] = -1
    coeffs = coeffs[_extend(ids)]  # (gh, gw, 2, 3)
    gy, gx = np.mgrid[0:gh, 0:gw].astype(np.float32)
    maps = coeffs[..., 0] * gx[..., None] + coeffs[..., 1] * gy[..., None] + coeffs[..., 2]
    full = cv2.resize(maps, (x1 - x0, y1 - y0), interpolation=cv2.INTER_LINEAR)
    rgb = cv2.remap(
        source, full[..., 0], full[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    return Patch(x0, y0, np.asarray(rgb, np.uint8), cover, opening)


def _rasterise(corners: Points, depth: Points, size: tuple[int, int]) -> npt.NDArray[np.int16]:
    """Per grid pixel, the index of the nearest triangle (`corners` (T, 3, 2), `depth`
    (T,)) over it, or -1."""
    ids = np.full(size, -1, np.int16)
    fixed = np.round(corners * (1 << SUBPIXEL)).astype(np.int32)
    for t in np.argsort(-depth):  # farthest first
        cv2.fillConvexPoly(ids, fixed[t], (int(t),), cv2.LINE_8, SUBPIXEL)
    return ids


def _trust(to: Points, source: Points) -> Mask:
    """Per triangle, 0..255: how far its warp can be trusted. A triangle stretched far more
    than the face as a whole was seen edge-on in the target (the side of a frontal face,
    where hair and background lie, shown by a head turned to the camera); smeared over a
    large area it looks wrong, so the video's own face shows there instead."""
    stretch = _area(to) / np.maximum(_area(source), 1e-6)
    stretch /= max(float(np.median(stretch)), 1e-6)
    low, high = STRETCH
    return np.asarray(np.clip((high - stretch) / (high - low) * 255, 0, 255), np.uint8)


def _area(corners: Points) -> Points:
    edges = corners[:, 1:] - corners[:, :1]
    cross = edges[:, 0, 0] * edges[:, 1, 1] - edges[:, 0, 1] * edges[:, 1, 0]
    return np.asarray(np.abs(cross) / 2, np.float32)


def _extend(ids: npt.NDArray[np.int16]) -> npt.NDArray[np.int16]:
    """`ids` with pixels off the mesh (or on a sliver) next to a triangle given that
    triangle: the maps are resized linearly, so pixels just off the mesh must map sensibly."""
    grown = cv2.dilate(ids, _REACH, iterations=2)
    return np.where(ids >= 0, ids, np.maximum(grown, 0)).astype(np.int16)


def _affines(to: Points, source: Points) -> tuple[Points, npt.NDArray[np.bool_]]:
    """(T, 2, 3) affine maps taking each triangle `to` (T, 3, 2) onto `source` (T, 3, 2),
    and which triangles are slivers (a closing eye), whose maps are too steep to trust."""
    span = (to[:, 1:] - to[:, :1]).transpose(0, 2, 1)  # (T, 2, 2): edge vectors as columns
    reach = (source[:, 1:] - source[:, :1]).transpose(0, 2, 1)
    (a, b), (c, d) = span[:, 0].T, span[:, 1].T
    det = a * d - b * c
    flat = np.abs(det) < SLIVER
    det = np.where(flat, SLIVER, det)
    inverse = np.stack([np.stack([d, -b], 1), np.stack([-c, a], 1)], 1) / det[:, None, None]
    linear = reach @ inverse
    shift = source[:, 0, :, None] - linear @ to[:, 0, :, None]
    return np.concatenate([linear, shift], axis=2).astype(np.float32), flat
