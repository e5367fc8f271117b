"""Mask tracking quality on clips with exact ground truth (bench/_clips.py).

Each clip is composited from scikit-image photos (cut-outs moving, scaling, leaving and
re-entering the frame, a second person crossing in front) and encoded with libx264. For
each clip, each tracked kind and a keyframe at the start and in the middle, the CPU
tracker gets the ground-truth mask of the keyframe and its masks for every frame are
scored against the ground truth:

- mean J: mean IoU over all frames (the keyframe included, as DAVIS does);
- J recall: share of frames with IoU > 0.5;
- boundary F: DAVIS boundary F-measure, tolerance 0.008 of the image diagonal;
- ms/frame: wall time of the whole pass (decode, tracking, upsampling) per frame.

Goals (issue 3): mean J person >= 0.90, object >= 0.85, background >= 0.95.

    .venv/bin/python -m bench.quality_masks [--clips walk,cup] [--frames 90]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import _clips
from bench._common import environment, table, write_results
from vidswap.engines.track.cpu import CpuTracker

NAME = "quality_masks"
GOALS = {"person": 0.90, "object": 0.85, "background": 0.95}


def score_run(
    tracker: CpuTracker, path: Path, clip: _clips.Clip, truths: list[Any], kind: str, key: int
) -> dict[str, Any]:
    """Tracks `kind` from frame `key` and scores every frame against the ground truth."""
    gt = [_clips.truth(clip, kind, masks) for masks in truths]
    js: list[float] = []
    fs: list[float] = []
    numbers: list[int] = []
    start = time.perf_counter()
    for number, mask in tracker.track(path, key, gt[key], kind):
        numbers.append(number)
        js.append(_clips.jaccard(mask, gt[number]))
        fs.append(_clips.boundary_f(mask, gt[number]))
    elapsed = time.perf_counter() - start
    if numbers != list(range(clip.frames)):
        raise AssertionError(f"{clip.name}/{kind}: frames yielded out of order or missing")
    return {
        "clip": clip.name,
        "size": "x".join(map(str, clip.size)),
        "kind": kind,
        "keyframe": key,
        "mean_j": statistics.fmean(js),
        "j_recall": sum(j > 0.5 for j in js) / len(js),
        "boundary_f": statistics.fmean(fs),
        "ms_per_frame": 1000 * elapsed / len(js),
        "worst_j": min(js),
        "per_frame_j": [round(j, 4) for j in js],
    }


def run(clips: list[_clips.Clip]) -> list[dict[str, Any]]:
    tracker = CpuTracker()
    tracker.setup()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for clip in clips:
            path = Path(tmp) / f"{clip.name}.mp4"
            truths = _clips.write(clip, path)
            for kind in clip.kinds:
                for key in (0, clip.frames // 2):
                    row = score_run(tracker, path, clip, truths, kind, key)
                    print(_line(row), flush=True)
                    rows.append(row)
    tracker.close()
    return rows


def _line(row: dict[str, Any]) -> str:
    return (
        f"  {row['clip']:<9} {row['kind']:<10} key {row['keyframe']:>3}: "
        f"J {row['mean_j']:.3f}  recall {row['j_recall']:.2f}  F {row['boundary_f']:.3f}  "
        f"{row['ms_per_frame']:.1f} ms/frame"
    )


def summary(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per kind: the mean over every clip and keyframe, against its goal."""
    out: dict[str, dict[str, Any]] = {}
    for kind, goal in GOALS.items():
        mine = [r for r in rows if r["kind"] == kind]
        if not mine:
            continue
        mean_j = statistics.fmean(r["mean_j"] for r in mine)
        out[kind] = {
            "mean_j": mean_j,
            "j_recall": statistics.fmean(r["j_recall"] for r in mine),
            "boundary_f": statistics.fmean(r["boundary_f"] for r in mine),
            "ms_per_frame": statistics.fmean(r["ms_per_frame"] for r in mine),
            "goal_mean_j": goal,
            "met": mean_j >= goal,
        }
    return out


def report(rows: list[dict[str, Any]], totals: dict[str, dict[str, Any]]) -> None:
    headers = ["clip", "size", "kind", "key", "mean J", "J recall", "boundary F", "ms/frame"]
    body = [
        [
            r["clip"],
            r["size"],
            r["kind"],
            r["keyframe"],
            f"{r['mean_j']:.3f}",
            f"{r['j_recall']:.2f}",
            f"{r['boundary_f']:.3f}",
            f"{r['ms_per_frame']:.1f}",
        ]
        for r in rows
    ]
    print()
    print(table(headers, body))
    print()
    print(
        table(
            ["kind", "mean J", "goal", "met", "J recall", "boundary F", "ms/frame"],
            [
                [
                    k,
                    f"{v['mean_j']:.3f}",
                    f">= {v['goal_mean_j']:.2f}",
                    "yes" if v["met"] else "NO",
                    f"{v['j_recall']:.2f}",
                    f"{v['boundary_f']:.3f}",
                    f"{v['ms_per_frame']:.1f}",
                ]
                for k, v in totals.items()
            ],
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clips", default="", help="comma-separated clip names (default all)")
    parser.add_argument("--frames", type=int, default=90, help="frames per clip")
    args = parser.parse_args()
    wanted = set(filter(None, args.clips.split(",")))
    clips = [c for c in _clips.suite(args.frames) if not wanted or c.name in wanted]
    rows = run(clips)
    totals = summary(rows)
    report(rows, totals)
    path = write_results(NAME, {"environment": environment(), "summary": totals, "runs": rows})
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
