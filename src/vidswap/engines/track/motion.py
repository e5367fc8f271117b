"""A subject's own motion, from the flow on its pixels: as one transform, as a field
averaged over its neighbourhood, and as the flow it predicts everywhere."""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from vidswap.engines.track.flow import FlowField, grid
from vidswap.engines.track.masks import Box, f32, points
from vidswap.media.frames import Mask

Motion = npt.NDArray[np.float64]  # 2x3 affine: previous view -> this one
LOCAL_STEP = 4  # local_flow works at 1/4 resolution


def shift(dx: float, dy: float) -> Motion:
    return np.array([[1.0, 0.0, dx], [0.0, 1.0, dy]])


STILL = shift(0.0, 0.0)


def motion_of(mask: Mask, flow: FlowField | None, extent: int = 0) -> Motion:
    """The transform carrying `mask`'s subject from the previous view onto this one,
    fitted to the backward flow at the pixels of `mask` (the subject's place in this
    view). A similarity (RANSAC) when the visible part is a fair share of the subject's
    `extent`, with the scale change bounded; a plain shift (median) from a small part,
    which cannot tell scale from noise; none without flow or from a sliver, whose flow is
    mostly the flow of its neighbour."""
    ys, xs = points(mask)
    count = len(xs)
    if flow is None or count < max(12, 0.1 * extent):
        return STILL
    step = max(1, count // 400)
    xs, ys = xs[::step], ys[::step]
    here = np.stack([xs, ys], axis=1).astype(np.float32)
    there = here + flow[ys, xs]
    dx, dy = np.median(here - there, axis=0)
    if count < 0.3 * extent:
        return shift(float(dx), float(dy))
    fit, _ = cv2.estimateAffinePartial2D(there, here, method=cv2.RANSAC, ransacReprojThreshold=2.0)
    if fit is None or not 0.9 <= float(np.hypot(fit[0, 0], fit[1, 0])) <= 1.1:
        return shift(float(dx), float(dy))
    return np.asarray(fit, np.float64)


def local_flow(flow: FlowField, mask: Mask, window: int) -> tuple[FlowField, FlowField]:
    """The subject's own motion around each pixel: the backward flow averaged over the
    subject's pixels in a `window`-wide box (normalised convolution); and the weight,
    zero where no subject pixel is near. Computed at a quarter of the resolution: the
    window is wide and the result smooth, and this is 10x cheaper."""
    rows, cols = mask.shape[:2]
    small = (max(1, cols // LOCAL_STEP), max(1, rows // LOCAL_STEP))
    inside = (mask > 0).astype(np.float32)
    ours = f32(cv2.resize(flow * inside[..., None], small, interpolation=cv2.INTER_AREA))
    inside = f32(cv2.resize(inside, small, interpolation=cv2.INTER_AREA))
    size = (max(1, window // LOCAL_STEP) | 1,) * 2
    weight = f32(cv2.boxFilter(inside, -1, size))
    mean = f32(cv2.boxFilter(ours, -1, size)) / np.maximum(weight, 1e-6)[..., None]
    mean = f32(cv2.resize(mean, (cols, rows), interpolation=cv2.INTER_LINEAR))
    return mean, f32(cv2.resize(weight, (cols, rows), interpolation=cv2.INTER_LINEAR))


def expected_flow(motion: Motion, shape: tuple[int, int], roi: Box | None = None) -> FlowField:
    """The backward flow a subject moving by `motion` would have at every pixel of a view
    of `shape`, or of its box `roi` only."""
    xs, ys = grid(shape)
    if roi is not None:
        x0, y0, x1, y1 = roi
        xs, ys = xs[y0:y1, x0:x1], ys[y0:y1, x0:x1]
    back = cv2.invertAffineTransform(motion)
    fx = back[0, 0] * xs + back[0, 1] * ys + back[0, 2] - xs
    fy = back[1, 0] * xs + back[1, 1] * ys + back[1, 2] - ys
    return f32(np.stack([fx, fy], axis=-1))


def expected_at(motion: Motion, x: float, y: float) -> tuple[float, float]:
    """The backward flow `motion` predicts at one point."""
    back = cv2.invertAffineTransform(motion)
    px, py = back @ np.array([x, y, 1.0])
    return float(px - x), float(py - y)
