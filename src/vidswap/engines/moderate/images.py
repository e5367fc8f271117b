"""What moderation sees of an uploaded image: upright RGB at a bounded size."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from vidswap.media.frames import Frame

MAX_SIDE = 1024  # the detector looks at 320 px; decoding more only costs time and memory


def image_rgb(path: Path, max_side: int = MAX_SIDE) -> Frame:
    """The image upright (EXIF orientation) as RGB, its long side at most `max_side`.

    Call it on an already validated image: it trusts the size and format checks.
    """
    with Image.open(path) as img:
        img.draft("RGB", (max_side, max_side))  # JPEGs decode straight at a reduced scale
        upright = ImageOps.exif_transpose(img)
    upright.thumbnail((max_side, max_side))
    return np.asarray(upright.convert("RGB"))
