"""Signed, expiring blob downloads with HTTP Range (local storage only)."""

from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse

from vidswap.api.deps import Svc
from vidswap.errors import InvalidParameter, NotFound

router = APIRouter(tags=["files"], include_in_schema=False)

MEDIA_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "webp": "image/webp",
    "mp4": "video/mp4",
    "webm": "video/webm",
    "mp3": "audio/mpeg",
    "wav": "audio/wav",
    "m4a": "audio/mp4",
    "aac": "audio/aac",
}


class LinkExpired(InvalidParameter):
    http_status = 403
    default_message = "This download link is invalid or has expired."


class FileGone(NotFound):
    http_status = 404
    default_message = "The file no longer exists."


@router.api_route("/files/{key:path}", methods=["GET", "HEAD"])
def download(key: str, svc: Svc, expires: str = Query(""), sig: str = Query("")) -> FileResponse:
    if not svc.blobs.verify(key, expires, sig):
        raise LinkExpired()
    try:
        path = svc.blobs.path(key)
    except KeyError:
        raise LinkExpired() from None
    if not path.is_file():
        raise FileGone()
    media_type = MEDIA_TYPES.get(path.suffix.lstrip("."), "application/octet-stream")
    return FileResponse(path, media_type=media_type)
