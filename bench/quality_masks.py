"""Mask quality on hard clips with exact ground truth (bench/_clips.py).

Each case is composited from hand-traced cut-outs and drawn objects over scikit-image photos
(nothing the engines run makes the truth) and encoded with libx264; keyframes are decoded
back from the mp4, as a server would see them.

Selection (CpuSegmenter.candidates on a keyframe, with the nearby frame the server also
decodes for its motion cue, `nearby_gap` frames later, from the same mp4):
- person J: per true person, IoU of the best `person` candidate, one candidate per person;
  "split" counts people whose area falls >= 20 % each into more than one person candidate;
- offered (crowd): share of people >= 60 px tall matched by a person candidate, IoU >= 0.5;
- object J: per object, IoU of the best `object` candidate;
- background J: the `background` candidate against everything that is not a person
  (objects count as background), and the share of the frame that is a person but was
  given to the background ("lost").

Tracking (CpuTracker.track from the truth mask of frame 0): mean J over frames per kind
(background only where there are people: otherwise it is the whole frame); on `cut`,
frames from the subject's return until J > 0.5 ("re-find").

Contact sheets (frame | truth | matched candidates | all candidates) go to
bench/results/contact/.

    .venv/bin/python -m bench.quality_masks [--clips pose,cut] [--frames 60] [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np

from bench import _clips
from bench._common import RESULTS, environment, table, write_results
from vidswap.engines.segment.cpu import CpuSegmenter
from vidswap.engines.track.cpu import CpuTracker
from vidswap.media.frames import nearby_gap

NAME = "quality_masks"
CONTACT = RESULTS / "contact"
TALL = 60  # px: people at least this tall must be offered on the crowd shot
# figure -> (goal on the mean, goal on the worst case or None, higher is better)
GOALS: dict[str, tuple[float, float | None]] = {
    "person J": (0.90, 0.80),
    "crowd offered": (0.80, None),
    "object J": (0.85, 0.70),
    "background J": (0.95, None),
    "track person J": (0.90, 0.80),
    "track object J": (0.85, 0.70),
    "track background J": (0.95, None),
}
REFIND_GOAL = 5


def _keys(clip: _clips.Clip, quick: bool) -> list[int]:
    """Keyframes for selection: the first, and the middle or, on a cut, just after the
    subject's return."""
    later = clip.cuts[-1] + 2 if clip.cuts else clip.frames // 2
    return [0] if quick and not clip.cuts else [0, later]


def _decode(path: Path, wanted: set[int]) -> dict[int, np.ndarray]:
    out: dict[int, np.ndarray] = {}
    with av.open(str(path)) as box:
        for i, frame in enumerate(box.decode(video=0)):
            if i in wanted:
                out[i] = frame.to_ndarray(format="rgb24")
    return out


def _match(truths: list[np.ndarray], preds: list[np.ndarray]) -> list[tuple[float, int]]:
    """Greedy one-to-one matching by IoU: (IoU, candidate index or -1) per truth."""
    pairs = sorted(
        (
            (_clips.jaccard(p, t), ti, pi)
            for ti, t in enumerate(truths)
            for pi, p in enumerate(preds)
        ),
        reverse=True,
    )
    got: list[tuple[float, int]] = [(0.0, -1)] * len(truths)
    used_t: set[int] = set()
    used_p: set[int] = set()
    for j, ti, pi in pairs:
        if ti in used_t or pi in used_p or j <= 0:
            continue
        got[ti] = (j, pi)
        used_t.add(ti)
        used_p.add(pi)
    return got


def _nearby(clip: _clips.Clip, key: int) -> int:
    """The frame the server pairs with keyframe `key` (media.frames.read_with_nearby)."""
    gap = nearby_gap(clip.fps)
    return key + gap if key + gap < clip.frames else max(0, key - gap)


def select(
    seg: CpuSegmenter,
    clip: _clips.Clip,
    key: int,
    rgb: np.ndarray,
    masks: dict[str, np.ndarray],
    nearby: np.ndarray | None = None,
) -> dict[str, Any]:
    """Scores the candidates of one keyframe; also writes its contact sheet."""
    start = time.perf_counter()
    cands = seg.candidates(rgb, nearby=nearby)
    ms = 1000 * (time.perf_counter() - start)
    persons = [c.mask for c in cands if c.name == "person"]
    objects = [c.mask for c in cands if c.name == "object"]
    background = next(c.mask for c in cands if c.name == "background")
    people = [p for p in clip.people if masks[p].any()]
    matched = _match([masks[p] for p in people], persons)
    person_rows = []
    for name, (j, pi) in zip(people, matched, strict=True):
        area = max(np.count_nonzero(masks[name]), 1)
        shares = [np.count_nonzero((c > 0) & (masks[name] > 0)) / area for c in persons]
        ys = np.nonzero(masks[name].any(axis=1))[0]
        person_rows.append(
            {
                "name": name,
                "j": j,
                "height": int(ys.max() - ys.min() + 1),
                "split": sum(s >= 0.2 for s in shares) > 1,
                "candidate": pi,
            }
        )
    object_rows = [
        {"name": o, "j": max((_clips.jaccard(c, masks[o]) for c in objects), default=0.0)}
        for o in clip.objects
        if masks[o].any()
    ]
    anyone = np.zeros(rgb.shape[:2], bool)
    for p in clip.people:
        anyone |= masks[p] > 0
    truth_bg = np.where(anyone, 0, 255).astype(np.uint8)
    row = {
        "clip": clip.name,
        "keyframe": key,
        "people": person_rows,
        "objects": object_rows,
        "background_j": _clips.jaccard(background, truth_bg),
        "person_lost": float(np.count_nonzero((background > 0) & anyone) / anyone.size),
        "candidates": [c.name for c in cands],
        "ms": ms,
    }
    _contact(clip, key, rgb, masks, cands, person_rows)
    return row


def _tint(rgb: np.ndarray, mask: np.ndarray, colour: tuple[int, int, int]) -> None:
    sel = mask > 0
    rgb[sel] = (0.5 * rgb[sel] + 0.5 * np.array(colour)).astype(np.uint8)
    contours, _ = cv2.findContours((sel * 255).astype(np.uint8), cv2.RETR_LIST, 1)
    cv2.drawContours(rgb, contours, -1, colour, 1)


def _contact(clip, key, rgb, masks, cands, person_rows) -> None:  # type: ignore[no-untyped-def]
    """frame | truth (people red, objects yellow) | matched person candidates (red) and
    best object (yellow) | all candidates (people reds, objects greens, background blue)."""
    truth, chosen, every = rgb.copy(), rgb.copy(), rgb.copy()
    for p in clip.people:
        _tint(truth, masks[p], (255, 0, 0))
    for o in clip.objects:
        _tint(truth, masks[o], (255, 220, 0))
    persons = [c for c in cands if c.name == "person"]
    for r in person_rows:
        if r["candidate"] >= 0:
            _tint(chosen, persons[r["candidate"]].mask, (255, 0, 0))
    for o in clip.objects:
        objs = [c.mask for c in cands if c.name == "object"]
        if objs:
            _tint(chosen, max(objs, key=lambda m: _clips.jaccard(m, masks[o])), (255, 220, 0))
    hues = {
        "person": [(255, 0, 0), (255, 0, 255), (255, 128, 0)],
        "object": [(0, 255, 0), (0, 160, 80), (160, 255, 0)],
    }
    seen = {"person": 0, "object": 0}
    for c in cands:
        if c.name == "background":
            _tint(every, c.mask, (0, 80, 255))
        else:
            _tint(every, c.mask, hues[c.name][seen[c.name] % 3])
            seen[c.name] += 1
    sheet = np.hstack([rgb, truth, chosen, every])
    CONTACT.mkdir(parents=True, exist_ok=True)
    path = CONTACT / f"{clip.name}_{key:03d}.png"
    cv2.imwrite(str(path), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))


def track(
    tracker: CpuTracker, path: Path, clip: _clips.Clip, truths: list[Any], kind: str
) -> dict[str, Any]:
    """Tracks `kind` from the truth of frame 0 and scores every frame. A background swap
    leaves a shot without its people untouched (docs/api.md): no background there."""
    gt = [_clips.truth(clip, kind, m) for m in truths]
    if kind == "background" and clip.cuts:
        subjects = clip.kinds[kind]
        gt = [
            g if any(m[s].any() for s in subjects) else 0 * g
            for g, m in zip(gt, truths, strict=True)
        ]
    js: list[float] = []
    start = time.perf_counter()
    for number, mask in tracker.track(path, 0, gt[0], kind):
        if number != len(js):
            raise AssertionError(f"{clip.name}/{kind}: frames yielded out of order or missing")
        js.append(_clips.jaccard(mask, gt[number]))
    row: dict[str, Any] = {
        "clip": clip.name,
        "kind": kind,
        "mean_j": statistics.fmean(js),
        "worst_j": min(js),
        "ms_per_frame": 1000 * (time.perf_counter() - start) / len(js),
        "per_frame_j": [round(j, 4) for j in js],
    }
    if clip.cuts and kind == "person":
        back = clip.cuts[-1]
        found = next((n for n in range(back, len(js)) if js[n] > 0.5), None)
        row["refind_frames"] = None if found is None else found - back
    return row


def run(clips: list[_clips.Clip], quick: bool) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    seg, tracker = CpuSegmenter(), CpuTracker()
    seg.setup()
    tracker.setup()
    picks: list[dict[str, Any]] = []
    tracks: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for clip in clips:
            path = Path(tmp) / f"{clip.name}.mp4"
            truths = _clips.write(clip, path)
            keys = _keys(clip, quick)
            decoded = _decode(path, set(keys) | {_nearby(clip, k) for k in keys})
            for key in keys:
                nearby = decoded[_nearby(clip, key)] if _nearby(clip, key) != key else None
                row = select(seg, clip, key, decoded[key], truths[key], nearby)
                picks.append(row)
                print(_pick_line(row), flush=True)
            for kind in clip.kinds:
                if clip.kinds[kind]:  # background of a clip without people is the whole frame
                    row = track(tracker, path, clip, truths, kind)
                    tracks.append(row)
                    print(_track_line(row), flush=True)
    seg.close()
    tracker.close()
    return picks, tracks


def _pick_line(r: dict[str, Any]) -> str:
    people = " ".join(f"{p['j']:.2f}{'*' if p['split'] else ''}" for p in r["people"])
    objs = " ".join(f"{o['j']:.2f}" for o in r["objects"])
    return (
        f"  select {r['clip']:<9} key {r['keyframe']:>3}: people [{people}] objects [{objs}] "
        f"bg {r['background_j']:.3f}  lost {r['person_lost']:.3f}  {r['ms']:.0f} ms"
    )


def _track_line(r: dict[str, Any]) -> str:
    extra = f"  re-find {r['refind_frames']}" if "refind_frames" in r else ""
    return (
        f"  track  {r['clip']:<9} {r['kind']:<10}: J {r['mean_j']:.3f}  worst {r['worst_j']:.3f}"
        f"  {r['ms_per_frame']:.1f} ms/frame{extra}"
    )


def figures(picks: list[dict[str, Any]], tracks: list[dict[str, Any]]) -> dict[str, Any]:
    """Per figure: the per-case values (a case's mean over its keyframes and instances),
    their mean and worst, against the goals."""
    cases: dict[str, dict[str, list[float]]] = {}

    def add(figure: str, clip: str, value: float) -> None:
        cases.setdefault(figure, {}).setdefault(clip, []).append(value)

    for r in picks:
        if r["clip"] == "crowd":
            for p in r["people"]:
                if p["height"] >= TALL:
                    add("crowd offered", r["clip"], float(p["j"] >= 0.5))
        else:
            for p in r["people"]:
                add("person J", r["clip"], p["j"])
        for o in r["objects"]:
            add("object J", r["clip"], o["j"])
        add("background J", r["clip"], r["background_j"])
        add("person lost to background", r["clip"], r["person_lost"])
        add("split people", r["clip"], float(sum(p["split"] for p in r["people"])))
    for r in tracks:
        add(f"track {r['kind']} J", r["clip"], r["mean_j"])
        if "refind_frames" in r:
            add(
                "re-find frames",
                r["clip"],
                99.0 if r["refind_frames"] is None else r["refind_frames"],
            )
    out: dict[str, Any] = {}
    for figure, by_case in cases.items():
        per_case = {c: statistics.fmean(v) for c, v in by_case.items()}
        mean = statistics.fmean(per_case.values())
        worst_case = min(per_case, key=per_case.__getitem__)
        if figure in ("person lost to background", "split people", "re-find frames"):
            worst_case = max(per_case, key=per_case.__getitem__)
        goal_mean, goal_worst = GOALS.get(figure, (None, None))
        met = None
        if goal_mean is not None:
            met = mean >= goal_mean and (goal_worst is None or per_case[worst_case] >= goal_worst)
        if figure == "re-find frames":
            met = per_case[worst_case] <= REFIND_GOAL
        out[figure] = {
            "per_case": per_case,
            "mean": mean,
            "worst": per_case[worst_case],
            "worst_case": worst_case,
            "goal_mean": goal_mean,
            "goal_worst": goal_worst,
            "met": met,
        }
    return out


def report(
    picks: list[dict[str, Any]], tracks: list[dict[str, Any]], totals: dict[str, Any]
) -> None:
    clips = list(dict.fromkeys([r["clip"] for r in picks] + [r["clip"] for r in tracks]))
    names = list(totals)
    body = []
    for c in clips:
        cells = [c]
        for f in names:
            v = totals[f]["per_case"].get(c)
            cells.append("" if v is None else f"{v:.2f}" if "frames" not in f else f"{v:.0f}")
        body.append(cells)
    for label, key in (("MEAN", "mean"), ("WORST", "worst")):
        body.append([label, *(f"{totals[f][key]:.2f}" for f in names)])
    goal_row = ["GOAL"]
    met_row = ["MET"]
    for f in names:
        t = totals[f]
        if f == "re-find frames":
            goal_row.append(f"<= {REFIND_GOAL}")
        elif t["goal_mean"] is None:
            goal_row.append("")
        else:
            worst = f"/{t['goal_worst']:.2f}" if t["goal_worst"] is not None else ""
            goal_row.append(f"{t['goal_mean']:.2f}{worst}")
        met_row.append("" if t["met"] is None else "yes" if t["met"] else "NO")
    body += [goal_row, met_row]
    print()
    print(table(["case", *names], body))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clips", default="", help="comma-separated case names (default all)")
    parser.add_argument("--frames", type=int, default=60, help="frames per clip")
    parser.add_argument("--quick", action="store_true", help="30 frames, one keyframe a case")
    args = parser.parse_args()
    wanted = set(filter(None, args.clips.split(",")))
    frames = 30 if args.quick else args.frames
    clips = [c for c in _clips.suite(frames) if not wanted or c.name in wanted]
    start = time.perf_counter()
    picks, tracks = run(clips, args.quick)
    totals = figures(picks, tracks)
    report(picks, tracks, totals)
    data = {
        "environment": environment(),
        "seconds": time.perf_counter() - start,
        "summary": totals,
        "selection": picks,
        "tracking": tracks,
    }
    print(f"\nwrote {write_results(NAME, data)}; contact sheets in {CONTACT}")


if __name__ == "__main__":
    main()
