"""Clips with hard cuts, built from bench/_clips.py shots, with each frame's truth masks.

`_clips.Clip` renders one continuous shot; a film clip is several of them back to back.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import av
import numpy as np

from bench import _clips

U8 = _clips.U8
Shot = tuple[U8, dict[str, U8]]  # a frame and each layer's truth mask


def astronaut(keys: tuple[_clips.Key, ...]) -> _clips.Layer:
    return _clips.Layer("astronaut", "astronaut", keys, anchor="bottom")


def passer(keys: tuple[_clips.Key, ...]) -> _clips.Layer:
    """A different-looking person: the astronaut mirrored, her suit blue."""
    return _clips.Layer("passer", "passer", keys, anchor="bottom")


def shot(
    background: str,
    layers: tuple[_clips.Layer, ...],
    frames: int,
    size: tuple[int, int],
    pan: tuple[float, float] = (0.0, 0.0),
) -> Iterator[Shot]:
    yield from _clips.frames(_clips.Clip(background, size, frames, background, layers, pan=pan))


def film(size: tuple[int, int], length: int = 15) -> list[Shot]:
    """Three shots of `length` frames: the astronaut over the rocket walking right; a cut
    to the cat with a different-looking person and no astronaut; a cut back to the rocket,
    the astronaut elsewhere, nearer, walking left."""
    return [
        *shot("rocket", (astronaut(((0.0, 0.3, 1.0, 0.8), (1.0, 0.4, 1.0, 0.8))),), length, size),
        *shot("chelsea", (passer(((0.0, 0.5, 1.0, 0.8), (1.0, 0.6, 1.0, 0.8))),), length, size),
        *shot("rocket", (astronaut(((0.0, 0.7, 1.0, 0.95), (1.0, 0.6, 1.0, 0.9))),), length, size),
    ]


def truth(shots: list[Shot], name: str) -> list[U8]:
    """Layer `name`'s mask in every frame (empty where it is not in the shot)."""
    return [masks.get(name, np.zeros(rgb.shape[:2], np.uint8)) for rgb, masks in shots]


def write(frames: Iterable[U8], path: Path, fps: int = 30) -> Path:
    """H.264 (yuv420p, like uploads), every frame as given."""
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": "18", "preset": "veryfast"}
        for i, rgb in enumerate(frames):
            if i == 0:
                stream.width, stream.height = rgb.shape[1], rgb.shape[0]
            for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path
