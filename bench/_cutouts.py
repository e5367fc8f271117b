"""Subjects cut out of scikit-image photos with polygons traced by hand.

Ground truth must not come from anything the engines run (GrabCut, mediapipe), so every
outline here is a literal vertex list, traced over a gridded, zoomed copy of the photo and
checked by eye (`python -m bench._clips --preview DIR` draws them). Alpha is the polygon
rasterised with 1/4 px precision and antialiased over about a pixel, so a composited
subject's truth is exact by construction, whatever the outline's small tracing errors.

People are articulated: the astronaut is a torso (head, neck ring, chest) and two arms of
two pieces each, an upper arm turning about the shoulder and a forearm about the elbow.
Her right arm (image left) is the photo's sleeve; the other arm is hidden by the helmet she
holds, so it is the same arm mirrored about her midline. The cameraman is rigid: his arms
are folded at the camera, and cutting them would mean inventing the coat they hide. He is
traced without the camera and the tripod (not part of a person); where the tripod's pole
crosses his sleeve the outline follows the pole's edge.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt
from skimage import data as photos

U8 = npt.NDArray[np.uint8]
F32 = npt.NDArray[np.float32]
Point = tuple[float, float]
# (shoulder raise, elbow bend) of the left then the right arm, degrees. Raise 0 hangs the
# arm down, 90 holds it out sideways, 180 straight up; a positive bend folds the forearm
# up towards the body's midline, a negative one past the arm's line outwards.
Angles = tuple[float, float, float, float]
REST: Angles = (0.0, 0.0, 0.0, 0.0)


@dataclass(frozen=True)
class Sprite:
    """A cut-out: RGB pixels and a soft alpha (0..1) of the same size."""

    rgb: U8
    alpha: F32


def polygon_alpha(shape: tuple[int, int], polygons: list[list[Point]]) -> F32:
    """The union of polygons (photo pixel coordinates) as an antialiased alpha."""
    out = np.zeros(shape, np.uint8)
    for polygon in polygons:  # one at a time: fillPoly fills overlaps even-odd
        mask = np.zeros(shape, np.uint8)
        pts = np.round(np.asarray(polygon, np.float64) * 4).astype(np.int32)
        cv2.fillPoly(mask, [pts], 255, cv2.LINE_AA, shift=2)
        out = np.maximum(out, mask)
    return out.astype(np.float32) / 255


def crop(rgb: U8, alpha: F32) -> Sprite:
    """The sprite cropped to where its alpha is not zero."""
    ys, xs = np.nonzero(alpha > 0.004)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    return Sprite(
        np.ascontiguousarray(rgb[y0:y1, x0:x1]), np.ascontiguousarray(alpha[y0:y1, x0:x1])
    )


# The astronaut (skimage.data.astronaut, 512x512), pixel coordinates of the photo.
TORSO: list[Point] = [
    (225, 16), (200, 21), (190, 28), (177, 45), (163, 62), (157, 80), (160, 98), (172, 112),
    (180, 128), (184, 150), (150, 156), (130, 165), (118, 185), (113, 200), (100, 215),
    (85, 235), (97, 256), (118, 268), (124, 300), (124, 420), (282, 420), (286, 395),
    (295, 375), (310, 360), (320, 352), (318, 320), (320, 290), (330, 262), (325, 242),
    (304, 222), (297, 202), (290, 192), (275, 182), (258, 174), (264, 162), (267, 150),
    (269, 138), (282, 122), (296, 100), (300, 75), (292, 50), (275, 30), (255, 18),
]  # fmt: skip
UPPER_ARM: list[Point] = [
    (62, 250), (80, 238), (100, 234), (118, 250), (126, 280), (126, 418), (72, 424),
    (22, 418), (24, 370), (30, 330), (42, 290), (52, 265),
]  # fmt: skip
FOREARM: list[Point] = [(23, 405), (126, 405), (124, 488), (110, 506), (40, 506), (27, 490)]
SHOULDER: Point = (84, 270)
ELBOW: Point = (74, 414)
MIDLINE = 212.0  # x of her body's axis: the mirrored arm's shoulder lands at (340, 270)
# The posed figure's canvas, photo coordinates: room for both arms held out or raised;
# its bottom is her waist, where the photo's view of her ends.
CANVAS = (-170, 0, 595, 420)  # x0, y0, x1, y1

# The cameraman (skimage.data.camera, 512x512 grey): the man alone.
CAMERAMAN: list[Point] = [
    (200, 65), (215, 63), (240, 68), (258, 85), (268, 100), (272, 118), (266, 132),
    (256, 142), (253, 152), (252, 165), (246, 175), (240, 191), (246, 198), (262, 202),
    (284, 203), (300, 200), (308, 190), (310, 172), (322, 167), (331, 180), (332, 195),
    (325, 212), (315, 227), (303, 232), (298, 216), (288, 216), (287, 250), (287, 300),
    (260, 300), (200, 297), (177, 327), (153, 357), (140, 380), (147, 398), (150, 410),
    (151, 512), (120, 512), (117, 490), (112, 470), (100, 470), (90, 490), (80, 512),
    (0, 512), (0, 255), (20, 235), (50, 200), (80, 165), (115, 130), (150, 108), (160, 107),
    (165, 90), (177, 75),
]  # fmt: skip

# The espresso cup (skimage.data.coffee, 400x600): saucer, cup and the spoon's handle.
SAUCER = ((278.0, 233.0), (201.0, 158.0), 2.0)  # centre, semi-axes, rotation (degrees)
CUP_RIM = ((290.0, 100.0), (118.0, 84.0), 0.0)
CUP_SIDES: list[Point] = [(172, 100), (408, 100), (400, 190), (380, 240), (200, 240), (178, 190)]
SPOON: list[Point] = [(404, 78), (414, 66), (424, 70), (420, 100), (412, 140), (404, 140)]


def _ellipse(spec: tuple[Point, Point, float]) -> list[Point]:
    (cx, cy), (ax, ay), angle = spec
    t = np.radians(np.arange(0, 360, 3))
    r = np.radians(angle)
    xs = cx + ax * np.cos(t) * np.cos(r) - ay * np.sin(t) * np.sin(r)
    ys = cy + ax * np.cos(t) * np.sin(r) + ay * np.sin(t) * np.cos(r)
    return list(zip(xs.tolist(), ys.tolist(), strict=True))


@functools.cache
def cup() -> Sprite:
    """The espresso cup with its saucer and spoon, off the wooden table."""
    rgb = photos.coffee()
    shapes = [_ellipse(SAUCER), _ellipse(CUP_RIM), CUP_SIDES, SPOON]
    return crop(rgb, polygon_alpha(rgb.shape[:2], shapes))


@functools.cache
def cameraman() -> Sprite:
    """The cameraman, grey, without his camera and tripod; he fills the photo's left edge
    and bottom, so he is cut there as the photo cuts him."""
    grey = photos.camera()
    rgb = np.ascontiguousarray(np.dstack([grey] * 3))
    return crop(rgb, polygon_alpha(grey.shape, [CAMERAMAN]))


@dataclass(frozen=True)
class Piece:
    """One rigid part of a figure: premultiplied RGB and alpha in photo coordinates."""

    rgb: F32
    alpha: F32


def _piece(rgb: U8, outline: list[Point]) -> Piece:
    alpha = polygon_alpha(rgb.shape[:2], [outline])
    return Piece(rgb.astype(np.float32) * alpha[..., None], alpha)


def _turn(center: Point, degrees: float) -> npt.NDArray[np.float64]:
    """3x3 rotation about `center`; positive turns clockwise on screen (y points down)."""
    m = np.eye(3)
    m[:2] = cv2.getRotationMatrix2D(center, -degrees, 1.0)
    return m


def _mirror() -> npt.NDArray[np.float64]:
    return np.array([[-1.0, 0, 2 * MIDLINE], [0, 1, 0], [0, 0, 1]])


def _astronaut_photo(recolour: bool) -> U8:
    rgb = photos.astronaut()
    if not recolour:
        return rgb
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    suit = (hsv[..., 0] < 22) & (hsv[..., 1] > 80)  # the orange suit, not skin or hair
    suit[:175] = False  # nothing above the neck ring
    hsv[..., 0] = np.where(suit, (hsv[..., 0].astype(np.int16) + 100) % 180, hsv[..., 0])
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)


@functools.cache
def _pieces(recolour: bool) -> tuple[Piece, Piece, Piece]:
    rgb = _astronaut_photo(recolour)
    return _piece(rgb, TORSO), _piece(rgb, UPPER_ARM), _piece(rgb, FOREARM)


@functools.lru_cache(maxsize=64)  # a pose canvas is ~2 MB; a clip re-poses each frame
def posed(angles: Angles = REST, recolour: bool = False) -> Sprite:
    """The astronaut in a pose, on the fixed canvas `CANVAS` (so her scale and place do
    not change with the pose). Drawn back to front: the mirrored arm, the torso, her own
    arm; the truth is the union of the pieces' alphas."""
    torso, upper, fore = _pieces(recolour)
    x0, y0, x1, y1 = CANVAS
    shift = np.array([[1.0, 0, -x0], [0, 1, -y0], [0, 0, 1]])
    size = (x1 - x0, y1 - y0)
    rgb = np.zeros((size[1], size[0], 3), np.float32)
    alpha = np.zeros((size[1], size[0]), np.float32)

    def draw(piece: Piece, m: npt.NDArray[np.float64]) -> None:
        nonlocal rgb, alpha
        a = cv2.warpAffine(piece.alpha, (shift @ m)[:2], size, flags=cv2.INTER_LINEAR)
        c = cv2.warpAffine(piece.rgb, (shift @ m)[:2], size, flags=cv2.INTER_LINEAR)
        rgb = rgb * (1 - a[..., None]) + c
        alpha = alpha * (1 - a) + a

    mirrored = _mirror() @ _turn(SHOULDER, angles[2])
    draw(fore, mirrored @ _turn(ELBOW, -angles[3]))
    draw(upper, mirrored)
    draw(torso, np.eye(3))
    own = _turn(SHOULDER, angles[0])
    draw(fore, own @ _turn(ELBOW, -angles[1]))
    draw(upper, own)
    out = np.where(alpha[..., None] > 1e-4, rgb / np.maximum(alpha[..., None], 1e-4), 0)
    return Sprite(np.clip(out + 0.5, 0, 255).astype(np.uint8), alpha)


@functools.cache
def astronaut() -> Sprite:
    """Eileen Collins from the waist up, arms at her sides, cropped to her outline."""
    sprite = posed()
    return crop(sprite.rgb, sprite.alpha)


@functools.cache
def passer() -> Sprite:
    """A second person: the astronaut mirrored with her suit re-coloured blue."""
    sprite = posed(REST, recolour=True)
    rest = crop(sprite.rgb, sprite.alpha)
    return Sprite(
        np.ascontiguousarray(rest.rgb[:, ::-1]), np.ascontiguousarray(rest.alpha[:, ::-1])
    )
