"""Swap speed per mode against the plain transcode floor, and worker memory at 1080p.

Speed: a 5 s, 30 fps, 1280x720 clip swapped at 720p by the swap job's own code
(`bench._swap`: tracking, rendering, encoding, moderation), engines warm. The baseline,
measured in the same run on the same clip, is the transcode floor: decode, resize to the
output size, encode with the same encoder settings (`media.encode.VideoWriter`).

Memory: peak RSS (VmHWM) of a fresh process that swaps a 30 s 1080p clip at 720p in
object mode (the mode that keeps every mask for its second pass), against a fresh
process that only transcodes it.

Each mode runs `--rounds` interleaved pairs (floor, swap); its ratio is the median of the
pairs' ratios, with their range beside it (this machine is shared: a pair shares its load).

Goals (issue 4): background <= 2x the floor, person <= 3x, object <= 4x; peak < 1.5 GiB.

    .venv/bin/python -m bench.speed_swap [--frames 150] [--seconds 30] [--rounds 5]
        [--modes background,person,object]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from bench import _clips
from bench._common import environment, run_child, table, write_results
from bench._swap import Swapper
from bench.speed_track import peak_rss_mb
from vidswap.domain.swap import output_size
from vidswap.media.encode import VideoWriter
from vidswap.media.frames import index_frames, iter_frames

NAME = "speed_swap"
GOAL_X = {"background": 2.0, "person": 3.0, "object": 4.0}
GOAL_RSS_MB = 1536.0
OBJECT = {"object": ("cup",)}  # the cup on a still camera: a clean plate exists


def transcode(src: Path, out: Path, size: tuple[int, int]) -> float:
    """The floor: decode, resize, encode; seconds."""
    start = time.perf_counter()
    index = index_frames(src)
    writer = VideoWriter(out, size, src, index)
    for number, frame in iter_frames(src, index=index, max_side=max(size)):
        if frame.shape[:2] != (size[1], size[0]):
            frame = np.asarray(cv2.resize(frame, size, interpolation=cv2.INTER_AREA))
        writer.write(number, frame)
    writer.close()
    return time.perf_counter() - start


def rgba(sprite: _clips.Sprite) -> np.ndarray:
    alpha = (sprite.alpha * 255 + 0.5).astype(np.uint8)
    return np.dstack([sprite.rgb, alpha])


def cases(frames: int) -> list[tuple[str, _clips.Clip, np.ndarray]]:
    """(mode, clip, target image): the astronaut walking for person and background (the
    target face is the recoloured, mirrored astronaut), the cup on a still table for object."""
    walk = _clips.walk("walk", (1280, 720), frames)
    still = _clips.Clip(
        "cup_still",
        (1280, 720),
        frames,
        "chelsea",
        _clips.cup_slide().layers,
        {"object": ("cup",)},
    )
    backdrop = _clips.BACKGROUNDS["hubble"]()
    return [
        ("background", walk, np.ascontiguousarray(backdrop)),
        ("person", walk, rgba(_clips.passer())),
        ("object", still, rgba(_clips.astronaut())),
    ]


@dataclass(frozen=True)
class Run:
    """One mode's swap: the encoded clip, its keyframe's true mask, the target image and
    the output size."""

    mode: str
    clip: _clips.Clip
    path: Path
    mask: np.ndarray
    target: np.ndarray
    size: tuple[int, int]


def runs(frames: int, modes: list[str], tmp: Path) -> Iterator[Run]:
    """The `modes` of `cases`, each clip encoded once into `tmp`."""
    for mode, clip, target in cases(frames):
        if mode not in modes:
            continue
        path = tmp / f"{clip.name}.mp4"
        if not path.exists():
            _clips.write(clip, path, keep_truth=False)
        mask = _clips.truth(clip, mode, _clips.render(clip, _clips._backdrop(clip), 0)[1])
        yield Run(mode, clip, path, mask, target, output_size(*clip.size, "720p"))


def speed(frames: int, rounds: int, modes: list[str], tmp: Path) -> list[dict[str, Any]]:
    swapper = Swapper(tmp / "data")
    swapper.warm("track", "render", "segment", "moderate")
    rows = []
    for run in runs(frames, modes, tmp):
        mode, clip, path, mask, target, size = (
            run.mode,
            run.clip,
            run.path,
            run.mask,
            run.target,
            run.size,
        )
        floors, swaps, method = [], [], ""
        for _ in range(rounds):  # interleaved pairs, so both see the same machine load
            floors.append(transcode(path, tmp / "floor.mp4", size))
            _, result, seconds = swapper.run(path, mask, target, mode)
            swaps.append(seconds)
            method = result["method"]
            print(f"  {mode}: {seconds:.2f} s vs floor {floors[-1]:.2f} s", flush=True)
        # The ratio of each pair, then their median: the machine's load drifts between
        # pairs far more than within one (min-of-each mixes pairs from different loads).
        ratios = [s / f for s, f in zip(swaps, floors, strict=True)]
        ratio, took = statistics.median(ratios), statistics.median(swaps)
        rows.append(
            {
                "mode": mode,
                "method": method,
                "frames": clip.frames,
                "floor_s": statistics.median(floors),
                "swap_s": took,
                "swap_fps": clip.frames / took,
                "x_floor": ratio,
                "x_floor_range": [min(ratios), max(ratios)],
                "rounds": {"floor_s": floors, "swap_s": swaps},
                "goal_x": GOAL_X[mode],
                "met": ratio <= GOAL_X[mode],
            }
        )
    swapper.close()
    return rows


def long_clip(seconds: int) -> _clips.Clip:
    still = _clips.cup_slide().layers
    return _clips.Clip(
        "cup1080", (1920, 1080), seconds * 30, "chelsea", still, {"object": ("cup",)}
    )


def child(mode: str, path: Path, seconds: int, work: Path) -> None:
    """In a fresh process: transcode or swap `path` at 720p; prints time and peak RSS."""
    clip = long_clip(seconds)
    size = output_size(1920, 1080, "720p")
    start = time.perf_counter()
    if mode == "transcode":
        transcode(path, work / "floor.mp4", size)
    else:
        mask = _clips.truth(clip, "object", _clips.render(clip, _clips._backdrop(clip), 0)[1])
        swapper = Swapper(work / "data")
        swapper.run(path, mask, rgba(_clips.astronaut()), "object")
        swapper.close()
    elapsed = time.perf_counter() - start
    print(json.dumps({"seconds": elapsed, "peak_rss_mb": peak_rss_mb()}))


def memory(seconds: int, tmp: Path) -> list[dict[str, Any]]:
    clip = long_clip(seconds)
    path = tmp / "cup1080.mp4"
    _clips.write(clip, path, crf=23, keep_truth=False)
    rows = []
    for mode in ("transcode", "swap"):
        cmd = [sys.executable, "-m", "bench.speed_swap", "--child", mode, str(path)]
        cmd += ["--seconds", str(seconds), "--work", str(tmp / mode)]
        result = run_child(cmd) | {"process": mode}
        rows.append(result)
        print(f"  {mode}: peak RSS {result['peak_rss_mb']:.0f} MiB", flush=True)
    return rows


def report(speeds: list[dict[str, Any]], mems: list[dict[str, Any]]) -> None:
    print()
    print(
        table(
            [
                "mode",
                "method",
                "frames",
                "floor s",
                "swap s",
                "swap f/s",
                "x floor",
                "x range",
                "goal",
                "met",
            ],
            [
                [
                    r["mode"],
                    r["method"],
                    r["frames"],
                    f"{r['floor_s']:.2f}",
                    f"{r['swap_s']:.2f}",
                    f"{r['swap_fps']:.1f}",
                    f"{r['x_floor']:.2f}",
                    "{:.2f}-{:.2f}".format(*r["x_floor_range"]),
                    f"<= {r['goal_x']:.0f}",
                    "yes" if r["met"] else "NO",
                ]
                for r in speeds
            ],
        )
    )
    if mems:
        print()
        print(
            table(
                ["30 s 1080p -> 720p", "wall s", "peak RSS MiB", "goal", "met"],
                [
                    [
                        r["process"],
                        f"{r['seconds']:.1f}",
                        f"{r['peak_rss_mb']:.0f}",
                        f"< {GOAL_RSS_MB:.0f}" if r["process"] == "swap" else "",
                        ("yes" if r["peak_rss_mb"] < GOAL_RSS_MB else "NO")
                        if r["process"] == "swap"
                        else "",
                    ]
                    for r in mems
                ],
            )
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--modes", default=",".join(GOAL_X), help="comma-separated modes")
    parser.add_argument("--seconds", type=int, default=30, help="memory clip length; 0 = skip")
    parser.add_argument("--child", choices=["transcode", "swap"])
    parser.add_argument("path", nargs="?", type=Path)
    parser.add_argument("--work", type=Path)
    args = parser.parse_args()
    if args.child:
        args.work.mkdir(parents=True, exist_ok=True)
        child(args.child, args.path, args.seconds, args.work)
        return
    with tempfile.TemporaryDirectory() as tmp:
        speeds = speed(args.frames, args.rounds, args.modes.split(","), Path(tmp))
        mems = memory(args.seconds, Path(tmp)) if args.seconds else []
    report(speeds, mems)
    out = write_results(NAME, {"env": environment(), "speed": speeds, "memory": mems})
    print(f"\nresults: {out}")


if __name__ == "__main__":
    main()
