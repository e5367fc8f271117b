"""Named sample files for upload tests, each generated once per session on first use."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from functools import partial
from pathlib import Path

from PIL import Image

from tests.support.media import image_bytes, make_audio, make_video

Builder = Callable[[Path], Path]

BUILDERS: dict[str, Builder] = {
    "clip.mp4": make_video,
    "clip.mov": make_video,
    "clip.webm": partial(make_video, codec="libvpx-vp9", audio=False, seconds=2),
    "clip.mkv": partial(make_video, audio=False),
    "vp9.mkv": partial(make_video, codec="libvpx-vp9", audio=False),
    "faststart.mp4": partial(make_video, faststart=True, seconds=2),
    "wide.mp4": partial(make_video, size=(1922, 64), seconds=0.3, audio=False),
    "long.mp4": partial(make_video, size=(32, 32), seconds=31, fps=2, audio=False),
    "tone.wav": partial(make_audio, fmt="wav"),
    "tone.mp3": partial(make_audio, fmt="mp3"),
    "tone.m4a": partial(make_audio, fmt="ipod"),
    "tone.aac": partial(make_audio, fmt="adts"),
}

IMAGES = {"png": "PNG", "jpg": "JPEG", "webp": "WEBP", "gif": "GIF", "bmp": "BMP"}


class Samples:
    """`samples["clip.mp4"]` is the bytes of a generated file; `image("jpg")` an image."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._cache: dict[str, bytes] = {}

    def __getitem__(self, name: str) -> bytes:
        if name not in self._cache:
            self._cache[name] = BUILDERS[name](self.root / name).read_bytes()
        return self._cache[name]

    def image(self, ext: str, size: tuple[int, int] = (96, 64)) -> bytes:
        return mpo_bytes(size) if ext == "mpo" else image_bytes(size, IMAGES[ext])


def mpo_bytes(size: tuple[int, int]) -> bytes:
    """A two-view MPO, as phone cameras write: a JPEG that Pillow reports as format MPO."""
    first, second = Image.new("RGB", size, "red"), Image.new("RGB", size, "blue")
    buf = io.BytesIO()
    first.save(buf, "MPO", save_all=True, append_images=[second])
    return buf.getvalue()


def half(data: bytes) -> bytes:
    return data[: len(data) // 2]


def png_header_only(width: int, height: int) -> bytes:
    """A small PNG whose header claims `width` x `height`: a decompression bomb's shape."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 4096, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
