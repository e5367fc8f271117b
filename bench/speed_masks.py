"""Mask selection speed with warm engines, against decoding the same keyframe alone.

Goals (issue 3): a selection on a 720p keyframe <= 300 ms; keyframe 600 of a 30 s video
<= 600 ms. Each selection uses a keyframe not computed before, so nothing is cached.
The baseline is `read_frame` of the same keyframe, measured in the same run.

    .venv/bin/python -m bench.speed_masks [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
from skimage import data

from bench._common import environment, table, write_results
from vidswap.config import Settings
from vidswap.domain import accounts, masks
from vidswap.domain.videos import VideoSource
from vidswap.engines.pool import EnginePool
from vidswap.media.frames import read_frame
from vidswap.storage import migrate
from vidswap.storage.blobs import LocalBlobStore
from vidswap.storage.db import Database

SIZE = (1280, 720)


def make_clip(path: Path, seconds: int = 30, fps: int = 30) -> Path:
    """A real photo of a person sliding over a real background (x264 defaults, GOP 250)."""
    w, h = SIZE
    back = _cover(data.rocket(), w, h)
    person = _cover(data.astronaut(), h // 2, h // 2)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        for i in range(seconds * fps):
            img = back.copy()
            x = (i * 3) % (w - person.shape[1])
            img[h // 4 : h // 4 + person.shape[0], x : x + person.shape[1]] = person
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def _cover(img: np.ndarray, w: int, h: int) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.fromarray(img).resize((w, h)))


def timed(fn: Callable[..., object], *args: object) -> float:
    start = time.perf_counter()
    fn(*args)
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    work = Path(tempfile.mkdtemp(prefix="vidswap-bench-masks-"))
    clip = make_clip(work / "clip.mp4")
    settings = Settings(data_dir=work / "data", secret_key="bench")
    db = Database.from_settings(settings)
    migrate.upgrade(db)
    blobs = LocalBlobStore.from_settings(settings)
    account_id, _key = accounts.create_account(db, "bench", package=10_000)
    engines = EnginePool()
    t0 = time.perf_counter()
    engines.warm("segment")
    warm_ms = (time.perf_counter() - t0) * 1000
    source = VideoSource("media", 1, clip, "", "h264", *SIZE, 30.0)
    rows, results = [], {}
    for label, first in (("keyframe 1..", 1), ("keyframe 600..", 600)):
        decode = [timed(read_frame, clip, first - 1 + r) for r in range(rounds)]
        select = [
            timed(masks.select_masks, db, blobs, engines, account_id, source, first + r)
            for r in range(rounds)
        ]
        d, s = statistics.median(decode), statistics.median(select)
        rows.append([label, f"{d:.0f}", f"{s:.0f}", f"{s / d:.1f}"])
        results[label] = {"decode_ms": decode, "select_ms": select}
    print(f"mask selection, 1280x720 h264, 30 s, warm engines (warm-up took {warm_ms:.0f} ms)")
    print(table(["keyframe", "decode ms", "selection ms", "ratio"], rows))
    goals = {"keyframe 1..": 300, "keyframe 600..": 600}
    for label, limit in goals.items():
        got = statistics.median(results[label]["select_ms"])
        print(f"goal {label} <= {limit} ms: {'MET' if got <= limit else 'MISSED'} ({got:.0f} ms)")
    path = write_results("speed_masks", {"env": environment(), "warm_ms": warm_ms, **results})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
