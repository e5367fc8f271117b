"""Objects drawn procedurally, so their alpha is exact: each is rendered at 4x and its
colour and coverage averaged down, which antialiases the edge over about a pixel.

They are chosen to be hard for a mask selector: an orange lit from one side (its shaded
half nearly as dark as a shadow), a potted plant (pot, soil, thin stems and leaves of
several greens: one object of many parts), a floor lamp (a pole a few pixels wide
between a shade and a base) and a cardboard box, large and cut by the frame's edge.
"""

from __future__ import annotations

import functools

import cv2
import numpy as np
import numpy.typing as npt

from bench._cutouts import Sprite

U8 = npt.NDArray[np.uint8]
F32 = npt.NDArray[np.float32]
SS = 4  # supersampling factor


def _down(rgb: F32, alpha: F32) -> Sprite:
    """Averages a supersampled drawing down by `SS`; colour is alpha-weighted."""
    h, w = alpha.shape
    size = (w // SS, h // SS)
    a = cv2.resize(alpha, size, interpolation=cv2.INTER_AREA)
    c = cv2.resize(rgb * alpha[..., None], size, interpolation=cv2.INTER_AREA)
    out = np.where(a[..., None] > 1e-4, c / np.maximum(a[..., None], 1e-4), 0)
    return Sprite(np.clip(out + 0.5, 0, 255).astype(np.uint8), a.astype(np.float32))


def _noise(shape: tuple[int, int], blur: float, seed: int) -> F32:
    """Smooth noise, unit standard deviation."""
    n = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    n = cv2.GaussianBlur(n, (0, 0), blur)
    return n / max(float(n.std()), 1e-6)


@functools.cache
def orange() -> Sprite:
    """A sphere lit hard from the upper left: the lit half bright orange with a highlight,
    the far half a dark brown, the peel dimpled by noise in the normals."""
    r = 150 * SS
    yy, xx = np.mgrid[-r : r + 1, -r : r + 1].astype(np.float32) / r
    inside = (xx**2 + yy**2) <= 1
    zz = np.sqrt(np.clip(1 - xx**2 - yy**2, 0, 1))
    bump = 0.08 * _noise(xx.shape, 1.5 * SS, 1)
    nx, ny = xx + bump, yy + 0.08 * _noise(xx.shape, 1.5 * SS, 2)
    norm = np.sqrt(nx**2 + ny**2 + zz**2) + 1e-6
    light = np.array([-0.7, -0.55, 0.45], np.float32)
    light /= np.linalg.norm(light)
    lambert = np.clip((nx * light[0] + ny * light[1] + zz * light[2]) / norm, 0, 1)
    spec = lambert**40
    base = np.array([245, 135, 20], np.float32)
    rgb = base * (0.06 + 0.94 * lambert[..., None]) + 200 * spec[..., None]
    rgb[(xx - 0.05) ** 2 + (yy + 0.02) ** 2 < 0.004] = (70, 80, 20)  # the navel
    return _down(np.clip(rgb, 0, 255), inside.astype(np.float32))


def _leaf(canvas: F32, alpha: F32, base: tuple[float, float], angle: float, length: float,
          colour: tuple[int, int, int]) -> None:  # fmt: skip
    """A pointed leaf from `base` at `angle` (degrees, 0 = up), with a paler midrib."""
    a = np.radians(angle)
    tip = np.array([base[0] + length * np.sin(a), base[1] - length * np.cos(a)])
    side = np.array([np.cos(a), np.sin(a)]) * length * 0.22
    b = np.array(base)
    t = np.linspace(0, 1, 24)[:, None]
    spine = b + (tip - b) * t
    width = np.sin(np.pi * t) ** 0.8
    outline = np.vstack([spine + side * width, (spine - side * width)[::-1]])
    pts = [np.round(outline).astype(np.int32)]
    cv2.fillPoly(canvas, pts, colour, cv2.LINE_AA)
    cv2.fillPoly(alpha, pts, 1.0, cv2.LINE_AA)
    rib = tuple(min(255, c + 50) for c in colour)
    cv2.line(canvas, tuple(b.astype(int)), tuple(tip.astype(int)), rib, SS, cv2.LINE_AA)


@functools.cache
def plant() -> Sprite:
    """A terracotta pot with dark soil and leaves of four greens on thin stems."""
    w, h = 260 * SS, 360 * SS
    rgb = np.zeros((h, w, 3), np.float32)
    alpha = np.zeros((h, w), np.float32)
    s = SS
    pot = np.array([[60, 250], [200, 250], [185, 355], [75, 355]]) * s
    cv2.fillPoly(alpha, [pot], 1.0, cv2.LINE_AA)
    shade = np.linspace(1.1, 0.6, w)[None, :, None]  # lit from the left
    terracotta = np.array([190, 95, 55], np.float32) * shade
    body = np.zeros((h, w), np.uint8)
    cv2.fillPoly(body, [pot], 1)
    rgb[body > 0] = np.broadcast_to(terracotta, (h, w, 3))[body > 0]
    rim = np.array([[52, 236], [208, 236], [206, 258], [54, 258]]) * s
    cv2.fillPoly(rgb, [rim], (170, 82, 45), cv2.LINE_AA)
    cv2.fillPoly(alpha, [rim], 1.0, cv2.LINE_AA)
    cv2.ellipse(rgb, (130 * s, 238 * s), (74 * s, 7 * s), 0, 0, 360, (55, 38, 25), -1)
    greens = [(40, 120, 40), (90, 160, 60), (25, 85, 35), (120, 180, 80)]
    leaves = [(-55, 150), (-30, 175), (-8, 190), (12, 150), (35, 180), (60, 140), (80, 110),
              (-80, 110), (0, 120)]  # fmt: skip
    for k, (angle, length) in enumerate(leaves):
        a = np.radians(angle)
        root = (130 * s, 238 * s)
        stem_len = 0.45 * length * s
        joint = (root[0] + stem_len * np.sin(a), root[1] - stem_len * np.cos(a))
        pts = tuple(int(v) for v in root), tuple(int(v) for v in joint)
        cv2.line(rgb, *pts, (70, 110, 40), 2 * s, cv2.LINE_AA)
        cv2.line(alpha, *pts, 1.0, 2 * s, cv2.LINE_AA)
        _leaf(rgb, alpha, joint, angle * 1.15, 0.6 * length * s, greens[k % len(greens)])
    return _down(rgb, np.clip(alpha, 0, 1))


@functools.cache
def lamp() -> Sprite:
    """A floor lamp: a cream shade, a black pole 6 px wide (at this size) and a disc base."""
    w, h = 170 * SS, 520 * SS
    s = SS
    rgb = np.zeros((h, w, 3), np.float32)
    alpha = np.zeros((h, w), np.float32)
    shade = np.array([[45, 10], [125, 10], [160, 120], [10, 120]]) * s
    body = np.zeros((h, w), np.uint8)
    cv2.fillPoly(body, [shade], 1)
    glow = np.linspace(1.0, 0.75, w)[None, :, None] * np.array([240, 225, 190], np.float32)
    rgb[body > 0] = np.broadcast_to(glow, (h, w, 3))[body > 0]
    cv2.fillPoly(alpha, [shade], 1.0, cv2.LINE_AA)
    for img, value in ((rgb, (30, 30, 32)), (alpha, 1.0)):
        cv2.rectangle(img, (82 * s, 120 * s), (88 * s, 500 * s), value, -1)
        cv2.ellipse(img, (85 * s, 505 * s), (55 * s, 12 * s), 0, 0, 360, value, -1, cv2.LINE_AA)
    return _down(rgb, np.clip(alpha, 0, 1))


@functools.cache
def box() -> Sprite:
    """A cardboard box seen from above one corner: three faces in three brown shades,
    with a strip of tape across the lid."""
    w, h = 420 * SS, 360 * SS
    s = SS
    rgb = np.zeros((h, w, 3), np.float32)
    alpha = np.zeros((h, w), np.float32)
    top = np.array([[10, 90], [250, 10], [410, 80], [170, 160]]) * s
    left = np.array([[10, 90], [170, 160], [170, 350], [10, 270]]) * s
    right = np.array([[170, 160], [410, 80], [410, 260], [170, 350]]) * s
    for face, colour in ((top, (205, 165, 110)), (left, (160, 120, 75)), (right, (120, 85, 50))):
        cv2.fillPoly(rgb, [face], colour, cv2.LINE_AA)
        cv2.fillPoly(alpha, [face], 1.0, cv2.LINE_AA)
    tape = np.array([[120, 50], [145, 40], [305, 112], [280, 122]]) * s
    cv2.fillPoly(rgb, [tape], (225, 200, 150), cv2.LINE_AA)
    grain = 8 * _noise((h, w), 2.0 * s, 3)[..., None]
    return _down(np.clip(rgb + grain, 0, 255), np.clip(alpha, 0, 1))
