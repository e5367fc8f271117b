"""The swap's target image: its pixels and the alpha of the subject to place.

An image with real transparency brings its own subject. Otherwise the subject is
segmented from it (a person for person swaps, an object for object swaps, falling back
to the other kind, then to the whole image). Backgrounds use the whole image.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps

from vidswap.engines.pool import EnginePool
from vidswap.engines.render.base import Target
from vidswap.media.frames import Frame, Mask

MAX_SIDE = 1280  # larger targets only cost time: the output is at most 720p
OPAQUE = 250  # an alpha channel whose every pixel is above this carries no subject


def load_target(path: Path, mode: str, engines: EnginePool) -> Target:
    with Image.open(path) as img:
        img.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
        rgba = np.asarray(ImageOps.exif_transpose(img).convert("RGBA"))
    rgb = np.ascontiguousarray(rgba[..., :3])
    full = np.full(rgb.shape[:2], 255, np.uint8)
    if mode == "background":
        return Target(rgb, full)
    alpha = rgba[..., 3]
    if alpha.min() < OPAQUE:
        return Target(rgb, np.ascontiguousarray(alpha))
    subject = _segment(rgb, mode, engines)
    return Target(rgb, full if subject is None else subject)


def _segment(rgb: Frame, mode: str, engines: EnginePool) -> Mask | None:
    with engines.use("segment") as segmenter:
        candidates = segmenter.candidates(rgb)
    order = ("person", "object") if mode == "person" else ("object", "person")
    for name in order:
        for candidate in candidates:
            if candidate.name == name:
                mask: Mask = candidate.mask
                return mask if mask.shape == rgb.shape[:2] else _fit(mask, rgb.shape)
    return None


def _fit(mask: Mask, shape: tuple[int, ...]) -> Mask:
    return np.asarray(cv2.resize(mask, (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR))
