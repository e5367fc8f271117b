"""Probe an uploaded video or audio file from its content (never its name) with PyAV.

The probe demuxes every packet (cheap: no decoding), compares what it finds with what the
header declares and decodes the first frame, so truncated and damaged files are caught at
upload, not in a worker. FFmpeg may open only the file itself, never a URL it names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import av.error

from vidswap.errors import InvalidParameter

VIDEO_CONTAINERS = {"mov,mp4,m4a,3gp,3g2,mj2": "mp4", "matroska,webm": "webm"}
AUDIO_CONTAINERS = {"mov,mp4,m4a,3gp,3g2,mj2": "m4a", "mp3": "mp3", "wav": "wav", "aac": "aac"}
MATROSKA = "matroska,webm"
DOCTYPE = re.compile(rb"\x42\x82[\x81-\x88](webm|matroska)")
# Containers whose header records the real duration (FFmpeg clamps others to the file size).
DECLARED_DURATION = {MATROSKA}
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
        # Only local files: a playlist-like upload must never make FFmpeg open URLs.
        container = av.open(
            str(path), metadata_errors="ignore", options={"protocol_whitelist": "file"}
        )
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError):
        raise _bad("The file could not be read: it is damaged, truncated or not media.") from None
    with container:
        try:
            return _describe(container, path)
        except av.error.FFmpegError:
            raise _bad("The file is damaged or truncated and cannot be decoded.") from None


def _describe(container: Any, path: Path) -> MediaInfo:
    fmt = container.format.name
    if fmt == MATROSKA and _ebml_doctype(path) != "webm":
        raise _bad("Matroska (.mkv) files are not supported.")
    videos = [s for s in container.streams.video if ATTACHED_PIC not in s.disposition]
    audios = list(container.streams.audio)
    if videos:
        return _describe_video(container, fmt, videos[0], bool(audios))
    if audios:
        return _describe_audio(container, fmt, audios[0])
    raise _bad("The file has no video or audio stream.")


def _ebml_doctype(path: Path) -> str:
    """`webm` or `matroska`: the DocType near the start of an EBML header."""
    with path.open("rb") as f:
        head = f.read(256)
    found = DOCTYPE.search(head)
    return found.group(1).decode() if found else ""


def _describe_video(container: Any, fmt: str, stream: Any, has_audio: bool) -> MediaInfo:
    kind = VIDEO_CONTAINERS.get(fmt)
    if fmt.endswith("_pipe"):
        raise _bad("The file is a still image, not a video.")
    if kind is None:
        raise _bad(f"Video in the {fmt.split(',')[0]} container is not supported.")
    packets, last_end = _demux(container, stream)
    first = _first_frame(container, stream)
    rate = stream.average_rate or stream.guessed_rate
    return MediaInfo(
        media_type="video",
        container=kind,
        codec=stream.codec_context.name,
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


def _demux(container: Any, main: Any) -> tuple[int, float]:
    """Reads every packet; returns the main stream's packet count and where the file ends (s),
    so a short video with a long audio track is measured by its longest stream.

    Refuses a file whose packets fall short of what its header declares (frame counts,
    or the duration of containers that record it): it was cut off.
    """
    counts: dict[int, int] = {}
    ends: dict[int, float] = {}
    for packet in container.demux():
        if packet.size == 0 or packet.stream is None:
            continue
        index = packet.stream.index
        counts[index] = counts.get(index, 0) + 1
        if packet.pts is not None and packet.time_base is not None:
            end = float((packet.pts + (packet.duration or 0)) * packet.time_base)
            ends[index] = max(ends.get(index, 0.0), end)
    if not counts.get(main.index):
        raise InvalidParameter("The file holds no media data; it is empty or truncated.")
    _check_complete(container, counts, max(ends.values(), default=0.0))
    container.seek(0)
    return counts[main.index], max(ends.values(), default=0.0)


def _check_complete(container: Any, counts: dict[int, int], last_end: float) -> None:
    for stream in [*container.streams.video, *container.streams.audio]:
        declared, held = stream.frames, counts.get(stream.index, 0)
        if stream.codec_context.name.startswith("pcm_"):
            continue  # MP4/MOV count PCM samples as frames; packets hold many (duration checks)
        if declared and held < declared and ATTACHED_PIC not in stream.disposition:
            raise InvalidParameter(
                f"The file is truncated: its {stream.type} stream declares {declared} "
                f"frames but holds {held}."
            )
    if container.format.name in DECLARED_DURATION and container.duration:
        start = (container.start_time or 0) / 1_000_000
        declared_s = container.duration / 1_000_000
        if last_end - start < declared_s * 0.9 - 0.25:
            raise InvalidParameter(
                f"The file is truncated: it declares {declared_s:.1f} s "
                f"but holds {max(0.0, last_end - start):.1f} s."
            )


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
