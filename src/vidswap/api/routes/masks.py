"""POST /openapi/v2/video/mask/selection (synchronous; 2 credits)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from vidswap.api.deps import Services, Svc, Writer
from vidswap.api.forms import read_params
from vidswap.api.params import int_field, one_of
from vidswap.api.replay import once
from vidswap.api.schemas import Envelope, ok
from vidswap.domain import masks, videos
from vidswap.errors import InvalidParameter

router = APIRouter(tags=["swap"])


class MaskInfo(BaseModel):
    mask_id: str
    mask_name: str = Field(description="person, object or background")
    mask_url: str = Field(description="PNG the size of the keyframe, 255 = selected")
    bbox: list[int] = Field(description="x, y, width, height (vidswap extension)")
    area: int = Field(description="selected pixels (vidswap extension)")


class MaskSelectionResp(BaseModel):
    keyframe_id: int
    keyframe_url: str
    credits: int
    mask_info: list[MaskInfo]


class MaskSelectionReq(BaseModel):
    source_video_id: int | None = Field(None, description="a video made by this server")
    video_media_id: int | None = Field(None, description="an uploaded video")
    keyframe_id: int = Field(1, description="1 = first frame")


def _select(svc: Services, account_id: int, params: dict[str, Any]) -> dict[str, Any]:
    field, source_id = one_of(params, "source_video_id", "video_media_id")
    keyframe = int_field(params, "keyframe_id", default=1) or 0
    if keyframe < 1:
        raise InvalidParameter("keyframe_id starts at 1 (the first frame).")
    source = videos.resolve(svc.db, svc.blobs, account_id, field, source_id)
    sel = masks.select_masks(svc.db, svc.blobs, svc.engines, account_id, source, keyframe)
    info = [
        MaskInfo(
            mask_id=m.id,
            mask_name=m.name,
            mask_url=svc.blobs.url(m.blob_key),
            bbox=m.bbox,
            area=m.area,
        )
        for m in sel.masks
    ]
    resp = MaskSelectionResp(
        keyframe_id=sel.keyframe,
        keyframe_url=svc.blobs.url(sel.frame_key),
        credits=sel.credits,
        mask_info=info,
    )
    return ok(resp)


@router.post(
    "/video/mask/selection",
    response_model=Envelope[MaskSelectionResp],
    openapi_extra={
        "requestBody": {
            "content": {"application/json": {"schema": MaskSelectionReq.model_json_schema()}}
        }
    },
    summary="Candidate masks (people, objects, background) on a keyframe; 2 credits",
)
async def mask_selection(request: Request, svc: Svc, caller: Writer) -> dict[str, Any]:
    async def work() -> dict[str, Any]:
        params = await read_params(request)
        return await run_in_threadpool(_select, svc, caller.account_id, params)

    return await once(svc, caller, work)
