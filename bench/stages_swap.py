"""Where a swap's time goes, stage by stage, against the transcode floor.

The same clips and modes as `bench.speed_swap`. Each round times, on the same clip:
- floor: decode, resize, encode (`speed_swap.transcode`);
- decode: the frames alone at the output size (`iter_frames`), nothing done with them;
- track: the tracker's whole stream consumed (`CpuTracker.follow` at the output size:
  decoding, optical flow, following, upsampling each mask), no rendering;
- swap: the whole job (`bench._swap`): tracking, the study pass where the mode has
  one, rendering, encoding, moderation.
Stages overlap on their threads, so differences are what each stage adds to the wall
time, not its CPU: "track - decode" is what following the subject costs, "swap - track"
what rendering, encoding and moderating add. Ratios are to the floor of the same round
(this machine is shared), median over the rounds.

    .venv/bin/python -m bench.stages_swap [--frames 150] [--rounds 3] [--modes ...]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._common import environment, table, write_results
from bench._swap import Swapper
from bench.speed_swap import runs, transcode
from vidswap.media.frames import index_frames, iter_frames

NAME = "stages_swap"
STAGES = ("floor", "decode", "track", "swap")


def decode(path: Path, side: int) -> float:
    start = time.perf_counter()
    for _ in iter_frames(path, index=index_frames(path), max_side=side):
        pass
    return time.perf_counter() - start


def track(swapper: Swapper, path: Path, mask: Any, mode: str, side: int) -> float:
    start = time.perf_counter()
    with swapper.res.engines.use("track") as tracker:
        for _ in tracker.follow(path, 0, mask, mode, max_side=side):
            pass
    return time.perf_counter() - start


def stages(frames: int, rounds: int, modes: list[str], tmp: Path) -> list[dict[str, Any]]:
    swapper = Swapper(tmp / "data")
    swapper.warm("track", "render", "segment", "moderate")
    rows = []
    for run in runs(frames, modes, tmp):
        mode, path, mask, size = run.mode, run.path, run.mask, run.size
        times: dict[str, list[float]] = {stage: [] for stage in STAGES}
        for _ in range(rounds):
            times["floor"].append(transcode(path, tmp / "floor.mp4", size))
            times["decode"].append(decode(path, max(size)))
            times["track"].append(track(swapper, path, mask, mode, max(size)))
            times["swap"].append(swapper.run(path, mask, run.target, mode)[2])
            print(f"  {mode}: " + ", ".join(f"{s} {t[-1]:.2f} s" for s, t in times.items()))
        ratios = {
            stage: statistics.median(
                t / f for t, f in zip(times[stage], times["floor"], strict=True)
            )
            for stage in STAGES
        }
        rows.append(
            {
                "mode": mode,
                "frames": run.clip.frames,
                "seconds": {stage: statistics.median(t) for stage, t in times.items()},
                "x_floor": ratios,
                "rounds": times,
            }
        )
    swapper.close()
    return rows


def report(rows: list[dict[str, Any]]) -> None:
    head = ["mode", *(f"{s} s" for s in STAGES), *(f"{s} x" for s in STAGES[1:])]
    head += ["follow x", "render+ x"]
    body = []
    for r in rows:
        x = r["x_floor"]
        body.append(
            [
                r["mode"],
                *(f"{r['seconds'][s]:.2f}" for s in STAGES),
                *(f"{x[s]:.2f}" for s in STAGES[1:]),
                f"{x['track'] - x['decode']:.2f}",
                f"{x['swap'] - x['track']:.2f}",
            ]
        )
    print()
    print(table(head, body))
    print("(x: times the transcode floor; follow = track - decode; render+ = swap - track)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--modes", default="background,person,object")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = stages(args.frames, args.rounds, args.modes.split(","), Path(tmp))
    report(rows)
    path = write_results(NAME, {"environment": environment(), "stages": rows})
    print(f"results: {path}")


if __name__ == "__main__":
    main()
