"""Tiny generated media for tests and benchmarks: moving shapes with a sine-wave soundtrack."""

from __future__ import annotations

import io
import math
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image


def make_video(
    path: Path,
    *,
    seconds: float = 1.0,
    fps: int = 10,
    size: tuple[int, int] = (160, 96),
    codec: str = "libx264",
    audio: bool = True,
    container: str | None = None,
    faststart: bool = False,
) -> Path:
    """A clip of a white square sliding over a gradient, optionally with a 440 Hz tone.

    `faststart` puts an mp4's index (moov) first, so a cut-off copy still opens.
    """
    width, height = size
    frames = round(seconds * fps)
    options = {"movflags": "faststart"} if faststart else {}
    with av.open(str(path), "w", format=container, options=options) as out:
        video = out.add_stream(codec, rate=fps)
        video.width, video.height = width, height
        video.pix_fmt = "yuv420p"
        tone = out.add_stream("aac", rate=44100) if audio else None
        xs = np.linspace(0, 255, width, dtype=np.uint8)
        for i in range(frames):
            img = np.zeros((height, width, 3), np.uint8)
            img[..., 0] = xs
            img[..., 1] = (i * 7) % 255
            x = (i * 4) % max(1, width - 16)
            img[height // 3 : height // 3 + 16, x : x + 16] = 255
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            for packet in video.encode(frame):
                out.mux(packet)
        for packet in video.encode():
            out.mux(packet)
        if tone is not None:
            _write_tone(out, tone, seconds)
    return path


def _write_tone(out: av.container.OutputContainer, stream: av.AudioStream, seconds: float) -> None:
    rate = 44100
    samples = int(seconds * rate)
    t = np.arange(samples) / rate
    wave = (0.2 * np.sin(2 * math.pi * 440 * t)).astype(np.float32)
    for start in range(0, samples, 1024):
        chunk = wave[start : start + 1024]
        frame = av.AudioFrame.from_ndarray(chunk[None, :], format="fltp", layout="mono")
        frame.sample_rate = rate
        frame.pts = start
        frame.time_base = Fraction(1, rate)
        for packet in stream.encode(frame):
            out.mux(packet)
    for packet in stream.encode():
        out.mux(packet)


def make_audio(path: Path, *, seconds: float = 1.0, fmt: str = "wav") -> Path:
    codec = {"wav": "pcm_s16le", "mp3": "libmp3lame", "adts": "aac", "ipod": "aac"}[fmt]
    with av.open(str(path), "w", format=fmt) as out:
        stream = out.add_stream(codec, rate=44100)
        _write_tone(out, stream, seconds)
    return path


def image_bytes(size: tuple[int, int] = (64, 48), fmt: str = "PNG") -> bytes:
    """An RGB gradient image encoded as `fmt`."""
    w, h = size
    arr = np.zeros((h, w, 3), np.uint8)
    arr[..., 0] = np.linspace(0, 255, w, dtype=np.uint8)
    arr[..., 2] = np.linspace(0, 255, h, dtype=np.uint8)[:, None]
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format=fmt)
    return buf.getvalue()


def with_tone(video: Path, out: Path) -> Path:
    """`video`'s video stream (copied) with a 440 Hz tone as long as it, in an MP4."""
    with av.open(str(video)) as src, av.open(str(out), "w") as dst:
        stream = src.streams.video[0]
        seconds = float(stream.frames / stream.average_rate) if stream.average_rate else 1.0
        copy = dst.add_stream_from_template(stream)
        tone = dst.add_stream("aac", rate=44100)  # every stream before the first packet
        for packet in src.demux(stream):
            if packet.dts is not None:
                packet.stream = copy
                dst.mux(packet)
        _write_tone(dst, tone, seconds)
    return out
