"""Probe an uploaded video or audio file from its content (never its name) with PyAV.

The probe demuxes every packet of the main stream (cheap: no decoding) and decodes the
first frame, so truncated and damaged files are caught at upload, not in a worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import av.error

from vidswap.errors import InvalidParameter

VIDEO_CONTAINERS = {"mov,mp4,m4a,3gp,3g2,mj2": "mp4", "matroska,webm": "webm"}
AUDIO_CONTAINERS = {"mov,mp4,m4a,3gp,3g2,mj2": "m4a", "mp3": "mp3", "wav": "wav", "aac": "aac"}
WEBM_CODECS = {"vp8", "vp9", "av1", "opus", "vorbis"}
ATTACHED_PIC = av.stream.Disposition.attached_pic  # cover art, not a video
SUPPORTED = "video: mp4, mov, webm; audio: mp3, wav, m4a, aac"


@dataclass(frozen=True)
class MediaInfo:
    media_type: str  # video | audio
    container: str  # mp4 | webm | mp3 | wav | m4a | aac
    codec: str
    duration: float
    width: int = 0
    height: int = 0
    rotation: int = 0
    fps: float = 0.0
    frames: int = 0
    has_audio: bool = False


def _bad(reason: str) -> InvalidParameter:
    return InvalidParameter(f"{reason} Supported files are {SUPPORTED}.")


def probe(path: Path) -> MediaInfo:
    """Describes a media file, or raises InvalidParameter saying what is wrong with it."""
    if path.stat().st_size == 0:
        raise InvalidParameter("The file is empty.")
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError):
        raise _bad("The file could not be read: it is damaged, truncated or not media.") from None
    with container:
        try:
            return _describe(container)
        except av.error.FFmpegError:
            raise _bad("The file is damaged or truncated and cannot be decoded.") from None


def _describe(container: Any) -> MediaInfo:
    fmt = container.format.name
    videos = [s for s in container.streams.video if ATTACHED_PIC not in s.disposition]
    audios = list(container.streams.audio)
    if videos:
        return _describe_video(container, fmt, videos[0], bool(audios))
    if audios:
        return _describe_audio(container, fmt, audios[0])
    raise _bad("The file has no video or audio stream.")


def _describe_video(container: Any, fmt: str, stream: Any, has_audio: bool) -> MediaInfo:
    kind = VIDEO_CONTAINERS.get(fmt)
    codec = stream.codec_context.name
    if kind is None:
        raise _bad(f"Video in the {fmt.split(',')[0]} container is not supported.")
    if kind == "webm" and codec not in WEBM_CODECS:
        raise _bad("Matroska (.mkv) files are not supported.")
    packets, last_end = _demux(container, stream)
    first = _first_frame(container, stream)
    declared = stream.frames
    if declared and packets < declared:
        raise InvalidParameter(
            f"The video is truncated: it declares {declared} frames but holds {packets}."
        )
    rate = stream.average_rate or stream.guessed_rate
    return MediaInfo(
        media_type="video",
        container=kind,
        codec=codec,
        duration=_duration(container, stream, last_end),
        width=first.width,
        height=first.height,
        rotation=int(getattr(first, "rotation", 0) or 0),
        fps=float(rate) if rate else 0.0,
        frames=packets,
        has_audio=has_audio,
    )


def _describe_audio(container: Any, fmt: str, stream: Any) -> MediaInfo:
    kind = AUDIO_CONTAINERS.get(fmt)
    if kind is None:
        raise _bad(f"Audio in the {fmt.split(',')[0]} format is not supported.")
    _packets, last_end = _demux(container, stream)
    _first_frame(container, stream)
    return MediaInfo(
        media_type="audio",
        container=kind,
        codec=stream.codec_context.name,
        duration=_duration(container, stream, last_end),
    )


def _demux(container: Any, stream: Any) -> tuple[int, float]:
    """Counts the stream's packets and finds where the last one ends, in seconds."""
    count, last_end = 0, 0.0
    for packet in container.demux(stream):
        if packet.size == 0:
            continue
        count += 1
        if packet.pts is not None and packet.time_base is not None:
            end = (packet.pts + (packet.duration or 0)) * packet.time_base
            last_end = max(last_end, float(end))
    if count == 0:
        raise InvalidParameter("The file holds no media data; it is empty or truncated.")
    container.seek(0)
    return count, last_end


def _first_frame(container: Any, stream: Any) -> Any:
    for frame in container.decode(stream):
        return frame
    raise InvalidParameter("No frame of the file could be decoded; it is damaged or truncated.")


def _duration(container: Any, stream: Any, last_end: float) -> float:
    """Prefer what the packets show; headers of damaged files can claim anything."""
    if last_end > 0:
        start = float(stream.start_time * stream.time_base) if stream.start_time else 0.0
        return max(0.0, last_end - start)
    if container.duration:
        return float(container.duration) / 1_000_000
    return 0.0
