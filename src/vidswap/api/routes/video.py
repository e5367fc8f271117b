"""GET /openapi/v2/video/result/{video_id}, and the generation endpoints not enabled yet."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import bindparam, select

from vidswap.api.deps import Reader, Writer, account_of, run_read, services_of
from vidswap.api.schemas import Envelope, VideoResultResp, ok
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
}
NOT_ENABLED_GET = {
    "/video/lip_sync/tts_list": "lip sync",
    "/video/restyle/list": "restyle",
}


def _time(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else ""


def result_of(url: str, job: dict[str, Any]) -> dict[str, Any]:
    """The wire form of a job row (the fields of `VideoResultResp`, built as a plain dict
    because this runs on every poll)."""
    res, params = job["result"], job["params"]
    return {
        "id": job["id"],
        "status": STATUS[job["status"]],
        "url": url if job["status"] == "succeeded" else "",
        "outputWidth": int(res.get("width", 0)),
        "outputHeight": int(res.get("height", 0)),
        "size": int(res.get("size", 0)),
        "seed": int(params.get("seed", 0)),
        "prompt": str(params.get("prompt", "")),
        "negative_prompt": str(params.get("negative_prompt", "")),
        "style": str(params.get("style", "")),
        "resolution_ratio": int(res.get("height", 0)),
        "create_time": _time(job["created_at"]),
        "modify_time": _time(job["updated_at"]),
        "progress": job["progress"],
        "has_audio": bool(res.get("has_audio", False)),
        "credits": job["credits"],
        "err_msg": job["error"],
        "method": str(res.get("method", "")),
        **coverage_of(res),
    }


def coverage_of(res: dict[str, Any]) -> dict[str, Any]:
    """The swap's frame counts; null (and no note) for a job that has none yet, or ran
    before swaps counted them."""
    swapped = res.get("swapped_frames")
    return {
        "swapped_frames": None if swapped is None else int(swapped),
        "total_frames": None if swapped is None else int(res.get("total_frames", 0)),
        "coverage_note": str(res.get("coverage_note", "")),
    }


_JOB_BY_ID = select(Job.__table__).where(Job.__table__.c.id == bindparam("video_id"))
MAX_ID = 2**63 - 1  # BIGINT; larger numbers name no job and must not reach the driver

# Clients poll this route, so it reads its two inputs from the request itself: FastAPI's
# parameter and dependency machinery cost more than the rest of the request together
# (bench/result_rps.py). The schema below documents them for /docs all the same.
RESULT_DOC: dict[str, Any] = {
    "parameters": [
        {"name": "video_id", "in": "path", "required": True, "schema": {"type": "integer"}},
        {"name": "API-KEY", "in": "header", "required": True, "schema": {"type": "string"}},
    ]
}


def _job_of(db: Database, account_id: int, job_id: int) -> dict[str, Any]:
    """One indexed read through a hot query: clients poll this endpoint."""
    job = db.hot(_JOB_BY_ID).first(video_id=job_id) if 0 < job_id <= MAX_ID else None
    if job is None or job["account_id"] != account_id:
        raise NotFound(f"No video with id {job_id}.")
    return job


@router.get(
    "/video/result/{video_id}", response_model=Envelope[VideoResultResp], openapi_extra=RESULT_DOC
)
async def result(request: Request) -> Response:
    svc = services_of(request)
    account_id = await account_of(svc, request.headers.get("api-key"))
    try:
        job_id = int(request.path_params["video_id"])
    except ValueError:
        raise WrongParameterType("The parameter video_id has the wrong type.") from None
    job = await run_read(svc.db, _job_of, svc.db, account_id, job_id)
    key = job["result"].get("video_key")
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
