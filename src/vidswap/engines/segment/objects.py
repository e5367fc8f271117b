"""Objects: things that move on their own, then salient blobs, that are not people; each
refined by GrabCut in its own box.

Motion (own_motion.py, when a nearby frame is given) finds a moving thing whole, whatever
its colours: its strongly moving core is fixed as foreground and what reliably moves with
the camera as background, so GrabCut keeps a rolling orange's shaded half and leaves the
static rocket beside a sliding plant. Salient blobs are found on a ~200 px copy (cheap,
and saliency is a region-scale cue anyway). GrabCut cuts each seed out of the analysis
frame inside a padded box scaled to at most `REFINE_SIDE` px, with people and earlier
objects fixed as background so candidates never overlap. A cut that does not differ in
colour from its surroundings is dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from vidswap.engines.segment.own_motion import Moving
from vidswap.engines.segment.regions import (
    Soft,
    binary,
    box,
    fill_holes,
    min_pixels,
    parts,
    shrink,
)
from vidswap.engines.segment.saliency import saliency
from vidswap.media.frames import Frame, Mask

WORK_SIDE = 200
REFINE_SIDE = 128
LEVEL = 0.3  # saliency below this is never an object
MAX_SHARE = 0.8  # a "salient" region covering more than this of the frame is the scene
SEPARATION = 0.4  # colour-histogram distance an object must keep from its surroundings
ITERATIONS = 2  # 4 took the shaded half of an orange too (J 0.66 -> 0.86), for +40 ms a keyframe
GROWS = 2  # times a cut that reaches its box's fence is cut again in a wider box
# How much more frequent a sure pixel's colour must be around a moving thing than on it
# to be dropped from its seed: on the object clips of bench/quality_masks, 2 raised mean
# J 0.698 -> 0.720 and lowered none; 1 lost a lamp's black pole (0.65 -> 0.40).
LIKELIER = 2.0
COVERED = 0.5  # share of a salient blob inside earlier objects at which it adds nothing

Box = tuple[int, int, int, int]
_SQUARE = np.ones((3, 3), np.uint8)


@dataclass(frozen=True)
class Seed:
    """Where an object probably is (`blob`), and pixels known to be on it (`sure`) or
    off it (`away`), all the size of the analysis frame."""

    blob: Mask
    sure: Mask | None = None
    away: Mask | None = None


def find_objects(
    rgb: Frame, taken: Mask, limit: int = 3, moving: Sequence[Moving] = ()
) -> list[Soft]:
    """Up to `limit` object masks (0.0/1.0, the size of `rgb`): things moving on their own
    first (`moving`, by motion mass), then the most salient."""
    found: list[Mask] = []
    occupied = taken.copy()
    seeds = [_moving_seed(rgb, m) for m in moving] + [
        Seed(b) for b in blobs(rgb, taken)[: limit + 2]
    ]
    for seed in seeds:
        if np.count_nonzero(seed.blob & occupied) > COVERED * np.count_nonzero(seed.blob):
            continue
        for cut in refine(rgb, seed, occupied)[: limit - len(found)]:
            found.append(cut)
            occupied = np.maximum(occupied, cut)
        if len(found) == limit:
            break
    return [np.asarray(m > 0, np.float32) for m in found]


def _moving_seed(rgb: Frame, thing: Moving) -> Seed:
    """GrabCut starts from what is surely on the moving thing (its colours, not the flow's
    smear around it) and keeps off what surely stays with the camera. Motion is judged
    at half this resolution, so its sure pixels along a thin leaf spill onto the sky
    beside it: those coloured more like what stays around the thing than like the rest
    of it are dropped, or GrabCut learns the sky as the thing's colour."""
    sure = np.asarray(cv2.morphologyEx(thing.sure, cv2.MORPH_OPEN, _SQUARE), np.uint8)
    area = box(thing.region)
    if area is not None:
        x0, y0, x1, y1 = _pad(area, rgb.shape, 4)
        around = np.zeros_like(sure)
        around[y0:y1, x0:x1] = thing.away[y0:y1, x0:x1]
        sure[_likelier(rgb, around, sure)] = 0
    return Seed(sure, sure, thing.away)


def _likelier(rgb: Frame, a: Mask, b: Mask) -> npt.NDArray[np.bool_]:
    """Pixels whose colour (8 levels a channel) is `LIKELIER` times as frequent under `a`
    as under `b`."""
    if not a.any() or not b.any():
        return np.zeros(rgb.shape[:2], np.bool_)
    q = np.asarray(rgb, np.int32) >> 5
    bins = (q[..., 0] << 6) | (q[..., 1] << 3) | q[..., 2]
    share_a, share_b = (_shares(bins, mask) for mask in (a, b))
    return np.asarray(share_a[bins] > LIKELIER * share_b[bins])


def _shares(bins: npt.NDArray[np.int32], mask: Mask) -> npt.NDArray[np.float64]:
    counts = np.bincount(bins[mask > 0], minlength=512).astype(np.float64)
    return counts / max(float(counts.sum()), 1.0)


def blobs(rgb: Frame, taken: Mask) -> list[Mask]:
    """Salient regions outside `taken`, at the size of `rgb`, by saliency mass."""
    small = shrink(rgb, WORK_SIDE)
    h, w = small.shape[:2]
    score = saliency(small)
    score[_fit(taken, (w, h)) > 0] = 0
    if float(score.max()) < LEVEL:
        return []
    level = max(LEVEL, _otsu(score))
    mask = np.asarray(cv2.morphologyEx(binary(score >= level), cv2.MORPH_OPEN, _SQUARE), np.uint8)
    regions = parts(mask, min_pixels(small.shape))
    regions.sort(key=lambda r: -float(score[r > 0].sum()))
    size = (rgb.shape[1], rgb.shape[0])
    return [_fit(r, size) for r in regions if _share(r) <= MAX_SHARE]


def refine(rgb: Frame, seed: Seed, occupied: Mask) -> list[Mask]:
    """GrabCut from `seed` in a padded box: its separate parts that look like objects,
    largest first (a blob can join two things that saliency blurred together). A cut
    that runs into the box's fence is cut again in a box padded around it, seeded with
    itself: saliency often sees only part of an object (its lit half, say). A moving
    thing's seed is not regrown: its motion has shown it whole (on the object clips of
    bench/quality_masks regrowing changed no J by more than 0.02, for ~15 ms a cut)."""
    blob, margin = seed.blob, 4
    for _ in range(1 if seed.sure is not None else GROWS + 1):
        found = _cut(rgb, Seed(blob, seed.sure, seed.away), occupied, margin)
        if found is None:
            return []
        out, fenced = found
        if not fenced or np.count_nonzero(out) <= np.count_nonzero(blob & seed.blob) // 2:
            break
        blob, margin = out, 2
    out[occupied > 0] = 0
    return [part for part in parts(out, min_pixels(rgb.shape)) if _is_object(rgb, part)]


def _cut(rgb: Frame, seed: Seed, occupied: Mask, margin: int) -> tuple[Mask, bool] | None:
    """The GrabCut of `seed` in its padded box, and whether it touches the box's fence."""
    area = box(seed.blob)
    if area is None:
        return None
    x0, y0, x1, y1 = _pad(area, rgb.shape, margin)
    scale = min(1.0, REFINE_SIDE / max(x1 - x0, y1 - y0))
    size = (max(1, round((x1 - x0) * scale)), max(1, round((y1 - y0) * scale)))
    crop = np.asarray(cv2.resize(rgb[y0:y1, x0:x1], size, interpolation=cv2.INTER_AREA), np.uint8)
    window = np.s_[y0:y1, x0:x1]

    def inside(mask: Mask) -> Mask:
        return _fit(mask[window], size)

    seeds = _seeds(
        inside(seed.blob),
        inside(occupied),
        None if seed.sure is None else inside(seed.sure),
        None if seed.away is None else inside(seed.away),
    )
    edges = (x0 == 0, y0 == 0, x1 == rgb.shape[1], y1 == rgb.shape[0])
    _fence(seeds, edges)
    fence = seeds == cv2.GC_BGD
    cut = _grabcut(crop, seeds)
    if cut is None:
        return None
    cut = _keep_touching(cut, np.isin(seeds, (cv2.GC_PR_FGD, cv2.GC_FGD)))
    grown = np.asarray(cv2.dilate(cut, _SQUARE, iterations=2)) > 0
    fenced = bool((grown & fence & (_fit(occupied[window], size) == 0)).any())
    out = np.zeros(seed.blob.shape, np.uint8)
    out[window] = _fit(cut, (x1 - x0, y1 - y0))
    return out, fenced


def _seeds(blob: Mask, occupied: Mask, sure: Mask | None, away: Mask | None) -> Mask:
    seeds = np.full(blob.shape, cv2.GC_PR_BGD, np.uint8)
    if away is not None:
        seeds[away > 0] = cv2.GC_BGD
    seeds[blob > 0] = cv2.GC_PR_FGD
    if sure is not None:
        seeds[sure > 0] = cv2.GC_FGD
    seeds[occupied > 0] = cv2.GC_BGD
    return seeds


def _fence(seeds: Mask, edges: tuple[bool, bool, bool, bool]) -> None:
    """The box's sides are background, except where the box is cut off by the frame."""
    left, top, right, bottom = edges
    for is_frame_edge, side in zip(
        (left, top, right, bottom),
        (np.s_[:, :2], np.s_[:2, :], np.s_[:, -2:], np.s_[-2:, :]),
        strict=True,
    ):
        if not is_frame_edge:
            seeds[side] = cv2.GC_BGD


def _grabcut(crop: Frame, seeds: Mask) -> Mask | None:
    """Runs GrabCut in place on `seeds`; None when there is nothing to separate."""
    if not np.isin(seeds, (1, 3)).any() or not np.isin(seeds, (0, 2)).any():
        return None
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    bgr = np.asarray(cv2.cvtColor(crop, cv2.COLOR_RGB2BGR), np.uint8)
    cv2.setRNGSeed(7)  # its colour models start from k-means: keep answers repeatable
    try:
        cv2.grabCut(bgr, seeds, (0, 0, 0, 0), bgd, fgd, ITERATIONS, cv2.GC_INIT_WITH_MASK)
    except cv2.error:  # too few samples of one side to fit its colour model
        return None
    return fill_holes(binary(np.isin(seeds, (cv2.GC_FGD, cv2.GC_PR_FGD))))


def _keep_touching(cut: Mask, blob: npt.NDArray[np.bool_]) -> Mask:
    """Only the parts of the cut that overlap the blob it started from."""
    count, labels = cv2.connectedComponents(cut)
    hit = np.unique(labels[blob & (cut > 0)])
    return binary(np.isin(labels, hit[hit > 0])) if count > 1 else cut


def _is_object(rgb: Frame, mask: Mask) -> bool:
    """Big enough, not the whole scene, and coloured unlike the ring of pixels around it."""
    pixels = np.count_nonzero(mask)
    if pixels < min_pixels(rgb.shape) or pixels > MAX_SHARE * mask.size:
        return False
    reach = max(3, round(0.03 * max(mask.shape)))
    grown = np.asarray(cv2.dilate(mask, np.ones((2 * reach + 1, 2 * reach + 1), np.uint8)))
    ring = binary((grown > 0) & (mask == 0))
    if not ring.any():
        return True
    return _colour_distance(rgb, mask, ring) >= SEPARATION


def _colour_distance(rgb: Frame, a: Mask, b: Mask) -> float:
    """Bhattacharyya distance (0 same .. 1 disjoint) of the colours under two masks."""
    hist = [cv2.calcHist([rgb], [0, 1, 2], m, [8, 8, 8], [0, 256] * 3) for m in (a, b)]
    return float(cv2.compareHist(hist[0], hist[1], cv2.HISTCMP_BHATTACHARYYA))


def _pad(area: Box, shape: tuple[int, ...], margin: int) -> Box:
    """`area` grown on each side by 1/`margin` of its size (and 4 px)."""
    x0, y0, x1, y1 = area
    dx, dy = (x1 - x0) // margin + 4, (y1 - y0) // margin + 4
    return max(0, x0 - dx), max(0, y0 - dy), min(shape[1], x1 + dx), min(shape[0], y1 + dy)


def _share(mask: Mask) -> float:
    return np.count_nonzero(mask) / mask.size


def _fit(mask: Mask, size: tuple[int, int]) -> Mask:
    """`mask` resized to `size` (w, h), nearest neighbour so it stays binary."""
    if (mask.shape[1], mask.shape[0]) == size:
        return mask
    return np.asarray(cv2.resize(mask, size, interpolation=cv2.INTER_NEAREST), np.uint8)


def _otsu(score: Soft) -> float:
    level, _ = cv2.threshold(
        np.asarray(score * 255, np.uint8), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU
    )
    return float(level) / 255.0
