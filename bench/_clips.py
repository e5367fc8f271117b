"""Clips with exact ground truth, built from real photos that ship with scikit-image.

Subjects are cut out of the photos once (GrabCut in a fixed rectangle, constrained by a
fixed polygon where the photo's own background would leak in); a clip moves, scales and
stacks them over a real background, optionally panning it like a camera. Because every
frame is composited here, each subject's visible alpha is known exactly: that is the ground
truth (alpha >= 0.5), occlusion by subjects in front included.

The cut-outs were verified by eye (`python -m bench._clips --preview DIR` writes them).
"""

from __future__ import annotations

import argparse
import functools
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import av
import cv2
import numpy as np
import numpy.typing as npt
from skimage import data as photos

U8 = npt.NDArray[np.uint8]
F32 = npt.NDArray[np.float32]
# (time 0..1, x, y, height): x, y in frame fractions, height as a fraction of frame height.
Key = tuple[float, float, float, float]


@dataclass(frozen=True)
class Sprite:
    """A cut-out: RGB pixels and a soft alpha (0..1) of the same size."""

    rgb: U8
    alpha: F32


def _grabcut(rgb: U8, rect: tuple[int, int, int, int], allow: U8 | None = None) -> U8:
    """Foreground of a fixed-rectangle GrabCut, kept inside `allow`, largest part, holes filled."""
    bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    mask = np.zeros(rgb.shape[:2], np.uint8)
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.grabCut(bgr, mask, rect, bgd, fgd, 8, cv2.GC_INIT_WITH_RECT)
    fg = np.where((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD), 255, 0).astype(np.uint8)
    if allow is not None:
        fg &= allow
    count, labels, stats, _ = cv2.connectedComponentsWithStats(fg)
    if count > 1:
        biggest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
        fg = np.where(labels == biggest, 255, 0).astype(np.uint8)
    return _fill_holes(fg)


def _fill_holes(mask: U8) -> U8:
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    out = np.zeros_like(mask)
    cv2.drawContours(out, contours, -1, 255, cv2.FILLED)
    return out


def _sprite(rgb: U8, mask: U8) -> Sprite:
    """Crops to the mask and softens its edge by about a pixel, like a real boundary."""
    ys, xs = np.nonzero(mask)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    alpha = cv2.GaussianBlur(mask[y0:y1, x0:x1].astype(np.float32) / 255, (3, 3), 0.8)
    return Sprite(np.ascontiguousarray(rgb[y0:y1, x0:x1]), alpha)


@functools.cache
def astronaut() -> Sprite:
    """Eileen Collins from the waist up, cropped above the helmet she holds."""
    rgb = np.ascontiguousarray(photos.astronaut()[:340, :380])
    return _sprite(rgb, _grabcut(rgb, (18, 8, 350, 332)))


@functools.cache
def passer() -> Sprite:
    """A second person: the astronaut mirrored with her suit re-coloured blue."""
    base = astronaut()
    hsv = cv2.cvtColor(base.rgb[:, ::-1], cv2.COLOR_RGB2HSV)
    suit = (hsv[..., 0] < 22) & (hsv[..., 1] > 80)  # the orange suit, not skin or hair
    suit[: int(0.5 * len(suit))] = False  # nothing above the neck ring
    hsv[..., 0] = np.where(suit, (hsv[..., 0].astype(np.int16) + 100) % 180, hsv[..., 0])
    rgb = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)
    return Sprite(np.ascontiguousarray(rgb), np.ascontiguousarray(base.alpha[:, ::-1]))


@functools.cache
def cup() -> Sprite:
    """The espresso cup with its saucer and spoon; the ellipse keeps the table out."""
    rgb = photos.coffee()
    allow = np.zeros(rgb.shape[:2], np.uint8)
    cv2.ellipse(allow, (278, 229), (204, 160), 0, 0, 360, 255, cv2.FILLED)
    cv2.rectangle(allow, (168, 12), (425, 230), 255, cv2.FILLED)
    return _sprite(rgb, _grabcut(rgb, (70, 12, 415, 380), allow))


BACKGROUNDS = {
    "rocket": photos.rocket,
    "coffee": photos.coffee,
    "chelsea": photos.chelsea,
    "hubble": photos.hubble_deep_field,
}
SPRITES = {"astronaut": astronaut, "passer": passer, "cup": cup}


@dataclass(frozen=True)
class Layer:
    """One subject on a keyframed path; `anchor` "bottom" stands it on (x, y)."""

    name: str
    sprite: str
    keys: tuple[Key, ...]
    anchor: str = "center"

    def pose(self, t: float) -> tuple[float, float, float]:
        """(x, y, height) at time `t`, eased between keys so motion starts smoothly."""
        start = self.keys[0]
        for a, b in itertools.pairwise(self.keys):
            if a[0] <= t <= b[0]:
                u = (t - a[0]) / max(b[0] - a[0], 1e-9)
                u = 0.5 - 0.5 * float(np.cos(np.pi * u))
                x, y, h = (p + (q - p) * u for p, q in zip(a[1:], b[1:], strict=True))
                return x, y, h
        end = start if t < start[0] else self.keys[-1]
        return end[1], end[2], end[3]


@dataclass(frozen=True)
class Clip:
    """A clip: background photo, camera pan (fractions of the frame), layers back to front,
    and the subjects each tracked kind follows (background = complement of its subjects)."""

    name: str
    size: tuple[int, int]
    frames: int
    background: str
    layers: tuple[Layer, ...]
    kinds: dict[str, tuple[str, ...]] = field(default_factory=dict)
    pan: tuple[float, float] = (0.0, 0.0)
    fps: int = 30


def _backdrop(clip: Clip) -> U8:
    """The background photo cover-fitted to the frame plus room to pan."""
    w, h = clip.size
    need_w, need_h = w * (1 + abs(clip.pan[0])), h * (1 + abs(clip.pan[1]))
    photo = BACKGROUNDS[clip.background]()
    photo = photo if photo.ndim == 3 else np.dstack([photo] * 3)
    scale = max(need_w / photo.shape[1], need_h / photo.shape[0])
    size = (int(np.ceil(photo.shape[1] * scale)), int(np.ceil(photo.shape[0] * scale)))
    return cv2.resize(photo, size, interpolation=cv2.INTER_AREA)


def _place(canvas: F32, alpha_out: F32, sprite: Sprite, box: tuple[int, int, int, int]) -> None:
    """Composites `sprite` resized into `box` (x, y, w, h), clipped at the frame edge."""
    x, y, bw, bh = box
    h, w = canvas.shape[:2]
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + bw, w), min(y + bh, h)
    if x1 <= x0 or y1 <= y0:
        return
    rgb = cv2.resize(sprite.rgb, (bw, bh), interpolation=cv2.INTER_AREA).astype(np.float32)
    alpha = cv2.resize(sprite.alpha, (bw, bh), interpolation=cv2.INTER_LINEAR)
    sx, sy = slice(x0 - x, x1 - x), slice(y0 - y, y1 - y)
    a = alpha[sy, sx, None]
    canvas[y0:y1, x0:x1] = canvas[y0:y1, x0:x1] * (1 - a) + rgb[sy, sx] * a
    alpha_out[y0:y1, x0:x1] = alpha[sy, sx]


def _box(layer: Layer, t: float, size: tuple[int, int]) -> tuple[int, int, int, int]:
    sprite = SPRITES[layer.sprite]()
    x, y, height = layer.pose(t)
    bh = max(2, round(height * size[1]))
    bw = max(2, round(bh * sprite.rgb.shape[1] / sprite.rgb.shape[0]))
    cx, cy = x * size[0], y * size[1]
    top = cy - bh if layer.anchor == "bottom" else cy - bh / 2
    return round(cx - bw / 2), round(top), bw, bh


def _travel(pan: float, t: float) -> float:
    """Where the camera is along one axis of the backdrop's slack (0..1) at time `t`; a
    still axis stays centred rather than drifting across the slack of the cover-fit."""
    if pan == 0:
        return 0.5
    return t if pan > 0 else 1 - t


def render(clip: Clip, backdrop: U8, i: int) -> tuple[U8, dict[str, U8]]:
    """Frame `i` and each layer's visible ground-truth mask (255 = in)."""
    w, h = clip.size
    t = i / max(clip.frames - 1, 1)
    ox = round((backdrop.shape[1] - w) * _travel(clip.pan[0], t))
    oy = round((backdrop.shape[0] - h) * _travel(clip.pan[1], t))
    canvas = backdrop[oy : oy + h, ox : ox + w].astype(np.float32)
    alphas: list[F32] = []
    for layer in clip.layers:
        alpha = np.zeros((h, w), np.float32)
        _place(canvas, alpha, SPRITES[layer.sprite](), _box(layer, t, clip.size))
        alphas = [a * (1 - alpha) for a in alphas] + [alpha]
    masks = {
        layer.name: np.where(a >= 0.5, 255, 0).astype(np.uint8)
        for layer, a in zip(clip.layers, alphas, strict=True)
    }
    return np.clip(canvas + 0.5, 0, 255).astype(np.uint8), masks


def truth(clip: Clip, kind: str, masks: dict[str, U8]) -> U8:
    """The ground-truth mask of `kind` in one frame."""
    union = np.zeros_like(next(iter(masks.values())))
    for name in clip.kinds[kind]:
        union |= masks[name]
    return 255 - union if kind == "background" else union


def frames(clip: Clip) -> Iterator[tuple[U8, dict[str, U8]]]:
    backdrop = _backdrop(clip)
    for i in range(clip.frames):
        yield render(clip, backdrop, i)


def write(clip: Clip, path: Path, crf: int = 18, keep_truth: bool = True) -> list[dict[str, U8]]:
    """Encodes the clip as H.264 (yuv420p, like uploads) and returns every frame's masks
    (an empty list with `keep_truth` False: a long 1080p clip's masks take gigabytes)."""
    packed: list[dict[str, U8]] = []
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=clip.fps)
        stream.width, stream.height = clip.size
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": str(crf), "preset": "veryfast"}
        for rgb, gt in frames(clip):
            if keep_truth:
                packed.append({k: np.packbits(v > 0) for k, v in gt.items()})
            for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    shape = (clip.size[1], clip.size[0])
    return [{k: _unpack(v, shape) for k, v in m.items()} for m in packed]


def _unpack(bits: U8, shape: tuple[int, int]) -> U8:
    flat = np.unpackbits(bits, count=shape[0] * shape[1])
    return (flat.reshape(shape) * 255).astype(np.uint8)


def walk(name: str = "walk", size: tuple[int, int] = (1280, 720), n: int = 90) -> Clip:
    """The astronaut crosses a panning rocket scene, stepping closer then back."""
    keys = ((0.0, 0.25, 1.0, 0.8), (0.5, 0.55, 1.0, 0.95), (1.0, 0.72, 1.0, 0.7))
    person = Layer("astronaut", "astronaut", keys, anchor="bottom")
    kinds = {"person": ("astronaut",), "background": ("astronaut",)}
    return Clip(name, size, n, "rocket", (person,), kinds, pan=(0.15, 0.0))


def cup_slide(name: str = "cup", size: tuple[int, int] = (640, 360), n: int = 90) -> Clip:
    """The cup slides and grows over the cat photo (warm colours close to its own)."""
    keys = ((0.0, 0.3, 0.4, 0.45), (0.5, 0.6, 0.55, 0.6), (1.0, 0.7, 0.45, 0.4))
    layer = Layer("cup", "cup", keys)
    kinds = {"object": ("cup",), "background": ("cup",)}
    return Clip(name, size, n, "chelsea", (layer,), kinds, pan=(0.1, 0.05))


def exit_reenter(name: str = "exit", size: tuple[int, int] = (640, 360), n: int = 90) -> Clip:
    """The astronaut walks out to the right and comes back before the middle; later the
    cup slides out at the left and comes back. Both are in view on the middle frame."""
    person = Layer(
        "astronaut",
        "astronaut",
        (
            (0.0, 0.6, 1.0, 0.8),
            (0.2, 1.45, 1.0, 0.8),
            (0.3, 1.45, 1.0, 0.8),
            (0.48, 0.6, 1.0, 0.8),
            (1.0, 0.5, 1.0, 0.75),
        ),
        anchor="bottom",
    )
    thing = Layer(
        "cup",
        "cup",
        (
            (0.0, 0.2, 0.3, 0.35),
            (0.55, 0.25, 0.35, 0.35),
            (0.7, -0.3, 0.3, 0.35),
            (0.8, -0.3, 0.3, 0.35),
            (1.0, 0.2, 0.3, 0.35),
        ),
    )
    kinds = {"person": ("astronaut",), "object": ("cup",), "background": ("astronaut", "cup")}
    return Clip(name, size, n, "rocket", (thing, person), kinds, pan=(-0.1, 0.0))


def crossing(name: str = "crossing", size: tuple[int, int] = (1280, 720), n: int = 90) -> Clip:
    """A second, nearer person walks across in front of the astronaut, hiding most of her
    for a moment, and is gone by the middle frame: tracking from the first frame meets
    the crossing going forwards, from the middle frame going backwards."""
    person = Layer(
        "astronaut", "astronaut", ((0.0, 0.45, 1.0, 0.75), (1.0, 0.55, 1.0, 0.75)), anchor="bottom"
    )
    other = Layer(
        "passer",
        "passer",
        ((0.0, -0.28, 1.0, 0.85), (0.46, 1.28, 1.0, 0.85), (1.0, 1.28, 1.0, 0.85)),
        anchor="bottom",
    )
    kinds = {"person": ("astronaut",)}
    return Clip(name, size, n, "rocket", (person, other), kinds)


def suite(n: int = 90) -> list[Clip]:
    """The quality harness's clips, `n` frames each."""
    return [walk(n=n), cup_slide(n=n), exit_reenter(n=n), crossing(n=n)]


def _preview(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, make in SPRITES.items():
        sprite = make()
        shown = sprite.rgb.astype(np.float32) * sprite.alpha[..., None]
        shown += np.array([0, 255, 0], np.float32) * (1 - sprite.alpha[..., None])
        cv2.imwrite(
            str(out / f"{name}.png"), cv2.cvtColor(shown.astype(np.uint8), cv2.COLOR_RGB2BGR)
        )
    for clip in suite():
        backdrop = _backdrop(clip)
        for i in (0, clip.frames // 2, clip.frames - 1):
            rgb, _ = render(clip, backdrop, i)
            cv2.imwrite(str(out / f"{clip.name}_{i}.png"), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--preview", type=Path, required=True, help="directory for PNGs")
    _preview(parser.parse_args().preview)


def jaccard(pred: U8, gt: U8) -> float:
    """IoU of two masks; 1 when both are empty (DAVIS convention)."""
    p, g = pred > 0, gt > 0
    union = int(np.count_nonzero(p | g))
    return 1.0 if union == 0 else int(np.count_nonzero(p & g)) / union


def _edges(mask: U8) -> npt.NDArray[np.bool_]:
    """Inner boundary pixels; the frame's own edge is not a boundary."""
    binary = np.where(mask > 0, 255, 0).astype(np.uint8)
    cross = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))
    inner = cv2.erode(binary, cross, borderType=cv2.BORDER_REPLICATE)
    return (binary > 0) & (inner == 0)


def boundary_f(pred: U8, gt: U8, share: float = 0.008) -> float:
    """DAVIS boundary F: boundary precision and recall with a tolerance of `share` of the
    image diagonal (0.008 as in DAVIS: 6 px at 640x360, 12 px at 1280x720)."""
    ep, eg = _edges(pred), _edges(gt)
    if not ep.any() and not eg.any():
        return 1.0
    if not ep.any() or not eg.any():
        return 0.0
    tol = max(1, int(np.ceil(share * np.hypot(*pred.shape[:2]))))
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * tol + 1, 2 * tol + 1))
    near_g = cv2.dilate(eg.astype(np.uint8), disk) > 0
    near_p = cv2.dilate(ep.astype(np.uint8), disk) > 0
    precision = np.count_nonzero(ep & near_g) / np.count_nonzero(ep)
    recall = np.count_nonzero(eg & near_p) / np.count_nonzero(eg)
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)
