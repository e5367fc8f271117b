"""The CPU tracking engine: a keyframe mask followed through every frame of a video.

Frames are analysed at most 480 px (by default) on their long side and streamed; the video
is never held at full resolution. Frames before the keyframe are tracked backwards first, in chunks
(decode a chunk forwards at analysis resolution, follow it in reverse, step to the chunk
before), their masks kept bit-packed; the output pass then decodes full-resolution frames
one at a time from frame 0, upsamples each mask against its frame, yields the keyframe's
own mask, and tracks the rest forwards live.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from vidswap.engines import registry
from vidswap.engines.track.complement import ComplementFollower
from vidswap.engines.track.flow import Chain, View
from vidswap.engines.track.masks import u8
from vidswap.engines.track.matte import Matte
from vidswap.engines.track.obj import ObjectFollower
from vidswap.engines.track.person import PersonFollower
from vidswap.engines.track.store import MaskStore
from vidswap.engines.track.upsample import Upsampler
from vidswap.errors import InvalidParameter
from vidswap.media.frames import (
    Frame,
    FrameIndex,
    Mask,
    index_frames,
    iter_frame_pairs,
    iter_frames,
)
from vidswap.media.prefetch import prefetched

KINDS = ("person", "object", "background")
Stage = tuple[int, Frame, Frame, Mask]  # number, frame, analysis-size frame, its mask


@dataclass(frozen=True)
class Request:
    """One `follow` call, checked: `mask` is the keyframe's, 0/255, display-sized."""

    video: Path
    index: FrameIndex
    keyframe: int
    mask: Mask
    kind: str
    max_side: int | None


class Stepper(Protocol):
    def step(self, view: View) -> Mask: ...


@registry.register("track", "cpu")
class CpuTracker:
    name, kind = "cpu", "track"

    def __init__(self, analysis_side: int = 480, chunk_bytes: int = 192 * 2**20) -> None:
        """`analysis_side` 480 costs ~30% less time a frame than 640, for mean J (bench/
        quality_masks) person 0.950 vs 0.964, object 0.977 vs 0.981, background 0.991 vs
        0.992. `chunk_bytes` bounds the analysis frames held at once by the backward pass."""
        self.side, self.chunk_bytes = analysis_side, chunk_bytes
        self._matte = Matte()
        self._upsample = Upsampler()

    def setup(self) -> None:
        self._matte.open()

    def close(self) -> None:
        self._matte.close()

    def track(
        self, video: Path, keyframe: int, mask: Mask, mask_kind: str
    ) -> Iterator[tuple[int, Mask]]:
        return ((n, m) for n, _, m in self.follow(video, keyframe, mask, mask_kind))

    def follow(
        self, video: Path, keyframe: int, mask: Mask, mask_kind: str, *, max_side: int | None = None
    ) -> Generator[tuple[int, Frame, Mask], None, None]:
        """Checks the request now (not on the first `next`), then streams every frame
        with its mask, both scaled so their long side is at most `max_side`.

        The masks come from this engine's models as they are consumed: consume the
        iterator while holding the engine (`EnginePool.use`), not after."""
        index = index_frames(video)
        if mask_kind not in KINDS:
            raise InvalidParameter(f"Unknown mask kind {mask_kind!r}: use one of {KINDS}.")
        if not 0 <= keyframe < index.count:
            raise InvalidParameter(
                f"Frame {keyframe + 1} does not exist: the video has {index.count} frames."
            )
        if mask.ndim != 2:
            raise InvalidParameter("The mask must be a single-channel image.")
        _, first = next(iter_frames(video, 0, 1, index=index))
        if mask.shape != first.shape[:2]:
            raise InvalidParameter(
                f"The mask is {mask.shape[1]}x{mask.shape[0]}, "
                f"the video's frames {first.shape[1]}x{first.shape[0]}."
            )
        key = np.where(mask > 127, 255, 0).astype(np.uint8)
        return self._run(Request(video, index, keyframe, key, mask_kind, max_side))

    def _run(self, req: Request) -> Generator[tuple[int, Frame, Mask], None, None]:
        """Three stages, each on its own thread, a few frames apart: decode (with the
        analysis-size copy), follow (the chain of frames, necessarily one at a time), and
        here, upsampling each mask against its full frame."""
        store = MaskStore()
        if req.keyframe > 0:
            self._backward(req, store)
        with closing(prefetched(self._stages(req, store))) as staged:
            for number, frame, small, small_mask in staged:
                if number == req.keyframe:
                    yield number, frame, self._fit(req.mask, frame.shape[:2])
                else:
                    yield number, frame, self._upsample(small_mask, small, frame)

    def _stages(self, req: Request, store: MaskStore) -> Generator[Stage, None, None]:
        yield from self._stored(req, store)
        yield from self._followed(req)

    def _decoded(
        self, req: Request, span: tuple[int, int | None], chain: Chain | None = None
    ) -> Generator[tuple[int, Frame, View], None, None]:
        """(number, frame, the frame at analysis size as a view), decoded on a thread of
        their own; with a `chain`, the views are linked there too (the optical flow runs
        beside decoding, off the follower's thread, which is the swap's critical path)."""
        frames = iter_frame_pairs(
            req.video,
            span[0],
            span[1],
            small_side=self.side,
            index=req.index,
            max_side=req.max_side,
        )
        with closing(prefetched(self._views(frames, req.mask.shape, chain))) as decoded:
            yield from decoded

    def _views(
        self,
        frames: Iterator[tuple[int, Frame, Frame]],
        shape: tuple[int, ...],
        chain: Chain | None,
    ) -> Iterator[tuple[int, Frame, View]]:
        for number, frame, small in frames:
            small = self._fit_frame(small, shape)
            yield number, frame, chain.push(small) if chain is not None else View(small)

    def _stored(self, req: Request, store: MaskStore) -> Generator[Stage, None, None]:
        """Frames before the keyframe with their masks from the backward pass."""
        last: Mask | None = None
        for number, frame, view in self._decoded(req, (0, req.keyframe)):
            last = store.pop(number) if number in store else last  # (a frame lost to decoding)
            if last is None:
                last = self._fit(req.mask, view.shape)
            yield number, frame, view.rgb, last

    def _followed(self, req: Request) -> Generator[Stage, None, None]:
        """The keyframe and every frame after it, followed at analysis size."""
        follower = None
        chain = Chain(reliable=req.kind == "object")  # the object follower checks every flow
        for number, frame, view in self._decoded(req, (req.keyframe, None), chain):
            if follower is None:
                start = self._fit(req.mask, view.shape)
                follower = self._follower(req.kind, view, start)
                yield number, frame, view.rgb, start
            else:
                yield number, frame, view.rgb, follower.step(view)

    def _backward(self, req: Request, store: MaskStore) -> None:
        """Frames keyframe-1 .. 0 into `store`, a chunk of analysis frames at a time."""
        chain, follower = Chain(), None
        stop = req.keyframe + 1
        per_chunk = max(8, self.chunk_bytes // max(self._frame_bytes(req.mask.shape), 1))
        while stop > 0:
            start = max(0, stop - per_chunk)
            chunk = [
                (number, self._fit_frame(rgb, req.mask.shape))
                for number, rgb in iter_frames(
                    req.video, start, stop, index=req.index, max_side=self.side
                )
            ]
            while chunk:
                number, rgb = chunk.pop()
                view = chain.push(rgb)
                if follower is None:
                    follower = self._follower(req.kind, view, self._fit(req.mask, view.shape))
                else:
                    store.put(number, follower.step(view))
            stop = start

    def _follower(self, kind: str, view: View, mask: Mask) -> Stepper:
        if kind == "person":
            return PersonFollower(self._matte, view, mask)
        if kind == "object":
            return ObjectFollower(view, mask)
        return ComplementFollower(self._matte, view, mask)

    def _small_size(self, shape: tuple[int, ...]) -> tuple[int, int]:
        """(width, height) at analysis resolution, rounded as the decoder rounds them."""
        rows, cols = shape[:2]
        if max(rows, cols) <= self.side:
            return cols, rows
        scale = self.side / max(rows, cols)
        return max(2, round(cols * scale)), max(2, round(rows * scale))

    def _frame_bytes(self, shape: tuple[int, ...]) -> int:
        width, height = self._small_size(shape)
        return width * height * 3

    def _fit_frame(self, rgb: Frame, shape: tuple[int, ...]) -> Frame:
        """`rgb` at exactly the analysis size of frames shaped `shape` (guards rounding)."""
        size = self._small_size(shape)
        if size == (rgb.shape[1], rgb.shape[0]):
            return rgb
        return u8(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA))

    @staticmethod
    def _fit(mask: Mask, shape: tuple[int, ...]) -> Mask:
        """The keyframe mask at another resolution (area-averaged, then thresholded)."""
        if mask.shape == shape[:2]:
            return mask
        small = cv2.resize(mask, (shape[1], shape[0]), interpolation=cv2.INTER_AREA)
        return np.where(small > 127, 255, 0).astype(np.uint8)
