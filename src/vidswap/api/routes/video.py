"""GET /openapi/v2/video/result/{video_id}, and the generation endpoints not enabled yet."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from vidswap.api.deps import Reader, Svc, Writer
from vidswap.api.schemas import Envelope, VideoResultResp, ok
from vidswap.domain import jobs
from vidswap.errors import FeatureNotEnabled
from vidswap.storage.tables import Job

router = APIRouter(tags=["video"])
Endpoint = Callable[..., Awaitable[Any]]

STATUS = {"queued": 5, "running": 5, "succeeded": 1, "moderated": 7, "failed": 8, "deleted": 6}

NOT_ENABLED_POST = {
    "/video/text/generate": "text-to-video",
    "/video/img/generate": "image-to-video",
    "/video/transition/generate": "transition",
    "/video/lip_sync/generate": "lip sync",
    "/video/extend/generate": "extend",
    "/video/sound_effect/generate": "sound effect",
    "/video/fusion/generate": "fusion",
    "/video/restyle/generate": "restyle",
    "/video/multi_transition/generate": "multi-transition",
    "/video/mask/selection": "mask selection",
    "/video/swap/generate": "swap",
}
NOT_ENABLED_GET = {
    "/video/lip_sync/tts_list": "lip sync",
    "/video/restyle/list": "restyle",
}


def _time(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else ""


def result_of(svc_url: str, job: Job) -> VideoResultResp:
    res = job.result
    return VideoResultResp(
        id=job.id,
        status=STATUS[job.status],
        url=svc_url if job.status == "succeeded" else "",
        outputWidth=int(res.get("width", 0)),
        outputHeight=int(res.get("height", 0)),
        size=int(res.get("size", 0)),
        seed=int(job.params.get("seed", 0)),
        prompt=str(job.params.get("prompt", "")),
        negative_prompt=str(job.params.get("negative_prompt", "")),
        style=str(job.params.get("style", "")),
        resolution_ratio=int(res.get("height", 0)),
        create_time=_time(job.created_at),
        modify_time=_time(job.updated_at),
        progress=job.progress,
        has_audio=bool(res.get("has_audio", False)),
        credits=job.credits,
        err_msg=job.error,
    )


@router.get("/video/result/{video_id}", response_model=Envelope[VideoResultResp])
async def result(video_id: int, svc: Svc, caller: Reader) -> dict[str, object]:
    job = await run_in_threadpool(jobs.get, svc.db, caller.account_id, video_id)
    key = job.result.get("video_key")
    url = svc.blobs.url(str(key)) if key else ""
    return ok(result_of(url, job))


def _not_enabled_post(feature: str) -> Endpoint:
    async def endpoint(caller: Writer) -> dict[str, object]:
        raise FeatureNotEnabled(feature)

    return endpoint


def _not_enabled_get(feature: str) -> Endpoint:
    async def endpoint(caller: Reader) -> dict[str, object]:
        raise FeatureNotEnabled(feature)

    return endpoint


for _path, _feature in NOT_ENABLED_POST.items():
    router.add_api_route(
        _path, _not_enabled_post(_feature), methods=["POST"], summary=f"{_feature} (not enabled)"
    )
for _path, _feature in NOT_ENABLED_GET.items():
    router.add_api_route(
        _path, _not_enabled_get(_feature), methods=["GET"], summary=f"{_feature} (not enabled)"
    )
