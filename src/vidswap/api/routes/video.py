"""GET /openapi/v2/video/result/{video_id}, and the generation endpoints not enabled yet."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Row, bindparam, select

from vidswap.api.deps import ApiKeyHeader, Reader, Svc, Writer, run_read
from vidswap.api.schemas import Envelope, VideoResultResp, ok
from vidswap.domain import accounts
from vidswap.errors import FeatureNotEnabled, NotFound, WrongParameterType
from vidswap.storage.db import Database
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


def result_of(svc_url: str, job: Job | Row[Any]) -> VideoResultResp:
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


_JOB_BY_ID = select(Job.__table__).where(Job.__table__.c.id == bindparam("video_id"))
MAX_ID = 2**63 - 1  # BIGINT; larger numbers name no job and must not reach the driver

# Parsed by `_job_of` after the key is checked, so a bad key is a 401 whatever the id.
VideoId = Annotated[str, Path(description="A video id", json_schema_extra={"type": "integer"})]


def _job_of(db: Database, api_key: str | None, video_id: str) -> Row[Any]:
    """Authenticates and reads the job on one connection, in one trip off the event loop.

    Clients poll this endpoint, so it skips the ORM (a Core row has the same attributes).
    """
    with db.engine.connect() as conn:
        account_id = accounts.authenticate_on(conn, api_key)
        try:
            job_id = int(video_id)
        except ValueError:
            raise WrongParameterType("The parameter video_id has the wrong type.") from None
        job = None
        if 0 < job_id <= MAX_ID:
            job = conn.execute(_JOB_BY_ID, {"video_id": job_id}).first()
    if job is None or job.account_id != account_id:
        raise NotFound(f"No video with id {job_id}.")
    return job


@router.get("/video/result/{video_id}", response_model=Envelope[VideoResultResp])
async def result(video_id: VideoId, svc: Svc, api_key: ApiKeyHeader = None) -> Response:
    job = await run_read(svc.db, _job_of, svc.db, api_key, video_id)
    key = job.result.get("video_key")
    url = svc.blobs.url(str(key)) if key else ""
    # Built from the schema already, so skip FastAPI's second validation of the same dict.
    return JSONResponse(ok(result_of(url, job)))


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
