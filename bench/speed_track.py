"""Tracking speed and memory of the CPU tracking engine.

Speed: frames per second of `CpuTracker.track` on 640x360 clips (so analysis is at
640x360), counted from the call to the last mask, decoding included, keyframe 0:
a person alone (walk), a person with a second one crossing in front (crossing), an
object (cup). The baseline, in the same run, is plain decoding of the same clip with
`iter_frames`; the table gives the tracker's time per frame as a multiple of it.

Memory: peak RSS (VmHWM) of a fresh process that tracks a person through a 30 s
1080p clip (900 frames, keyframe in the middle, so the backward pass runs in chunks and
every mask is upsampled to 1080p), against a fresh process that only decodes it.

Goals (issue 3): person >= 25 frames/s, object >= 10 frames/s; peak RSS < 1.5 GiB.

    .venv/bin/python -m bench.speed_track [--frames 150] [--seconds 30]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import _clips
from bench._common import environment, run_child, table, write_results
from vidswap.media.frames import iter_frames

NAME = "speed_track"
GOAL_FPS = {"person": 25.0, "object": 10.0}
GOAL_RSS_MB = 1536.0  # 1.5 GiB
MB = 2**20


def decode_fps(path: Path, frames: int) -> float:
    start = time.perf_counter()
    count = sum(1 for _ in iter_frames(path))
    assert count == frames
    return count / (time.perf_counter() - start)


def track_fps(tracker: Any, path: Path, clip: _clips.Clip, kind: str, key: int = 0) -> float:
    backdrop = _clips._backdrop(clip)
    mask = _clips.truth(clip, kind, _clips.render(clip, backdrop, key)[1])
    start = time.perf_counter()
    count = sum(1 for _ in tracker.track(path, key, mask, kind))
    assert count == clip.frames
    return count / (time.perf_counter() - start)


def speed(frames: int, tmp: Path) -> list[dict[str, Any]]:
    from vidswap.engines.track.cpu import CpuTracker

    tracker = CpuTracker(analysis_side=640)  # the resolution issue 3's goals name
    tracker.setup()
    cases = [
        ("person alone", _clips.walk("walk", (640, 360), frames), "person"),
        ("person, another crossing", _clips.crossing("crossing", (640, 360), frames), "person"),
        ("object", _clips.cup_slide("cup", (640, 360), frames), "object"),
    ]
    rows = []
    for label, clip, kind in cases:
        path = tmp / f"{clip.name}.mp4"
        _clips.write(clip, path)
        track_fps(tracker, path, clip, kind)  # warm-up: first-call costs are not the rate
        fps = track_fps(tracker, path, clip, kind)
        base = decode_fps(path, clip.frames)
        rows.append(
            {
                "case": label,
                "kind": kind,
                "clip": f"{clip.name} 640x360",
                "frames": clip.frames,
                "fps": fps,
                "ms_per_frame": 1000 / fps,
                "decode_fps": base,
                "x_decode_time": base / fps,
                "goal_fps": GOAL_FPS[kind],
                "met": fps >= GOAL_FPS[kind],
            }
        )
        print(f"  {label}: {fps:.1f} frames/s (decode alone {base:.0f})", flush=True)
    tracker.close()
    return rows


def child(mode: str, path: Path, key: int, seconds: int) -> None:
    """Runs in a fresh process: decodes or tracks `path`, prints time and peak RSS."""
    start = time.perf_counter()
    if mode == "decode":
        count = sum(1 for _ in iter_frames(path))
    else:
        from vidswap.engines.track.cpu import CpuTracker

        clip = long_clip(seconds)
        mask = _clips.truth(clip, "person", _clips.render(clip, _clips._backdrop(clip), key)[1])
        tracker = CpuTracker()
        tracker.setup()
        count = sum(1 for _ in tracker.track(path, key, mask, "person"))
        tracker.close()
    elapsed = time.perf_counter() - start
    print(json.dumps({"frames": count, "seconds": elapsed, "peak_rss_mb": peak_rss_mb()}))


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM). Not ru_maxrss: Linux carries that over from the
    parent across fork and exec, so a child would report the parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024 / MB
    return float("nan")


def long_clip(seconds: int) -> _clips.Clip:
    return _clips.walk("walk1080", (1920, 1080), max(seconds * 30, 2))


def memory(seconds: int, tmp: Path) -> list[dict[str, Any]]:
    clip = long_clip(seconds)
    path = tmp / "walk1080.mp4"
    started = time.perf_counter()
    _clips.write(clip, path, crf=23, keep_truth=False)
    print(f"  wrote a {seconds} s 1080p clip in {time.perf_counter() - started:.0f} s", flush=True)
    rows = []
    for mode in ("decode", "track"):
        cmd = [
            sys.executable,
            "-m",
            "bench.speed_track",
            "--child",
            mode,
            str(path),
            "--key",
            str(clip.frames // 2),
            "--seconds",
            str(seconds),
        ]
        result = run_child(cmd)
        result |= {"process": mode, "fps": result["frames"] / result["seconds"]}
        rows.append(result)
        print(f"  {mode}: peak RSS {result['peak_rss_mb']:.0f} MiB", flush=True)
    return rows


def report(speeds: list[dict[str, Any]], mems: list[dict[str, Any]]) -> None:
    print()
    print(
        table(
            [
                "case",
                "clip",
                "frames",
                "frames/s",
                "ms/frame",
                "goal",
                "met",
                "decode f/s",
                "time x decode",
            ],
            [
                [
                    r["case"],
                    r["clip"],
                    r["frames"],
                    f"{r['fps']:.1f}",
                    f"{r['ms_per_frame']:.1f}",
                    f">= {r['goal_fps']:.0f}",
                    "yes" if r["met"] else "NO",
                    f"{r['decode_fps']:.0f}",
                    f"{r['x_decode_time']:.1f}",
                ]
                for r in speeds
            ],
        )
    )
    print()
    decode = next(r for r in mems if r["process"] == "decode")
    print(
        table(
            [
                "30 s 1080p, keyframe mid",
                "frames",
                "wall s",
                "frames/s",
                "peak RSS MiB",
                "x decode",
                "goal",
                "met",
            ],
            [
                [
                    r["process"],
                    r["frames"],
                    f"{r['seconds']:.1f}",
                    f"{r['fps']:.1f}",
                    f"{r['peak_rss_mb']:.0f}",
                    f"{r['peak_rss_mb'] / decode['peak_rss_mb']:.1f}",
                    f"< {GOAL_RSS_MB:.0f}",
                    "yes" if r["peak_rss_mb"] < GOAL_RSS_MB else "NO",
                ]
                for r in mems
            ],
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--frames", type=int, default=150, help="frames of the speed clips")
    parser.add_argument("--seconds", type=int, default=30, help="length of the 1080p clip")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument("--key", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), args.key, args.seconds)
        return
    with tempfile.TemporaryDirectory() as tmp:
        speeds = speed(args.frames, Path(tmp))
        mems = memory(args.seconds, Path(tmp))
    report(speeds, mems)
    data = {
        "environment": environment(),
        "speed": speeds,
        "memory": mems,
        "goals": {"fps": GOAL_FPS, "peak_rss_mb": GOAL_RSS_MB},
    }
    print(f"\nwrote {write_results(NAME, data)}")


if __name__ == "__main__":
    main()
