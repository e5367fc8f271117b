"""GET /healthz: is the database reachable, how are the workers configured."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from vidswap import __version__
from vidswap.api.deps import Svc

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(svc: Svc) -> dict[str, object]:
    def ping() -> str:
        with svc.db.read() as session:
            session.execute(text("SELECT 1"))
        return "ok"

    try:
        database = await run_in_threadpool(ping)
    except Exception as exc:
        database = f"error: {type(exc).__name__}"
    return {
        "status": "ok" if database == "ok" else "degraded",
        "version": __version__,
        "database": database,
        "database_kind": "sqlite" if svc.db.is_sqlite else "postgresql",
        "executor": svc.settings.executor,
        "workers": svc.settings.workers,
        "engines": svc.engines.loaded(),
    }
