"""Clips with exact ground truth, built from real photos that ship with scikit-image.

Subjects are hand-traced polygon cut-outs of the photos (bench/_cutouts.py; people can be
re-posed at the shoulders and elbows) and procedurally drawn objects (bench/_objects.py);
nothing the engines run takes part. A clip moves, scales, poses and stacks them over a real
background, optionally panning it like a camera, and may cut between shots. Because every
frame is composited here, each subject's visible alpha is known exactly: that is the ground
truth (alpha >= 0.5), occlusion by subjects in front included.

`python -m bench._clips --preview DIR` writes the cut-outs and frames of every clip.
"""

from __future__ import annotations

import argparse
import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import av
import cv2
import numpy as np
import numpy.typing as npt
from skimage import data as photos

from bench import _objects
from bench._cutouts import Angles, Sprite, astronaut, cameraman, cup, passer, posed

SMALL = (640, 360)
U8 = npt.NDArray[np.uint8]
F32 = npt.NDArray[np.float32]
# (time 0..1, x, y, height): x, y in frame fractions, height as a fraction of frame height.
Key = tuple[float, float, float, float]


BACKGROUNDS = {
    "rocket": photos.rocket,
    "coffee": photos.coffee,
    "chelsea": photos.chelsea,
    "hubble": photos.hubble_deep_field,
    "motorcycle": lambda: photos.stereo_motorcycle()[0],
    "brick": photos.brick,
}
SPRITES: dict[str, Callable[[], Sprite]] = {
    "astronaut": astronaut,
    "passer": passer,
    "cup": cup,
    "cameraman": cameraman,
    "orange": _objects.orange,
    "plant": _objects.plant,
    "lamp": _objects.lamp,
    "box": _objects.box,
}
FIGURES = ("astronaut", "passer")  # the sprites a motion can re-pose


def _swing(t: float) -> Angles:
    """Arms held out sideways, swinging up and down out of phase, elbows flexing."""
    w = 2 * np.pi * 2 * t
    return (90 + 40 * np.sin(w), 25 + 25 * np.sin(w + 1), 90 - 40 * np.sin(w + 0.6), 10)


def _wave(t: float) -> Angles:
    """Her own arm raised and waving; the other folded across her chest."""
    w = 2 * np.pi * 3 * t
    return (150 + 20 * np.sin(w), 30 + 30 * np.sin(w), 15, 115)


def _stride(t: float) -> Angles:
    """Arms swinging a little as in walking."""
    w = 2 * np.pi * 3 * t
    return (12 + 12 * np.sin(w), 15, 12 - 12 * np.sin(w), 15)


MOTIONS: dict[str, Callable[[float], Angles]] = {
    "swing": _swing,
    "wave": _wave,
    "stride": _stride,
}


@dataclass(frozen=True)
class Layer:
    """One subject on a keyframed path; `anchor` "bottom" stands it on (x, y). A figure
    with a `motion` is re-posed every frame (its height is then that of the pose canvas);
    `flip` mirrors it; `shots` lists the shots it is in (empty: all of them)."""

    name: str
    sprite: str
    keys: tuple[Key, ...]
    anchor: str = "center"
    motion: str = ""
    flip: bool = False
    shots: tuple[int, ...] = ()

    def sprite_at(self, t: float) -> Sprite:
        if self.motion:
            angles = tuple(round(float(a)) for a in MOTIONS[self.motion](t))
            sprite = posed(angles, recolour=self.sprite == "passer")  # type: ignore[arg-type]
            flip = self.flip != (self.sprite == "passer")
        else:
            sprite, flip = SPRITES[self.sprite](), self.flip
        return Sprite(sprite.rgb[:, ::-1], sprite.alpha[:, ::-1]) if flip else sprite

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
    and the subjects each tracked kind follows (background = complement of its subjects).
    `people` and `objects` name every person and object layer (selection scores each);
    `cuts` are the first frames of later shots, whose backgrounds are `shots`."""

    name: str
    size: tuple[int, int]
    frames: int
    background: str
    layers: tuple[Layer, ...]
    kinds: dict[str, tuple[str, ...]] = field(default_factory=dict)
    pan: tuple[float, float] = (0.0, 0.0)
    fps: int = 30
    people: tuple[str, ...] = ()
    objects: tuple[str, ...] = ()
    cuts: tuple[int, ...] = ()
    shots: tuple[str, ...] = ()

    def shot(self, i: int) -> int:
        """Which shot frame `i` belongs to (0 before the first cut)."""
        return sum(i >= c for c in self.cuts)


def _backdrop(clip: Clip, shot: int = 0) -> U8:
    """The background photo of `shot` cover-fitted to the frame plus room to pan."""
    w, h = clip.size
    need_w, need_h = w * (1 + abs(clip.pan[0])), h * (1 + abs(clip.pan[1]))
    photo = BACKGROUNDS[clip.background if shot == 0 else clip.shots[shot - 1]]()
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


def _box(
    layer: Layer, t: float, size: tuple[int, int], sprite: Sprite | None = None
) -> tuple[int, int, int, int]:
    sprite = sprite or layer.sprite_at(t)
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


def render(clip: Clip, backdrop: U8 | Sequence[U8], i: int) -> tuple[U8, dict[str, U8]]:
    """Frame `i` and each layer's visible ground-truth mask (255 = in); `backdrop` is one
    per shot (a single array for a clip without cuts)."""
    w, h = clip.size
    t = i / max(clip.frames - 1, 1)
    shot = clip.shot(i)
    backdrop = backdrop if isinstance(backdrop, np.ndarray) else backdrop[shot]
    ox = round((backdrop.shape[1] - w) * _travel(clip.pan[0], t))
    oy = round((backdrop.shape[0] - h) * _travel(clip.pan[1], t))
    canvas = backdrop[oy : oy + h, ox : ox + w].astype(np.float32)
    alphas: list[F32] = []
    for layer in clip.layers:
        alpha = np.zeros((h, w), np.float32)
        if not layer.shots or shot in layer.shots:
            sprite = layer.sprite_at(t)
            _place(canvas, alpha, sprite, _box(layer, t, clip.size, sprite))
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
    backdrops = [_backdrop(clip, s) for s in range(len(clip.cuts) + 1)]
    for i in range(clip.frames):
        yield render(clip, backdrops, i)


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


def pose(name: str = "pose", size: tuple[int, int] = SMALL, n: int = 60) -> Clip:
    """The astronaut with her arms out and swinging, stepping across a panning rocket."""
    keys = ((0.0, 0.4, 1.0, 0.95), (1.0, 0.6, 1.0, 0.9))
    person = Layer("astronaut", "astronaut", keys, "bottom", motion="swing")
    kinds = {"person": ("astronaut",), "background": ("astronaut",)}
    return Clip(name, size, n, "rocket", (person,), kinds, (0.2, 0.05), people=("astronaut",))


def cameraman_walk(name: str = "cameraman", size: tuple[int, int] = SMALL, n: int = 60) -> Clip:
    """The cameraman (grey) comes in from the left edge, grows as he nears, and leaves
    partly out of frame at the right."""
    keys = ((0.0, 0.12, 1.05, 0.7), (0.5, 0.45, 1.05, 0.9), (1.0, 0.9, 1.05, 1.0))
    man = Layer("cameraman", "cameraman", keys, "bottom")
    kinds = {"person": ("cameraman",), "background": ("cameraman",)}
    return Clip(name, size, n, "motorcycle", (man,), kinds, (0.1, 0.0), people=("cameraman",))


def pair(name: str = "pair", size: tuple[int, int] = SMALL, n: int = 60) -> Clip:
    """The astronaut waving, with the passer (blue suit) standing half in front of her and
    drifting across; the tracked one is the astronaut, partly hidden."""
    back = Layer(
        "astronaut", "astronaut", ((0.0, 0.42, 1.0, 0.9), (1.0, 0.5, 1.0, 0.9)), "bottom", "wave"
    )
    front = Layer("passer", "passer", ((0.0, 0.75, 1.05, 0.85), (1.0, 0.62, 1.05, 0.85)), "bottom")
    kinds = {"person": ("astronaut",), "background": ("astronaut", "passer")}
    return Clip(
        name, size, n, "chelsea", (back, front), kinds, (0.1, 0.0), people=("astronaut", "passer")
    )


# (sprite, motion, flip, x start, x end, feet y, height as a share of the frame)
CROWD = (
    ("astronaut", "stride", False, 0.05, 0.35, 0.55, 0.16),
    ("cameraman", "", False, 0.9, 0.65, 0.6, 0.18),
    ("passer", "stride", True, 0.3, 0.5, 0.7, 0.19),
    ("astronaut", "wave", True, 0.75, 0.85, 0.72, 0.2),
    ("cameraman", "", True, 0.12, 0.22, 0.82, 0.21),
    ("passer", "", False, 0.55, 0.3, 0.9, 0.2),
    ("astronaut", "swing", False, 0.48, 0.58, 0.97, 0.2),
    ("cameraman", "", False, 0.95, 0.8, 0.99, 0.11),
)


def crowd(name: str = "crowd", size: tuple[int, int] = (768, 576), n: int = 60) -> Clip:
    """A wide shot: eight small people (60-120 px tall) walking over the rocket photo, some
    mirrored, some re-posed, three of them the grey cameraman; nearer ones in front."""
    layers = tuple(
        Layer(
            f"p{k}",
            sprite,
            ((0.0, x0, y, h), (1.0, x1, y, h)),
            "bottom",
            motion,
            flip,
        )
        for k, (sprite, motion, flip, x0, x1, y, h) in enumerate(CROWD)
    )
    names = tuple(layer.name for layer in layers)
    kinds = {"person": (names[5],), "background": names}
    return Clip(name, size, n, "rocket", layers, kinds, (0.05, 0.0), people=names)


def _object_clip(
    name: str, sprite: str, background: str, keys: tuple[Key, ...], pan: tuple[float, float], n: int
) -> Clip:
    layer = Layer(name, sprite, keys)
    kinds = {"object": (name,), "background": ()}
    return Clip(name, SMALL, n, background, (layer,), kinds, pan, objects=(name,))


def orange(n: int = 60) -> Clip:
    """The half-shadowed orange rolling over the espresso photo (warm browns like its dark
    half), the camera panning."""
    keys = ((0.0, 0.3, 0.45, 0.45), (1.0, 0.65, 0.55, 0.55))
    return _object_clip("orange", "orange", "coffee", keys, (0.15, 0.05), n)


def plant(n: int = 60) -> Clip:
    """The potted plant sliding over the rocket photo, still camera."""
    keys = ((0.0, 0.35, 0.5, 0.7), (1.0, 0.6, 0.5, 0.75))
    return _object_clip("plant", "plant", "rocket", keys, (0.0, 0.0), n)


def thin(n: int = 60) -> Clip:
    """The floor lamp (a pole a few pixels wide) over the cat photo, camera panning."""
    keys = ((0.0, 0.3, 0.5, 0.85), (1.0, 0.7, 0.5, 0.85))
    return _object_clip("thin", "lamp", "chelsea", keys, (-0.15, 0.0), n)


def edge(n: int = 60) -> Clip:
    """The cardboard box cut by the frame's bottom left corner, over the wooden table of
    the espresso photo (the same browns), drifting further out."""
    keys = ((0.0, 0.12, 0.85, 0.75), (1.0, 0.05, 0.9, 0.8))
    return _object_clip("edge", "box", "coffee", keys, (0.1, 0.0), n)


def cut(name: str = "cut", size: tuple[int, int] = SMALL, n: int = 60) -> Clip:
    """Hard cuts: the astronaut on the rocket photo; a cut to the cat photo without her
    for a quarter of the clip (15 of 60 frames); a cut back to the rocket photo where she
    stands at the other side of the frame. `cuts[-1]` is the frame she returns on."""
    cuts = (round(0.4 * n), round(0.65 * n))
    keys = (
        (0.0, 0.3, 1.0, 0.85),
        (0.64, 0.35, 1.0, 0.85),
        (0.65, 0.72, 1.0, 0.8),
        (1.0, 0.65, 1.0, 0.8),
    )
    person = Layer("astronaut", "astronaut", keys, "bottom", motion="stride", shots=(0, 2))
    kinds = {"person": ("astronaut",), "background": ("astronaut",)}
    return Clip(
        name, size, n, "rocket", (person,), kinds, (0.1, 0.0),
        people=("astronaut",), cuts=cuts, shots=("chelsea", "rocket"),
    )  # fmt: skip


def suite(n: int = 60) -> list[Clip]:
    """The quality harness's cases, `n` frames each."""
    return [
        pose(n=n),
        cameraman_walk(n=n),
        pair(n=n),
        crowd(n=n),
        orange(n),
        plant(n),
        thin(n),
        edge(n),
        cut(n=n),
    ]


def _preview(out: Path) -> None:
    """Cut-outs over green, a few poses, and frames of every clip with each layer's truth
    outlined (red: people, yellow: objects, blue: other layers)."""
    out.mkdir(parents=True, exist_ok=True)
    shown = {name: make() for name, make in SPRITES.items()}
    for motion, angles in MOTIONS.items():
        shown[f"pose_{motion}"] = posed(tuple(round(float(a)) for a in angles(0.1)))  # type: ignore[arg-type]
    for name, sprite in shown.items():
        rgb = sprite.rgb.astype(np.float32) * sprite.alpha[..., None]
        rgb += np.array([0, 255, 0], np.float32) * (1 - sprite.alpha[..., None])
        cv2.imwrite(str(out / f"{name}.png"), cv2.cvtColor(rgb.astype(np.uint8), cv2.COLOR_RGB2BGR))
    for clip in suite():
        backdrops = [_backdrop(clip, s) for s in range(len(clip.cuts) + 1)]
        for i in sorted({0, *clip.cuts, clip.frames // 2, clip.frames - 1}):
            rgb, masks = render(clip, backdrops, i)
            for name, mask in masks.items():
                colour = (255, 0, 0) if name in clip.people else (255, 255, 0)
                colour = colour if name in clip.people + clip.objects else (0, 128, 255)
                contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
                cv2.drawContours(rgb, contours, -1, colour, 1)
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
