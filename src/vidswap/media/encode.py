"""The swap's output file: H.264 in MP4 (+faststart) with the source's timing and audio.

Frames keep their source timestamps, so a variable frame rate survives and the frame
count and duration match the source. The source's audio is copied packet by packet when
MP4 can carry it, else re-encoded to AAC. Encoding runs on a thread of its own (x264
releases the GIL), so the caller renders the next frame meanwhile.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np

from vidswap.media.frames import Frame, FrameIndex

X264 = {"preset": "veryfast", "crf": "20"}
COPYABLE_AUDIO = {"aac", "mp3", "alac"}
_LEAD_S = 0.5  # audio muxed this far ahead of the video, to keep the file interleaved
_DONE = object()


def open_output(path: Path, size: tuple[int, int], index: FrameIndex) -> tuple[Any, Any]:
    """An MP4 container with a libx264 stream on the source's time base: (container, stream)."""
    out = av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"})
    rate = Fraction(index.fps).limit_denominator(1001) if index.fps else Fraction(30)
    video = out.add_stream("libx264", rate=rate, options=dict(X264))
    video.width, video.height, video.pix_fmt = size[0], size[1], "yuv420p"
    video.codec_context.time_base = index.time_base
    return out, video


def encode_frame(out: Any, video: Any, rgb: Frame, pts: int, time_base: Fraction) -> None:
    frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
    frame.pts, frame.time_base = pts, time_base
    out.mux(video.encode(frame))


class VideoWriter:
    """`write(number, rgb)` frames in display order, then `close()`; `abort()` on failure."""

    def __init__(self, path: Path, size: tuple[int, int], source: Path, index: FrameIndex) -> None:
        self.path, self.size, self.index = path, size, index
        self._out, self._video = open_output(path, size, index)
        self._audio = _AudioCopier(source, self._out)
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=4)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="encoder", daemon=True)
        self._thread.start()

    @property
    def has_audio(self) -> bool:
        return self._audio.present

    def write(self, number: int, rgb: Frame) -> None:
        if rgb.shape[:2] != (self.size[1], self.size[0]):
            raise ValueError(f"frame {number} is {rgb.shape[1]}x{rgb.shape[0]}, not {self.size}")
        self._raise_if_failed()
        self._queue.put((number, rgb))

    def close(self) -> None:
        self._queue.put(_DONE)
        self._thread.join()
        self._raise_if_failed()
        self._audio.finish()
        self._out.close()

    def abort(self) -> None:
        """Stops without finishing the file; the caller deletes it."""
        if self._thread.is_alive():
            self._error = self._error or RuntimeError("aborted")
            self._queue.put(_DONE)
            self._thread.join()
        self._audio.close()
        self._out.close()

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        tb = self.index.time_base
        while (item := self._queue.get()) is not _DONE:
            if self._error is not None:
                continue  # drain, so a blocked writer wakes up
            try:
                number, rgb = item
                pts = self.index.pts[number]
                encode_frame(self._out, self._video, rgb, pts, tb)
                self._audio.until(float(pts * tb) + _LEAD_S)
            except BaseException as exc:  # handed to the caller's thread
                self._error = exc
        if self._error is None:
            try:
                self._out.mux(self._video.encode())
            except BaseException as exc:
                self._error = exc


class _AudioCopier:
    """The source's first audio stream, into `out`: packets copied, or re-encoded to AAC."""

    def __init__(self, source: Path, out: Any) -> None:
        self._src = av.open(str(source), options={"protocol_whitelist": "file"})
        streams = self._src.streams.audio
        self.present = bool(streams)
        self._packets: Iterator[Any] = iter(())
        self._held: Any = None
        if not streams:
            return
        stream = streams[0]
        self._copy = stream.codec_context.name in COPYABLE_AUDIO
        if self._copy:
            self._stream = out.add_stream_from_template(stream)
        else:
            rate = stream.codec_context.sample_rate or 44100
            self._stream = out.add_stream("aac", rate=rate)
            self._stream.layout = "stereo" if stream.codec_context.channels > 1 else "mono"
            self._resampler = av.AudioResampler(
                format="fltp", layout=self._stream.layout, rate=rate
            )
        self._out = out
        self._packets = self._src.demux(stream)

    def until(self, seconds: float) -> None:
        """Muxes source audio up to `seconds` (in source time)."""
        while True:
            packet = self._held or next(self._packets, None)
            self._held = None
            if packet is None:
                return
            if packet.pts is not None and float(packet.pts * packet.time_base) > seconds:
                self._held = packet
                return
            self._mux(packet)

    def finish(self) -> None:
        if self.present:
            self.until(float("inf"))
            if not self._copy:
                self._out.mux(self._stream.encode(None))
        self.close()

    def close(self) -> None:
        self._src.close()

    def _mux(self, packet: Any) -> None:
        if packet.dts is None:  # the demuxer's end-of-stream marker
            return
        if self._copy:
            packet.stream = self._stream
            self._out.mux(packet)
            return
        for frame in packet.decode():
            for resampled in self._resampler.resample(frame):
                self._out.mux(self._stream.encode(resampled))
