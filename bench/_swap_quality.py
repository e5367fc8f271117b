"""Measures for the swap quality harness (bench/quality_swap.py), written apart from the render
engines so that a fault shared by an engine and its measure cannot hide itself: the target's
cover fit, the placed subject's expected footprint and the face landmarks are computed here
from the clip's ground truth, not taken from the engines."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import av
import cv2
import numpy as np
import numpy.typing as npt
from skimage.metrics import structural_similarity

U8 = npt.NDArray[np.uint8]
Points = npt.NDArray[np.float32]
BAND = 0.025  # the band around a mask's edge left out of every region, share of frame height
EYES = (33, 263)  # outer eye corners in the 468-point face mesh: the inter-ocular distance


def band(shape: tuple[int, ...]) -> int:
    return max(1, round(BAND * shape[0]))


def hard(alpha: npt.NDArray[Any]) -> U8:
    """A soft alpha (0..255) as a mask: 255 where at least half covered."""
    return np.where(np.asarray(alpha) >= 128, 255, 0).astype(np.uint8)


def invert(mask: U8) -> U8:
    return np.asarray(cv2.bitwise_not(mask), np.uint8)


def grow(mask: U8, px: int) -> U8:
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * px + 1, 2 * px + 1))
    return np.asarray(cv2.dilate(mask, disk))


def shrink(mask: U8, px: int) -> U8:
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * px + 1, 2 * px + 1))
    return np.asarray(cv2.erode(mask, disk, borderType=cv2.BORDER_REPLICATE))


def decode(path: Any) -> Iterator[U8]:
    """RGB frames of a video in display order."""
    with av.open(str(path)) as box:
        for frame in box.decode(video=0):
            yield np.asarray(frame.to_ndarray(format="rgb24"), np.uint8)


def grey(rgb: U8) -> U8:
    return np.asarray(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY))


def cover(image: U8, size: tuple[int, int]) -> U8:
    """`image` scaled to cover `size` (width, height) and centre-cropped: the fit the issue
    asks of background mode, done here without the engine's code."""
    w, h = size
    scale = max(w / image.shape[1], h / image.shape[0])
    sw, sh = max(w, round(image.shape[1] * scale)), max(h, round(image.shape[0] * scale))
    how = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    big = cv2.resize(image, (sw, sh), interpolation=how)
    x0, y0 = (sw - w) // 2, (sh - h) // 2
    return np.ascontiguousarray(big[y0 : y0 + h, x0 : x0 + w])


@dataclass
class Psnr:
    """PSNR over a region pooled across frames (the squared errors of every frame's region
    summed, so a frame with a small region weighs little), the worst single frame, and the
    mean absolute difference: the re-encoding's own change, to compare changes against."""

    sq: float = 0.0
    absolute: float = 0.0
    count: int = 0
    worst: float = math.inf

    def add(self, a: U8, b: U8, region: U8) -> None:
        where = region > 0
        n = int(np.count_nonzero(where))
        if not n:
            return
        diff = a[where].astype(np.float64) - b[where]
        err = float(np.sum(diff**2))
        self.sq += err
        self.absolute += float(np.abs(diff).sum())
        self.count += n * a.shape[2]
        self.worst = min(self.worst, _db(err / (n * a.shape[2])))

    @property
    def db(self) -> float:
        return _db(self.sq / self.count) if self.count else math.nan

    @property
    def mean_abs(self) -> float:
        return self.absolute / self.count if self.count else math.nan


def _db(mse: float) -> float:
    return math.inf if mse == 0 else 10 * math.log10(255**2 / mse)


def region_ssim(a: U8, b: U8, region: U8) -> float:
    """Mean of the SSIM map of the grey images (7x7 windows) over `region`."""
    _, full = structural_similarity(grey(a), grey(b), data_range=255, full=True)
    where = region > 0
    return float(full[where].mean()) if where.any() else math.nan


@dataclass
class Change:
    """Mean absolute frame-to-frame change inside a region, for the output and the source."""

    out: float = 0.0
    src: float = 0.0
    count: int = 0

    def add(self, src: tuple[U8, U8], out: tuple[U8, U8], region: U8) -> None:
        where = region > 0
        if not where.any():
            return
        self.src += float(cv2.absdiff(src[0], src[1])[where].sum())
        self.out += float(cv2.absdiff(out[0], out[1])[where].sum())
        self.count += int(np.count_nonzero(where)) * src[0].shape[2]

    @property
    def ratio(self) -> float:
        return self.out / self.src if self.src else math.nan

    def levels(self) -> dict[str, float]:
        n = max(self.count, 1)
        return {"output": self.out / n, "source": self.src / n}


def ncc(image: U8, template: U8, where: npt.NDArray[np.bool_]) -> float:
    """Zero-mean normalised cross-correlation (TM_CCOEFF_NORMED) of two grey images of the
    same size over the pixels `where`: 1 is the template itself, 0 nothing like it."""
    a = image[where].astype(np.float64)
    b = template[where].astype(np.float64)
    a -= a.mean()
    b -= b.mean()
    den = math.sqrt(float((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / den) if den else 0.0


def hist_corr(a: U8, a_mask: U8, b: U8, b_mask: U8) -> float:
    """Correlation of the hue-saturation histograms of two images' masked pixels."""
    hists = []
    for rgb, mask in ((a, a_mask), (b, b_mask)):
        hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
        hist = cv2.calcHist([hsv], [0, 1], mask, [30, 32], [0, 180, 0, 256])
        hists.append(cv2.normalize(hist, None).flatten())
    return float(cv2.compareHist(hists[0], hists[1], cv2.HISTCMP_CORREL))


@dataclass(frozen=True)
class Placement:
    """Where the issue says the target's subject goes: fitted inside the region's box on
    the keyframe, standing on its bottom edge, then moved and scaled as the region's
    centroid and area change (the clips do not turn their subjects)."""

    alpha: U8  # the target's subject cropped to its alpha
    left: float
    top: float
    scale: float
    centre: tuple[float, float]
    area: float

    @classmethod
    def fit(cls, target_alpha: U8, key_mask: U8) -> Placement:
        x, y, w, h = cv2.boundingRect(target_alpha)
        alpha = np.ascontiguousarray(target_alpha[y : y + h, x : x + w])
        bx, by, bw, bh = cv2.boundingRect(key_mask)
        scale = min(bw / w, bh / h)
        m = cv2.moments(key_mask, binaryImage=True)
        return cls(
            alpha,
            bx + (bw - w * scale) / 2,
            by + bh - h * scale,
            scale,
            (m["m10"] / m["m00"], m["m01"] / m["m00"]),
            m["m00"],
        )

    def footprint(self, mask: U8) -> U8:
        """The subject's expected alpha (0..255) on a frame whose region is `mask`."""
        m = cv2.moments(mask, binaryImage=True)
        if m["m00"] == 0:
            return np.zeros_like(mask)
        k = math.sqrt(m["m00"] / self.area)
        cx, cy = m["m10"] / m["m00"], m["m01"] / m["m00"]
        s = self.scale * k
        warp = np.array(
            [
                [s, 0.0, cx + k * (self.left - self.centre[0])],
                [0.0, s, cy + k * (self.top - self.centre[1])],
            ]
        )
        size = (mask.shape[1], mask.shape[0])
        return np.asarray(cv2.warpAffine(self.alpha, warp, size, flags=cv2.INTER_LINEAR))


def align(
    image: U8, template: U8, alpha: U8, box: tuple[int, int, int, int], reach: int
) -> tuple[int, int] | None:
    """Top-left corner where `template` (masked by `alpha`, the size of `box`) best matches
    the grey `image` within `reach` px of `box`'s corner (masked TM_CCOEFF_NORMED); None
    when the box and its reach do not fit in the image."""
    x, y, w, h = box
    x0, y0 = x - reach, y - reach
    if x0 < 0 or y0 < 0 or x + w + reach > image.shape[1] or y + h + reach > image.shape[0]:
        return None
    window = image[y0 : y + h + reach, x0 : x + w + reach]
    scores = cv2.matchTemplate(window, template, cv2.TM_CCOEFF_NORMED, mask=alpha)
    _, _, _, (bx, by) = cv2.minMaxLoc(np.nan_to_num(scores, nan=-1.0))
    return x0 + bx, y0 + by


class FaceMesh:
    """mediapipe's face mesh from the wheel (nothing downloads), in static-image mode so
    that source and output frames are measured alike and without memory of each other."""

    def __init__(self) -> None:
        import mediapipe as mp  # heavy: only when faces are measured

        solutions: Any = mp.solutions
        self.graph = solutions.face_mesh.FaceMesh(
            static_image_mode=True, max_num_faces=2, refine_landmarks=False
        )

    def find(self, rgb: U8, person: U8) -> Points | None:
        """Landmarks (468, 2) in pixels of the face lying mostly on `person`; None if none."""
        h, w = person.shape
        for face in self.graph.process(rgb).multi_face_landmarks or []:
            xy = np.array([(p.x * w, p.y * h) for p in face.landmark], np.float32)
            x, y = np.clip(np.round(xy).astype(int), 0, (w - 1, h - 1)).T
            if np.count_nonzero(person[y, x]) >= 0.5 * len(xy):
                return xy
        return None

    def close(self) -> None:
        self.graph.close()


def landmark_error(src: Points, out: Points) -> float:
    """Mean landmark distance over the source face's inter-ocular (outer corner) distance."""
    iod = float(np.linalg.norm(src[EYES[0]] - src[EYES[1]]))
    return float(np.linalg.norm(src - out, axis=1).mean()) / max(iod, 1.0)


def hull(points: Points, shape: tuple[int, ...]) -> U8:
    out = np.zeros(shape[:2], np.uint8)
    cv2.fillConvexPoly(out, cv2.convexHull(np.round(points).astype(np.int32)), 255)
    return out


def sheet(rows: list[tuple[str, list[U8]]], width: int = 320) -> U8:
    """Rows of frames side by side, each scaled to `width`, labelled at the top left."""
    lines = []
    for label, frames in rows:
        small = [
            cv2.resize(
                f, (width, round(f.shape[0] * width / f.shape[1])), interpolation=cv2.INTER_AREA
            )
            for f in frames
        ]
        line = np.ascontiguousarray(np.hstack(small))
        for colour, thick in (((0, 0, 0), 3), ((255, 255, 255), 1)):
            cv2.putText(line, label, (6, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5, colour, thick)
        lines.append(line)
    return np.vstack(lines)
