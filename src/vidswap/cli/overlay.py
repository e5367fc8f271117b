"""Mask PNGs made readable: each mask's area and box, and one preview with every mask
drawn over the keyframe in its own colour, outlined and named."""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFilter

PALETTE = [
    (230, 25, 75), (60, 180, 75), (0, 130, 200), (245, 130, 48), (145, 30, 180),
    (70, 240, 240), (240, 50, 230), (210, 245, 60), (250, 190, 212), (0, 128, 128),
]  # fmt: skip
Bools = npt.NDArray[np.bool_]
TINT = 0.45  # how strongly a mask's colour covers the keyframe


@dataclass(frozen=True)
class MaskShape:
    area: float  # share of the frame, 0..1
    box: tuple[int, int, int, int] | None  # x, y, width, height


def decode_mask(png: bytes) -> Bools:
    """The mask as booleans (the server's PNGs are 255 = selected)."""
    with Image.open(io.BytesIO(png)) as img:
        return np.asarray(img.convert("L")) > 127


def shape_of(mask: Bools) -> MaskShape:
    ys, xs = np.nonzero(mask)
    if not len(xs):
        return MaskShape(0.0, None)
    x0, y0 = int(xs.min()), int(ys.min())
    box = (x0, y0, int(xs.max()) - x0 + 1, int(ys.max()) - y0 + 1)
    return MaskShape(float(mask.mean()), box)


def preview(keyframe: bytes, masks: list[tuple[str, Bools]]) -> Image.Image:
    """The keyframe with every (label, mask) tinted, outlined and labelled."""
    with Image.open(io.BytesIO(keyframe)) as img:
        base = np.asarray(img.convert("RGB")).astype(np.float32)
    for i, (_, mask) in enumerate(masks):
        if mask.shape != base.shape[:2]:
            continue  # (a mask the size of another frame: nothing sensible to draw)
        tint = np.array(PALETTE[i % len(PALETTE)], np.float32)
        base[mask] = base[mask] * (1 - TINT) + tint * TINT
    out = Image.fromarray(base.clip(0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(out)
    for i, (label, mask) in enumerate(masks):
        if mask.shape != base.shape[:2]:
            continue
        colour = PALETTE[i % len(PALETTE)]
        edge = Image.fromarray(mask.astype(np.uint8) * 255).filter(ImageFilter.FIND_EDGES)
        out.paste(colour, mask=edge)
        box = shape_of(mask).box
        if box is not None:
            draw.text(
                (box[0] + 4, box[1] + 4), label, fill=colour, stroke_width=2, stroke_fill=(0, 0, 0)
            )
    return out
