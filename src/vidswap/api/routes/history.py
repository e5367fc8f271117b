"""GET /openapi/v2/video/list (ours, not PixVerse's): an account's recent swaps, newest
first, each as the result endpoint shows it, for the web page's job list."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from vidswap.api.deps import Reader, Svc
from vidswap.api.routes.video import result_of
from vidswap.api.schemas import Envelope, VideoListResp, ok
from vidswap.domain.swap import KIND
from vidswap.storage.blobs import LocalBlobStore
from vidswap.storage.db import Database
from vidswap.storage.tables import Job

router = APIRouter(tags=["video"])
JOBS = Job.__table__


@router.get(
    "/video/list",
    response_model=Envelope[VideoListResp],
    summary="Recent swaps of this account, newest first (a vidswap extension)",
)
async def video_list(
    svc: Svc,
    caller: Reader,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    videos, total = await run_in_threadpool(
        recent, svc.db, svc.blobs, caller.account_id, limit, offset
    )
    return ok({"videos": videos, "total": total})


def recent(
    db: Database, blobs: LocalBlobStore, account_id: int, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    mine = (JOBS.c.account_id == account_id) & (JOBS.c.kind == KIND)
    page = select(JOBS).where(mine).order_by(JOBS.c.created_at.desc(), JOBS.c.id.desc())
    with db.read() as session:
        rows = session.execute(page.limit(limit).offset(offset)).mappings().all()
        total = session.execute(select(func.count()).select_from(JOBS).where(mine)).scalar_one()
    return [_entry(blobs, dict(row)) for row in rows], int(total)


def _entry(blobs: LocalBlobStore, job: dict[str, Any]) -> dict[str, Any]:
    key, source = job["result"].get("video_key"), job["params"].get("source_key")
    entry = result_of(blobs.url(str(key)) if key else "", job)
    return entry | {
        "quality": str(job["params"].get("quality", "")),
        "mask_name": str(job["params"].get("mask_name", "")),
        "source_url": blobs.url(str(source)) if source and blobs.path(str(source)).exists() else "",
    }
