"""Object mode, and person mode without faces: the tracked region is removed (plate.py) and
the target's subject put in its place, following the region's motion (pose.py).

At the keyframe the subject is fitted inside the region's box, standing on its bottom edge
(things rest on what the original rested on); later frames move, scale and turn it as the
region moved, scaled and turned since. Where the subject does not cover the region the
clean plate shows, so nothing of the original remains.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from vidswap.engines.render import colour
from vidswap.engines.render.base import Target
from vidswap.engines.render.pixels import blend, feather, span
from vidswap.engines.render.plate import CleanPlate
from vidswap.engines.render.pose import Affine, Path, measure
from vidswap.engines.track.masks import Box, box, u8
from vidswap.errors import InvalidParameter
from vidswap.media.frames import Frame, Mask

EDGE = 0.0014  # the subject's soft edge, share of the frame diagonal (~2 px at 720p)
MATCH = 0.35  # how far the subject's Lab statistics move towards the scene's
MATCH_CAP = 32  # most levels colour matching may move any colour of the subject
DETAIL = 2.0  # the subject is kept at up to this multiple of its keyframe size


class Sprite:
    """The target's subject: cropped to its alpha, colour-matched to the scene, kept at up
    to twice its size at the keyframe (never above the image's own), so a region that grows
    later is drawn from real detail rather than an enlarged copy; `origin` maps its pixels
    to the keyframe's."""

    def __init__(self, target: Target, keyframe: Frame, mask: Mask, region: Box) -> None:
        """`region` is the box of `mask`, the region replaced on `keyframe`."""
        rgb, alpha = _subject(target)
        x0, y0, x1, y1 = region
        scale = min((x1 - x0) / alpha.shape[1], (y1 - y0) / alpha.shape[0])
        kept = min(DETAIL * scale, 1.0)  # of the image's own size
        k = kept / scale  # stored pixels per keyframe pixel
        size = (max(1, round(alpha.shape[1] * kept)), max(1, round(alpha.shape[0] * kept)))
        if kept < 1:
            rgb = u8(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA))
            alpha = u8(cv2.resize(alpha, size, interpolation=cv2.INTER_AREA))
        scene = colour.pixels(keyframe, u8(cv2.bitwise_not(mask)))
        rgb = u8(cv2.LUT(rgb, colour.toward(colour.pixels(rgb, alpha), scene, MATCH, MATCH_CAP)))
        self.edge = span(keyframe.shape, EDGE)
        pad = math.ceil((self.edge + 2) * k)  # transparent room: the warped edge is never cut
        self.rgb = u8(cv2.copyMakeBorder(rgb, pad, pad, pad, pad, cv2.BORDER_REPLICATE))
        self.alpha = u8(cv2.copyMakeBorder(alpha, pad, pad, pad, pad, cv2.BORDER_CONSTANT))
        width, height = size[0] / k, size[1] / k  # on the keyframe
        left, top = (x0 + x1 - width) / 2, y1 - height
        self.origin: Affine = np.array([[1 / k, 0.0, left - pad / k], [0.0, 1 / k, top - pad / k]])

    def draw(self, out: Frame, motion: Affine) -> None:
        """Composites the subject onto `out` (in place), moved by `motion` from the keyframe."""
        m = (np.vstack([motion, (0, 0, 1)]) @ np.vstack([self.origin, (0, 0, 1)]))[:2]
        h, w = self.alpha.shape
        corners = m @ np.array([[0, w, 0, w], [0, 0, h, h], [1, 1, 1, 1]], np.float64)
        x0, y0 = (max(0, math.floor(v)) for v in corners.min(axis=1))
        x1 = min(out.shape[1], math.ceil(corners[0].max()) + 1)
        y1 = min(out.shape[0], math.ceil(corners[1].max()) + 1)
        if x1 <= x0 or y1 <= y0:
            return
        m[:, 2] -= (x0, y0)
        size = (x1 - x0, y1 - y0)
        rgb = cv2.warpAffine(
            self.rgb, m, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )
        alpha = cv2.warpAffine(self.alpha, m, size, flags=cv2.INTER_LINEAR)
        out[y0:y1, x0:x1] = blend(u8(rgb), out[y0:y1, x0:x1], feather(u8(alpha), self.edge))


class ObjectScene:
    needs_study = True

    def __init__(
        self, method: str, target: Target, keyframe: Frame, mask: Mask, count: int
    ) -> None:
        """`method` is what the job records ("object", or "subject" for a person);
        `mask` is the region to replace (255) on `keyframe`."""
        self.method = method
        self._plate = CleanPlate(keyframe.shape)
        self._scale = keyframe.shape[1] / self._plate.size[0]
        region, reference = box(mask), measure(self._plate.shrink(mask), self._scale)
        if region is None or reference is None:
            raise InvalidParameter("The selected region is empty on the keyframe.")
        self._path = Path(count, reference)
        self._sprite = Sprite(target, keyframe, mask, region)

    def study(self, number: int, frame: Frame, mask: Mask) -> None:
        """Learns the clean plate and the region's pose from one frame."""
        small = self._plate.shrink(mask)
        self._plate.add(frame, small)
        self._path.add(number, measure(small, self._scale))

    def render(self, number: int, frame: Frame, mask: Mask) -> Frame:
        out = self._plate.erase(frame, self._plate.shrink(mask))
        motion = self._path.motion(number)
        if motion is not None:
            self._sprite.draw(out, motion)
        return out


def _subject(target: Target) -> tuple[Frame, Mask]:
    """The target cropped to its subject; all of it when its alpha holds no subject."""
    found = box(target.alpha)
    if found is None:
        return target.rgb, np.full(target.rgb.shape[:2], 255, np.uint8)
    x0, y0, x1, y1 = found
    return target.rgb[y0:y1, x0:x1], target.alpha[y0:y1, x0:x1]
