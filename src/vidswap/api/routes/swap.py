"""POST /openapi/v2/video/swap/generate (asynchronous; charged on acceptance)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from vidswap.api.deps import Services, Svc, Writer
from vidswap.api.forms import read_params
from vidswap.api.params import id_field, int_field, one_of
from vidswap.api.replay import once
from vidswap.api.schemas import Envelope, ok
from vidswap.domain import swap, videos
from vidswap.errors import InvalidParameter, MissingParameter, WrongParameterType

router = APIRouter(tags=["swap"])


class SwapResp(BaseModel):
    video_id: int
    credits: int


class SwapReq(BaseModel):
    source_video_id: int | None = Field(None, description="a video made by this server")
    video_media_id: int | None = Field(None, description="an uploaded video")
    img_id: int = Field(description="the uploaded image to swap in")
    quality: str = Field("720p", description="360p, 540p or 720p")
    keyframe_id: int = Field(1, description="the frame the mask was selected on (1 = first)")
    mask_id: str | None = Field(None, description="from mask selection; default: first person")


def _request(svc: Services, account_id: int, params: dict[str, Any]) -> swap.SwapRequest:
    field, source_id = one_of(params, "source_video_id", "video_media_id")
    img_id = id_field(params, "img_id")
    if img_id is None:
        raise MissingParameter("img_id is required: the id of an uploaded image.")
    quality = params.get("quality") or "720p"
    if not isinstance(quality, str):
        raise WrongParameterType("The parameter quality must be a string such as 720p.")
    swap.check_quality(svc.settings, quality)
    keyframe = int_field(params, "keyframe_id", default=1) or 0
    if keyframe < 1:
        raise InvalidParameter("keyframe_id starts at 1 (the first frame).")
    mask_id = params.get("mask_id")
    if isinstance(mask_id, bool) or not isinstance(mask_id, str | int | None):
        raise WrongParameterType("The parameter mask_id must be a string.")
    source = videos.resolve(svc.db, svc.blobs, account_id, field, source_id)
    return swap.SwapRequest(source, img_id, quality, keyframe, str(mask_id) if mask_id else None)


def _generate(svc: Services, account_id: int, params: dict[str, Any]) -> dict[str, Any]:
    job = swap.submit(svc.db, svc.settings, account_id, _request(svc, account_id, params))
    svc.executor.submit(job.id)
    return ok(SwapResp(video_id=job.id, credits=job.credits))


@router.post(
    "/video/swap/generate",
    response_model=Envelope[SwapResp],
    openapi_extra={
        "requestBody": {"content": {"application/json": {"schema": SwapReq.model_json_schema()}}}
    },
    summary="Swap a masked subject or the background for an image; poll /video/result",
)
async def swap_generate(request: Request, svc: Svc, caller: Writer) -> dict[str, Any]:
    async def work() -> dict[str, Any]:
        params = await read_params(request)
        return await run_in_threadpool(_generate, svc, caller.account_id, params)

    return await once(svc, caller, work)
