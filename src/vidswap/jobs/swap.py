"""The `swap` job: track the chosen mask through the video, render, encode, moderate.

Frames stream through at output resolution: decoded by the tracker beside their masks,
rendered, and handed to the encoder's thread; samples of the output are moderated on a
thread of their own meanwhile. A scene that must see the whole video
first (object removal needs a clean plate) gets a study pass; the masks of that pass are
kept bit-packed until the render pass reaches their frames.

The result counts the frames the tracker found the subject in (a non-empty mask: the
others pass through unchanged), so a swap that found it in few frames says so.
"""

from __future__ import annotations

import logging
from collections.abc import Generator, Iterator
from contextlib import ExitStack, closing
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image

from vidswap.domain.swap import KIND
from vidswap.domain.targets import load_target
from vidswap.engines.track.store import MaskStore
from vidswap.errors import VidswapError
from vidswap.jobs.kinds import JobContext, register
from vidswap.jobs.moderation import Moderation
from vidswap.jobs.resources import Resources
from vidswap.media.encode import VideoWriter
from vidswap.media.frames import Frame, FrameIndex, Mask, index_frames, iter_frames, read_frame
from vidswap.media.prefetch import prefetched

log = logging.getLogger(__name__)
SAMPLE_SIDE = 640  # moderation looks at output frames this large
LOW_COVERAGE = 0.5  # under this share of frames swapped, the result carries a note
Tracked = Iterator[tuple[int, Frame, Mask]]
TrackedGen = Generator[tuple[int, Frame, Mask], None, None]


@register(KIND)
def swap_job(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    return SwapRun(ctx, ctx.need(), params).run()


class SwapRun:
    def __init__(self, ctx: JobContext, res: Resources, params: dict[str, Any]) -> None:
        self.ctx, self.res, self.params = ctx, res, params
        self.size = (int(params["width"]), int(params["height"]))
        self.mode = str(params["mask_name"])
        self.keyframe = int(params["keyframe"]) - 1
        self.source = res.blobs.path(str(params["source_key"]))
        if not self.source.exists():
            raise VidswapError("The source video was deleted; upload it again.")
        self.index = index_frames(self.source)
        self.done = 0
        self.swapped = self.rendered = 0

    def run(self) -> dict[str, Any]:
        staged = self.res.blobs.staging_dir() / f"swap-{self.ctx.job_id}-{self.ctx.attempt}.mp4"
        moderation = Moderation(self.res.engines)
        try:
            method, has_audio = self._render(staged, moderation)
            moderation.finish()
            key = self.res.blobs.new_key("vid", "mp4")
            size = staged.stat().st_size
            self.res.blobs.put_file(key, staged)
        finally:
            moderation.close()
            staged.unlink(missing_ok=True)
        return {
            "video_key": key,
            "codec": "h264",
            "width": self.size[0],
            "height": self.size[1],
            "size": size,
            "has_audio": has_audio,
            "duration": frames_duration(self.index),
            "frames": self.index.count,
            "method": method,
            "swapped_frames": self.swapped,
            "total_frames": self.rendered,
            "coverage_note": coverage_note(self.swapped, self.rendered),
        }

    def _render(self, staged: Path, moderation: Moderation) -> tuple[str, bool]:
        engines = self.res.engines
        key_rgb = read_frame(self.source, self.keyframe, self.index)
        mask = self._keyframe_mask(key_rgb)
        target = load_target(self.res.blobs.path(str(self.params["img_key"])), self.mode, engines)
        writer = VideoWriter(staged, self.size, self.source, self.index)
        try:
            with (
                engines.use("track") as tracker,
                engines.use("render") as renderer,
                ExitStack() as threads,  # stop the prefetching threads on any exit
            ):
                scene = renderer.start(
                    self.mode, target, self._fit(key_rgb), self._fit_mask(mask), self.index.count
                )
                follow = tracker.follow(
                    self.source, self.keyframe, mask, self.mode, max_side=max(self.size)
                )
                threads.enter_context(closing(follow))  # closed after the thread reading it
                tracked = threads.enter_context(closing(prefetched(self._fitted(follow))))
                passes = 2 if scene.needs_study else 1
                if scene.needs_study:
                    tracked = threads.enter_context(closing(self._studied(scene, tracked, passes)))
                for number, frame, frame_mask in tracked:
                    self.rendered += 1
                    self.swapped += bool(cv2.countNonZero(frame_mask))
                    out = scene.render(number, frame, frame_mask)
                    writer.write(number, out)
                    self._sample(number, out, moderation)
                    self._step(passes)
            writer.close()
        except BaseException:
            writer.abort()
            raise
        return scene.method, writer.has_audio

    def _studied(self, scene: Any, tracked: Tracked, passes: int) -> TrackedGen:
        """Runs the study pass over `tracked`, then replays the frames with their masks."""
        store = MaskStore()
        for number, frame, mask in tracked:
            scene.study(number, frame, mask)
            store.put(number, mask)
            self._step(passes)
        frames = iter_frames(self.source, index=self.index, max_side=max(self.size))
        with closing(prefetched(frames)) as replay:
            for number, frame in replay:
                yield number, self._fit(frame), store.pop(number)

    def _fitted(self, tracked: Tracked) -> TrackedGen:
        for number, frame, mask in tracked:
            yield number, self._fit(frame), self._fit_mask(mask)

    def _keyframe_mask(self, key_rgb: Frame) -> Mask:
        """The selected mask, or the first person the segmenter finds on the keyframe."""
        if self.params.get("mask_key"):
            path = self.res.blobs.path(str(self.params["mask_key"]))
            with Image.open(path) as img:
                return np.asarray(img.convert("L"))
        with self.res.engines.use("segment") as segmenter:
            people = [c.mask for c in segmenter.candidates(key_rgb) if c.name == "person"]
        if not people:
            raise VidswapError(
                f"There is no person on keyframe {self.keyframe + 1}: "
                "choose a mask with mask selection and send its mask_id."
            )
        first: Mask = people[0]
        return first

    def _fit(self, frame: Frame) -> Frame:
        if frame.shape[:2] == (self.size[1], self.size[0]):
            return frame
        return np.asarray(cv2.resize(frame, self.size, interpolation=cv2.INTER_AREA))

    def _fit_mask(self, mask: Mask) -> Mask:
        if mask.shape[:2] == (self.size[1], self.size[0]):
            return mask
        small = cv2.resize(mask, self.size, interpolation=cv2.INTER_LINEAR)
        return np.where(small > 127, 255, 0).astype(np.uint8)

    def _sample(self, number: int, frame: Frame, moderation: Moderation) -> None:
        """Moderates at least one output frame a second (and the last)."""
        every = max(1, int(self.index.fps or 1))
        if number % every == 0 or number == self.index.count - 1:
            scale = SAMPLE_SIDE / max(frame.shape[:2])
            small = frame if scale >= 1 else cv2.resize(frame, None, fx=scale, fy=scale)
            moderation.submit(np.asarray(small))

    def _step(self, passes: int) -> None:
        self.done += 1
        self.ctx.report(95 * self.done / (passes * self.index.count))


def coverage_note(swapped: int, total: int) -> str:
    """Why a successful swap may not look like one: the subject was mostly not found."""
    if not total or swapped >= LOW_COVERAGE * total:
        return ""
    return (
        f"The subject was found in only {swapped} of {total} frames ({100 * swapped // total}%); "
        "the other frames are unchanged."
    )


def frames_duration(index: FrameIndex) -> float:
    """From the first frame's start to the last frame's end (one average frame long)."""
    span = float((index.pts[-1] - index.pts[0]) * index.time_base)
    return round(span + (1 / index.fps if index.fps else 0.0), 3)
