"""POST /openapi/v2/image/upload and /openapi/v2/media/upload (file or URL)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from vidswap.api.deps import Caller, Services, Svc, Writer
from vidswap.api.forms import Source, stage_request
from vidswap.api.replay import once
from vidswap.api.schemas import Envelope, ImageUploadResp, MediaUploadResp, ok
from vidswap.config import Settings
from vidswap.domain import uploads
from vidswap.storage.blobs import LocalBlobStore
from vidswap.storage.db import Database

router = APIRouter(tags=["uploads"])


def _doc(file_field: str, url_field: str) -> dict[str, Any]:
    props = {file_field: {"type": "string", "format": "binary"}, url_field: {"type": "string"}}
    schema = {"type": "object", "properties": props}
    return {"requestBody": {"content": {"multipart/form-data": {"schema": schema}}}}


Save = Callable[[Database, LocalBlobStore, Settings, int, Path], uploads.Stored]


async def _upload(
    request: Request, svc: Services, caller: Caller, source: Source, save: Save
) -> dict[str, Any]:
    """Stage the file or URL, validate and store it, once per Ai-trace-id."""

    async def work() -> dict[str, Any]:
        staged = await stage_request(svc, request, source)
        stored = await run_in_threadpool(
            save, svc.db, svc.blobs, svc.settings, caller.account_id, staged
        )
        return {
            "id": stored.id,
            "url": stored.url,
            "media_type": stored.media_type,
            "video": stored.video,
        }

    return await once(svc, caller, work)


@router.post(
    "/image/upload",
    response_model=Envelope[ImageUploadResp],
    openapi_extra=_doc("image", "image_url"),
    summary="Upload an image (PNG, JPEG, WebP; at most 20 MB and 4000 px a side)",
)
async def upload_image(request: Request, svc: Svc, caller: Writer) -> dict[str, Any]:
    source = Source(
        "image",
        "image_url",
        svc.settings.image_max_bytes,
        lambda size: uploads.image_too_large(svc.settings, size),
    )
    save = partial(uploads.save_image, engines=svc.engines)  # moderation, in the thread pool
    stored = await _upload(request, svc, caller, source, save)
    return ok(ImageUploadResp(img_id=stored["id"], img_url=stored["url"]))


@router.post(
    "/media/upload",
    response_model=Envelope[MediaUploadResp],
    openapi_extra=_doc("file", "file_url"),
    summary="Upload a video (mp4, mov, webm) or audio (mp3, wav, m4a, aac); 50 MB, 30 s",
)
async def upload_media(request: Request, svc: Svc, caller: Writer) -> dict[str, Any]:
    source = Source(
        "file",
        "file_url",
        svc.settings.media_max_bytes,
        lambda size: uploads.media_too_large(svc.settings, size),
    )
    stored = await _upload(request, svc, caller, source, uploads.save_media)
    resp = MediaUploadResp(
        media_id=stored["id"],
        media_type=stored["media_type"],
        url=stored["url"],
        **(stored.get("video") or {}),
    )
    return ok(resp)
