"""The API's endpoints as `Call`s, and upload sources read into bytes, shared by both
clients. Arguments are checked here, before anything is sent."""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any

from vidswap.client._transport import Call, model, post, raw
from vidswap.client.models import (
    Balance,
    ImageUpload,
    MaskSelection,
    MediaUpload,
    SwapJob,
    VideoResult,
)

API = "/openapi/v2"
Source = str | os.PathLike[str] | bytes | IO[bytes]

# Names for raw bytes by their magic numbers: the server reads the content, but a host
# that looks at the file name (PixVerse's cloud may) gets a sensible extension.
_MAGIC = ((b"\x89PNG", "image.png"), (b"\xff\xd8\xff", "image.jpg"), (b"ID3", "audio.mp3"))
_RIFF = {b"WEBP": "image.webp", b"WAVE": "audio.wav"}


def _name_for(data: bytes) -> str:
    for magic, name in _MAGIC:
        if data.startswith(magic):
            return name
    if data.startswith(b"RIFF"):
        return _RIFF.get(data[8:12], "upload.bin")
    if data[4:8] == b"ftyp":
        return "video.mp4"
    if data.startswith(b"\x1a\x45\xdf\xa3"):
        return "video.webm"
    return "upload.bin"


def _content(src: Source) -> tuple[str, bytes]:
    """(file name, bytes) of a path, bytes or binary file. Read once, so that every retry
    sends the whole file again."""
    if isinstance(src, bytes | bytearray | memoryview):
        data = bytes(src)
        return _name_for(data), data
    if isinstance(src, str | os.PathLike):
        path = Path(src)
        return path.name, path.read_bytes()
    data = src.read()
    if not isinstance(data, bytes):
        raise TypeError("upload a file opened in binary mode ('rb')")
    name = getattr(src, "name", None)
    return (Path(name).name if isinstance(name, str) else _name_for(data)), data


def _upload(field: str, url_field: str, src: Source) -> dict[str, Any]:
    """Multipart fields: the file, or an http(s) URL for the server to fetch."""
    if isinstance(src, str) and src.startswith(("http://", "https://")):
        return {url_field: (None, src)}
    return {field: _content(src)}


def upload_image(src: Source, trace_id: str | None) -> Call[ImageUpload]:
    files = _upload("image", "image_url", src)
    return post(f"{API}/image/upload", model(ImageUpload), trace_id, files=files)


def upload_media(src: Source, trace_id: str | None) -> Call[MediaUpload]:
    files = _upload("file", "file_url", src)
    return post(f"{API}/media/upload", model(MediaUpload), trace_id, files=files)


def _video(video_media_id: int | None, source_video_id: int | None) -> dict[str, int]:
    ids = {"video_media_id": video_media_id, "source_video_id": source_video_id}
    chosen = {name: value for name, value in ids.items() if value is not None}
    if len(chosen) != 1:
        raise ValueError("give exactly one of video_media_id and source_video_id")
    return chosen


def select_masks(
    video_media_id: int | None, source_video_id: int | None, keyframe_id: int, trace_id: str | None
) -> Call[MaskSelection]:
    body = {**_video(video_media_id, source_video_id), "keyframe_id": keyframe_id}
    return post(f"{API}/video/mask/selection", model(MaskSelection), trace_id, json=body)


def swap(
    img_id: int,
    video_media_id: int | None,
    source_video_id: int | None,
    quality: str,
    keyframe_id: int,
    mask_id: str | None,
    trace_id: str | None,
) -> Call[SwapJob]:
    body: dict[str, Any] = {**_video(video_media_id, source_video_id), "img_id": img_id}
    body.update(quality=quality, keyframe_id=keyframe_id)
    if mask_id is not None:
        body["mask_id"] = mask_id
    return post(f"{API}/video/swap/generate", model(SwapJob), trace_id, json=body)


def balance() -> Call[Balance]:
    return Call("GET", f"{API}/account/balance", model(Balance))


def result(video_id: int) -> Call[VideoResult]:
    return Call("GET", f"{API}/video/result/{int(video_id)}", model(VideoResult))


def video_id(ref: int | str) -> int | None:
    """The video id in `download`'s argument (an int or digits), or None for a URL."""
    return int(ref) if isinstance(ref, int) or ref.isdigit() else None


def fetch(url: str) -> Call[bytes]:
    return Call("GET", url, raw, api=False)
