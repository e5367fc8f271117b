"""Resolve the video a request names: an uploaded one (`video_media_id`) or one this
server produced (`source_video_id`), always of the caller's account."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vidswap.domain import jobs, uploads
from vidswap.errors import InvalidParameter
from vidswap.storage.blobs import LocalBlobStore
from vidswap.storage.db import Database

SELECTABLE_CODECS = {"h264": "H.264", "hevc": "H.265"}


@dataclass(frozen=True)
class VideoSource:
    kind: str  # media | video
    id: int
    path: Path
    blob_key: str
    codec: str
    width: int  # as displayed (rotation applied)
    height: int
    duration: float  # seconds


def resolve(
    db: Database, blobs: LocalBlobStore, account_id: int, field: str, source_id: int
) -> VideoSource:
    if field == "video_media_id":
        media = uploads.get_media(db, account_id, source_id)
        if media.media_type != "video":
            raise InvalidParameter(f"Media {source_id} is {media.media_type}, not a video.")
        width, height = media.width, media.height
        if media.rotation % 180:
            width, height = height, width
        return VideoSource(
            "media",
            media.id,
            blobs.path(media.blob_key),
            media.blob_key,
            media.codec,
            width,
            height,
            media.duration,
        )
    job = jobs.get(db, account_id, source_id)
    key = job.result.get("video_key")
    if job.status != "succeeded" or not key:
        raise InvalidParameter(f"Video {source_id} has no finished video to work on.")
    res = job.result
    return VideoSource(
        "video",
        job.id,
        blobs.path(str(key)),
        str(key),
        str(res.get("codec", "h264")),
        int(res.get("width", 0)),
        int(res.get("height", 0)),
        float(res.get("duration", 0.0)),
    )


def require_selectable(source: VideoSource) -> None:
    """Mask selection reads H.264 and H.265 video only (PixVerse's rule)."""
    if source.codec not in SELECTABLE_CODECS:
        raise InvalidParameter(
            f"Mask selection needs H.264 or H.265 video; this video is {source.codec}."
        )
